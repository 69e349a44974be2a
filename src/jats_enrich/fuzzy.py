"""Near misses: the terms closest to a text that matched nothing, scored 0-100.

Suggestions go into the report for reviewers; they are applied only when the user asks
(``--accept-fuzzy SCORE``). Scores are RapidFuzz's token-sort ratio on normalised keys: edit
similarity of the whole strings, word order ignored. Partial-match scorers were tried and rejected:
they score "Software development" 90 against "Software", which is not a near miss but a different
statement.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from .normalize import normalize
from .vocabulary import TargetKind, Term, Vocabulary

#: Suggestions scoring below this are not worth a reviewer's time.
MIN_SCORE = 60.0
MAX_SUGGESTIONS = 3
CACHE_SIZE = 20_000


@dataclass(frozen=True, slots=True)
class Suggestion:
    vocabulary: Vocabulary
    term: Term
    label: str  # the label, alias or translation that came closest
    score: float


class Suggester:
    """An index of every label, alias and translation, by normalised key."""

    def __init__(self, vocabularies: Iterable[Vocabulary], kind: TargetKind | None = None) -> None:
        self._cache: dict[tuple[str, str | None, int], tuple[Suggestion, ...]] = {}
        self._keys: list[str] = []
        self._entries: list[tuple[Vocabulary, Term, str]] = []
        for vocabulary in vocabularies:
            for term in vocabulary.terms:
                if kind is not None and not vocabulary.applies(term, kind):
                    continue
                labels: list[tuple[str, str | None]] = [(term.label, None), *((a, None) for a in term.aliases)]
                labels += [(label, lang) for lang, values in term.translations.items() for label in values]
                for label, lang in labels:
                    self._keys.append(normalize(label, lang))
                    self._entries.append((vocabulary, term, label))

    def suggest(self, text: str, lang: str | None = None, limit: int = MAX_SUGGESTIONS) -> tuple[Suggestion, ...]:
        """Up to ``limit`` distinct terms, best first, each with its best-scoring label."""
        cached = self._cache.get((text, lang, limit))
        if cached is None:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            cached = self._cache[(text, lang, limit)] = self._suggest(text, lang, limit)
        return cached

    def _suggest(self, text: str, lang: str | None, limit: int) -> tuple[Suggestion, ...]:
        key = normalize(text, lang)
        if not key:
            return ()
        found = process.extract(key, self._keys, scorer=fuzz.token_sort_ratio, limit=limit * 4, score_cutoff=MIN_SCORE)
        best: dict[tuple[str, str], Suggestion] = {}
        for _key, score, index in found:
            vocabulary, term, label = self._entries[index]
            slot = (vocabulary.name, term.identifier)
            if slot not in best or best[slot].score < score:
                best[slot] = Suggestion(
                    vocabulary=vocabulary,
                    term=term,
                    label=label,
                    score=round(float(score), 1),
                )
        ranked = sorted(best.values(), key=lambda s: (-s.score, s.term.label))
        return tuple(ranked[:limit])
