"""Which terms could a piece of text mean, and why.

Matching is deterministic and explainable. Rules are tried in order and the first rule that finds
anything wins: exact label, normalised label, alias (exact or normalised). Each candidate says
which rule matched and which label of the term it matched. Matching only proposes; what gets
written is decided in decide.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from .normalize import base_language, normalize
from .vocabulary import Term, Vocabulary


class MatchRule(StrEnum):
    EXACT_LABEL = "exact-label"
    NORMALISED_LABEL = "normalised-label"
    ALIAS = "alias"


#: Rules in the order they are tried; the first that finds a term wins.
RULE_ORDER: tuple[MatchRule, ...] = (MatchRule.EXACT_LABEL, MatchRule.NORMALISED_LABEL, MatchRule.ALIAS)


class Candidate(BaseModel):
    """One term the text may mean."""

    model_config = ConfigDict(frozen=True)

    vocab: str
    vocab_identifier: str
    term: Term
    rule: MatchRule
    matched_label: str


class MatchResult(BaseModel):
    """The candidates for one text: none (unmatched), one, or several (ambiguous)."""

    model_config = ConfigDict(frozen=True)

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
            seen.setdefault((c.vocab, c.term.identifier), c)
        return tuple(seen.values())


@dataclass(frozen=True, slots=True)
class _Entry:
    vocabulary: Vocabulary
    term: Term
    label: str


class Matcher:
    """An index over one or more vocabularies; ``match`` costs a few dictionary lookups."""

    def __init__(self, vocabularies: Iterable[Vocabulary]) -> None:
        self.vocabularies: tuple[Vocabulary, ...] = tuple(vocabularies)
        self._exact: dict[str, list[_Entry]] = defaultdict(list)
        self._by_rule: dict[MatchRule, dict[str, list[_Entry]]] = {
            MatchRule.NORMALISED_LABEL: defaultdict(list),
            MatchRule.ALIAS: defaultdict(list),
        }
        for vocabulary in self.vocabularies:
            for term in vocabulary.terms:
                self._add(MatchRule.NORMALISED_LABEL, vocabulary, term, term.label)
                self._exact[term.label].append(_Entry(vocabulary=vocabulary, term=term, label=term.label))
                for alias in term.aliases:
                    self._add(MatchRule.ALIAS, vocabulary, term, alias)

    def _add(self, rule: MatchRule, vocabulary: Vocabulary, term: Term, label: str, lang: str | None = None) -> None:
        entry = _Entry(vocabulary=vocabulary, term=term, label=label)
        bucket = self._by_rule[rule][normalize(label, lang)]
        if not any(e.term.identifier == term.identifier and e.vocabulary.name == vocabulary.name for e in bucket):
            bucket.append(entry)

    def match(self, text: str, lang: str | None = None) -> MatchResult:
        """Candidates for ``text`` (whitespace already collapsed), written in language ``lang``."""
        lang = base_language(lang)
        keys = dict.fromkeys((normalize(text), normalize(text, lang)))
        exact = self._exact.get(text.strip())
        if exact:
            return self._result(text, next(iter(keys)), MatchRule.EXACT_LABEL, exact)
        for rule in (MatchRule.NORMALISED_LABEL, MatchRule.ALIAS):
            index = self._by_rule[rule]
            for key in keys:
                entries = index.get(key)
                if entries:
                    return self._result(text, key, rule, entries)
        return MatchResult(text=text, key=next(iter(keys)))

    @staticmethod
    def _result(text: str, key: str, rule: MatchRule, entries: list[_Entry]) -> MatchResult:
        candidates = tuple(
            Candidate(
                vocab=e.vocabulary.name,
                vocab_identifier=e.vocabulary.identifier,
                term=e.term,
                rule=rule,
                matched_label=e.label,
            )
            for e in entries
        )
        return MatchResult(text=text, key=key, candidates=candidates)
