"""Degree qualifiers: "Data curation (lead)", "Recursos (igual)", "Software [supporting]".

CRediT lets a role carry a degree of contribution (lead, equal, supporting), written into
``@degree-contribution`` from JATS 1.2d2 on. Authors write it after the role, in brackets (or after
a colon or dash), in English, Portuguese, Spanish, French or German. ``split_qualifier`` separates
the role text from the qualifier; the caller matches the role text on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from jats_enrich.text import without_accents


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
# a colon, comma or dash. Found by scanning from the end, in time linear in the text: role texts
# come from anywhere, and patterns that try every split of the text were quadratic on hostile ones
# ("Software:" and 300,000 " -" ran for more than 40 minutes).
_WORDS = re.compile(r"[^\W\d_]+")
_DASHES = "-\u2013\u2014"


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
    return without_accents(word.casefold())


def _degrees(qualifier: str) -> tuple[Degree, ...] | None:
    """The degrees a qualifier names, or None when it is not (only) a degree qualifier."""
    words = [_fold(w) for w in _WORDS.findall(qualifier)]
    words = [w for w in words if w not in _JOINERS and w not in ("contribution", "role")]
    if not words or any(w not in _WORD_TO_DEGREE for w in words):
        return None
    return tuple(dict.fromkeys(_WORD_TO_DEGREE[w] for w in words))


def split_qualifier(text: str) -> tuple[str, Qualifier | None]:
    """(role text, qualifier) for "Role (qualifier)"; (text, None) when there is no qualifier."""
    for split in (_bracketed, _separated):
        found = split(text)
        if found is not None:
            base, qualifier = found
            degrees = _degrees(qualifier)
            if degrees:
                return base, Qualifier(written=text[len(base) :].strip(), degrees=degrees)
    return text, None


def _end_without(text: str, chars: str) -> int:
    end = len(text)
    while end and (text[end - 1].isspace() or text[end - 1] in chars):
        end -= 1
    return end


def _bracketed(text: str) -> tuple[str, str] | None:
    """ "Role (qualifier)", "Role [qualifier", "Role (qualifier).": the last bracket's content."""
    end = _end_without(text, ".;,")
    close = end - 1 if end and text[end - 1] in ")]" else end
    opening = max(text.rfind("(", 0, close), text.rfind("[", 0, close))
    if opening < 0:
        return None
    qualifier = text[opening + 1 : close].strip()
    base = text[:opening].rstrip()
    if not qualifier or not base or any(c in "()[]" for c in qualifier):
        return None
    return base, qualifier


def _separated(text: str) -> tuple[str, str] | None:
    """ "Role: qualifier", "Role, qualifier", "Role – qualifier": the text after the last separator."""
    end = _end_without(text, ".;")
    last_mark = max(text.rfind(":", 0, end), text.rfind(",", 0, end))
    for i in range(end - 1, max(last_mark, 0) - 1, -1):  # the qualifier holds no ':' or ','
        char = text[i]
        if char in ":,":
            base = text[:i].rstrip()
        elif char in _DASHES and i > 0 and text[i - 1].isspace():
            base = text[: i - 1].rstrip()
        else:
            continue
        qualifier = text[i + 1 : end].strip()
        if base and qualifier:
            return base, qualifier
    return None
