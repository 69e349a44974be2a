"""Decide what to do with each target, given its match, its existing attributes and the JATS version.

Matching proposes terms; this module applies the policy: tag only when exactly one term is meant
and the article's DTD declares the attributes; leave anything already there alone unless it is
exactly what would be written. A wrong identifier in a published article is worse than a missing
one, so every doubt ends in a report line, not in an edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .jats_version import VOCAB_ATTRIBUTES, JatsVersion, declares
from .matcher import Candidate, MatchResult
from .targets import Target


class Outcome(StrEnum):
    TAGGED = "tagged"
    ALREADY_CORRECT = "already-correct"
    UNMATCHED = "unmatched"
    AMBIGUOUS = "ambiguous"
    CONFLICT = "conflict"
    SKIPPED_VERSION = "skipped-version"


@dataclass(frozen=True)
class Edit:
    """Attributes to set on one element's start tag (nothing else of the element changes)."""

    target: Target
    set_attributes: dict[str, str]


@dataclass(frozen=True)
class Decision:
    target: Target
    match: MatchResult
    outcome: Outcome
    candidate: Candidate | None = None
    edit: Edit | None = None
    note: str | None = None
    alternatives: tuple[Candidate, ...] = field(default=())


def vocab_attributes(candidate: Candidate) -> dict[str, str]:
    """The JATS4R form: vocab, vocab-identifier, vocab-term (the preferred label), term URI."""
    return {
        "vocab": candidate.vocab,
        "vocab-identifier": candidate.vocab_identifier,
        "vocab-term": candidate.term.label,
        "vocab-term-identifier": candidate.term.identifier,
    }


def decide(target: Target, match: MatchResult, version: JatsVersion | None) -> Decision:
    terms = match.distinct_terms
    if len(terms) > 1:
        names = ", ".join(f"{c.vocab}:{c.term.label}" for c in terms)
        return Decision(target, match, Outcome.AMBIGUOUS, note=f"could mean {names}", alternatives=terms)
    candidate = terms[0] if terms else None

    existing = {name: target.attributes[name] for name in VOCAB_ATTRIBUTES if name in target.attributes}
    if existing:
        return _with_existing(target, match, candidate, existing)
    if candidate is None:
        return Decision(target, match, Outcome.UNMATCHED)
    if not all(declares(version, target.name, name) for name in VOCAB_ATTRIBUTES):
        shown = str(version) if version else "unknown"
        return Decision(
            target,
            match,
            Outcome.SKIPPED_VERSION,
            candidate=candidate,
            note=f"JATS version {shown} does not declare the vocab attributes on <{target.name}>",
        )
    edit = Edit(target=target, set_attributes=vocab_attributes(candidate))
    return Decision(target, match, Outcome.TAGGED, candidate=candidate, edit=edit)


def _with_existing(
    target: Target, match: MatchResult, candidate: Candidate | None, existing: dict[str, str]
) -> Decision:
    """The element already carries vocab attributes: never overwrite them."""
    if candidate is not None and existing == vocab_attributes(candidate):
        return Decision(target, match, Outcome.ALREADY_CORRECT, candidate=candidate)
    written = ", ".join(f'{k}="{v}"' for k, v in existing.items())
    if candidate is None:
        note = f"carries {written}; its text matches no term; left unchanged"
    else:
        note = f"carries {written}; its text means {candidate.vocab}:{candidate.term.label}; left unchanged"
    return Decision(target, match, Outcome.CONFLICT, candidate=candidate, note=note)
