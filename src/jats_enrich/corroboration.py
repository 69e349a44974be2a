"""Weak matches of a specialist dictionary need a second keyword from it in the same article.

A dictionary of one field names some of its concepts with words that mean other things elsewhere:
the CASRAI glossary's "APC" is an article processing charge to a publisher and a gene to a
biologist; its "Embargo" and "Deposit" are ordinary words too. Such a dictionary says so
(``Vocabulary.corroborate``). A keyword or subject that matched one of its terms only through an
acronym or a single word is then tagged only when another keyword or subject of the same article
matched that dictionary through a label or alias of several words ("Gold open access",
"Article Processing Fee"): the article is about that field. Otherwise it is reported as
ambiguous, with the term it might mean, for a reviewer to decide.
"""

from __future__ import annotations

from dataclasses import replace

from .decide import Decision, Meaning, Outcome
from .matcher import is_acronym

KEYWORD_KINDS = ("keyword", "subject")
#: Outcomes that would write (or report as writable) a new identity from the element's text.
TAGGING = (Outcome.TAGGED, Outcome.SKIPPED_VERSION)


def is_weak(meaning: Meaning) -> bool:
    label = meaning.matched_label
    return is_acronym(label) or len(label.split()) == 1


def corroborate(decisions: list[Decision]) -> list[Decision]:
    """The decisions, with the uncorroborated weak matches of such dictionaries made ambiguous."""
    strong = {
        d.meaning.vocabulary.name
        for d in decisions
        if d.meaning is not None and d.target.kind in KEYWORD_KINDS and not is_weak(d.meaning)
    }
    return [_checked(d, strong) for d in decisions]


def _checked(decision: Decision, strong: set[str]) -> Decision:
    meaning = decision.meaning
    if (
        meaning is None
        or decision.outcome not in TAGGING
        or decision.target.kind not in KEYWORD_KINDS
        or not meaning.vocabulary.corroborate
        or meaning.vocabulary.name in strong
        or not is_weak(meaning)
    ):
        return decision
    how = "an acronym" if is_acronym(meaning.matched_label) else "a single word"
    note = (
        f"could mean {meaning.vocabulary.name}:{meaning.term.label} ({how}: {meaning.matched_label!r}); not tagged, "
        f"as no other keyword of this article is from {meaning.vocabulary.name}"
    )
    return replace(decision, outcome=Outcome.AMBIGUOUS, meaning=None, edit=None, group_edit=None, note=note)
