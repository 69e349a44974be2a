"""Degree qualifiers: "Data curation (lead)", "Recursos (igual)", "Software [supporting]".

CRediT lets a role carry a degree of contribution (lead, equal, supporting), written into
``@degree-contribution`` from JATS 1.2d2 on. Authors write it after the role, in brackets (or after
a colon or dash), in English, Portuguese, Spanish, French or German. ``split_qualifier`` separates
the role text from the qualifier; the caller matches the role text on its own.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Degree(StrEnum):
    LEAD = "lead"
    EQUAL = "equal"
    SUPPORTING = "supporting"


#: Words that name a degree, by degree (compared case-folded and without accents).
DEGREE_WORDS: dict[Degree, tuple[str, ...]] = {
    Degree.LEAD: ("lead", "leading", "lider", "lideranca", "principal", "federfuhrend"),
    Degree.EQUAL: ("equal", "equally", "igual", "egal", "egale", "gleich", "gleichwertig"),
    Degree.SUPPORTING: ("supporting", "support", "apoio", "apoyo", "suporte", "soporte", "soutien", "unterstutzend"),
}
_WORD_TO_DEGREE = {word: degree for degree, words in DEGREE_WORDS.items() for word in words}

#: Words that may join several degrees: "(equal/lead)", "(lead and supporting)".
_JOINERS = {"and", "or", "e", "ou", "y", "o", "et", "und", "oder"}

# The role text, then a qualifier in brackets (a stray closing bracket or dot tolerated), or after
# a colon, comma or dash.
_BRACKETED = re.compile(r"^(?P<base>.*?\S)\s*[(\[]\s*(?P<qualifier>[^()\[\]]+?)\s*[)\]]?[\s.;,]*$", re.DOTALL)
_SEPARATED = re.compile(r"^(?P<base>.*\S)\s*(?:[:,]|\s[-\u2013\u2014])\s*(?P<qualifier>[^:,]+?)[\s.;]*$", re.DOTALL)
_WORDS = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class Qualifier:
    """A degree qualifier found at the end of a role's text."""

    written: str  # as in the text, e.g. "(lead)"
    degrees: tuple[Degree, ...]  # one, or several when the text lists more than one

    @property
    def degree(self) -> Degree | None:
        """The degree, when exactly one is given."""
        return self.degrees[0] if len(self.degrees) == 1 else None


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _degrees(qualifier: str) -> tuple[Degree, ...] | None:
    """The degrees a qualifier names, or None when it is not (only) a degree qualifier."""
    words = [_fold(w) for w in _WORDS.findall(qualifier)]
    words = [w for w in words if w not in _JOINERS and w not in ("contribution", "role")]
    if not words or any(w not in _WORD_TO_DEGREE for w in words):
        return None
    return tuple(dict.fromkeys(_WORD_TO_DEGREE[w] for w in words))


def split_qualifier(text: str) -> tuple[str, Qualifier | None]:
    """(role text, qualifier) for "Role (qualifier)"; (text, None) when there is no qualifier."""
    for pattern in (_BRACKETED, _SEPARATED):
        m = pattern.match(text)
        if m:
            degrees = _degrees(m.group("qualifier"))
            if degrees:
                written = text[m.end("base") :].strip()
                return m.group("base"), Qualifier(written=written, degrees=degrees)
    return text, None
