"""The dictionary model: a vocabulary and its terms.

Every dictionary reader (JSON-LD today; CSV, SKOS and the CASRAI Markdown release later) yields
these models, so matching and deciding never care where a term came from. Deprecated terms are
kept, with their replacement: a deprecated term in an article must be reported, not missed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Sequence
from enum import StrEnum
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

#: What a vocabulary's terms are matched against: contributor roles, keywords, subjects.
TargetKind = Literal["role", "keyword", "subject"]
TARGET_KINDS: tuple[TargetKind, ...] = ("role", "keyword", "subject")


class TermStatus(StrEnum):
    DRAFT = "draft"
    STABLE = "stable"
    DEPRECATED = "deprecated"


class SenseGate(BaseModel):
    """A dictionary whose names are ordinary phrases in other fields (a glossary of scholarly
    publishing: "Open access", "Embargo", "Deposit") tags a keyword or subject only when the article
    is about its domain. What counts as evidence of that is declared here; see decide/sense.py."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    domain: str = Field(description="The dictionary's domain in a few words, as reports name it")
    evidence: tuple[str, ...] = Field(
        default=(),
        description="Phrases that show an article is about the domain when its title, journal title, keywords "
        "or subjects use one (e.g. 'scholarly publishing')",
    )

    @field_validator("domain")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("evidence")
    @classmethod
    def _no_blank_entries(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        if any(not v.strip() for v in values):
            raise ValueError("must not contain empty strings")
        return values


class TranslationSource(BaseModel):
    """Where the translations of one language come from, and whom to credit for them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: str = Field(description="BCP 47 tag of the translations' language (e.g. 'pt', 'zh-Hant')")
    name: str | None = Field(default=None, description="The language's name in English")
    version: str | None = None
    license: str | None = None
    attribution: str = Field(description="The credit line the licence asks for")
    source: str | None = Field(default=None, description="Where the translations were published")


class Term(BaseModel):
    """One controlled term: what is written into ``vocab-term`` and ``vocab-term-identifier``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str = Field(description="Preferred label, written as vocab-term")
    identifier: str = Field(description="Current identifier (URI), written as vocab-term-identifier")
    status: TermStatus = TermStatus.STABLE
    replaced_by: str | None = Field(default=None, description="Identifier of the term replacing this one")
    aliases: tuple[str, ...] = Field(default=(), description="Other names: older labels, acronyms, variants")
    translations: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Labels in other languages, by ISO 639-1 code"
    )
    deprecated_identifiers: tuple[str, ...] = Field(
        default=(), description="Older identifiers of this same term, recognised and upgraded"
    )
    definition: str | None = None
    domain: str | None = None
    kind: str | None = Field(default=None, description="What sort of entry it is (e.g. 'glossary term')")
    broader: str | None = Field(default=None, description="Identifier of the term it belongs to (its list, its object)")
    canonical: str | None = Field(
        default=None, description="Identifier of the same concept in the vocabulary that owns it (e.g. CRediT's URI)"
    )
    uuid: str | None = None
    domains: tuple[str, ...] = Field(default=(), description="Subject domains the source assigns")
    applies_to: tuple[TargetKind, ...] | None = Field(
        default=None, description="What this term is matched against, when not what its vocabulary says"
    )
    group_types: tuple[str, ...] | None = Field(
        default=None,
        description="Matched only in keyword or subject groups of these types (kwd-group-type, subj-group-type)",
    )
    distinctive: tuple[str, ...] = Field(
        default=(),
        description="Names of the term (label, aliases) that mean nothing else outside the vocabulary's domain: "
        "in a vocabulary with a sense gate, they need no evidence that the article is about that domain",
    )
    scheme: str | None = Field(
        default=None,
        description="The scheme the term belongs to, written as vocab-identifier, when not the vocabulary's "
        "(a thesaurus of several schemes)",
    )
    notations: tuple[str, ...] = Field(
        default=(), description="Codes the thesaurus gives the term (skos:notation): shown, never matched"
    )

    @field_validator("label", "identifier")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("aliases", "deprecated_identifiers")
    @classmethod
    def _no_blank_entries(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        if any(not v.strip() for v in values):
            raise ValueError("must not contain empty strings")
        return values

    @model_validator(mode="after")
    def _distinctive_names_are_names(self) -> Term:
        if not self.distinctive:
            return self
        names = {self.label, *self.aliases, *(v for values in self.translations.values() for v in values)}
        for name in self.distinctive:
            if name not in names:
                raise ValueError(f"distinctive name {name!r} is not a label, alias or translation of {self.label!r}")
        return self

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the term is matched by: label, aliases, translations."""
        return (self.label, *self.aliases, *(v for values in self.translations.values() for v in values))


#: Validation context: the terms were checked together already (a stored vocabulary's, one by one).
TERMS_CHECKED = "terms_checked"


def check_terms(terms: Iterable[Term]) -> None:
    """What the terms of one vocabulary must be together (in one pass: a stored vocabulary's
    terms are made one at a time): some, with distinct identifiers, replaced only by one another,
    no older identifier of one the identifier of another."""
    seen: Counter[str] = Counter()
    links: list[tuple[str, str, str | None, tuple[str, ...]]] = []  # the few terms that name others
    for term in terms:
        seen[term.identifier] += 1
        if term.replaced_by is not None or term.deprecated_identifiers:
            links.append((term.label, term.identifier, term.replaced_by, term.deprecated_identifiers))
    if not seen:
        raise ValueError("has no terms")
    duplicates = sorted(i for i, n in seen.items() if n > 1)
    if duplicates:
        raise ValueError(f"duplicate term identifier {duplicates[0]!r}")
    for label, identifier, replaced_by, olds in links:
        if replaced_by is not None and replaced_by not in seen:
            raise ValueError(f"term {label!r}: replaced_by {replaced_by!r} is not a term of this vocabulary")
        if replaced_by == identifier:
            raise ValueError(f"term {label!r}: replaced_by points at the term itself")
        for old in olds:
            if old in seen:
                raise ValueError(f"term {label!r}: deprecated identifier {old!r} is the identifier of another term")


class TermStore(ABC, Sequence[Term]):
    """The terms of a large vocabulary kept out of Python objects (a compiled dictionary,
    dictionaries/stored.py): a term is made when asked for, never all of them at load. Iterating
    makes every term (slow for a thesaurus, and never on the way of an article)."""

    @abstractmethod
    def by_identifier(self, identifier: str) -> Term | None:
        """The term with this current identifier, if any."""

    @property
    @abstractmethod
    def term_schemes(self) -> tuple[str, ...]:
        """The schemes its terms name of their own (Term.scheme), in order of first use."""

    @property
    @abstractmethod
    def applies_to_values(self) -> frozenset[tuple[TargetKind, ...] | None]:
        """The distinct values of its terms' own ``applies_to``."""

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (tuple, TermStore)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


class Vocabulary(BaseModel):
    """A named set of terms, written as ``vocab`` and ``vocab-identifier``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="Short name, written as the vocab attribute (e.g. 'credit')")
    identifier: str = Field(description="Vocabulary identifier, written as vocab-identifier")
    title: str | None = None
    version: str | None = None
    license: str | None = None
    deprecated_identifiers: tuple[str, ...] = Field(
        default=(), description="Older identifiers of the whole vocabulary (e.g. http://credit.casrai.org/)"
    )
    applies_to: tuple[TargetKind, ...] = Field(
        default=("keyword", "subject"),
        description="Which targets its terms are matched against, when a term does not say itself",
    )
    only: tuple[TargetKind, ...] | None = Field(
        default=None, description="Set by a run's [applies_to]: no term is matched against anything else"
    )
    sense: SenseGate | None = Field(
        default=None,
        description="Set for a dictionary whose names are ordinary phrases elsewhere: its keyword and subject "
        "matches are written only when the article is about its domain (see decide/sense.py)",
    )
    takes_degree: bool = Field(
        default=False,
        description="Its terms take a degree of contribution (lead, equal, supporting), as CRediT's roles do",
    )
    translation_sources: tuple[TranslationSource, ...] = Field(
        default=(), description="Where the translations come from, by language, with their attribution"
    )
    terms: tuple[Term, ...]
    notes: tuple[str, ...] = Field(
        default=(),
        description="What the reader had to assume about the file (a SKOS file without a scheme, say), "
        "said when the dictionary is validated; never written to other formats",
    )

    @field_validator("name", "identifier")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Vocabulary:
        if not (info.context or {}).get(TERMS_CHECKED):
            check_terms(self.terms)
        return self

    @cached_property
    def _by_identifier(self) -> dict[str, Term]:
        return {t.identifier: t for t in self.terms}

    def term(self, identifier: str) -> Term | None:
        """The term with this current identifier, if any."""
        if isinstance(self.terms, TermStore):
            return self.terms.by_identifier(identifier)
        return self._by_identifier.get(identifier)

    def scheme_of(self, term: Term) -> str:
        """The vocab-identifier of ``term``: its own scheme, else the vocabulary's identifier."""
        return term.scheme or self.identifier

    @cached_property
    def schemes(self) -> tuple[str, ...]:
        """Every identifier a term of the vocabulary is written with: the vocabulary's first."""
        if isinstance(self.terms, TermStore):
            return tuple(dict.fromkeys([self.identifier, *self.terms.term_schemes]))
        return tuple(dict.fromkeys([self.identifier, *(t.scheme for t in self.terms if t.scheme)]))

    def applies(self, term: Term, kind: TargetKind) -> bool:
        """Is ``term`` matched against targets of ``kind``? As the term says, else as the
        vocabulary says; never outside what the run allows (``only``)."""
        return self.applies_with(term.applies_to, kind)

    def applies_with(self, own: tuple[TargetKind, ...] | None, kind: TargetKind) -> bool:
        """Is a term whose own ``applies_to`` is ``own`` matched against targets of ``kind``?"""
        if self.only is not None and kind not in self.only:
            return False
        return kind in (own if own is not None else self.applies_to)

    @cached_property
    def applies_to_values(self) -> frozenset[tuple[TargetKind, ...] | None]:
        """The distinct values of its terms' own ``applies_to`` (what ``applies`` depends on)."""
        if isinstance(self.terms, TermStore):
            return self.terms.applies_to_values
        return frozenset(t.applies_to for t in self.terms)

    def matched_against(self, kind: TargetKind) -> bool:
        """Is any of its terms matched against targets of ``kind``?"""
        return any(self.applies_with(own, kind) for own in self.applies_to_values)

    def with_terms(self, terms: tuple[Term, ...]) -> Vocabulary:
        """A copy with other terms, checked again (a model copy would keep the old term index)."""
        return Vocabulary.model_validate({**{k: getattr(self, k) for k in Vocabulary.model_fields}, "terms": terms})

    def replacement(self, term: Term) -> Term | None:
        """The term that replaces a deprecated one, if the vocabulary names one."""
        return self.term(term.replaced_by) if term.replaced_by else None
