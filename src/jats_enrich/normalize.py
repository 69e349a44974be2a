"""Normalisation of label text for matching.

Each rule is a small function of its own (and has its own unit test); ``normalize`` applies them in
a fixed order. Two strings that normalise to the same key are taken to say the same thing. The
rules only remove differences of form, never of meaning: case, Unicode compatibility forms, which
dash, '&' or 'and', spacing, trailing punctuation, British or American '-isation'.
"""

from __future__ import annotations

import re
import unicodedata

#: Hyphen-minus, hyphen, non-breaking hyphen, figure dash, en dash, em dash, horizontal bar,
#: minus sign, small em dash, small hyphen-minus, fullwidth hyphen-minus.
DASHES = "\u002d\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_DASH_TO_SPACE = str.maketrans({dash: " " for dash in DASHES})

#: The word for 'and' by language: '&' is read as that word. Unknown language: English.
CONJUNCTIONS: dict[str, str] = {"en": "and", "pt": "e", "es": "y", "fr": "et", "de": "und", "it": "e"}

_SPACES = re.compile(r"\s+")
_TRAILING_PUNCTUATION = re.compile(r"[\s.,;:!?\u2026]+$")
_BRITISH_ISATION = re.compile(r"(?<=\w)isation(s?)\b")


def compatibility_form(text: str) -> str:
    """Unicode NFKC: ligatures, full-width letters, no-break spaces become their plain forms."""
    return unicodedata.normalize("NFKC", text)


def fold_case(text: str) -> str:
    return text.casefold()


def dashes_as_spaces(text: str) -> str:
    """Every member of the dash family separates words like a space: 'Writing – review',
    'Writing - review' and 'Article-level' / 'Article level' compare equal."""
    return text.translate(_DASH_TO_SPACE)


def ampersand_as_word(text: str, lang: str | None = None) -> str:
    """'&' is read as the word for 'and' in the text's language ('review & editing')."""
    word = CONJUNCTIONS.get(lang or "en", "and")
    return text.replace("&", f" {word} ")


def american_spelling(text: str, lang: str | None = None) -> str:
    """British '-isation' becomes American '-ization' (English text only)."""
    if lang not in (None, "en"):
        return text
    return _BRITISH_ISATION.sub(r"ization\1", text)


def without_trailing_punctuation(text: str) -> str:
    return _TRAILING_PUNCTUATION.sub("", text)


def single_spaces(text: str) -> str:
    """Runs of white space become one space; no space at either end."""
    return _SPACES.sub(" ", text).strip()


def normalize(text: str, lang: str | None = None) -> str:
    """The matching key of ``text``: all rules above, in order."""
    key = compatibility_form(text)
    key = fold_case(key)
    key = dashes_as_spaces(key)
    key = ampersand_as_word(key, lang)
    key = american_spelling(key, lang)
    key = without_trailing_punctuation(key)
    return single_spaces(key)


def base_language(lang: str | None) -> str | None:
    """'pt-BR' -> 'pt'; None and '' -> None."""
    if not lang:
        return None
    return lang.strip().lower().replace("_", "-").split("-")[0] or None
