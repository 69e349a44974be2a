"""The XSLT engine's result read back as edits of the original bytes: the attributes the
stylesheet added, changed or removed on the identity elements, the roles it inserted, and the
moves of attributes that no result tree can show (where an attribute sits in its start tag)."""

from __future__ import annotations

from dataclasses import replace

from lxml import etree

from jats_enrich.decide.statements import NewRole, RoleInsertion
from jats_enrich.errors import ArticleError
from jats_enrich.write.patcher import AttributeChange, element_indices, in_attribute_order

#: The marker of a role the stylesheet inserted (its value: the contributor's position).
INSERTED = "{urn:jats-enrich:xslt}inserted"
XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"


def inserted_roles(
    listed: list[tuple[str, dict[str, str], str]], asked: dict[str, RoleInsertion], source: str
) -> list[RoleInsertion]:
    """The roles the stylesheet added, per contributor (placed where the decision placed them)."""
    found: dict[str, list[NewRole]] = {}
    for name, attributes, text in listed:
        position = attributes.get(INSERTED)
        if position is None:
            continue
        if name != "role" or position not in asked:
            raise ArticleError(f"{source}: XSLT engine: the stylesheet inserted an unexpected <{name}>; not written")
        contributor = asked[position].contributor
        own = {_written_name(contributor, k, source): v for k, v in attributes.items() if k != INSERTED}
        found.setdefault(position, []).append(NewRole(text, own))
    return [replace(asked[p], roles=tuple(roles)) for p, roles in found.items()]


def with_moves(
    changes: list[AttributeChange],
    moves: dict[etree._Element, tuple[str, ...]],
    source: etree._Element,
    before: list[etree._Element],
    result: list[tuple[str, dict[str, str]]],
) -> list[AttributeChange]:
    """The changes with the decided moves of attributes to the end of their start tags: where
    an attribute sits is no part of the stylesheet's result tree, so the engine carries it."""
    if not moves:
        return changes
    index = element_indices(source, moves)
    after = {b: attributes for b, (_, attributes) in zip(before, result, strict=True)}
    by_index = {c.index: c for c in changes}
    for element, names in moves.items():
        kept = tuple(n for n in names if n in after.get(element, {}))  # the stylesheet may have removed it
        change = by_index.get(index[element]) or AttributeChange(index[element], str(element.tag), {})
        values = {n: after[element][n] for n in kept}
        by_index[index[element]] = replace(change, attributes={**change.attributes, **values}, to_end=kept)
    return [by_index[i] for i in sorted(by_index)]


def attribute_changes(
    source: etree._Element,
    before: list[etree._Element],
    read: list[tuple[str, dict[str, str]]],
    result: list[tuple[str, dict[str, str]]],
    name: str,
) -> list[AttributeChange]:
    """What the stylesheet changed on the identity elements (``before``, in document order; as
    Saxon ``read`` them, and in its ``result``), as edits of the source tree."""
    for listed in (read, result):
        if len(before) != len(listed) or any(b.tag != tag for b, (tag, _) in zip(before, listed, strict=True)):
            raise ArticleError(f"{name}: XSLT engine: the stylesheet added, removed or renamed elements; not written")
    changed = []
    for b, (_, old), (_, new) in zip(before, read, result, strict=True):
        if old != new:
            set_ = {_written_name(b, k, name): v for k, v in new.items() if old.get(k) != v}
            remove = tuple(_written_name(b, k, name) for k in old if k not in new)
            changed.append((b, set_, remove))
    if not changed:
        return []
    positions = element_indices(source, (b for b, _, _ in changed))
    return [
        AttributeChange(index=positions[b], name=str(b.tag), attributes=in_attribute_order(set_), remove=remove)
        for b, set_, remove in changed
    ]


def _written_name(element: etree._Element, key: str, source: str) -> str:
    """An attribute's name as a start tag writes it: ``{namespace}local`` with the prefix the
    element has in scope for that namespace (``xml`` for XML's own)."""
    if not key.startswith("{"):
        return key
    namespace, local = key[1:].split("}", 1)
    if namespace == XML_NAMESPACE:
        return f"xml:{local}"
    prefixes = [p for p, uri in element.nsmap.items() if uri == namespace and p]
    if len(prefixes) != 1:  # none, or several: which one the tag writes is not known here
        declared = "no prefix is" if not prefixes else f"several prefixes ({', '.join(sorted(prefixes))}) are"
        raise ArticleError(f"{source}: XSLT engine: {declared} declared for {namespace} ({local}); not written")
    return f"{prefixes[0]}:{local}"
