"""Output profiles: which label goes into vocab-term.

NISO publishes the CRediT labels; JATS4R's term list (which its Schematron checks vocab-term
against) differs in one: "Formal Analysis" for NISO's "Formal analysis". The default is NISO's;
the jats4r profile writes JATS4R's spelling so that its Schematron passes.
"""

from __future__ import annotations

from typing import Literal

from jats_enrich.dictionaries.model import Term

Profile = Literal["niso", "jats4r"]
PROFILES: tuple[Profile, ...] = ("niso", "jats4r")

#: Term identifier -> label, where a profile's label differs from the dictionary's preferred one.
LABEL_OVERRIDES: dict[Profile, dict[str, str]] = {
    "niso": {},
    "jats4r": {"https://credit.niso.org/contributor-roles/formal-analysis/": "Formal Analysis"},
}


def label_for(term: Term, profile: Profile) -> str:
    return LABEL_OVERRIDES[profile].get(term.identifier, term.label)
