"""Where the matcher finds the names of terms: an index in memory, or the rows of a stored one.

A dictionary made of Python objects (the shipped ones, a file read with no cache) is indexed in
memory when the matcher is built. A compiled dictionary (dictionaries/stored.py) already holds the
keys of its names: its index is a few queries, and a term is made only when a query finds it, so
that a thesaurus of 40,000 concepts costs neither the seconds nor the memory of indexing it.

Both answer the same questions the same way: each bucket holds one entry per term (its best rule,
``put``), in the order the names were indexed, and only the terms matched against the matcher's
kind of target. Roles are only ever indexed in memory: their variant indexes (words in another
order, derived nouns) are built for the few terms a dictionary of roles has.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from jats_enrich.dictionaries.model import TargetKind, Term, Vocabulary
from jats_enrich.dictionaries.stored import ACRONYM, ALIAS, IN_LANGUAGE, LABEL, PLAIN, StoredTerms
from jats_enrich.match.candidates import RULE_ORDER, MatchRule
from jats_enrich.match.derivation import MIN_STEM
from jats_enrich.match.keys import word_order_key
from jats_enrich.text import (
    LABEL_KEYS,
    acronym_key,
    canonical_identifier,
    closed_compound,
    is_acronym,
    label_key,
    language_key,
)


@dataclass(frozen=True, slots=True)
class Entry:
    vocabulary: Vocabulary
    term: Term
    label: str
    rule: MatchRule
    lang: str | None = None


#: A role label's slot for derivation: (number of words, the word that may differ, the other
#: words, that word's first letters: another noun of its action shares at least MIN_STEM of them).
RoleSlot = tuple[int, int, tuple[str, ...], str]
Identified = tuple[Vocabulary, Term | None]

#: A label closed_compound may change: one with a hyphen or dash in it.
_MAY_HAVE_INNER_DASH = re.compile(r"[-\u2010\u2011]")


def put(bucket: list[Entry], entry: Entry) -> None:
    """Add an entry to a bucket of one key: a term already there keeps its best rule."""
    if not bucket:  # most names are one term's
        bucket.append(entry)
        return
    for e in bucket:
        if e.term.identifier == entry.term.identifier and e.vocabulary.name == entry.vocabulary.name:
            if RULE_ORDER.index(entry.rule) < RULE_ORDER.index(e.rule):
                bucket[bucket.index(e)] = entry
            return
    bucket.append(entry)


class MemoryIndex:
    """The names of some vocabularies' terms, indexed in dictionaries when built."""

    def __init__(self, vocabularies: Iterable[Vocabulary], kind: TargetKind | None) -> None:
        self.kind = kind
        self._names: dict[str, list[Entry]] = defaultdict(list)  # labels and aliases, by key
        self._acronyms: dict[str, list[Entry]] = defaultdict(list)  # "ALMs", "APC": case kept
        self._translations: dict[tuple[str | None, str], list[Entry]] = defaultdict(list)  # by (language, key)
        self._reordered: dict[tuple[str | None, str], list[Entry]] = defaultdict(list)  # roles: words sorted
        # the same, whatever their language, for texts whose key is the same in every language
        self._any_translation: dict[str, list[Entry]] = defaultdict(list)
        self._any_reordered: dict[str, list[Entry]] = defaultdict(list)
        self._role_labels: dict[RoleSlot, list[tuple[str | None, tuple[str, ...], Entry]]] = defaultdict(list)
        self._identifiers: dict[str, list[Identified]] = defaultdict(list)
        self.longest = 0  # the longest name indexed, in characters
        self.languages: set[str] = set()
        for vocabulary in vocabularies:
            for scheme in vocabulary.schemes:
                self._identify(scheme, vocabulary, None)
            for old in vocabulary.deprecated_identifiers:
                self._identify(old, vocabulary, None)
            for term in vocabulary.terms:
                self._identify(term.identifier, vocabulary, term)
                for old in term.deprecated_identifiers:
                    self._identify(old, vocabulary, term)
                if kind is not None and not vocabulary.applies(term, kind):
                    continue
                self._add(Entry(vocabulary, term, term.label, MatchRule.NORMALISED_LABEL))
                for alias in term.aliases:
                    self._add(Entry(vocabulary, term, alias, MatchRule.ALIAS))
                for lang, labels in term.translations.items():
                    self.languages.add(language_key(lang) or lang)
                    for label in labels:
                        self._add(Entry(vocabulary, term, label, MatchRule.TRANSLATION, lang))

    def _add(self, entry: Entry) -> None:
        # Run once per name of every dictionary (160,000 for a thesaurus of 40,000 concepts): the
        # common case (a known key, no hyphen, a bucket of its own) takes the shortest way.
        label = entry.label
        key = LABEL_KEYS.get((label, entry.lang)) or label_key(label, entry.lang)
        if not key:  # "-", "—": nothing to match, and it would match empty text
            return
        if len(label) > self.longest:
            self.longest = len(label)
        if is_acronym(label):
            put(self._acronyms[acronym_key(label)], entry)
            return
        lang = language_key(entry.lang)
        joined = closed_compound(label) if _MAY_HAVE_INNER_DASH.search(label) else None
        keys = (key,) if joined is None else tuple(dict.fromkeys((key, label_key(joined, entry.lang))))
        for key in keys:
            put(self._translations[(lang, key)] if lang is not None else self._names[key], entry)
            if lang is not None:
                self._any_translation[key].append(entry)
            if self.kind == "role":
                reordered = word_order_key(key)
                if reordered is not None:
                    put(self._reordered[(lang, reordered)], entry)
                    if lang is not None:
                        self._any_reordered[reordered].append(entry)
                words = tuple(key.split(" "))
                for i, word in enumerate(words):
                    if len(word) >= MIN_STEM:
                        slot = (len(words), i, words[:i] + words[i + 1 :], word[:MIN_STEM])
                        self._role_labels[slot].append((lang, words, entry))

    def _identify(self, identifier: str, vocabulary: Vocabulary, term: Term | None) -> None:
        bucket = self._identifiers[canonical_identifier(identifier)]
        if not any(v.name == vocabulary.name and t == term for v, t in bucket):
            bucket.append((vocabulary, term))

    def names(self, key: str) -> list[Entry]:
        return self._names.get(key, [])

    def acronyms(self, key: str) -> list[Entry]:
        return self._acronyms.get(key, [])

    def translations(self, lang: str | None, key: str) -> list[Entry]:
        return self._translations.get((lang, key), [])

    def any_translation(self, key: str) -> list[Entry]:
        return self._any_translation.get(key, [])

    def reordered(self, lang: str | None, key: str) -> list[Entry]:
        return self._reordered.get((lang, key), [])

    def any_reordered(self, key: str) -> list[Entry]:
        return self._any_reordered.get(key, [])

    def role_labels(self, slot: RoleSlot) -> list[tuple[str | None, tuple[str, ...], Entry]]:
        return self._role_labels.get(slot, [])

    def identified(self, form: str) -> list[Identified]:
        return self._identifiers.get(form, [])


_RULES = {LABEL: MatchRule.NORMALISED_LABEL, ALIAS: MatchRule.ALIAS}


def rows_matched_against(vocabulary: Vocabulary, store: StoredTerms, kind: TargetKind | None) -> Callable[[int], bool]:
    """Whether the term of a stored row is matched against ``kind`` (None: any). Most thesauri's
    terms say nothing of their own about it: then the answer needs no look at the term."""
    answers = {kind is None or vocabulary.applies_with(own, kind) for own in store.applies_to_values}
    if len(answers) == 1:
        answer = answers.pop()
        return lambda row: answer
    assert kind is not None
    return lambda row: vocabulary.applies_with(store.applies_of(row), kind)


class StoredIndex:
    """The names of one compiled vocabulary, read from its rows when asked for."""

    def __init__(self, vocabulary: Vocabulary, store: StoredTerms, kind: TargetKind | None) -> None:
        self.vocabulary = vocabulary
        self.store = store
        self.kind = kind
        self.longest, _, self.languages, _ = store.measures(
            lambda own: kind is None or vocabulary.applies_with(own, kind)
        )
        self._applies = rows_matched_against(vocabulary, store, kind)

    def _entries(self, rows: list[tuple[int, str, int, str | None]], one_per_term: bool = True) -> list[Entry]:
        found: list[Entry] = []
        for row, name, what, tag in rows:
            if not self._applies(row):
                continue
            entry = Entry(self.vocabulary, self.store.term_at(row), name, _RULES.get(what, MatchRule.TRANSLATION), tag)
            if one_per_term:
                put(found, entry)
            else:
                found.append(entry)
        return found

    def names(self, key: str) -> list[Entry]:
        return self._entries(self.store.names(PLAIN, key))

    def acronyms(self, key: str) -> list[Entry]:
        return self._entries(self.store.names(ACRONYM, key))

    def translations(self, lang: str | None, key: str) -> list[Entry]:
        if lang is None:
            return []  # a name without a language is among the names (as in MemoryIndex)
        return self._entries(self.store.names(IN_LANGUAGE, key, lang))

    def any_translation(self, key: str) -> list[Entry]:
        return self._entries(self.store.names(IN_LANGUAGE, key), one_per_term=False)

    def reordered(self, lang: str | None, key: str) -> list[Entry]:
        return []

    def any_reordered(self, key: str) -> list[Entry]:
        return []

    def role_labels(self, slot: RoleSlot) -> list[tuple[str | None, tuple[str, ...], Entry]]:
        return []

    def identified(self, form: str) -> list[Identified]:
        rows = self.store.identified(form)
        return [(self.vocabulary, None if row is None else self.store.term_at(row)) for row in rows]


Index = MemoryIndex | StoredIndex


def indexes_for(vocabularies: tuple[Vocabulary, ...], kind: TargetKind | None) -> list[Index]:
    """The indexes of vocabularies, in their order: a stored one by itself (except for roles),
    the others in memory, the consecutive ones together."""
    indexes: list[Index] = []
    pending: list[Vocabulary] = []
    for vocabulary in vocabularies:
        if isinstance(vocabulary.terms, StoredTerms) and kind != "role":
            if pending:
                indexes.append(MemoryIndex(pending, kind))
                pending = []
            indexes.append(StoredIndex(vocabulary, vocabulary.terms, kind))
        else:
            pending.append(vocabulary)
    if pending or not indexes:
        indexes.append(MemoryIndex(pending, kind))
    return indexes


def gathered(indexes: list[Index], ask: Callable[[Index], list[Entry]]) -> list[Entry]:
    """What each index answers, in order (one index: its own list, not to be changed)."""
    if len(indexes) == 1:
        return ask(indexes[0])
    return [entry for index in indexes for entry in ask(index)]
