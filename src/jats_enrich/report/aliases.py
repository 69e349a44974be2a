"""The reviewers' feedback loop: unmatched strings out to a spreadsheet, their answers back in.

``aliases_table`` lists a report's unmatched strings (grouped by normalised text, most frequent
first) with an empty ``term`` column. A reviewer writes, for the strings that deserve it, the term
they mean (its label, an alias or its identifier; ``vocab`` when two dictionaries share it).
reviewed_aliases.py reads the filled table back for the next run.

The table is written spreadsheet-safe and read back as written (see dictionaries/csv_format.py): a cell
beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets one apostrophe before
it (``'-x``), which the reader takes off again, as it does where a reviewer typed one.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from jats_enrich.dictionaries.csv_format import spreadsheet_row
from jats_enrich.match.qualifiers import split_qualifier
from jats_enrich.report.model import Report
from jats_enrich.text import normalize

COLUMNS = ("text", "count", "elements", "lang", "closest_term", "score", "term", "vocab")
UNMATCHED = ("unmatched", "suggestion", "compound", "ambiguous")


@dataclass
class _Group:
    texts: Counter[str] = field(default_factory=Counter)
    elements: set[str] = field(default_factory=set)
    langs: set[str] = field(default_factory=set)
    closest: str = ""
    score: float = -1.0


def aliases_table(report: Report) -> str:
    """The CSV a reviewer fills in: one row per unmatched string, by normalised text."""
    groups: dict[str, _Group] = defaultdict(_Group)
    for article in report.articles:
        for f in article.findings:
            if f.outcome.value not in UNMATCHED:
                continue
            # A role's degree is no part of its name: "Recursos (igual)" is listed as "Recursos",
            # whose alias then matches it with any degree (the degree is read off as before).
            text = split_qualifier(f.text)[0] if f.element == "role" else f.text
            group = groups[normalize(text, f.lang) or text]
            group.texts[text] += 1
            group.elements.add(f.element)
            if f.lang:
                group.langs.add(f.lang)
            if f.suggestions and f.suggestions[0].score > group.score:
                group.closest, group.score = f.suggestions[0].term, f.suggestions[0].score
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for _key, group in sorted(groups.items(), key=lambda item: (-item[1].texts.total(), item[0])):
        writer.writerow(
            spreadsheet_row(
                [
                    group.texts.most_common(1)[0][0],
                    group.texts.total(),
                    " ".join(sorted(group.elements)),
                    " ".join(sorted(group.langs)),
                    group.closest,
                    f"{group.score:g}" if group.score >= 0 else "",
                    "",
                    "",
                ]
            )
        )
    return out.getvalue()
