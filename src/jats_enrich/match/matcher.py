"""Which terms could a piece of text (or an identifier) mean, and why.

Matching is deterministic and explainable. Rules are tried in order and the first rule that finds
anything wins: label (exact, or equal after normalisation), alias, translation. Each candidate says
which rule matched and which label of the term it matched. Matching only proposes; what gets
written is decided in decide/.

Identifiers already in an article (``vocab-term-identifier``, ``content-type``) are looked up too:
by their exact current form, or by an older form of the same term or vocabulary (``http`` for
``https``, no trailing slash, a deprecated address such as ``http://credit.casrai.org/``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace

from jats_enrich.dictionaries.model import TargetKind, Vocabulary
from jats_enrich.match.candidates import RULE_ORDER, Candidate, IdentifierMatch, MatchResult, MatchRule
from jats_enrich.match.derivation import MIN_STEM, derived_from
from jats_enrich.match.indexes import Entry, gathered, indexes_for
from jats_enrich.match.keys import keys_in_languages, language_blind, word_order_key
from jats_enrich.text import (
    acronym_key,
    any_conjunction_as_ampersand,
    canonical_identifier,
    closed_compound,
    language_key,
    normalize,
)

#: Distinct (text, language) pairs whose match results are kept; the cache starts over when full.
CACHE_SIZE = 50_000
#: A text longer than twice the longest name, and this many characters, is no name.
LENGTH_SLACK = 40


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
        self.kind = kind
        self._indexes = indexes_for(self.vocabularies, kind)
        self._longest = max(index.longest for index in self._indexes)  # the longest name, in characters
        self.languages: tuple[str, ...] = tuple(sorted(set().union(*(index.languages for index in self._indexes))))
        # Role strings repeat a lot across a batch ("Methodology", "Editor"): remember results.
        self._cache: dict[tuple[str, str | None], MatchResult] = {}

    def _names(self, key: str) -> list[Entry]:
        return gathered(self._indexes, lambda index: index.names(key))

    def _translations(self, lang: str | None, key: str) -> list[Entry]:
        return gathered(self._indexes, lambda index: index.translations(lang, key))

    def _reordered(self, lang: str | None, key: str) -> list[Entry]:
        return gathered(self._indexes, lambda index: index.reordered(lang, key))

    def _any_translation(self, key: str) -> list[Entry]:
        return gathered(self._indexes, lambda index: index.any_translation(key))

    def _any_reordered(self, key: str) -> list[Entry]:
        return gathered(self._indexes, lambda index: index.any_reordered(key))

    def match(self, text: str, lang: str | None = None) -> MatchResult:
        """Candidates for ``text`` (whitespace already collapsed), written in language ``lang``.

        Every term whose label, alias or translation is the text (exactly or up to
        normalisation, a closed compound "Preprint" for "Pre-print" included) is found, in
        whichever vocabulary. Within one vocabulary the best rule wins (label, then alias, then
        translation); when several vocabularies each have the text, the first of them in
        ``precedence`` wins, else all are returned (ambiguous). Translations are tried in the
        text's language first (from ``xml:lang``), then in every language (for a keyword or
        subject only when its language is not stated), where a translation counts only when it
        names exactly one term across all languages (several are returned as ambiguous). An
        acronym ("ALMs", "APC") matches only with its own capitals: "Alms" is not "ALMs".

        A matcher of roles also reads, when nothing else matched, the word for 'and' of any
        language between two words as '&' ("Writing – review e editing" in English text), and a
        label's words in another order ("rascunho original – escrita"): both only ever rearrange
        the words of one label, so they never reach another term.
        """
        cached = self._cache.get((text, lang))
        if cached is None:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            cached = self._cache[(text, lang)] = self._match(text, lang)
        return cached

    def _match(self, text: str, lang: str | None) -> MatchResult:
        if len(text) > 2 * self._longest + LENGTH_SLACK:
            # Far longer than any name: no rule can make it one (they drop or change a few small
            # words at most). Saying so at once keeps a 600 kB hostile role from costing seconds.
            return MatchResult(text=text, key=text[:LENGTH_SLACK])
        key = normalize(text, lang)
        if not key:
            return MatchResult(text=text, key=key)
        found = self._lookup(text, lang)
        if not found and self.kind == "role":
            found = self._role_variants(text, lang, key)
        if not found:
            return MatchResult(text=text, key=key)
        best: dict[str, list[Entry]] = {}
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

    def _lookup(self, text: str, lang: str | None) -> list[Entry]:
        """Labels, aliases and acronyms; translations in the text's language, else in any."""
        found: list[Entry] = []
        texts = [text]
        joined = closed_compound(text)
        if joined is not None:
            texts.append(joined)
        for t in texts:
            for k in dict.fromkeys((normalize(t, lang), normalize(t))):
                found += self._names(k)
        found += gathered(self._indexes, lambda index: index.acronyms(acronym_key(text)))
        own = language_key(lang)
        if own is not None and own in self.languages:
            for t in texts:
                found += self._translations(own, normalize(t, lang))
        if found or (own is not None and self.kind in ("keyword", "subject")):
            # A keyword of a stated language is not read in another: German "Gift" (poison) in an
            # English keyword group is a present.
            return found
        # A role stated in a language that has its own labels is not read in a neighbour's:
        # Swedish "Databehandling" is data processing, not the Danish label of Data curation.
        # English is different: JATS makes it every article's language by default, so roles in
        # Portuguese are often "English" ("Conceitualização" is still Conceptualization).
        languages = self._other_languages(lang) if self.kind == "role" else self.languages
        for t in texts:
            found += self._in_languages(t, languages, self._translations, self._any_translation, lambda k: k)
        return found

    def _in_languages(
        self,
        text: str,
        languages: tuple[str, ...],
        in_language: Callable[[str | None, str], list[Entry]],
        in_any: Callable[[str], list[Entry]],
        key_of: Callable[[str], str | None],
    ) -> list[Entry]:
        """The entries ``in_language`` finds for the text in each of ``languages``. When no language can
        change the text's key (no word for 'and' of any language, no -ization), one look-up in
        ``in_any`` does for all 39, instead of normalising the text once per language."""
        if not languages:
            return []
        plain = normalize(text)
        if language_blind(plain):
            key = key_of(plain)
            if key is None:
                return []
            wanted = set(languages)
            return [e for e in in_any(key) if language_key(e.lang) in wanted]
        found: list[Entry] = []
        keys: dict[str, str | None] = {}  # most languages give one text the same key: made once
        for language, text_key in keys_in_languages(text, plain, languages).items():
            if text_key not in keys:
                keys[text_key] = key_of(text_key)
            key = keys[text_key]
            if key is not None:
                found += in_language(language, key)
        return found

    @staticmethod
    def _key_in(text: str, language: str | None) -> str:
        """``normalize(text, language)``, without normalising again for each of 39 languages when
        the language cannot make a difference (no word for 'and' of any language, no -ization)."""
        plain = normalize(text)
        return plain if language_blind(plain) else normalize(text, language)

    def _other_languages(self, lang: str | None) -> tuple[str, ...]:
        """The translation languages a role of language ``lang`` may be read in beyond its own:
        every one for English (JATS's default) or an unknown language, and for a language without
        labels of its own; none for a stated language that has them (no neighbour's false friends)."""
        own = language_key(lang)
        return self.languages if own in (None, "en") or own not in self.languages else ()

    def _role_variants(self, text: str, lang: str | None, key: str) -> list[Entry]:
        """A role's label with another language's 'and', or with its words in another order."""
        others = self._other_languages(lang)
        variant = any_conjunction_as_ampersand(key)
        if variant != key:
            found = self._names(variant) + [e for language in others for e in self._translations(language, variant)]
            if found:
                return found
        own = language_key(lang)
        for language in (own, None) if own in self.languages else (None,):
            reordered = word_order_key(variant if language is None else normalize(text, lang))
            entries = self._reordered(language, reordered) if reordered is not None else []
            if entries:
                return [replace(e, rule=MatchRule.REORDERED) for e in entries]
        found = self._in_languages(text, others, self._reordered, self._any_reordered, word_order_key)
        entries = [replace(e, rule=MatchRule.REORDERED) for e in found]
        return entries or self._derived(text, lang)

    def _derived(self, text: str, lang: str | None) -> list[Entry]:
        """A role's label with one word replaced by another noun of its action (derivation.py):
        in the text's language first, else in any (ambiguity across languages is kept)."""
        own = language_key(lang)
        allowed = {own, None, *self._other_languages(lang)}
        found: dict[str | None, list[Entry]] = defaultdict(list)
        by_key: dict[str, set[str | None]] = defaultdict(set)  # languages that give the text one key
        plain = normalize(text)
        if language_blind(plain):
            by_key[normalize(text, lang)] = {own, None}
            by_key[plain] |= allowed - {own, None}
        else:
            by_key[normalize(text, lang)].add(None)
            stated = tuple(sorted(a for a in allowed if a is not None))
            for language, key in keys_in_languages(text, plain, stated).items():
                by_key[key].add(language)
        for key, languages in by_key.items():
            words = tuple(key.split(" "))
            for i, word in enumerate(words):
                slot = (len(words), i, words[:i] + words[i + 1 :], word[:MIN_STEM])
                for index in self._indexes:
                    for label_lang, label_words, entry in index.role_labels(slot):
                        if label_lang in languages and derived_from(words, label_words):
                            found[label_lang].append(replace(entry, rule=MatchRule.DERIVED))
        if own in found:
            return found[own]
        return [e for entries in found.values() for e in entries]

    def identify(self, identifier: str) -> IdentifierMatch | None:
        """The term or vocabulary an identifier names (current or older form), if exactly one."""
        form = canonical_identifier(identifier)
        found = [pair for index in self._indexes for pair in index.identified(form)]
        if not found or len(found) > 1:
            return None
        vocabulary, term = found[0]
        current = identifier == term.identifier if term is not None else identifier in vocabulary.schemes
        return IdentifierMatch(found=identifier, vocabulary=vocabulary, term=term, current=current)

    def vocabulary(self, name: str) -> Vocabulary | None:
        for vocabulary in self.vocabularies:
            if vocabulary.name == name:
                return vocabulary
        return None

    @staticmethod
    def _result(text: str, key: str, entries: list[Entry]) -> MatchResult:
        def rule_for(entry: Entry) -> MatchRule:
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
