"""Where a keyword's or subject's vocab and vocab-identifier go: on the term, or on its group.

JATS lets a ``kwd-group`` or ``subj-group`` carry ``vocab`` and ``vocab-identifier`` for all its
terms. The rule: when every term enriched in a group comes from one vocabulary and the group has
no vocab attributes yet, they go on the group (once) and each term gets only ``vocab-term`` and
``vocab-term-identifier``; otherwise each term carries all four. A group is never added or
duplicated. This runs after every target of an article has been decided, since it looks at a
whole group at once.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from lxml import etree

from .decide import Decision, Edit
from .jats_version import GROUP_ATTRIBUTES, JatsVersion, declares


def place_group_attributes(decisions: list[Decision], version: JatsVersion | None) -> tuple[list[Decision], list[Edit]]:
    """The decisions with group-level attributes moved off their terms, and the group edits."""
    groups: dict[etree._Element, list[int]] = defaultdict(list)
    for i, d in enumerate(decisions):
        if d.target.group is not None and not d.target.group_attributes:
            groups[d.target.group].append(i)

    placed = list(decisions)
    group_edits: list[Edit] = []
    for group, members in groups.items():
        inserting = [i for i in members if _inserts_group_attributes(decisions[i])]
        if not inserting:
            continue
        vocabularies = {values for i in members if (values := _group_values(decisions[i])) is not None}
        group_name = str(group.tag)
        if len(vocabularies) == 1 and all(declares(version, group_name, a) for a in GROUP_ATTRIBUTES):
            vocab, identifier = next(iter(vocabularies))
            group_edits.append(Edit(group, group_name, {"vocab": vocab, "vocab-identifier": identifier}))
            note = f"vocab and vocab-identifier written on its <{group_name}>"
            for i in inserting:
                placed[i] = _without_group_attributes(decisions[i], note)
            continue
        for i in inserting:
            d = decisions[i]
            if not all(declares(version, d.target.name, a) for a in GROUP_ATTRIBUTES):
                note = f"JATS {version} has no vocab on <{d.target.name}> and its group mixes vocabularies"
                placed[i] = _without_group_attributes(d, note)
    return placed, group_edits


def _inserts_group_attributes(decision: Decision) -> bool:
    edit = decision.edit
    present = decision.analysis.existing.attributes
    return edit is not None and all(a in edit.set_attributes and a not in present for a in GROUP_ATTRIBUTES)


def _group_values(decision: Decision) -> tuple[str, str] | None:
    """The (vocab, vocab-identifier) a term of the group has or gets on itself."""
    if decision.edit is not None and "vocab" in decision.edit.set_attributes:
        values = decision.edit.set_attributes
        return values["vocab"], values.get("vocab-identifier", "")
    own = decision.analysis.existing.attributes
    if "vocab" in own and decision.meaning is not None:
        return own["vocab"], own.get("vocab-identifier", "")
    return None


def _without_group_attributes(decision: Decision, note: str) -> Decision:
    if decision.edit is None:
        return decision
    kept = {k: v for k, v in decision.edit.set_attributes.items() if k not in GROUP_ATTRIBUTES}
    edit = dataclasses.replace(decision.edit, set_attributes=kept) if kept else None
    joined = "; ".join(n for n in (decision.note, note) if n)
    return dataclasses.replace(decision, edit=edit, note=joined)
