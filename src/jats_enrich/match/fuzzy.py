"""Near misses: the terms closest to a text that matched nothing, scored 0-100.

Suggestions go into the report for reviewers; they are applied only when the user asks
(``--accept-fuzzy SCORE``). Scores are RapidFuzz's token-sort ratio on normalised keys: edit
similarity of the whole strings, word order ignored. Partial-match scorers were tried and rejected:
they score "Software development" 90 against "Software", which is not a near miss but a different
statement.

A near miss must say what the term says: the words of the label that came closest, no more and
no fewer, each written the same or nearly so (a typo, a plural), a person never for an activity.
Otherwise a shared word or a few shared letters would point a reviewer the wrong way:
"Reviewing Editor" is no "Writing – review & editing" (no writing), "Research Article" no
"Newspaper Article", "Patients" no "Patent", "Supervisor" no "Supervision", "Validation cohort"
no "Validation", "Depository" no "Repository". A translation is offered only in the text's
stated language (Portuguese "Programa" is not offered the Italian "Programma", nor a "Supervisor"
of unknown language the Italian "Supervisore"). A suggestion scoring 100 says why
it was not a match, and ``accept_fuzzy`` never applies such a one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from jats_enrich.dictionaries.model import TargetKind, Term, Vocabulary
from jats_enrich.dictionaries.stored import StoredTerms
from jats_enrich.gc_pause import collection_paused
from jats_enrich.match.indexes import rows_matched_against
from jats_enrich.text import content_words, is_acronym, label_key, language_key, normalize

#: Suggestions scoring below this are not worth a reviewer's time.
MIN_SCORE = 60.0
MAX_SUGGESTIONS = 3
#: From this many names on (a thesaurus), only the names that could say what a text says are
#: scored (see Suggester._candidates), instead of every name: 40,000 concepts would cost 40 ms a text.
NARROW_FROM = 5_000
CACHE_SIZE = 20_000
#: Two words are written nearly the same at this edit similarity (0-1) or more.
WORD_SIMILARITY = 0.8


@dataclass(frozen=True, slots=True)
class Suggestion:
    vocabulary: Vocabulary
    term: Term
    label: str  # the label, alias or translation that came closest
    score: float
    why: str | None = None  # for a score of 100: why it was not a match


#: Endings of nouns of the agent: a person or a position, not an activity ("Supervisor",
#: "Investigador", "Methodologist", "Programmer", "Reviewer").
AGENT_ENDINGS = ("or", "ora", "ore", "er", "eur", "euse", "ist", "ista", "dor", "dora", "ant", "ante")


def is_agent_noun(word: str) -> bool:
    return len(word) > 4 and word.endswith(AGENT_ENDINGS)


def nearly_same(a: str, b: str) -> bool:
    """Two words written nearly the same: a typo or a plural ("Methodolgy", "analyses"), but not
    a person for an activity ("Supervisor" is no "Supervision", "Reviewer" no "Review")."""
    if a == b:
        return True
    if is_agent_noun(a) != is_agent_noun(b) or a[:1] != b[:1]:
        return False  # a typo rarely changes the first letter: "Depository" is no "Repository"
    if a in (b + "s", b + "es") or b in (a + "s", a + "es"):
        return True
    return Levenshtein.normalized_similarity(a, b) >= WORD_SIMILARITY


def says_what_the_label_says(text_key: str, label_key: str) -> bool:
    """Does the text say the label's words, no more and no fewer, each written the same or nearly
    so, in any order? (Its closed compound counts, in the plural too: "preprints" says "pre
    print"; "reprint" does not; "Validation cohort" says more than "Validation".)"""
    words, label = content_words(text_key), content_words(label_key)
    if all(any(nearly_same(w, t) for t in words) for w in label) and all(
        any(nearly_same(t, w) for w in label) for t in words
    ):
        return True
    joined = "".join(label)
    return "".join(words) in (joined, joined + "s", joined + "es")


#: A name that came close: its key, score, and (vocabulary, term, the name, its language).
Found = tuple[str, float, tuple[Vocabulary, Term, str, str | None]]


class Suggester:
    """An index of every label, alias and translation, by normalised key.

    A compiled vocabulary's names stay in its store, narrowed down there as the names in memory
    are here; the names that come close are then scored together, in the order of the
    vocabularies and of their names, so that a stored vocabulary is given the near misses the
    same vocabulary read from its file is given. One too small to need narrowing is read here."""

    def __init__(self, vocabularies: Iterable[Vocabulary], kind: TargetKind | None = None) -> None:
        self._cache: dict[tuple[str, str | None, int], tuple[Suggestion, ...]] = {}
        self._keys: list[str] = []
        self._entries: list[tuple[Vocabulary, Term, str, str | None]] = []
        self._places: list[int] = []  # the place of each name's vocabulary among the vocabularies
        given = list(vocabularies)
        self._stored: list[_StoredNames] = []
        for place, vocabulary in enumerate(given):
            if isinstance(vocabulary.terms, StoredTerms):
                self._stored.append(_StoredNames(place, vocabulary, vocabulary.terms, kind))
            else:
                self._add(place, vocabulary, kind)
        if self._stored and self._names < NARROW_FROM:  # too few to narrow: all read here, in order
            self._keys, self._entries, self._places, self._stored = [], [], [], []
            for place, vocabulary in enumerate(given):
                self._add(place, vocabulary, kind)
        longest = [len(k) for k in self._keys] + [s.near_longest for s in self._stored]
        self._longest = max(longest, default=0)
        self._narrowed: tuple[dict[frozenset[str], list[int]], dict[str, list[int]]] | None = None

    def _add(self, place: int, vocabulary: Vocabulary, kind: TargetKind | None) -> None:
        for term in vocabulary.terms:
            if kind is not None and not vocabulary.applies(term, kind):
                continue
            labels: list[tuple[str, str | None]] = [(term.label, None), *((a, None) for a in term.aliases)]
            labels += [(label, lang) for lang, values in term.translations.items() for label in values]
            for label, lang in labels:
                self._keys.append(label_key(label, lang))
                self._entries.append((vocabulary, term, label, lang))
                self._places.append(place)

    @property
    def _names(self) -> int:
        return len(self._keys) + sum(s.names for s in self._stored)

    def suggest(self, text: str, lang: str | None = None, limit: int = MAX_SUGGESTIONS) -> tuple[Suggestion, ...]:
        """Up to ``limit`` distinct terms, best first, each with its best-scoring label."""
        cached = self._cache.get((text, lang, limit))
        if cached is None:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            cached = self._cache[(text, lang, limit)] = self._suggest(text, lang, limit)
        return cached

    def _suggest(self, text: str, lang: str | None, limit: int) -> tuple[Suggestion, ...]:
        if len(text) > 3 * self._longest + 20:
            return ()  # no label is near: a ratio of MIN_SCORE needs comparable lengths
        key = normalize(text, lang)
        if not key:
            return ()
        if self._names < NARROW_FROM:
            found = process.extract(
                key, self._keys, scorer=fuzz.token_sort_ratio, limit=limit * 8, score_cutoff=MIN_SCORE
            )
            close: list[Found] = [(found_key, score, self._entries[index]) for found_key, score, index in found]
        else:
            close = self._extract_among_candidates(key, limit)
        best: dict[tuple[str, str], Suggestion] = {}
        own = language_key(lang)
        for found_key, score, (vocabulary, term, label, label_lang) in close:
            if label_lang is not None and language_key(label_lang) != own:
                continue  # a translation is a near miss only in the text's stated language
            if not says_what_the_label_says(key, found_key):
                continue
            slot = (vocabulary.name, term.identifier)
            if slot not in best or best[slot].score < score:
                best[slot] = Suggestion(
                    vocabulary=vocabulary,
                    term=term,
                    label=label,
                    score=round(float(score), 1),
                    why=_why_not_matched(text, lang, key, label, label_lang, found_key) if score >= 100 else None,
                )
        ranked = sorted(best.values(), key=lambda s: (-s.score, s.term.label))
        return tuple(ranked[:limit])

    def _extract_among_candidates(self, key: str, limit: int) -> list[Found]:
        """process.extract over the names that could pass says_what_the_label_says only: those
        whose content words begin with the same letters as the text's (each word must be nearly
        the same as one of the other's, first letter kept), or whose words joined are the text's
        joined (a closed compound, in the plural too); here and in the stores, in one order."""
        letters, joined = _narrowing_keys(key)
        # (vocabulary's place, name's place, key, the name in memory, or the store and its row)
        candidates: list[tuple[int, int, str, int | tuple[_StoredNames, int, int]]] = []
        if self._keys:
            by_letters, by_joined = self._narrow()
            chosen = set(by_letters.get(letters, ()))
            for compound in joined:
                chosen.update(by_joined.get(compound, ()))
            candidates += [(self._places[i], i, self._keys[i], i) for i in chosen]
        for part in self._stored:
            candidates += [(part.place, seq, name_key, (part, seq, row)) for seq, name_key, row in part.near(key)]
        candidates.sort(key=lambda c: (c[0], c[1]))
        found = process.extract(
            key, [c[2] for c in candidates], scorer=fuzz.token_sort_ratio, limit=limit * 8, score_cutoff=MIN_SCORE
        )
        close: list[Found] = []
        for choice, score, index in found:
            source = candidates[index][3]
            if isinstance(source, int):
                close.append((choice, score, self._entries[source]))
            else:
                part, seq, row = source
                close.append((choice, score, part.entry(seq, row)))
        return close

    def _narrow(self) -> tuple[dict[frozenset[str], list[int]], dict[str, list[int]]]:
        """The names by the first letters of their content words, and by those words joined (built
        on the first near miss looked for)."""
        if self._narrowed is None:
            with collection_paused():
                self._narrowed = self._narrowing()
        return self._narrowed

    def _narrowing(self) -> tuple[dict[frozenset[str], list[int]], dict[str, list[int]]]:
        by_letters: dict[frozenset[str], list[int]] = {}
        by_joined: dict[str, list[int]] = {}
        for index, key in enumerate(self._keys):
            words = content_words(key)
            by_letters.setdefault(frozenset(w[0] for w in words), []).append(index)
            by_joined.setdefault("".join(words), []).append(index)
        return by_letters, by_joined


def _narrowing_keys(key: str) -> tuple[frozenset[str], set[str]]:
    """The first letters of the key's content words, and those words joined (as written, and as
    the singular of a closed compound in the plural)."""
    words = content_words(key)
    joined = "".join(words)
    return frozenset(w[0] for w in words), {joined, joined.removesuffix("s"), joined.removesuffix("es")}


def _comparable_lengths(length: int) -> tuple[int, int]:
    """The lengths a key may have to score MIN_SCORE against a text's key of ``length``: the
    token-sort ratio is at most 100 * (1 - |a - b| / (a + b)), whatever the letters."""
    share = MIN_SCORE / 100
    return math.floor(length * share / (2 - share)), math.ceil(length * (2 - share) / share)


class _StoredNames:
    """The names of a compiled vocabulary, narrowed down in its store as Suggester narrows its own."""

    def __init__(self, place: int, vocabulary: Vocabulary, store: StoredTerms, kind: TargetKind | None) -> None:
        self.place = place
        self.vocabulary = vocabulary
        self.store = store
        self._applies = rows_matched_against(vocabulary, store, kind)
        applying = store.measures(lambda own: kind is None or vocabulary.applies_with(own, kind))
        _, self.near_longest, _, self.names = applying

    def near(self, key: str) -> list[tuple[int, str, int]]:
        """(seq, key, row) of the names of terms of this kind that could come close to ``key``."""
        letters, joined = _narrowing_keys(key)
        found = self.store.near("".join(sorted(letters)), _comparable_lengths(len(key)), tuple(sorted(joined)))
        return [r for r in found if self._applies(r[2])]

    def entry(self, seq: int, row: int) -> tuple[Vocabulary, Term, str, str | None]:
        name, tag = self.store.near_name(seq)
        return self.vocabulary, self.store.term_at(row), name, tag


def _why_not_matched(text: str, lang: str | None, key: str, label: str, label_lang: str | None, label_key: str) -> str:
    """Why a text scoring 100 against a label (equal after normalisation, or the same words) was no match."""
    if key != label_key:
        return "the label's words in another order: for this kind of element, word order is part of the name"
    if label_lang is not None and language_key(label_lang) != language_key(lang):
        stated = f"the text is tagged {lang}" if lang else "the text's language is not stated"
        return (
            f"a translation ({label_lang}), and {stated}: a keyword or subject of a stated language is matched "
            "only in that language, and a translation in any language only when it names one term in all of them"
        )
    if is_acronym(label):
        return f"{label!r} is an acronym, matched only in its own capitals"
    return "the same key as the label, which another rule of the run set aside (its group, or several terms)"
