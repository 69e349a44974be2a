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

from .normalize import base_language, normalize
from .vocabulary import Term, Vocabulary


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
    lang: str | None = None


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

    def __init__(self, vocabularies: Iterable[Vocabulary], precedence: Iterable[str] = ()) -> None:
        self.vocabularies: tuple[Vocabulary, ...] = tuple(vocabularies)
        # When several vocabularies define a text, the first of these names that is among them wins.
        self.precedence: tuple[str, ...] = tuple(precedence)
        self._labels: dict[str, list[_Entry]] = defaultdict(list)
        self._aliases: dict[str, list[_Entry]] = defaultdict(list)
        self._translations: dict[str, list[_Entry]] = defaultdict(list)
        self._identifiers: dict[str, list[tuple[Vocabulary, Term | None]]] = defaultdict(list)
        languages: set[str] = set()
        for vocabulary in self.vocabularies:
            self._identify(vocabulary.identifier, vocabulary, None)
            for old in vocabulary.deprecated_identifiers:
                self._identify(old, vocabulary, None)
            for term in vocabulary.terms:
                self._add(self._labels, _Entry(vocabulary, term, term.label))
                for alias in term.aliases:
                    self._add(self._aliases, _Entry(vocabulary, term, alias))
                for lang, labels in term.translations.items():
                    languages.add(lang)
                    for label in labels:
                        self._add(self._translations, _Entry(vocabulary, term, label, lang))
                self._identify(term.identifier, vocabulary, term)
                for old in term.deprecated_identifiers:
                    self._identify(old, vocabulary, term)
        self.languages: tuple[str, ...] = tuple(sorted(languages))
        # Role strings repeat a lot across a batch ("Methodology", "Editor"): remember results.
        self._cache: dict[tuple[str, str | None], MatchResult] = {}

    @staticmethod
    def _add(index: dict[str, list[_Entry]], entry: _Entry) -> None:
        bucket = index[normalize(entry.label, entry.lang)]
        for e in bucket:
            if e.term.identifier == entry.term.identifier and e.vocabulary.name == entry.vocabulary.name:
                return
        bucket.append(entry)

    def _identify(self, identifier: str, vocabulary: Vocabulary, term: Term | None) -> None:
        bucket = self._identifiers[canonical_identifier(identifier)]
        if not any(v.name == vocabulary.name and t == term for v, t in bucket):
            bucket.append((vocabulary, term))

    def match(self, text: str, lang: str | None = None) -> MatchResult:
        """Candidates for ``text`` (whitespace already collapsed), written in language ``lang``.

        Labels are looked up by normalised key, so every term whose label is the text (exactly
        or up to normalisation) is a candidate, whichever vocabulary it comes from; a candidate
        whose label is the text byte for byte is marked exact-label. Translations in the text's
        own language are preferred; then any language (articles often omit or misstate xml:lang).
        """
        lang = base_language(lang)
        cached = self._cache.get((text, lang))
        if cached is None:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            cached = self._cache[(text, lang)] = self._match(text, lang)
        return cached

    def _match(self, text: str, lang: str | None) -> MatchResult:
        keys = dict.fromkeys((normalize(text, lang), normalize(text)))
        first_key = next(iter(keys))
        for index, rule in ((self._labels, MatchRule.NORMALISED_LABEL), (self._aliases, MatchRule.ALIAS)):
            for key in keys:
                entries = index.get(key)
                if entries:
                    return self._result(text, key, entries, rule)
        order = ([lang] if lang in self.languages else []) + [lang_ for lang_ in self.languages if lang_ != lang]
        for lang_ in order:
            key = normalize(text, lang_)
            entries = [e for e in self._translations.get(key, ()) if e.lang == lang_]
            if entries:
                return self._result(text, key, entries, MatchRule.TRANSLATION)
        return MatchResult(text=text, key=first_key)

    def _by_precedence(self, entries: list[_Entry]) -> list[_Entry]:
        names = {e.vocabulary.name for e in entries}
        if len(names) < 2:
            return entries
        for name in self.precedence:
            if name in names:
                return [e for e in entries if e.vocabulary.name == name]
        return entries

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

    def _result(self, text: str, key: str, entries: list[_Entry], rule: MatchRule) -> MatchResult:
        def rule_for(entry: _Entry) -> MatchRule:
            if rule is MatchRule.NORMALISED_LABEL and entry.label == text.strip():
                return MatchRule.EXACT_LABEL
            return rule

        entries = self._by_precedence(entries)
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
