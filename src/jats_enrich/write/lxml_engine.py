"""The lxml engine: decided edits go straight into the original bytes' start tags, and inserted
roles into their contributors."""

from __future__ import annotations

from collections.abc import Sequence

from jats_enrich.article.reader import Article
from jats_enrich.decide.model import Edit
from jats_enrich.decide.statements import RoleInsertion
from jats_enrich.write.patcher import AttributeChange, apply_changes, element_indices, in_attribute_order
from jats_enrich.write.roles import element_insertions


class LxmlWriter:
    def write(self, article: Article, edits: list[Edit], insertions: Sequence[RoleInsertion] = ()) -> bytes:
        if not edits and not insertions:
            return article.data
        positions = element_indices(article.root, (e.element for e in edits))
        changes = [
            AttributeChange(
                index=positions[e.element],
                name=e.name,
                attributes=in_attribute_order(e.set_attributes),
                remove=e.remove_attributes,
                to_end=e.to_end,
            )
            for e in edits
        ]
        inserted = element_insertions(article.root, insertions)
        return apply_changes(article.data, article.root, changes, article.source, inserted)
