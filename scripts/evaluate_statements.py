"""Evaluate roles read from contribution statements against the hand-checked gold files.

    python scripts/evaluate_statements.py [--corpus ../shared/corpus/real] [--json]

Every corpus article goes through the tool's whole flow with default options. Predicted pairs are
the statement items reported ``tagged`` (the only ones --add-roles writes), as (file, contributor,
CRediT slug[:degree]), in two views:

* linked: statements a contributor links to with <xref> (eLife), against
  fixtures/statements/linked-statements-gold.tsv (keyed by the statement's id too);
* shared: statements keyed by initials, names or author order (PLOS, SciELO), against
  fixtures/statements/shared-statements-gold.tsv.

Precision counts every predicted pair of the corpus (a pair in an article the gold file does not
list is wrong); recall, the gold pairs predicted. Exit status 0 when both views have precision
100 % and linked recall >= 98 %, else 1.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from jats_enrich.pipeline import Enricher
from jats_enrich.report.model import ArticleReport

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "fixtures" / "statements"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "real"
TARGETS = {"linked": {"precision": 1.0, "recall": 0.98}, "shared": {"precision": 1.0, "recall": 0.0}}
CREDIT = "https://credit.niso.org/contributor-roles/"

Pair = tuple[str, ...]


def read_gold(path: Path, linked: bool) -> Counter[Pair]:
    pairs: Counter[Pair] = Counter()
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            where = (row["file"], row["contrib"], row["fn"]) if linked else (row["file"], row["contrib"])
            for slug in row["expected"].split():
                pairs[(*where, slug)] += 1
    return pairs


def predicted(report: ArticleReport, name: str) -> dict[str, Counter[Pair]]:
    pairs: dict[str, Counter[Pair]] = {"linked": Counter(), "shared": Counter()}
    for entry in report.statements:
        if entry.contributor_id is None:
            continue
        view = "linked" if entry.layout == "linked" else "shared"
        where = (
            (name, entry.contributor_id, entry.statement_id or "") if view == "linked" else (name, entry.contributor_id)
        )
        for item in entry.items:
            if item.outcome.value == "tagged" and item.term is not None:
                slug = item.term.identifier.removeprefix(CREDIT).strip("/")
                pairs[view][(*where, f"{slug}:{item.degree}" if item.degree else slug)] += 1
    return pairs


def figures(gold: Counter[Pair], found: Counter[Pair]) -> dict[str, Any]:
    correct = sum((gold & found).values())
    return {
        "gold_pairs": sum(gold.values()),
        "predicted_pairs": sum(found.values()),
        "correct_pairs": correct,
        "precision": correct / sum(found.values()) if found else 1.0,
        "recall": correct / sum(gold.values()) if gold else 1.0,
        "wrong": sorted("\t".join(p) for p in (found - gold)),
        "missed": sorted("\t".join(p) for p in (gold - found)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    gold = {
        "linked": read_gold(GOLD / "linked-statements-gold.tsv", linked=True),
        "shared": read_gold(GOLD / "shared-statements-gold.tsv", linked=False),
    }
    found: dict[str, Counter[Pair]] = {"linked": Counter(), "shared": Counter()}
    enricher = Enricher()
    articles = sorted(args.corpus.glob("*.xml"))
    for path in articles:
        report = enricher.enrich_path(path).report
        if report.error:
            raise SystemExit(f"{path.name}: {report.error}")
        for view, pairs in predicted(report, path.name).items():
            found[view] += pairs
    result = {"articles": len(articles), **{view: figures(gold[view], found[view]) for view in gold}}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"articles: {len(articles)}")
        for view in gold:
            f = result[view]
            print(
                f"{view}: {f['correct_pairs']} of {f['predicted_pairs']} predicted pairs right, "
                f"{f['gold_pairs']} gold pairs; precision {f['precision']:.2%}, recall {f['recall']:.2%}"
            )
            for label in ("wrong", "missed"):
                for line in f[label]:
                    print(f"  {label}: {line}")
    met = all(result[view][k] >= v for view, targets in TARGETS.items() for k, v in targets.items())
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
