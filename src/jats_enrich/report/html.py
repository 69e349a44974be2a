"""The HTML report for QA reviewers: one self-contained file, no network, usable at 100,000 findings.

Pages: totals by outcome; unmatched strings grouped by their normalised text, with counts and the
articles they occur in; deprecated and conflicting identifiers with what replaces them; near
misses with scores; contribution statements per contributor (items, outcomes, what was written,
where statement and roles disagree); articles that failed; every finding. Tables sort by any column, filter by
text and page through the rows in the browser, from data embedded in the file (a JSON block read
by a small script). A Content-Security-Policy forbids the page every network request.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter, defaultdict
from functools import cache
from importlib.resources import files
from typing import Any

from jats_enrich.report.model import ArticleReport, Report
from jats_enrich.report.review import alias_text, terms_for_review
from jats_enrich.report.statements import StatementReport
from jats_enrich.text import normalize

IDENTIFIER_OUTCOMES = ("deprecated-identifier", "upgraded", "conflict", "deprecated")


class HtmlCollector:
    """Keeps compact rows of each article's findings, in order, for the pages."""

    def __init__(self) -> None:
        self.articles: list[list[Any]] = []  # path, doi, version, error
        self.findings: list[list[Any]] = []  # article, element, line, text, outcome, term, identifier, ...
        self.statements: list[list[Any]] = []  # one row per contributor of each contribution statement
        self.consistency: list[list[Any]] = []  # article, contributor, check, note, xpath

    def add(self, article: ArticleReport) -> None:
        index = len(self.articles)
        self.articles.append([article.path, article.doi or "", article.jats_version or "", article.error or ""])
        for f in article.findings:
            best = f.suggestions[0] if f.suggestions else None
            self.findings.append(
                [
                    index,
                    f.element,
                    f.line or 0,
                    f.text,
                    f.outcome.value,
                    f.term or "",
                    f.identifier or "",
                    f.vocab or "",
                    best.term if best else "",
                    best.score if best else None,
                    f.found_identifier or "",
                    f.note or "",
                    f.lang or "",
                    f.tier.value,
                    best.why or "" if best else "",
                    f.xpath,
                    best.vocab if best else "",
                    f.context or "",
                ]
            )
        for s in article.statements:
            self.statements.append(_statement_row(index, s))
        for c in article.consistency:
            self.consistency.append([index, c.text, c.check, c.note, c.xpath])

    def render(self, report: Report) -> str:
        data = {
            "articles": self.articles,
            "findings": self.findings,
            "unmatched": self._grouped("review"),
            "outOfScope": self._grouped("out-of-scope"),
            "identifiers": self._identifiers(),
            "suggestions": self._suggestions(),
            "statements": self.statements,
            "consistency": self.consistency,
            "terms": terms_for_review(report),
        }
        return _page(report, data)

    def _grouped(self, tier: str) -> list[list[Any]]:
        """The texts of one tier given no identity (unmatched, compound, ambiguous, withheld, near
        misses), by normalised text: shown text, count, kinds, articles, best near miss, others."""
        groups: dict[str, dict[str, Any]] = {}
        for row in self.findings:
            if row[13] != tier or row[4] not in ("unmatched", "compound", "ambiguous", "withheld", "suggestion"):
                continue
            text = alias_text(row[1], row[3])  # a role without its degree: the alias a reviewer gives
            key = normalize(text, row[12] or None) or text
            group = groups.setdefault(
                key,
                {
                    "texts": Counter(),
                    "count": 0,
                    "kinds": set(),
                    "articles": set(),
                    "best": ("", None),
                    "langs": set(),
                    "contexts": [],
                },
            )
            if row[17] and len(group["contexts"]) < 3 and row[17] not in group["contexts"]:
                group["contexts"].append(row[17])
            group["texts"][text] += 1
            group["count"] += 1
            group["kinds"].add(row[1])
            group["articles"].add(row[0])
            if row[12]:
                group["langs"].add(row[12])
            if row[9] is not None and (group["best"][1] is None or row[9] > group["best"][1]):
                group["best"] = (row[8], row[9], row[16], row[14])
            elif row[4] == "withheld" and not group["best"][0]:
                group["best"] = (f"{row[5]} (withheld)", None)  # the term it could mean, kept from the article
        rows = []
        for key, g in groups.items():
            shown = g["texts"].most_common(1)[0][0]
            others = sorted(t for t in g["texts"] if t != shown)
            rows.append(
                [
                    shown,
                    key,
                    g["count"],
                    " ".join(sorted(g["kinds"])),
                    sorted(g["articles"]),
                    g["best"][0],
                    g["best"][1],
                    others,
                    g["best"][2] if len(g["best"]) > 2 else "",
                    " ".join(sorted(g["langs"])),
                    g["contexts"],
                    g["best"][3] if len(g["best"]) > 3 else "",
                ]
            )
        rows.sort(key=lambda r: ("role" not in r[3].split(), -r[2], r[1]))  # roles first, then by frequency
        return rows

    def _identifiers(self) -> list[list[Any]]:
        """Older and conflicting identifiers: found, outcome, term now, its identifier, note, article."""
        return [
            [row[10], row[4], row[5], row[6], row[11], row[0], row[3]]
            for row in self.findings
            if row[4] in IDENTIFIER_OUTCOMES
        ]

    def _suggestions(self) -> list[list[Any]]:
        """Near misses by text: text, count, best term, score, articles, outcome (suggestion when
        the score reaches the suggestion threshold, else unmatched), why a 100 is no match."""
        groups: dict[str, list[Any]] = {}
        articles: dict[str, set[int]] = defaultdict(set)
        for row in self.findings:
            if row[9] is None or row[4] not in ("suggestion", "unmatched"):
                continue
            group = groups.setdefault(row[3], [row[3], 0, row[8], row[9], row[4], row[14]])
            group[1] += 1
            articles[row[3]].add(row[0])
        return sorted(
            ([*g[:4], sorted(articles[text]), *g[4:]] for text, g in groups.items()),
            key=lambda r: (-(r[3] or 0), -r[1], r[0]),
        )


def _statement_row(article: int, s: StatementReport) -> list[Any]:
    """article, contributor, its id, how resolved (with the key written), layout, its roles, items
    (text, outcome, terms), items written, mismatches, where the statement is, filter value."""
    items = []
    for i in s.items:
        terms = [i.term.term] if i.term else [t.term for t in i.suggestions]
        said = f"{i.outcome.value}{': ' + ', '.join(terms) if terms else ''}{' (written)' if i.written else ''}"
        items.append(f"{i.text} [{said}]")
    roles = "identified" if s.has_identified_roles else "yes" if s.has_roles else "no"
    how = f"{s.resolved_by} ({s.key})" if s.key else s.resolved_by
    mismatches = "; ".join(f"{m.side}: {m.term.term}" for m in s.mismatches)
    state = "statement-mismatch" if s.mismatches else "unresolved" if s.contributor is None else s.layout
    where = f"{s.xpath}" + (f" (line {s.line})" if s.line else "")
    written = sum(1 for i in s.items if i.written)
    return [
        article,
        s.contributor or "",
        s.contributor_id or "",
        how,
        s.layout,
        roles,
        items,
        written,
        mismatches,
        where,
        state,
    ]


#: Characters the JSON embedded in the page's <script> block never holds as themselves: '<' and
#: '>' (so no '</script', '<!--' or '-->' can end the block or put the HTML parser in its escaped
#: script state, whatever a role, keyword or file name says), '&', and the line separators U+2028
#: and U+2029. Each is written as its JSON escape, which JSON.parse reads back as the character.
_SCRIPT_ESCAPES = {ord(c): f"\\u{ord(c):04x}" for c in "<>&\u2028\u2029"}
_PLACEHOLDER = re.compile(r"\{\{([A-Z]+)\}\}")


def script_json(data: object) -> str:
    """``data`` as JSON that is safe as the content of an HTML <script> element."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_ESCAPES)


def _totals(report: Report) -> str:
    """Rows of the totals table: each outcome, by element kind and in all."""
    kinds = list(report.by_kind)
    head = "<tr><th>outcome</th>" + "".join(f"<th>{html.escape(k)}</th>" for k in kinds) + "<th>findings</th></tr>"
    rows = [head]
    for outcome, count in report.summary.items():
        cells = "".join(f'<td class="n">{report.by_kind[k].get(outcome, "")}</td>' for k in kinds)
        name = html.escape(outcome)
        rows.append(f'<tr><td>{name}</td>{cells}<td class="n" id="total-{name}">{count}</td></tr>')
    for tier, count in report.tiers.items():
        name = html.escape(tier)
        rows.append(
            f'<tr class="tier"><td>tier: {name}</td>{"<td></td>" * len(kinds)}'
            f'<td class="n" id="tier-{name}">{count}</td></tr>'
        )
    return "".join(rows)


def _page(report: Report, data: dict[str, Any]) -> str:
    totals = _totals(report)
    values = {
        "RUN": _run_html(report),
        "TITLE": html.escape(f"jats-enrich report: {report.articles_total} articles"),
        "TOOL": html.escape(report.tool),
        "ARTICLES": str(report.articles_total),
        "FAILED": str(report.articles_failed),
        "FINDINGS": str(sum(report.summary.values())),
        "TOTALS": totals,
        "DATA": script_json(data),
    }
    # One pass over the template: a value that holds "{{DATA}}" (a tool name read from a report
    # file, say) is text, never a place for another value.
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template())


def _run_html(report: Report) -> str:
    """The run in one line (when, engine, dictionaries), its options behind a disclosure."""
    run = report.run
    if run is None:
        return "Run: not recorded (a report merged from shards, or written before jats-enrich 0.11)"
    dictionaries = ", ".join(
        f"{d.name} ({', '.join(p for p in (d.version, f'{d.terms:,} terms', d.source) if p)}"
        + (f", sha256 {d.sha256[:12]}…" if d.sha256 else "")
        + ")"
        for d in run.dictionaries
    )
    options = json.dumps(run.options, indent=2, ensure_ascii=False)
    return (
        f'Run: <span id="run-started">{html.escape(run.started)}</span> to {html.escape(run.finished or "?")} '
        f"&middot; engine {html.escape(run.engine)} &middot; dictionaries: {html.escape(dictionaries)} "
        f'<details><summary>options</summary><pre id="run-options">{html.escape(options)}</pre></details>'
    )


@cache
def template() -> str:
    """The page: HTML, CSS and script, in package data (data/report.html)."""
    return files("jats_enrich.data").joinpath("report.html").read_text(encoding="utf-8")
