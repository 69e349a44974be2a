"""What one role item of a contribution statement means, and how sure that is.

* ``tagged``: the item is a role's label, alias or translation (the matcher's exact rules), of one
  term: the only items ``--add-roles`` may write.
* ``suggestion``: a role found another way (words reordered, a derived noun, a near miss at or
  above the close-call score) or a pre-CRediT category's roles (pre_credit.py): for QA, never
  written.
* ``unmatched``: prose that names no role ("Performed RT-PCR assays"), kept as written.
* ``unresolved-name``: the item belongs to initials or a name no single contributor has.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from jats_enrich.decide.model import Meaning, Policy
from jats_enrich.dictionaries.model import Term, TermStatus, Vocabulary
from jats_enrich.match.analyse import Analyser
from jats_enrich.match.candidates import MatchResult, MatchRule
from jats_enrich.match.compounds import conjoined_items
from jats_enrich.match.pre_credit import suggested_terms
from jats_enrich.match.qualifiers import Degree, split_qualifier

#: The rules that make an item one a tool may write: a label, an alias, a translation.
EXACT_RULES = frozenset({MatchRule.EXACT_LABEL, MatchRule.NORMALISED_LABEL, MatchRule.ALIAS, MatchRule.TRANSLATION})
#: Near misses are looked for only in items this short: longer ones are prose.
MAX_SUGGESTED_LENGTH = 80


class ItemOutcome(StrEnum):
    TAGGED = "tagged"
    SUGGESTION = "suggestion"
    UNMATCHED = "unmatched"
    UNRESOLVED_NAME = "unresolved-name"


@dataclass(frozen=True)
class StatementItem:
    text: str  # as written in the statement
    outcome: ItemOutcome
    meaning: Meaning | None = None  # for a tagged item
    degree: Degree | None = None
    suggested: tuple[tuple[Vocabulary, Term], ...] = ()  # for a suggestion
    why: str | None = None  # how a suggestion was found, or why nothing was
    written: bool = False  # a <role> was inserted for it

    def unresolved(self, why: str) -> StatementItem:
        return StatementItem(self.text, ItemOutcome.UNRESOLVED_NAME, why=why)


class ItemReader:
    """Reads items with the run's role matcher (the one that reads <role> elements)."""

    def __init__(self, analyser: Analyser, policy: Policy) -> None:
        self.matcher = analyser.matchers.get("role")
        self.analyser = analyser
        self.policy = policy
        self._read: dict[tuple[str, str | None], list[StatementItem]] = {}

    def read(self, text: str, lang: str | None) -> list[StatementItem]:
        """The item's meaning; an item that is no role but two roles joined by "and" ("Formal
        analysis and visualization") is read as both. (Remembered: an article's statements say
        the same items again and again.)"""
        found = self._read.get((text, lang))
        if found is None:
            found = self._read[(text, lang)] = self._read_item(text, lang)
        return found

    def _read_item(self, text: str, lang: str | None) -> list[StatementItem]:
        item = self._read_one(text, lang)
        if item.outcome is not ItemOutcome.UNMATCHED:
            return [item]
        pieces = conjoined_items(text, 14)
        if 1 < len(pieces) <= 14:
            parts = [self._read_one(piece, lang) for piece in pieces]
            if all(p.outcome is ItemOutcome.TAGGED for p in parts):
                return parts
        return [item]

    def _read_one(self, text: str, lang: str | None) -> StatementItem:
        if self.matcher is None:
            return StatementItem(text, ItemOutcome.UNMATCHED, why="no dictionary applies to roles")
        base, qualifier = split_qualifier(text)
        match = self.matcher.match(base, lang)
        if not match.candidates and qualifier is not None:
            base, qualifier, match = text, None, self.matcher.match(text, lang)
        degree = qualifier.degree if qualifier is not None else None
        if match.candidates:
            return self._matched(text, match, degree)
        return self._unmatched(text, base, lang)

    def _matched(self, text: str, match: MatchResult, degree: Degree | None) -> StatementItem:
        terms = match.distinct_terms
        if len(terms) > 1:
            listed = ", ".join(f"{c.vocabulary.name}:{c.term.label}" for c in terms)
            return StatementItem(
                text,
                ItemOutcome.SUGGESTION,
                degree=degree,
                suggested=tuple((c.vocabulary, c.term) for c in terms),
                why=f"several terms: {listed}",
            )
        c = terms[0]
        if c.rule in EXACT_RULES and c.term.status is not TermStatus.DEPRECATED:
            meaning = Meaning(c.vocabulary, c.term, c.rule.value, c.matched_label)
            return StatementItem(text, ItemOutcome.TAGGED, meaning=meaning, degree=degree)
        why = f"matched by rule {c.rule.value} ({c.matched_label!r}), not by a label, alias or translation"
        if c.term.status is TermStatus.DEPRECATED:
            why = f"{c.term.label} is {c.term.status.value}"
        return StatementItem(text, ItemOutcome.SUGGESTION, degree=degree, suggested=((c.vocabulary, c.term),), why=why)

    def _unmatched(self, text: str, base: str, lang: str | None) -> StatementItem:
        assert self.matcher is not None
        for vocabulary in self.matcher.vocabularies:
            found = suggested_terms(base, vocabulary)
            if found is not None:
                category, terms = found
                why = f"pre-CRediT category {category.phrase!r} ({category.scheme}): {category.rationale}"
                return StatementItem(
                    text, ItemOutcome.SUGGESTION, suggested=tuple((vocabulary, t) for t in terms), why=why
                )
        if len(base) <= MAX_SUGGESTED_LENGTH:
            near = [s for s in self.analyser.suggester("role").suggest(base, lang) if s.score >= self.policy.close_call]
            if near:
                best = near[0]
                why = f"near miss of {best.label!r} (score {best.score:g})"
                return StatementItem(
                    text, ItemOutcome.SUGGESTION, suggested=tuple((s.vocabulary, s.term) for s in near), why=why
                )
        return StatementItem(text, ItemOutcome.UNMATCHED)
