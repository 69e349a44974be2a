"""Matching keys: the forms of a text, of an acronym and of an identifier that two spellings of one
name share, and a text's keys in several languages at once."""

from __future__ import annotations

from functools import lru_cache

from jats_enrich.text import ANY_CONJUNCTION, CONJUNCTIONS, normalize, without_accents

#: Articles and prepositions that vary between ways of naming one role ("Curadoria dos dados",
#: "Curadoria de dados"; "Administración del proyecto", "Administración de proyecto").
FUNCTION_WORDS = frozenset(
    {"de", "do", "da", "dos", "das", "del", "des", "du", "di", "della", "dei", "der", "die", "von", "of", "the"}
    | {"la", "le", "les", "el", "los", "las", "o", "a", "os", "as"}
)


def word_order_key(key: str) -> str | None:
    """A key's words in a fixed order and without articles and prepositions, for texts that say a
    label's words in another order ("rascunho original – escrita") or with other small words
    ("Curadoria dos dados"); None for a key of fewer than two words."""
    words = [w for w in key.split(" ") if w not in FUNCTION_WORDS]
    return " ".join(sorted(words)) if len(words) > 1 else None


#: Each language's words for 'and' as a key spells them (accents folded), by language key.
_FOLDED_CONJUNCTIONS: dict[str, frozenset[str]] = {
    language: frozenset(without_accents(w) for w in words) for language, words in CONJUNCTIONS.items()
}
#: Languages by the words for 'and' they say (as keys spell them).
_LANGUAGES_SAYING: dict[str, frozenset[str]] = {
    word: frozenset(language for language, words in _FOLDED_CONJUNCTIONS.items() if word in words)
    for words in _FOLDED_CONJUNCTIONS.values()
    for word in words
}
#: A language with no word for 'and' of its own and no spelling rule: its key is any language's
#: whose words for 'and' a text does not use (only "and" and "&" are read as '&').
_NO_LANGUAGE = "zxx"


@lru_cache(maxsize=4096)
def keys_in_languages(text: str, plain: str, languages: tuple[str, ...]) -> dict[str, str]:
    """``normalize(text, language)`` for each language (``plain``: ``normalize(text)``), computed
    once for all the languages whose words for 'and' the text does not use: only those words and
    English spelling make one language's key differ from another's (39 normalisations were most of
    the cost of an unmatched role). Remembered: a role's text is looked up in several indexes."""
    own_words = {language for word in plain.split(" ") for language in _LANGUAGES_SAYING.get(word, ())}
    keys: dict[str, str] = {}
    neutral: str | None = None
    for language in languages:
        if language == "en" or language in own_words:
            keys[language] = normalize(text, language)
        else:
            if neutral is None:
                neutral = normalize(text, _NO_LANGUAGE)
            keys[language] = neutral
    return keys


def language_blind(key: str) -> bool:
    """Is a matching key the same whatever the text's language? (It has no word for 'and' of any
    language and no -ization, the only things a language changes in a key.)"""
    return "ization" not in key and ANY_CONJUNCTION.isdisjoint(key.split(" "))
