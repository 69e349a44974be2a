"""What matching proposes: the rule that found a term, the candidates for one text, the term or
vocabulary an identifier names."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from jats_enrich.dictionaries.model import Term, Vocabulary


class MatchRule(StrEnum):
    EXACT_LABEL = "exact-label"
    NORMALISED_LABEL = "normalised-label"
    ALIAS = "alias"
    TRANSLATION = "translation"
    REORDERED = "reordered"  # a role's label (or alias, translation) with its words in another order
    DERIVED = "derived"  # a role's label with one word replaced by another noun of its action (derivation.py)
    ALIGNED = "aligned"  # a role read beside its parallel in a translated version of the article (decide/align.py)
    FUZZY = "fuzzy"  # only when the user accepts a fuzzy suggestion (see decide/)


#: Rules in the order they are tried; the first that finds a term wins.
RULE_ORDER: tuple[MatchRule, ...] = tuple(MatchRule)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One term the text may mean."""

    vocabulary: Vocabulary
    term: Term
    rule: MatchRule
    matched_label: str
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The candidates for one text: none (unmatched), one, or several (ambiguous)."""

    text: str
    key: str
    candidates: tuple[Candidate, ...] = ()

    @property
    def rule(self) -> MatchRule | None:
        return self.candidates[0].rule if self.candidates else None

    @property
    def distinct_terms(self) -> tuple[Candidate, ...]:
        """One candidate per distinct (vocabulary, term)."""
        seen: dict[tuple[str, str], Candidate] = {}
        for c in self.candidates:
            seen.setdefault((c.vocabulary.name, c.term.identifier), c)
        return tuple(seen.values())


@dataclass(frozen=True, slots=True)
class IdentifierMatch:
    """What an identifier found in an article names: a term, or a whole vocabulary."""

    found: str
    vocabulary: Vocabulary
    term: Term | None  # None: the identifier names the vocabulary, not one of its terms
    current: bool  # the found string is exactly the current identifier

    @property
    def current_identifier(self) -> str:
        return self.term.identifier if self.term is not None else self.vocabulary.identifier
