"""Normalisation of label text for matching.

Each rule is a small function of its own (and has its own unit test); ``normalize`` applies them in
a fixed order. Two strings that normalise to the same key are taken to say the same thing. The
rules only remove differences of form, never of meaning: case, Unicode compatibility forms, which
dash, '&' or 'and' (or the text's language's word for it), spacing, punctuation that only separates
words, trailing punctuation, accents, British or American '-isation'.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote

#: Hyphen-minus, hyphen, non-breaking hyphen, figure dash, en dash, em dash, horizontal bar,
#: minus sign, small em dash, small hyphen-minus, fullwidth hyphen-minus.
DASHES = "\u002d\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_DASH_TO_SPACE = str.maketrans({dash: " " for dash in DASHES})

#: The words for 'and' by language (as the CRediT translations write "review & editing"). They and
#: English 'and' are read as '&' between two words ("review and editing", "revisão e edição"); the
#: language's own words only when the text's language is known.
CONJUNCTIONS: dict[str, tuple[str, ...]] = {
    "en": ("and",),
    "pt": ("e",),
    "es": ("y", "e"),
    "fr": ("et",),
    "de": ("und",),
    "it": ("e", "ed"),
    "ca": ("i",),
    "cs": ("a",),
    "sk": ("a",),
    "da": ("og",),
    "no": ("og",),
    "nb": ("og",),
    "nn": ("og",),
    "sv": ("och",),
    "nl": ("en",),
    "el": ("και",),
    "hr": ("i",),
    "sr": ("i", "и"),
    "pl": ("i",),
    "ru": ("и",),
    "uk": ("і", "та"),
    "ro": ("și", "şi"),
    "lt": ("ir",),
    "hu": ("és",),
    "fi": ("ja",),
    "tr": ("ve",),
    "id": ("dan",),
    "sw": ("na",),
    "vi": ("và",),
}

_SPACES = re.compile(r"\s+")
#: Punctuation inside a label that only separates words: "Writing: review", "Writing (review)",
#: quotes. Commas, semicolons and slashes are not here: they separate roles (see match/compounds.py).
_WORD_SEPARATORS = re.compile(r"[:.()\[\]{}\"“”‘’'«»]")
#: Trailing punctuation that closes a list item ("Supervision;"); not "?" or "!", which say
#: something ("Software?"). Stripped by one scan from the end, in time linear in the text: a pattern
#: anchored at the end ("[...]+$") is tried from every position of a long run that does not
#: reach the end, which is quadratic (a role of 40,000 full stops between two letters took a minute).
_TRAILING_PUNCTUATION = ".,;:\u2026"
_BRITISH_ISATION = re.compile(r"(?<=\w)isation(s?)\b")
_CONJUNCTION_PATTERNS: dict[frozenset[str], re.Pattern[str]] = {}


#: Characters that are not seen: soft hyphen, zero-width space, word joiner, byte order mark.
_INVISIBLE = str.maketrans(dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff")))


def compatibility_form(text: str) -> str:
    """Unicode NFKC: ligatures, full-width letters, no-break spaces become their plain forms;
    invisible characters (a soft hyphen inside "Kon\u00adceptu\u00adal\u00adis\u00adering") are dropped."""
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE)


def fold_case(text: str) -> str:
    return text.casefold()


def without_accents(text: str) -> str:
    """Diacritics dropped: "Investigação" and "Investigacao" (as some systems strip them) compare equal."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def punctuation_as_spaces(text: str) -> str:
    """Colons, full stops, brackets and quotes inside a label separate words like a space."""
    return _WORD_SEPARATORS.sub(" ", text)


def dashes_as_spaces(text: str) -> str:
    """Every member of the dash family separates words like a space: 'Writing – review',
    'Writing - review' and 'Article-level' / 'Article level' compare equal."""
    return text.translate(_DASH_TO_SPACE)


def conjunctions_as_ampersand(text: str, lang: str | None = None) -> str:
    """'and' (and the words for it in the text's language) is read as '&', spaced as a word."""
    words = frozenset({"and", *CONJUNCTIONS.get(base_language(lang) or "en", ())})
    pattern = _CONJUNCTION_PATTERNS.get(words)
    if pattern is None:
        # a word for 'and' only between two words: "Hepatitis E", "Vitamin A" keep their letter
        pattern = re.compile(r"\s*&\s*|(?<=\w)\s+(?:" + "|".join(sorted(words)) + r")\s+(?=\w)")
        _CONJUNCTION_PATTERNS[words] = pattern
    return pattern.sub(" & ", text)


#: Every language's words for 'and', as they are in a matching key (accents folded).
ANY_CONJUNCTION: frozenset[str] = frozenset(without_accents(w) for words in CONJUNCTIONS.values() for w in words)


def any_conjunction_as_ampersand(key: str) -> str:
    """A matching key with the word for 'and' of any language between two words read as '&':
    "writing review y editing" (a Spanish 'y' in English text) -> "writing review & editing"."""
    words = key.split(" ")
    inner = [w if not 0 < i < len(words) - 1 or w not in ANY_CONJUNCTION else "&" for i, w in enumerate(words)]
    return " ".join(inner)


def american_spelling(text: str, lang: str | None = None) -> str:
    """British '-isation' becomes American '-ization' (English text only)."""
    if base_language(lang) not in (None, "en"):
        return text
    return _BRITISH_ISATION.sub(r"ization\1", text)


def without_trailing_punctuation(text: str) -> str:
    end = len(text)
    while end and (text[end - 1].isspace() or text[end - 1] in _TRAILING_PUNCTUATION):
        end -= 1
    return text[:end]


def single_spaces(text: str) -> str:
    """Runs of white space become one space; no space at either end."""
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=65_536)
def normalize(text: str, lang: str | None = None) -> str:
    """The matching key of ``text``: all rules above, in order."""
    key = conjunctions_as_ampersand(_words_of(text), lang)
    key = american_spelling(key, lang)
    key = without_accents(key)
    key = without_trailing_punctuation(key)
    return single_spaces(key)


@lru_cache(maxsize=1024)
@lru_cache(maxsize=16_384)
def _words_of(text: str) -> str:
    """The first rules, which no language changes: a text is normalised for several languages."""
    key = compatibility_form(text)
    key = fold_case(key)
    key = dashes_as_spaces(key)
    return single_spaces(punctuation_as_spaces(key))  # one space between words before the patterns that span them


def base_language(lang: str | None) -> str | None:
    """'pt-BR' -> 'pt'; None and '' -> None."""
    if not lang:
        return None
    return lang.strip().lower().replace("_", "-").split("-")[0] or None


#: Languages whose texts are matched together: Norwegian ('no') is written as Bokmål ('nb') or
#: Nynorsk ('nn'), and articles tag it any of the three ways.
SAME_LANGUAGE: dict[str, str] = {"nb": "no", "nn": "no"}


@lru_cache(maxsize=1024)
def language_key(lang: str | None) -> str | None:
    """The language a text or label is matched in: its primary subtag ('zh-Hant' -> 'zh'), with
    Norwegian's written forms together."""
    base = base_language(lang)
    return SAME_LANGUAGE.get(base, base) if base else None


def language_tag(lang: str) -> str:
    """A BCP 47 tag in its usual case: 'PT-br' -> 'pt-BR', 'zh-hant' -> 'zh-Hant'."""
    parts = lang.strip().replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        out.append(part.title() if len(part) == 4 else part.upper() if len(part) == 2 else part.lower())
    return "-".join(out)


#: A hyphen or dash between two letters: "Pre-print", whose closed compound "Preprint" is the same word.
_INNER_DASH = re.compile(r"(?<=[^\W\d_])[-\u2010\u2011](?=[^\W\d_])")


def closed_compound(text: str) -> str | None:
    """The text with the hyphens inside its words removed ("Pre-print" -> "Preprint"); None if it has none."""
    joined = _INNER_DASH.sub("", text)
    return joined if joined != text else None


#: Matching keys of dictionary names, by (name, language): each computed once per process, or read
#: from a compiled dictionary (dictionaries/compiled.py) instead of computed again.
LABEL_KEYS: dict[tuple[str, str | None], str] = {}


def label_key(label: str, lang: str | None) -> str:
    """``normalize(label, lang)``, remembered for every name of a loaded dictionary."""
    key = LABEL_KEYS.get((label, lang))
    if key is None:
        key = LABEL_KEYS[(label, lang)] = normalize(label, lang)
    return key


def is_acronym(label: str) -> bool:
    """A short label of capitals ("ALMs", "APC", "COVID-19"): matched with its case, as
    case folding would make it a word ("Alms")."""
    if len(label) > 12 or label[1:].islower() or len(label.split()) != 1:
        return False  # most names: decided without looking at each letter (two capitals at least)
    letters = [c for c in label if c.isalpha()]
    capitals = sum(1 for c in letters if c.isupper())
    return len(label) <= 12 and not any(c.isspace() for c in label) and capitals >= 2 and 2 * capitals >= len(letters)


def acronym_key(text: str) -> str:
    """Acronyms compare after compatibility forms and trailing punctuation, but with their case."""
    return single_spaces(without_trailing_punctuation(compatibility_form(text)))


_URI_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def canonical_identifier(identifier: str) -> str:
    """The form two spellings of one identifier share: no scheme, no 'www.', no trailing slash,
    percent-escapes decoded, case folded."""
    text = unquote(identifier.strip()).casefold()
    text = _URI_SCHEME.sub("", text).removeprefix("www.")
    return text.rstrip("/")


#: Words too small to carry a name's meaning ("of", "de", "&").
SMALL_WORDS = frozenset(
    {"&", "the", "of", "and", "for", "de", "do", "da", "dos", "das", "del", "des", "du", "la", "el"}
)


def content_words(key: str) -> list[str]:
    """The words of a matching key that carry its meaning: not the small ones, not single letters."""
    return [w for w in key.split() if w not in SMALL_WORDS and len(w) > 1]


def printable(text: str) -> str:
    """Text as reports hold it. A file name that is not valid UTF-8 reaches Python with each bad
    byte as a lone surrogate, which JSON cannot hold; such a byte is written as ``\\xNN``."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text


#: Control characters and line separators (a line break in a parser's message, in a file's name):
#: never in a one-line error.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """An error as reports and the command line show it: printable, and on one line (a control
    character is written as its escape, ``\\n``, so that a file name keeps telling which file)."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], printable(text))
