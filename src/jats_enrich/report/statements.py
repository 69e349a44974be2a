"""The report of contribution statements: per contributor, where the statement is, who it was
resolved to and how, each item with its outcome, and where it disagrees with the contributor's
``<role>`` elements (``statement-mismatch``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from jats_enrich.decide.statement_items import ItemOutcome, StatementItem
from jats_enrich.decide.statements import ContributorStatement
from jats_enrich.dictionaries.model import Term, Vocabulary
from jats_enrich.report.terms import TermRef


def _term(vocabulary: Vocabulary, term: Term) -> TermRef:
    return _term_ref(vocabulary.name, term.label, term.identifier)


@lru_cache(maxsize=4096)
def _term_ref(vocab: str, label: str, identifier: str) -> TermRef:
    """One (frozen) reference per term: statements name the same few terms again and again."""
    return TermRef(vocab=vocab, term=label, identifier=identifier)


class StatementItemReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str = Field(description="The item as the statement writes it")
    outcome: ItemOutcome
    term: TermRef | None = Field(default=None, description="For a tagged item: the term it names")
    rule: str | None = None
    degree: str | None = None
    suggestions: list[TermRef] = Field(default_factory=list, description="For a suggestion: the terms suggested")
    note: str | None = Field(default=None, description="How a suggestion was found, or why a name did not resolve")
    written: bool = Field(default=False, description="Whether a <role> was inserted for it (--add-roles)")

    @classmethod
    def from_item(cls, item: StatementItem, written: bool) -> StatementItemReport:
        m = item.meaning
        # Validated as it is built: with pydantic-core that is quicker than model_construct.
        return cls(
            text=item.text,
            outcome=item.outcome,
            term=_term(m.vocabulary, m.term) if m else None,
            rule=m.rule if m else None,
            degree=item.degree.value if item.degree else None,
            suggestions=[_term(v, t) for v, t in item.suggested],
            note=item.why,
            written=written and item.written,
        )


class StatementMismatch(BaseModel):
    """A term the statement names and the contributor's roles do not, or the reverse."""

    model_config = ConfigDict(frozen=True)

    finding: Literal["statement-mismatch"] = "statement-mismatch"
    term: TermRef
    side: Literal["statement-only", "roles-only"]


class StatementReport(BaseModel):
    """One contribution statement as it applies to one contributor."""

    model_config = ConfigDict(frozen=True)

    xpath: str = Field(description="XPath of the statement (a footnote, section or notes) in the input")
    line: int | None = None
    statement_id: str | None = Field(default=None, description="The statement element's @id")
    layout: str = Field(description="linked (by xref), role-keyed, name-keyed, or unparsed")
    contributor: str | None = Field(default=None, description="The contributor's name (None: not resolved)")
    contributor_id: str | None = Field(default=None, description="Its @id, or #N: its position among contributors")
    resolved_by: str = Field(description="xref, initials or name; or why the key resolved to no contributor")
    key: str | None = Field(default=None, description="The initials or name the statement writes")
    has_roles: bool = Field(default=False, description="The contributor has <role> elements")
    has_identified_roles: bool = Field(default=False, description="...of which one means a dictionary's term")
    items: list[StatementItemReport] = Field(default_factory=list)
    mismatches: list[StatementMismatch] = Field(default_factory=list)

    @classmethod
    def from_entry(cls, entry: ContributorStatement, *, written: bool = True) -> StatementReport:
        c = entry.contributor
        return cls(
            xpath=entry.statement.xpath,
            line=entry.statement.line,
            statement_id=entry.statement.element.get("id"),
            layout=entry.layout,
            contributor=(c.name.display or None) if c else None,
            contributor_id=c.key if c else None,
            resolved_by=entry.resolved_by,
            key=entry.key,
            has_roles=entry.has_roles,
            has_identified_roles=entry.has_identified_roles,
            items=[StatementItemReport.from_item(i, written) for i in entry.items],
            mismatches=[
                StatementMismatch(
                    finding="statement-mismatch",
                    term=TermRef(vocab=m.vocab, term=m.term, identifier=m.identifier),
                    side=m.side,
                )
                for m in entry.mismatches
            ],
        )
