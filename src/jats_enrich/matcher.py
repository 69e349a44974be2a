"""Which terms could a piece of text mean, and why.

Matching is deterministic and explainable. Rules are tried in order and the first rule that finds
anything wins: label (exact, or equal after normalisation), then alias (exact or normalised). Each candidate says
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
        self._labels: dict[str, list[_Entry]] = defaultdict(list)
        self._aliases: dict[str, list[_Entry]] = defaultdict(list)
        for vocabulary in self.vocabularies:
            for term in vocabulary.terms:
                self._add(self._labels, vocabulary, term, term.label)
                for alias in term.aliases:
                    self._add(self._aliases, vocabulary, term, alias)

    @staticmethod
    def _add(
        index: dict[str, list[_Entry]], vocabulary: Vocabulary, term: Term, label: str, lang: str | None = None
    ) -> None:
        bucket = index[normalize(label, lang)]
        if not any(e.term.identifier == term.identifier and e.vocabulary.name == vocabulary.name for e in bucket):
            bucket.append(_Entry(vocabulary=vocabulary, term=term, label=label))

    def match(self, text: str, lang: str | None = None) -> MatchResult:
        """Candidates for ``text`` (whitespace already collapsed), written in language ``lang``.

        Labels are looked up by normalised key, so every term whose label is the text (exactly
        or up to normalisation) is a candidate, whichever vocabulary it comes from; a candidate
        whose label is the text byte for byte is marked exact-label.
        """
        lang = base_language(lang)
        keys = dict.fromkeys((normalize(text), normalize(text, lang)))
        for index in (self._labels, self._aliases):
            for key in keys:
                entries = index.get(key)
                if entries:
                    return self._result(text, key, entries, is_alias=index is self._aliases)
        return MatchResult(text=text, key=next(iter(keys)))

    @staticmethod
    def _result(text: str, key: str, entries: list[_Entry], is_alias: bool) -> MatchResult:
        def rule(entry: _Entry) -> MatchRule:
            if is_alias:
                return MatchRule.ALIAS
            return MatchRule.EXACT_LABEL if entry.label == text.strip() else MatchRule.NORMALISED_LABEL

        candidates = tuple(
            Candidate(
                vocab=e.vocabulary.name,
                vocab_identifier=e.vocabulary.identifier,
                term=e.term,
                rule=rule(e),
                matched_label=e.label,
            )
            for e in entries
        )
        # Exact matches first, so the result's rule is the best one found.
        ordered = sorted(candidates, key=lambda c: RULE_ORDER.index(c.rule))
        return MatchResult(text=text, key=key, candidates=tuple(ordered))
