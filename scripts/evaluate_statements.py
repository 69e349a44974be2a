"""Evaluate roles read from linked contribution statements against the hand-checked gold file.

    python scripts/evaluate_statements.py [fixtures/statements/linked-statements-gold.tsv]
        [--corpus ../shared/corpus/real] [--json]

Each article of the gold file goes through the tool's whole flow with default options. For every
contributor linked to a statement by <xref>, the predicted pairs are the statement's items
reported ``tagged`` (the only ones --add-roles writes), as (file, contributor, statement, CRediT
slug, degree); the gold pairs are the file's ``expected`` column.

* precision: predicted pairs that are gold pairs, over all predicted pairs of linked statements
  in those articles (rows the gold file does not list count as wrong);
* recall: gold pairs predicted.

Exit status 0 when precision is 100 % and recall >= 98 %, else 1.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from pathlib import Path

from jats_enrich.pipeline import Enricher

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_GOLD = ROOT / "fixtures" / "statements" / "linked-statements-gold.tsv"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "real"
TARGETS = {"precision": 1.0, "recall": 0.98}
CREDIT = "https://credit.niso.org/contributor-roles/"

Pair = tuple[str, str, str, str]  # file, contributor, statement id, slug[:degree]


def gold_pairs(path: Path) -> tuple[Counter[Pair], set[str]]:
    pairs: Counter[Pair] = Counter()
    files: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            files.add(row["file"])
            for slug in row["expected"].split():
                pairs[(row["file"], row["contrib"], row["fn"], slug)] += 1
    return pairs, files


def predicted_pairs(files: set[str], corpus: Path) -> Counter[Pair]:
    enricher = Enricher()
    pairs: Counter[Pair] = Counter()
    for name in sorted(files):
        report = enricher.enrich_path(corpus / name).report
        if report.error:
            raise SystemExit(f"{name}: {report.error}")
        for entry in report.statements:
            if entry.layout != "linked" or entry.contributor_id is None:
                continue
            for item in entry.items:
                if item.outcome.value != "tagged" or item.term is None:
                    continue
                slug = item.term.identifier.removeprefix(CREDIT).strip("/")
                label = f"{slug}:{item.degree}" if item.degree else slug
                pairs[(name, entry.contributor_id, entry.statement_id or "", label)] += 1
    return pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gold", nargs="?", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    gold, files = gold_pairs(args.gold)
    predicted = predicted_pairs(files, args.corpus)
    correct = sum((gold & predicted).values())
    figures = {
        "articles": len(files),
        "gold_pairs": sum(gold.values()),
        "predicted_pairs": sum(predicted.values()),
        "correct_pairs": correct,
        "precision": correct / sum(predicted.values()) if predicted else 1.0,
        "recall": correct / sum(gold.values()) if gold else 1.0,
        "wrong": sorted("\t".join(p) for p in (predicted - gold)),
        "missed": sorted("\t".join(p) for p in (gold - predicted)),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key in ("articles", "gold_pairs", "predicted_pairs", "correct_pairs"):
            print(f"{key}: {figures[key]}")
        print(f"precision: {figures['precision']:.2%}  recall: {figures['recall']:.2%}")
        for label in ("wrong", "missed"):
            for line in figures[label]:  # type: ignore[union-attr]
                print(f"{label}: {line}")
    met = all(figures[k] >= v for k, v in TARGETS.items())  # type: ignore[operator]
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
