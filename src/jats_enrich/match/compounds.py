"""Split a statement that may name several roles: "Conceptualization, Methodology",
"writing – review and editing; supervision", "Formal analysis and visualization".

Only splitting happens here; analyse.py matches the pieces. A list separator (; , / | +) always
splits; a conjunction ("and", "&", "e", "y", "et", "und") splits a piece only when every side of it
is a term on its own, so "Writing – review & editing" stays one piece.
"""

from __future__ import annotations

import re

_LIST_SEPARATOR = re.compile(r"\s*[;,/|+\u2022]\s*")
_CONJUNCTION = re.compile(r"\s*&\s*|\s+(?:and|e|y|et|und)\s+", re.IGNORECASE)


def list_items(text: str, limit: int | None = None) -> list[str]:
    """The non-empty pieces between list separators (no more than ``limit`` + 1 of them: a text
    with more is no list of terms, and is not cut into a hundred thousand pieces to find out)."""
    pieces = _LIST_SEPARATOR.split(text, maxsplit=limit or 0)
    return [piece for piece in pieces if piece.strip()]


def conjoined_items(text: str, limit: int | None = None) -> list[str]:
    """The non-empty pieces between conjunctions (no more than ``limit`` + 1, as above)."""
    return [piece for piece in _CONJUNCTION.split(text, maxsplit=limit or 0) if piece.strip()]
