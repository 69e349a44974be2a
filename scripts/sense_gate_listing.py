"""List every keyword and subject that a sense-gated dictionary tagged or withheld, with the
evidence that admitted it and the article's title, for a reviewer to judge each.

    python scripts/sense_gate_listing.py [FOLDER] [--vocab credit --vocab casrai]

FOLDER defaults to ../shared/corpus/real. One tab-separated line per finding: file, element,
outcome, text, term, evidence (or the note of a withheld one), title.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lxml import etree

from jats_enrich.article.targets import string_value
from jats_enrich.config import EnrichOptions
from jats_enrich.pipeline import Enricher

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"
PARSER = etree.XMLParser(load_dtd=False, resolve_entities=False, no_network=True, recover=True)


def title_of(path: Path) -> str:
    root = etree.parse(str(path), PARSER).getroot()
    found = root.find(".//article-meta/title-group/article-title")
    return string_value(found) if found is not None else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--vocab", action="append", default=None)
    args = parser.parse_args()
    enricher = Enricher(EnrichOptions(vocabularies=tuple(args.vocab or ("credit", "casrai"))))
    for path in sorted(args.folder.rglob("*.xml")):
        report = enricher.enrich_path(path).report
        for f in report.findings:
            gated = f.outcome.value == "withheld" or (f.evidence and f.element != "role")
            if not gated:
                continue
            why = "; ".join(f"{e.source}: {e.text}" + (f" [{e.cue}]" if e.cue else "") for e in f.evidence)
            print(
                "\t".join(
                    [path.name, f.element, f.outcome.value, f.text, f.term or "", why or f.note or "", title_of(path)]
                )
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
