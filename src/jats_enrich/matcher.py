"""Which terms could a piece of text (or an identifier) mean, and why.

Matching is deterministic and explainable. Rules are tried in order and the first rule that finds
anything wins: label (exact, or equal after normalisation), alias, translation. Each candidate says
which rule matched and which label of the term it matched. Matching only proposes; what gets
written is decided in decide.py.

Identifiers already in an article (``vocab-term-identifier``, ``content-type``) are looked up too:
by their exact current form, or by an older form of the same term or vocabulary (``http`` for
``https``, no trailing slash, a deprecated address such as ``http://credit.casrai.org/``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote

from .normalize import base_language, compatibility_form, normalize, single_spaces, without_trailing_punctuation
from .vocabulary import TargetKind, Term, Vocabulary


class MatchRule(StrEnum):
    EXACT_LABEL = "exact-label"
    NORMALISED_LABEL = "normalised-label"
    ALIAS = "alias"
    TRANSLATION = "translation"
    FUZZY = "fuzzy"  # only when the user accepts a fuzzy suggestion (see decide.py)


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


@dataclass(frozen=True, slots=True)
class _Entry:
    vocabulary: Vocabulary
    term: Term
    label: str
    rule: MatchRule
    lang: str | None = None


def is_acronym(label: str) -> bool:
    """A short label of capitals ("ALMs", "APC", "COVID-19"): matched with its case, as
    case folding would make it a word ("Alms")."""
    letters = [c for c in label if c.isalpha()]
    capitals = sum(1 for c in letters if c.isupper())
    return len(label) <= 12 and not any(c.isspace() for c in label) and capitals >= 2 and 2 * capitals >= len(letters)


def acronym_key(text: str) -> str:
    """Acronyms compare after compatibility forms and trailing punctuation, but with their case."""
    return single_spaces(without_trailing_punctuation(compatibility_form(text)))


#: Distinct (text, language) pairs whose match results are kept; the cache starts over when full.
CACHE_SIZE = 50_000

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def canonical_identifier(identifier: str) -> str:
    """The form two spellings of one identifier share: no scheme, no 'www.', no trailing slash,
    percent-escapes decoded, case folded."""
    text = unquote(identifier.strip()).casefold()
    text = _SCHEME.sub("", text).removeprefix("www.")
    return text.rstrip("/")


class Matcher:
    """An index over one or more vocabularies; ``match`` costs a few dictionary lookups."""

    def __init__(
        self, vocabularies: Iterable[Vocabulary], precedence: Iterable[str] = (), kind: TargetKind | None = None
    ) -> None:
        """``kind``: index the labels of only the terms matched against that kind of target
        (``Vocabulary.applies``); identifiers are indexed for every term."""
        self.vocabularies: tuple[Vocabulary, ...] = tuple(vocabularies)
        # When several vocabularies define a text, the first of these names that is among them wins.
        self.precedence: tuple[str, ...] = tuple(precedence)
        self._names: dict[str, list[_Entry]] = defaultdict(list)  # labels and aliases, by key
        self._acronyms: dict[str, list[_Entry]] = defaultdict(list)  # "ALMs", "APC": case kept
        self._translations: dict[tuple[str, str], list[_Entry]] = defaultdict(list)  # by (lang, key)
        self._identifiers: dict[str, list[tuple[Vocabulary, Term | None]]] = defaultdict(list)
        languages: set[str] = set()
        for vocabulary in self.vocabularies:
            self._identify(vocabulary.identifier, vocabulary, None)
            for old in vocabulary.deprecated_identifiers:
                self._identify(old, vocabulary, None)
            for term in vocabulary.terms:
                self._identify(term.identifier, vocabulary, term)
                for old in term.deprecated_identifiers:
                    self._identify(old, vocabulary, term)
                if kind is not None and not vocabulary.applies(term, kind):
                    continue
                self._add(_Entry(vocabulary, term, term.label, MatchRule.NORMALISED_LABEL))
                for alias in term.aliases:
                    self._add(_Entry(vocabulary, term, alias, MatchRule.ALIAS))
                for lang, labels in term.translations.items():
                    languages.add(lang)
                    for label in labels:
                        self._add(_Entry(vocabulary, term, label, MatchRule.TRANSLATION, lang))
        self.languages: tuple[str, ...] = tuple(sorted(languages))
        # Role strings repeat a lot across a batch ("Methodology", "Editor"): remember results.
        self._cache: dict[tuple[str, str | None], MatchResult] = {}

    def _add(self, entry: _Entry) -> None:
        if not normalize(entry.label):  # "-", "—": nothing to match, and it would match empty text
            return
        if is_acronym(entry.label):
            bucket = self._acronyms[acronym_key(entry.label)]
        elif entry.lang is not None:
            bucket = self._translations[(entry.lang, normalize(entry.label, entry.lang))]
        else:
            bucket = self._names[normalize(entry.label)]
        for e in bucket:
            if e.term.identifier == entry.term.identifier and e.vocabulary.name == entry.vocabulary.name:
                if RULE_ORDER.index(entry.rule) < RULE_ORDER.index(e.rule):
                    bucket[bucket.index(e)] = entry
                return
        bucket.append(entry)

    def _identify(self, identifier: str, vocabulary: Vocabulary, term: Term | None) -> None:
        bucket = self._identifiers[canonical_identifier(identifier)]
        if not any(v.name == vocabulary.name and t == term for v, t in bucket):
            bucket.append((vocabulary, term))

    def match(self, text: str, lang: str | None = None) -> MatchResult:
        """Candidates for ``text`` (whitespace already collapsed), written in language ``lang``.

        Every term whose label, alias or translation is the text (exactly or up to
        normalisation) is found, in whichever vocabulary. Within one vocabulary the best rule
        wins (label, then alias, then translation); when several vocabularies each have the
        text, the first of them in ``precedence`` wins, else all are returned (ambiguous).
        Translations are tried in the text's language only when it is known, in every language
        of the dictionaries when it is not. An acronym ("ALMs", "APC") matches only with its
        own capitals: "Alms" is not "ALMs".
        """
        lang = base_language(lang)
        cached = self._cache.get((text, lang))
        if cached is None:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            cached = self._cache[(text, lang)] = self._match(text, lang)
        return cached

    def _match(self, text: str, lang: str | None) -> MatchResult:
        key = normalize(text, lang)
        if not key:
            return MatchResult(text=text, key=key)
        found: list[_Entry] = []
        for k in dict.fromkeys((key, normalize(text))):
            found += self._names.get(k, ())
        found += self._acronyms.get(acronym_key(text), ())
        for language in (lang,) if lang is not None else self.languages:
            if language in self.languages:
                found += self._translations.get((language, normalize(text, language)), ())
        if not found:
            return MatchResult(text=text, key=key)
        best: dict[str, list[_Entry]] = {}
        for entry in found:  # per vocabulary, only the entries of its best rule
            kept = best.setdefault(entry.vocabulary.name, [])
            if not kept or RULE_ORDER.index(entry.rule) < RULE_ORDER.index(kept[0].rule):
                best[entry.vocabulary.name] = [entry]
            elif entry.rule is kept[0].rule and all(e.term.identifier != entry.term.identifier for e in kept):
                kept.append(entry)
        names = list(best)
        if len(names) > 1:
            names = next(([n] for n in self.precedence if n in best), names)
        entries = [e for n in names for e in best[n]]
        return self._result(text, key, entries)

    def identify(self, identifier: str) -> IdentifierMatch | None:
        """The term or vocabulary an identifier names (current or older form), if exactly one."""
        found = self._identifiers.get(canonical_identifier(identifier))
        if not found or len(found) > 1:
            return None
        vocabulary, term = found[0]
        current = identifier == (term.identifier if term is not None else vocabulary.identifier)
        return IdentifierMatch(found=identifier, vocabulary=vocabulary, term=term, current=current)

    def vocabulary(self, name: str) -> Vocabulary | None:
        for vocabulary in self.vocabularies:
            if vocabulary.name == name:
                return vocabulary
        return None

    @staticmethod
    def _result(text: str, key: str, entries: list[_Entry]) -> MatchResult:
        def rule_for(entry: _Entry) -> MatchRule:
            if entry.rule is MatchRule.NORMALISED_LABEL and entry.label == text.strip():
                return MatchRule.EXACT_LABEL
            return entry.rule

        candidates = sorted(
            (
                Candidate(
                    vocabulary=e.vocabulary,
                    term=e.term,
                    rule=rule_for(e),
                    matched_label=e.label,
                    lang=e.lang,
                )
                for e in entries
            ),
            key=lambda c: RULE_ORDER.index(c.rule),  # exact matches first
        )
        return MatchResult(text=text, key=key, candidates=tuple(candidates))
