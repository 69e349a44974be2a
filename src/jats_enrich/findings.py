"""The report model: one finding per target element, one entry per article, a summary per run.

These pydantic models are the contract with QA reviewers and pipelines: the JSON report is their
serialisation. Bump ``REPORT_SCHEMA_VERSION`` when a field changes meaning or disappears.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from .decide import Decision, Outcome

REPORT_SCHEMA_VERSION = "1.0"


class Finding(BaseModel):
    """What happened to one target element."""

    model_config = ConfigDict(frozen=True)

    element: str = Field(description="Element name, e.g. 'role'")
    line: int | None = Field(description="Line of the element's start tag in the input")
    xpath: str = Field(description="XPath of the element in the input")
    text: str = Field(description="The element's text as matched (entities decoded, white space collapsed)")
    lang: str | None = Field(default=None, description="xml:lang in effect for the element")
    outcome: Outcome
    vocab: str | None = None
    term: str | None = Field(default=None, description="Preferred label of the term meant")
    identifier: str | None = Field(default=None, description="Identifier of the term meant")
    rule: str | None = Field(default=None, description="Matching rule that found the term")
    matched_label: str | None = Field(default=None, description="Which label or alias of the term matched")
    note: str | None = None

    @classmethod
    def from_decision(cls, decision: Decision) -> Finding:
        target, candidate = decision.target, decision.candidate
        return cls(
            element=target.name,
            line=target.line,
            xpath=target.xpath,
            text=target.text,
            lang=target.lang,
            outcome=decision.outcome,
            vocab=candidate.vocab if candidate else None,
            term=candidate.term.label if candidate else None,
            identifier=candidate.term.identifier if candidate else None,
            rule=candidate.rule.value if candidate else None,
            matched_label=candidate.matched_label if candidate else None,
            note=decision.note,
        )


class ArticleReport(BaseModel):
    """One article: where it is, what it is, and its findings (or the error that stopped it)."""

    path: str
    output: str | None = Field(default=None, description="Where the enriched article was written")
    doi: str | None = None
    jats_version: str | None = None
    error: str | None = Field(default=None, description="Why the article could not be processed")
    findings: list[Finding] = Field(default_factory=list)


class Report(BaseModel):
    """A whole run."""

    schema_version: str = REPORT_SCHEMA_VERSION
    tool: str = Field(description="jats-enrich and its version")
    articles_total: int
    articles_failed: int
    summary: dict[str, int] = Field(description="Number of findings by outcome")
    articles: list[ArticleReport]


def summarise(articles: Iterable[ArticleReport]) -> dict[str, int]:
    """Findings by outcome, in the order outcomes are declared; outcomes never seen are left out."""
    counts = Counter(f.outcome for a in articles for f in a.findings)
    return {o.value: counts[o] for o in Outcome if counts[o]}
