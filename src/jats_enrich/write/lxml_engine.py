"""The lxml engine: decided edits go straight into the original bytes' start tags."""

from __future__ import annotations

from jats_enrich.article.reader import Article
from jats_enrich.decide.model import Edit
from jats_enrich.write.patcher import AttributeChange, apply_changes, element_indices, in_attribute_order


class LxmlWriter:
    def write(self, article: Article, edits: list[Edit]) -> bytes:
        if not edits:
            return article.data
        positions = element_indices(article.root, (e.element for e in edits))
        changes = [
            AttributeChange(
                index=positions[e.element],
                name=e.name,
                attributes=in_attribute_order(e.set_attributes),
                remove=e.remove_attributes,
            )
            for e in edits
        ]
        return apply_changes(article.data, article.root, changes, article.source)
