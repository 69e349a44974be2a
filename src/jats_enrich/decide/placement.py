"""Where a keyword's or subject's vocab and vocab-identifier go: on the term, or on its group.

JATS lets a ``kwd-group`` or ``subj-group`` carry ``vocab`` and ``vocab-identifier`` for all its
terms. The rule: they go on the group (once) when the group has none yet and every term in it
(every ``kwd``/``compound-kwd``, or ``subject``/``compound-subject``, nested ones included) gets
or already has an identity from that one vocabulary; each term then gets only ``vocab-term``
and ``vocab-term-identifier``. Otherwise each term carries all four, where its DTD allows (JATS
1.2d1 has them on the group only: a term of a mixed group then gets just the term attributes).
A group is never added or duplicated. This runs after every target of an article has been
decided, since it looks at a whole group at once.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from lxml import etree

from jats_enrich.article.jats_version import GROUP_ATTRIBUTES, declares
from jats_enrich.decide.model import Decision, Edit

#: The term elements a group's vocab applies to, by group.
GROUP_MEMBERS = {"kwd-group": ("kwd", "compound-kwd"), "subj-group": ("subject", "compound-subject")}


def place_group_attributes(decisions: list[Decision]) -> tuple[list[Decision], list[Edit]]:
    """The decisions with group-level attributes moved off their terms, and the group edits."""
    by_element = {d.target.element: d for d in decisions}
    groups: dict[etree._Element, list[int]] = defaultdict(list)
    for i, d in enumerate(decisions):
        if d.target.group is not None and not d.target.group_attributes:
            groups[d.target.group].append(i)

    placed = list(decisions)
    group_edits: dict[etree._Element, Edit] = {}
    for d in decisions:  # --upgrade of an older vocab on a group
        if d.group_edit is not None:
            group_edits.setdefault(d.group_edit.element, d.group_edit)

    for group, members in groups.items():
        inserting = [i for i in members if _inserts_group_attributes(decisions[i])]
        if not inserting:
            continue
        group_name = str(group.tag)
        version = decisions[inserting[0]].target.version
        vocabulary = _one_vocabulary(group, by_element)
        if vocabulary is not None and all(declares(version, group_name, a) for a in GROUP_ATTRIBUTES):
            vocab, identifier = vocabulary
            group_edits[group] = Edit(group, group_name, {"vocab": vocab, "vocab-identifier": identifier})
            note = f"vocab and vocab-identifier written on its <{group_name}>"
            for i in inserting:
                placed[i] = _without_group_attributes(decisions[i], note)
            continue
        for i in inserting:
            d = decisions[i]
            if not all(declares(d.target.version, d.target.name, a) for a in GROUP_ATTRIBUTES):
                note = f"JATS {d.target.version} has no vocab on <{d.target.name}> and its group mixes vocabularies"
                placed[i] = _without_group_attributes(d, note)
    return placed, list(group_edits.values())


def _one_vocabulary(group: etree._Element, by_element: dict[etree._Element, Decision]) -> tuple[str, str] | None:
    """The (vocab, vocab-identifier) every term of the group gets or has, if there is one."""
    found: set[tuple[str, str]] = set()
    for member in group.iter(*GROUP_MEMBERS[str(group.tag)]):
        decision = by_element.get(member)
        values = _group_values(decision) if decision is not None else None
        if values is None:
            return None  # a term without an identity from us: the group must not claim one for it
        found.add(values)
    return found.pop() if len(found) == 1 else None


def _inserts_group_attributes(decision: Decision) -> bool:
    edit = decision.edit
    present = decision.analysis.existing.attributes
    return edit is not None and all(a in edit.set_attributes and a not in present for a in GROUP_ATTRIBUTES)


def _group_values(decision: Decision) -> tuple[str, str] | None:
    """The (vocab, vocab-identifier) a term of the group gets or has on itself."""
    if decision.edit is not None and "vocab" in decision.edit.set_attributes:
        values = decision.edit.set_attributes
        return values["vocab"], values.get("vocab-identifier", "")
    own = decision.analysis.existing.attributes
    if "vocab" in own and decision.meaning is not None and decision.outcome.value != "conflict":
        return own["vocab"], own.get("vocab-identifier", "")
    return None


def _without_group_attributes(decision: Decision, note: str) -> Decision:
    if decision.edit is None:
        return decision
    kept = {k: v for k, v in decision.edit.set_attributes.items() if k not in GROUP_ATTRIBUTES}
    edit = dataclasses.replace(decision.edit, set_attributes=kept) if kept else None
    joined = "; ".join(n for n in (decision.note, note) if n)
    return dataclasses.replace(decision, edit=edit, note=joined)
