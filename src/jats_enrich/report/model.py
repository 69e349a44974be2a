"""The report model: one finding per target element, one entry per article, a summary per run.

These pydantic models are the contract with QA reviewers and pipelines: the JSON report is their
serialisation. Bump ``REPORT_SCHEMA_VERSION`` when a field changes meaning or disappears.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jats_enrich.article.targets import KIND_OF, Target, string_value
from jats_enrich.decide.consistency import Inconsistency
from jats_enrich.decide.model import Decision, Outcome
from jats_enrich.match.analyse import Part
from jats_enrich.match.fuzzy import Suggestion
from jats_enrich.report.run import RunRecord
from jats_enrich.report.statements import StatementReport
from jats_enrich.report.terms import TermRef
from jats_enrich.text import one_line, printable

REPORT_SCHEMA_VERSION = "1.4"


class ScoredTerm(TermRef):
    """A near miss: a term close to the text, with the label that came closest and a 0-100 score."""

    label: str
    score: float
    why: str | None = Field(default=None, description="For a score of 100: why the text was not a match")

    @classmethod
    def from_suggestion(cls, s: Suggestion) -> ScoredTerm:
        return cls(
            vocab=s.vocabulary.name,
            term=s.term.label,
            identifier=s.term.identifier,
            label=s.label,
            score=s.score,
            why=s.why,
        )


class PartFinding(BaseModel):
    """One piece of a compound statement and the term it names (if any)."""

    model_config = ConfigDict(frozen=True)

    text: str
    term: TermRef | None = None
    degree: str | None = None

    @classmethod
    def from_part(cls, part: Part) -> PartFinding:
        terms = part.match.distinct_terms
        term = None
        if len(terms) == 1:
            c = terms[0]
            term = TermRef(vocab=c.vocabulary.name, term=c.term.label, identifier=c.term.identifier)
        degree = part.qualifier.degree.value if part.qualifier and part.qualifier.degree else None
        return cls(text=part.text, term=term, degree=degree)


class EvidenceRef(BaseModel):
    """Why a match of a sense-gated dictionary was written: what the article (or the run) says."""

    model_config = ConfigDict(frozen=True)

    source: str = Field(
        description="Where it was read: 'name' (a distinctive name needs no more), 'title', 'journal', 'keyword', "
        "'subject', or 'configuration'"
    )
    text: str = Field(description="What was read there")
    cue: str | None = Field(default=None, description="The evidence phrase the text uses")


class Tier(StrEnum):
    """Where a finding goes in review (the same for every vocabulary; by element kind):

    * ``review``: a QA item. A role that matched nothing (a role dictionary is loaded: every role
      should be one of its terms), and for every kind: a near miss, a compound, an ambiguous text,
      a match withheld by the sense gate, a conflict, a deprecated term or identifier form.
    * ``out-of-scope``: a keyword or subject that no loaded dictionary has anything for (most of a
      journal's keywords are no thesaurus term): counted, listed apart, not in the queue.
    * ``done``: tagged, upgraded, already correct.
    * ``info``: nothing the article's JATS version can carry (``skipped-version``).
    """

    REVIEW = "review"
    OUT_OF_SCOPE = "out-of-scope"
    DONE = "done"
    INFO = "info"


_DONE = frozenset({Outcome.TAGGED, Outcome.UPGRADED, Outcome.ALREADY_CORRECT})


def tier_of(element: str, outcome: Outcome) -> Tier:
    if outcome in _DONE:
        return Tier.DONE
    if outcome is Outcome.SKIPPED_VERSION:
        return Tier.INFO
    if outcome is Outcome.UNMATCHED and KIND_OF.get(element) != "role":
        return Tier.OUT_OF_SCOPE
    return Tier.REVIEW


#: Most sibling keywords a finding's context names.
CONTEXT_SIBLINGS = 6


def context_of(target: Target) -> str | None:
    """What a reviewer needs beside a text: the contributor a role is of ("role of Ana Silva"), or
    the other keywords or subjects of its group ("with: Ecology; Fisheries")."""
    element, parent = target.element, target.element.getparent()
    if target.kind == "role":
        if parent is None:
            return None
        name = next((n for n in parent.iter("name", "string-name", "collab") if n.getparent() is parent), None)
        if name is None:
            return f"role in <{parent.tag}>"
        parts = [name.find("given-names"), name.find("surname")]
        written = " ".join(string_value(p) for p in parts if p is not None) or string_value(name)
        return f"role of {written}"
    group = target.group
    if group is None:
        return None
    siblings = [string_value(e) for e in group.iter(str(element.tag)) if e is not element][:CONTEXT_SIBLINGS]
    return "with: " + "; ".join(t for t in siblings if t) if siblings else None


class Finding(BaseModel):
    """What happened to one target element."""

    model_config = ConfigDict(frozen=True)

    element: str = Field(description="Element name, e.g. 'role'")
    line: int | None = Field(description="Line of the element's start tag in the input")
    xpath: str = Field(description="XPath of the element in the input")
    text: str = Field(description="The element's text (entities decoded, white space collapsed)")
    lang: str | None = Field(default=None, description="xml:lang in effect for the element")
    outcome: Outcome
    tier: Tier = Field(default=Tier.REVIEW, description="review, out-of-scope, done or info (see Tier)")
    changed: bool = Field(default=False, description="Whether the element's start tag was rewritten")
    vocab: str | None = None
    term: str | None = Field(default=None, description="Preferred label of the term meant")
    identifier: str | None = Field(default=None, description="Current identifier of the term meant")
    rule: str | None = Field(default=None, description="How the term was found: a matching rule, or 'identifier'")
    matched_label: str | None = Field(default=None, description="Which label, alias or translation matched")
    degree: str | None = Field(default=None, description="Degree of contribution given in the text")
    found_identifier: str | None = Field(default=None, description="Older identifier form found on the element")
    parts: list[PartFinding] = Field(default_factory=list, description="The pieces of a compound statement")
    suggestions: list[ScoredTerm] = Field(default_factory=list, description="Near misses, best first")
    evidence: list[EvidenceRef] = Field(
        default_factory=list,
        description="For a keyword or subject matched by a dictionary with a sense gate: what showed that the "
        "article is about its domain (empty when the match was withheld)",
    )
    note: str | None = None
    context: str | None = Field(
        default=None,
        description="For a finding to review: who the role is of, or the other keywords or subjects of its group",
    )

    @classmethod
    def from_decision(cls, decision: Decision, *, written: bool = True) -> Finding:
        target, meaning = decision.target, decision.meaning
        tier = tier_of(target.name, decision.outcome)
        # Validated as it is built: with pydantic-core that is quicker than model_construct.
        return cls(
            element=target.name,
            line=target.line,
            xpath=target.xpath,
            text=target.text,
            lang=target.lang,
            outcome=decision.outcome,
            tier=tier,
            changed=written and decision.edit is not None,
            vocab=meaning.vocabulary.name if meaning else None,
            term=meaning.term.label if meaning else None,
            identifier=meaning.term.identifier if meaning else None,
            rule=meaning.rule if meaning else None,
            matched_label=meaning.matched_label if meaning else None,
            degree=decision.degree.value if decision.degree else None,
            found_identifier=decision.found_identifier,
            parts=[PartFinding.from_part(p) for p in decision.parts],
            suggestions=[ScoredTerm.from_suggestion(s) for s in decision.suggestions],
            evidence=[EvidenceRef(source=e.source, text=e.text, cue=e.cue) for e in decision.evidence],
            note=decision.note,
            context=context_of(decision.target) if tier is Tier.REVIEW else None,
        )


class ConsistencyFinding(BaseModel):
    """A consistency check's finding about one contributor's roles (decide/consistency.py): outcome
    ``inconsistent``, tier ``review``. Kept apart from ``findings`` (one per target element)."""

    model_config = ConfigDict(frozen=True)

    element: str = Field(default="contrib", description="The element it is about")
    line: int | None = None
    xpath: str
    text: str = Field(description="The contributor's name")
    outcome: Literal["inconsistent"] = "inconsistent"
    tier: Tier = Tier.REVIEW
    check: str = Field(
        description="some-authors-without-roles, identified-and-free-roles, translation-disagrees or two-degrees"
    )
    note: str

    @classmethod
    def of(cls, inconsistency: Inconsistency) -> ConsistencyFinding:
        c = inconsistency.contributor
        line = c.element.sourceline
        return cls(
            line=line if isinstance(line, int) else None,
            xpath=c.element.getroottree().getpath(c.element),
            text=c.name.display,
            check=inconsistency.check,
            note=inconsistency.note,
        )


class ArticleReport(BaseModel):
    """One article: where it is, what it is, and its findings (or the error that stopped it)."""

    path: str
    output: str | None = Field(default=None, description="Where the enriched article was written")
    doi: str | None = None
    jats_version: str | None = None
    error: str | None = Field(default=None, description="Why the article could not be processed")
    findings: list[Finding] = Field(default_factory=list)
    statements: list[StatementReport] = Field(
        default_factory=list, description="Author-contribution statements, per contributor"
    )
    consistency: list[ConsistencyFinding] = Field(
        default_factory=list, description="Roles that disagree across the article (outcome inconsistent)"
    )

    @field_validator("path", "output")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        return None if value is None else printable(value)

    @field_validator("error")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        return None if value is None else one_line(value)

    def written_to(self, output: str) -> ArticleReport:
        """This report, with where its article was written."""
        return self.model_copy(update={"output": printable(output)})

    def failed(self, error: str) -> ArticleReport:
        """This report, for an article whose output could not be written after all."""
        return self.model_copy(update={"error": one_line(error), "findings": [], "statements": [], "consistency": []})


class Report(BaseModel):
    """A whole run."""

    schema_version: str = REPORT_SCHEMA_VERSION
    tool: str = Field(description="jats-enrich and its version")
    run: RunRecord | None = Field(
        default=None, description="The run: when, with which dictionaries and options (None: merged from shards)"
    )
    articles_total: int
    articles_failed: int
    summary: dict[str, int] = Field(description="Number of findings by outcome")
    by_kind: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="Number of findings by element kind (role, keyword, subject) and outcome"
    )
    tiers: dict[str, int] = Field(default_factory=dict, description="Number of findings by tier (see Tier)")
    consistency: dict[str, int] = Field(
        default_factory=dict, description="Number of consistency findings (outcome inconsistent) by check"
    )
    articles: list[ArticleReport]


class Tally:
    """Findings counted by outcome, by element kind and outcome, and by tier, article by article."""

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()
        self.kinds: Counter[tuple[str, str]] = Counter()
        self.tiers: Counter[str] = Counter()
        self.checks: Counter[str] = Counter()

    def add(self, article: ArticleReport) -> None:
        for f in article.findings:
            self.outcomes[f.outcome.value] += 1
            self.kinds[(KIND_OF.get(f.element, f.element), f.outcome.value)] += 1
            self.tiers[f.tier.value] += 1
        self.checks.update(c.check for c in article.consistency)

    def by_kind(self) -> dict[str, dict[str, int]]:
        """Findings by element kind and outcome (declared order, no zeros)."""
        by_kind: dict[str, dict[str, int]] = {}
        for kind in dict.fromkeys(KIND_OF.values()):
            counts = summarise_counts({o: n for (k, o), n in self.kinds.items() if k == kind})
            if counts:
                by_kind[kind] = counts
        return by_kind

    def fields(self) -> dict[str, object]:
        """summary, by_kind, tiers and consistency, as the Report holds them (declared order, no zeros)."""
        by_kind = self.by_kind()
        tiers = {t.value: self.tiers[t.value] for t in Tier if self.tiers.get(t.value)}
        checks = dict(sorted(self.checks.items()))
        return {"summary": summarise_counts(self.outcomes), "by_kind": by_kind, "tiers": tiers, "consistency": checks}


def summarise(articles: Iterable[ArticleReport]) -> dict[str, object]:
    """summary, by_kind and tiers of these articles' findings."""
    tally = Tally()
    for article in articles:
        tally.add(article)
    return tally.fields()


def summarise_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """Outcome counts in the order outcomes are declared, without zeros."""
    return {o.value: counts[o.value] for o in Outcome if counts.get(o.value)}
