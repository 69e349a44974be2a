"""Inserted roles as insertions of the original bytes (patcher.py): where in the contributor they
go and their markup, the same for both engines."""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from jats_enrich.decide.statements import RoleInsertion
from jats_enrich.write.patcher import ElementInsertion, element_indices, element_markup


def element_insertions(root: etree._Element, insertions: Sequence[RoleInsertion]) -> list[ElementInsertion]:
    if not insertions:
        return []
    wanted = [i.contributor for i in insertions] + [i.after for i in insertions if i.after is not None]
    positions = element_indices(root, wanted)
    return [
        ElementInsertion(
            index=positions[i.contributor],
            name=str(i.contributor.tag),
            after=positions[i.after] if i.after is not None else None,
            markup=tuple(element_markup("role", r.attributes, r.text) for r in i.roles),
        )
        for i in insertions
    ]
