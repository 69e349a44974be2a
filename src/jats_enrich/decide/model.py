"""What deciding produces: outcomes, the user's policy, the one term an element means, the edit of
its start tag, and the decision that carries them to the writers and the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field, field_validator

from jats_enrich.article.targets import Target
from jats_enrich.decide.profiles import DEFAULT_PROFILE, OutputProfile, load_profile, shipped
from jats_enrich.dictionaries.model import Term, Vocabulary
from jats_enrich.match.analyse import Analysis, Part
from jats_enrich.match.fuzzy import Suggestion
from jats_enrich.match.qualifiers import Degree


@dataclass(frozen=True, slots=True)
class Evidence:
    """One reason to believe that an article is about a dictionary's domain (sense.py)."""

    source: str  # "name", "title", "journal", "keyword", "subject", "configuration"
    text: str  # what was read there
    cue: str | None = None  # the evidence phrase it uses, if any


class Outcome(StrEnum):
    TAGGED = "tagged"
    UPGRADED = "upgraded"
    ALREADY_CORRECT = "already-correct"
    DEPRECATED_IDENTIFIER = "deprecated-identifier"
    DEPRECATED = "deprecated"
    CONFLICT = "conflict"
    COMPOUND = "compound"
    AMBIGUOUS = "ambiguous"
    WITHHELD = "withheld"
    SUGGESTION = "suggestion"
    UNMATCHED = "unmatched"
    SKIPPED_VERSION = "skipped-version"


class Policy(BaseModel):
    """What the user allows the tool to write."""

    model_config = ConfigDict(frozen=True)

    upgrade: bool = Field(default=False, description="Rewrite older identifier forms into the current one")
    legacy: Literal["content-type", "skip"] = Field(
        default="content-type",
        description="JATS <= 1.1 and NLM 3.0: write the term URI into content-type, or write nothing",
    )
    accept_fuzzy: float | None = Field(
        default=None, ge=0, le=100, description="Apply the best near miss scoring at least this much"
    )
    close_call: float = Field(default=80.0, ge=0, le=100, description="Near misses from this score are 'suggestion'")
    profile: OutputProfile = Field(
        default_factory=lambda: shipped(DEFAULT_PROFILE), description="the form identities are written in"
    )
    replace_deprecated: bool = Field(
        default=False, description="Tag a deprecated term's replacement instead of reporting it"
    )

    @field_validator("profile", mode="before")
    @classmethod
    def _profile_by_name(cls, value: object) -> object:
        """A shipped profile's name or a profile file's path stands for the profile."""
        return load_profile(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class Edit:
    """Attributes to set and to remove on one element's start tag (nothing else changes).

    ``to_end`` names attributes that are moved after all others (their value as set, else as it
    was): where a profile puts an attribute back that another profile removed, it must find it
    in the same place, so that converting there and back gives the same bytes."""

    element: etree._Element
    name: str
    set_attributes: dict[str, str]
    remove_attributes: tuple[str, ...] = ()
    to_end: tuple[str, ...] = ()

    @classmethod
    def on(
        cls, target: Target, set_attributes: dict[str, str], remove: tuple[str, ...] = (), to_end: tuple[str, ...] = ()
    ) -> Edit:
        return cls(target.element, target.name, set_attributes, remove, to_end)


@dataclass(frozen=True)
class Meaning:
    """The one term an element means, and how that was found."""

    vocabulary: Vocabulary
    term: Term
    rule: str
    matched_label: str
    score: float | None = None  # set for an accepted near miss


@dataclass(frozen=True)
class Decision:
    analysis: Analysis
    outcome: Outcome
    meaning: Meaning | None = None
    degree: Degree | None = None
    found_identifier: str | None = None
    edit: Edit | None = None
    group_edit: Edit | None = None  # on the keyword's or subject's group (an --upgrade of its vocab)
    note: str | None = None
    parts: tuple[Part, ...] = field(default=())
    suggestions: tuple[Suggestion, ...] = field(default=())
    evidence: tuple[Evidence, ...] = field(default=())  # why a sense-gated match was written (sense.py)

    @property
    def target(self) -> Target:
        return self.analysis.target


def join_notes(*notes: str | None) -> str | None:
    return "; ".join(n for n in notes if n) or None


def roles_by_contributor(decisions: list[Decision]) -> dict[etree._Element, list[Decision]]:
    """The decisions of each <contrib>'s own <role> children, by contrib."""
    roles: dict[etree._Element, list[Decision]] = {}
    for d in decisions:
        parent = d.target.element.getparent()
        if d.target.kind == "role" and parent is not None and parent.tag == "contrib":
            roles.setdefault(parent, []).append(d)
    return roles
