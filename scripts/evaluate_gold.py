"""Evaluate the default tagging decisions against a gold file of labelled role strings.

    python scripts/evaluate_gold.py [../shared/gold/roles-dev.tsv] [--json]

Every gold string is put, as a contributor role with its language, into one JATS 1.3 article; the
article goes through the tool's whole flow with default options (no qualifier of the article, its
version or markup favours any string). A string counts as tagged when its finding is ``tagged``.

* precision: tagged strings whose term is the gold label (a single slug), over all tagged strings;
* recall: strings of kind exact, variant, translation or qualified tagged with their gold slug;
* degree: qualified strings whose degree equals the gold degree (``ambiguous`` gold means no
  single degree may be given).

Figures are given over distinct strings and over occurrences (the gold ``count`` column).
Exit status 0 when precision is 100 %, recall >= 97 % and degree >= 95 % (where there are
qualified rows), else 1.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from jats_enrich.pipeline import Enricher

DEFAULT_GOLD = Path(__file__).resolve().parents[2] / "shared" / "gold" / "roles-dev.tsv"
RECALL_KINDS = ("exact", "variant", "translation", "qualified")
TARGETS = {"precision": 1.0, "recall": 0.97, "degree": 0.95}


def read_gold(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def article_of(rows: list[dict[str, str]]) -> bytes:
    roles = "\n".join(
        f"<role{' xml:lang=' + quoteattr(row['lang']) if row['lang'] else ''}>{escape(row['text'])}</role>"
        for row in rows
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<article dtd-version="1.3"><front><article-meta>'
        f'<contrib-group><contrib contrib-type="author">\n{roles}\n</contrib></contrib-group>'
        "</article-meta></front></article>"
    ).encode()


def evaluate(rows: list[dict[str, str]]) -> dict[str, object]:
    result = Enricher().enrich_bytes(article_of(rows), "gold")
    if result.report.error:
        raise SystemExit(f"evaluate_gold: {result.report.error}")
    findings = result.report.findings
    assert len(findings) == len(rows), "one finding per gold string"

    distinct: Counter[str] = Counter()
    weighted: Counter[str] = Counter()
    wrong, missed, degree_wrong = [], [], []
    for row, finding in zip(rows, findings, strict=True):
        count = int(row["count"] or 1)
        gold = set(filter(None, row["slug"].split("|")))
        tagged = finding.outcome.value == "tagged"
        slug = finding.identifier.rstrip("/").rsplit("/", 1)[-1] if tagged and finding.identifier else None
        correct = tagged and gold == {slug}

        def add(key: str, count: int = count) -> None:
            distinct[key] += 1
            weighted[key] += count

        if tagged:
            add("tagged")
            if correct:
                add("tagged_correct")
            else:
                wrong.append({"text": row["text"], "tagged": slug, "gold": row["slug"]})
        if row["kind"] in RECALL_KINDS:
            add("recall_rows")
            if correct:
                add("recall_hits")
            else:
                missed.append({"text": row["text"], "outcome": finding.outcome.value, "gold": row["slug"]})
        if row["kind"] == "qualified":
            add("qualified")
            expected = None if row["degree"] in ("", "ambiguous") else row["degree"]
            if finding.degree == expected:
                add("degree_right")
            else:
                degree_wrong.append({"text": row["text"], "degree": finding.degree, "gold": row["degree"]})

    def ratio(counts: Counter[str], hits: str, total: str) -> float | None:
        return counts[hits] / counts[total] if counts[total] else None

    figures = {
        name: {
            "precision": ratio(counts, "tagged_correct", "tagged"),
            "recall": ratio(counts, "recall_hits", "recall_rows"),
            "degree": ratio(counts, "degree_right", "qualified"),
            "counts": dict(counts),
        }
        for name, counts in (("distinct", distinct), ("occurrences", weighted))
    }
    return {
        "rows": len(rows),
        "kinds": dict(Counter(row["kind"] for row in rows)),
        "figures": figures,
        "wrong_tags": wrong,
        "missed": missed,
        "degree_wrong": degree_wrong,
    }


def meets_targets(evaluation: dict[str, object]) -> bool:
    figures = evaluation["figures"]
    assert isinstance(figures, dict)
    for view in figures.values():
        for name, target in TARGETS.items():
            value = view[name]
            if value is not None and value < target:
                return False
    return True


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="?", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--json", action="store_true", help="print the evaluation as JSON")
    args = parser.parse_args(argv)
    evaluation = evaluate(read_gold(args.gold))
    if args.json:
        print(json.dumps(evaluation, ensure_ascii=False, indent=2))
    else:
        print(f"{args.gold}: {evaluation['rows']} strings; kinds {evaluation['kinds']}")
        figures = evaluation["figures"]
        assert isinstance(figures, dict)
        for name, view in figures.items():
            c = view["counts"]
            print(
                f"  {name:12s} precision {_percent(view['precision'])} "
                f"({c.get('tagged_correct', 0)}/{c.get('tagged', 0)})"
                f"  recall {_percent(view['recall'])} ({c.get('recall_hits', 0)}/{c.get('recall_rows', 0)})"
                f"  degree {_percent(view['degree'])} ({c.get('degree_right', 0)}/{c.get('qualified', 0)})"
            )
        for key in ("wrong_tags", "missed", "degree_wrong"):
            for item in evaluation[key]:  # type: ignore[attr-defined]
                print(f"  {key}: {item}")
    return 0 if meets_targets(evaluation) else 1


if __name__ == "__main__":
    sys.exit(main())
