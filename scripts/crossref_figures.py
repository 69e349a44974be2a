"""The figures of export crossref on a folder of articles (the real corpus by default): contributors
exported, CRediT and Crossref roles carried, what was not carried and why, deposits written.

    .venv/bin/python scripts/crossref_figures.py [FOLDER] [--add-roles]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

from jats_enrich.config import EnrichOptions
from jats_enrich.pipeline import Enricher
from jats_enrich.write.crossref_deposit import Depositor

ROOT = Path(__file__).resolve().parents[1]
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")  # values named in a reason, so that reasons group
DEPOSITOR = Depositor(
    depositor_name="Figures",
    email_address="figures@journal.example",
    registrant="jats-enrich",
    resource="https://journal.example/article/{doi}",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT.parent / "shared" / "corpus" / "real")
    parser.add_argument("--add-roles", action="store_true")
    args = parser.parse_args()
    enricher = Enricher(EnrichOptions(add_roles=args.add_roles))
    totals: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for path in sorted(args.folder.glob("*.xml")):
        result = enricher.export_crossref(path.read_bytes(), path.name, DEPOSITOR, 20260101000000)
        report = result.report
        totals["articles"] += 1
        totals["failed"] += report.error is not None
        totals["contributors"] += report.contributors
        totals["credit roles"] += report.credit_roles
        totals["crossref roles"] += report.crossref_roles
        totals["not carried"] += report.not_carried
        totals["deposits"] += result.deposit is not None
        for finding in report.findings:
            kind = "role" if finding.role else "contributor" if finding.contributor else "article"
            reasons[f"{kind}: {QUOTED.sub('…', finding.reason)}"] += 1
        for missing in report.deposit_missing:
            reasons[f"no deposit: {missing.split('(')[0].strip()}"] += 1
    for name, count in totals.items():
        print(f"{name:>16}: {count:,}")
    print("why:")
    for reason, count in reasons.most_common():
        print(f"{count:>8,}  {reason}")


if __name__ == "__main__":
    main()
