"""Read a contribution statement's text: who is keyed, and the role items of each.

* A statement linked to one contributor is a list of role items, perhaps after the contributor's
  initials or name ("SKB, Conception and design, Acquisition of data"; "CC: ...").
* A shared statement is a run of "head: tail" parts, or of sentences that open with the people
  ("AD and AH conceived and designed the experiments."). Either each head is a role and its tail the
  initials or names of those who had it (PLOS: "Conceptualization: AY KK. Investigation: KK AH."),
  or each head is a person and its tail that person's roles ("Andréa Neves: ..."). Which layout a
  statement has is told by which side resolves to the article's contributors.

Items are split at commas, semicolons and sentence ends outside brackets, so "Writing – review &
editing" and "Conceptualization (lead, equal)" stay whole; a leading "and" ("..., and drafting")
is dropped. Whether an item that is no term is two terms joined by "and" is the matcher's to say.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from jats_enrich.match.names import PARTICLES, looks_like_initials

_LEADING_CONJUNCTION = re.compile(r"^(?:and|e|y|et|und|&)\s+", re.IGNORECASE)
_INITIALS_DOT = re.compile(r"^(?:[A-Z]\.?\s*-?\s*){1,5}$")  # "D.", "C. A. P. C.", "F. J", "LCJ"
_NAME_SEPARATOR = re.compile(r"\s*,\s*|\s+(?:and|&|e|y|et|und)\s+|\s*;\s*", re.IGNORECASE)
#: Most items one statement is read into, and most "head: tail" parts and people per part: a
#: longer text is prose, not a list of roles, and is not read past these.
MAX_ITEMS = 60
MAX_PARTS = 100
MAX_KEYS = 200


@dataclass(frozen=True)
class Segment:
    """Items and the keys (initials or names) of the contributors they belong to."""

    keys: tuple[str, ...]
    items: tuple[str, ...]


def split_items(text: str) -> list[str]:
    """Role items: split at ',' ';' and '. ' outside brackets; at most MAX_ITEMS + 1."""
    items: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        elif depth == 0 and (ch in ",;" or (ch == "." and (i + 1 == len(text) or text[i + 1].isspace()))):
            items.append(text[start:i])
            start = i + 1
            if len(items) > MAX_ITEMS:
                break
    items.append(text[start:])
    cleaned = (_LEADING_CONJUNCTION.sub("", item.strip()).strip(" .:") for item in items)
    return [item for item in cleaned if item]


def name_keys(text: str) -> list[str]:
    """The people a tail names: "HT BAW FP", "AJD and AR", "Barreto FK, Santos LA and Alcântara
    LCJ", "Callili, D., Sanchez, C. A. P. C. and Domingues Neto, F. J"."""
    pieces = [_LEADING_CONJUNCTION.sub("", p.strip(" .")) for p in _NAME_SEPARATOR.split(text.strip(" .;"), MAX_KEYS)]
    pieces = [p for p in pieces if p]
    keys: list[str] = []
    for piece in pieces:
        # "Callili, D." was cut at its comma: initials alone belong to the surname before them.
        initials_only = _INITIALS_DOT.match(piece) and ("." in piece or " " in piece or len(piece) == 1)
        if keys and initials_only and (not looks_like_initials(keys[-1]) or " " in keys[-1]):
            keys[-1] = f"{keys[-1]}, {piece}"
            continue
        tokens = piece.split()
        if len(tokens) > 1 and all(looks_like_initials(t) and "." not in t for t in tokens):
            keys.extend(tokens)  # "HT BAW FP"
        else:
            keys.append(piece)
    return keys[:MAX_KEYS]


def linked_items(text: str, is_own_key: Callable[[str], bool]) -> tuple[str | None, list[str]]:
    """A linked statement's items, without the contributor's initials or name written before
    them; with that key (None when there is none)."""
    m = re.match(r"^\s*([^,:;]{1,60}?)\s*[,:]\s+", text)
    if m is not None:
        key = m.group(1)
        if looks_like_initials(key) or is_own_key(key):
            return key, split_items(text[m.end() :])
    return None, split_items(text)


#: Where a part ends: a semicolon, or a sentence end that is not a name's initial ("M. A. Tecchio").
_PART_END = re.compile(r";\s*|(?<![\s.\-(][A-Z])(?<!^[A-Z])\.\s+")


def colon_parts(text: str) -> list[tuple[str, str]]:
    """The statement's "head: tail" parts, in order ([] when it has none): a part ends at the last
    ';' or sentence end before the next head's colon."""
    colons = [m.start() for m, _ in zip(re.finditer(r":(?!//)", text), range(MAX_PARTS), strict=False)]
    if not colons:
        return []
    boundary = _PART_END
    parts: list[tuple[str, str]] = []
    heads: list[tuple[int, int]] = []  # (start of the head, its colon)
    previous = 0
    for colon in colons:
        ends = [m.end() for m in boundary.finditer(text, previous, colon)]
        heads.append((ends[-1] if ends else previous, colon))
        previous = colon + 1
    for k, (start, colon) in enumerate(heads):
        end = heads[k + 1][0] if k + 1 < len(heads) else len(text)
        tail = text[colon + 1 : end]
        parts.append((text[start:colon].strip(), tail.strip().rstrip(";").strip()))
    return parts


def shared_segments(text: str, resolves: Callable[[str], bool]) -> tuple[str, list[Segment]]:
    """A shared statement as segments, with its layout: "role-keyed", "name-keyed", or
    "unparsed" (no "head: tail" parts, or neither side names the contributors)."""
    parts = [(h, t) for h, t in colon_parts(text) if h and t]
    if not parts:
        return _prose(text, resolves)
    tail_keys = [name_keys(t) for _, t in parts]
    head_keys = [name_keys(h) for h, _ in parts]
    by_tail = _resolved_share([k for keys in tail_keys for k in keys], resolves)
    by_head = _resolved_share([k for keys in head_keys for k in keys], resolves)
    if by_tail == 0 and by_head == 0:
        return _prose(text, resolves)
    if by_tail >= by_head:
        return "role-keyed", [Segment(tuple(keys), (h,)) for (h, _), keys in zip(parts, tail_keys, strict=True)]
    segments = [Segment(tuple(keys), tuple(split_items(t))) for (_, t), keys in zip(parts, head_keys, strict=True)]
    return "name-keyed", segments


#: Small words inside a written name: they do not end it as a verb does.
_NAME_WORDS = frozenset({"and", "e", "y", "et", "und", "&"}) | PARTICLES


def _prose(text: str, resolves: Callable[[str], bool]) -> tuple[str, list[Segment]]:
    """Sentences that open with people and go on with what they did ("AD and AH conceived and
    designed the experiments.", "Guilherme N. Corte performed the experiments, wrote the paper."):
    "name-prose", when some sentence's opening names resolve; else "unparsed"."""
    segments = []
    for sentence in _PART_END.split(text, MAX_PARTS)[:MAX_PARTS]:
        words = sentence.split()
        verb = next((i for i, w in enumerate(words) if i and w[:1].islower() and w.strip(",") not in _NAME_WORDS), None)
        if verb is None:
            continue
        keys = name_keys(" ".join(words[:verb]).rstrip(","))
        if keys and any(resolves(k) for k in keys):
            segments.append(Segment(tuple(keys), tuple(split_items(" ".join(words[verb:])))))
    return ("name-prose", segments) if segments else ("unparsed", [])


def _resolved_share(keys: list[str], resolves: Callable[[str], bool]) -> float:
    return sum(1 for k in keys if resolves(k)) / len(keys) if keys else 0.0
