"""Which JATS (or NLM) version an article is, and which attributes that version declares.

The vocabulary attributes exist from JATS 1.2 on (1.2d1 partially): adding one to an article whose
DTD does not declare it makes the article invalid, so every write asks ``declares`` first.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

VOCAB_ATTRIBUTES = ("vocab", "vocab-identifier", "vocab-term", "vocab-term-identifier")
TERM_ATTRIBUTES = ("vocab-term", "vocab-term-identifier")
GROUP_ATTRIBUTES = ("vocab", "vocab-identifier")

_NUMBER = re.compile(r"^\s*(\d+)\.(\d+)(?:\s*d(\d+))?\s*$", re.IGNORECASE)
_JATS_PUBLIC_ID = re.compile(r"JATS \(Z39\.96\).*?\bv(\d+)\.(\d+)(?:d(\d+))?\b")
_NLM_PUBLIC_ID = re.compile(r"-//NLM//DTD (?:Journal|Archiving|Article|Book).*?\bv([23])\.(\d+)\b")


class JatsVersion(BaseModel):
    """A DTD version: JATS 1.0 ... 1.4 with drafts (1.2d1 < 1.2d2 < 1.2), or NLM 2.x / 3.0."""

    model_config = ConfigDict(frozen=True)

    family: Literal["jats", "nlm"]
    major: int
    minor: int
    draft: int | None = None

    def __str__(self) -> str:
        number = f"{self.major}.{self.minor}" + (f"d{self.draft}" if self.draft is not None else "")
        return number if self.family == "jats" else f"NLM {number}"

    @property
    def order(self) -> tuple[int, int, int]:
        # A draft comes before its release: 1.2d1 < 1.2d2 < 1.2.
        return (self.major, self.minor, self.draft if self.draft is not None else 1_000)

    def at_least(self, version: str) -> bool:
        """True when this is a JATS version no older than ``version`` (e.g. '1.2d1'). NLM never is."""
        other = parse_number(version)
        return self.family == "jats" and other is not None and self.order >= other.order


@cache
def parse_number(value: str) -> JatsVersion | None:
    """'1.2d1' -> JATS 1.2d1; '3.0' and '2.3' -> NLM; anything else -> None."""
    m = _NUMBER.match(value)
    if not m:
        return None
    major, minor = int(m.group(1)), int(m.group(2))
    draft = int(m.group(3)) if m.group(3) else None
    family: Literal["jats", "nlm"] = "jats" if major == 1 else "nlm"
    if major not in (1, 2, 3):
        return None
    return JatsVersion(family=family, major=major, minor=minor, draft=draft)


def from_public_id(public_id: str | None) -> JatsVersion | None:
    """The version a DOCTYPE public identifier names, if it is a JATS or NLM one."""
    if not public_id:
        return None
    m = _JATS_PUBLIC_ID.search(public_id)
    if m:
        draft = int(m.group(3)) if m.group(3) else None
        return JatsVersion(family="jats", major=int(m.group(1)), minor=int(m.group(2)), draft=draft)
    m = _NLM_PUBLIC_ID.search(public_id)
    if m:
        return JatsVersion(family="nlm", major=int(m.group(1)), minor=int(m.group(2)))
    return None


def detect_version(dtd_version: str | None, public_id: str | None) -> JatsVersion | None:
    """``@dtd-version`` when it is a version number, else the DOCTYPE public identifier."""
    if dtd_version:
        parsed = parse_number(dtd_version)
        if parsed is not None:
            return parsed
    return from_public_id(public_id)


#: First JATS version declaring each attribute the tool writes, by element (checked against the
#: DTD suites 1.0-1.4).
_TERM_ELEMENT = {**dict.fromkeys(TERM_ATTRIBUTES, "1.2d1"), **dict.fromkeys(GROUP_ATTRIBUTES, "1.2d2")}
_ATTRIBUTE_SINCE: dict[str, dict[str, str]] = {
    "role": {**dict.fromkeys(VOCAB_ATTRIBUTES, "1.2d1"), "degree-contribution": "1.2d2", "content-type": "1.0"},
    **{name: _TERM_ELEMENT for name in ("kwd", "compound-kwd", "nested-kwd", "subject", "compound-subject")},
    **{
        name: dict.fromkeys(GROUP_ATTRIBUTES, "1.2d1") for name in ("kwd-group", "subj-group", "unstructured-kwd-group")
    },
}

#: What NLM versions declare of the same: role/@content-type from NLM 3.0 on (its tag library);
#: NLM 2.x is not relied on.
_NLM_ATTRIBUTE_SINCE: dict[str, dict[str, tuple[int, int]]] = {"role": {"content-type": (3, 0)}}


@cache
def declares(version: JatsVersion | None, element: str, attribute: str) -> bool:
    """Does the DTD of ``version`` declare ``attribute`` on ``element``? Unknown version: no."""
    if version is None:
        return False
    if version.family == "nlm":
        nlm_since = _NLM_ATTRIBUTE_SINCE.get(element, {}).get(attribute)
        return nlm_since is not None and (version.major, version.minor) >= nlm_since
    since = _ATTRIBUTE_SINCE.get(element, {}).get(attribute)
    return since is not None and version.at_least(since)
