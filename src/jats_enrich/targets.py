"""Find the elements to enrich and the text to match for each.

A contributor role is a ``<role>`` whose parent is ``contrib``, ``collab`` or ``contrib-group``, in
the article or any of its sub-articles; a ``<role>`` in a citation (``person-group``,
``mixed-citation``) is not one. The text matched is the element's string value with entity
references decoded (the tree keeps them as references) and white space collapsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from .entities import decode_entity
from .reader import Article

CONTRIBUTOR_PARENTS = ("contrib", "collab", "contrib-group")
_LANG = etree.XPath("ancestor-or-self::*[@xml:lang][1]/@xml:lang")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Target:
    """One element to enrich, with what matching and reporting need to know of it."""

    element: etree._Element
    name: str
    text: str
    lang: str | None
    line: int | None
    xpath: str
    attributes: dict[str, str]


def contributor_roles(article: Article) -> list[Target]:
    """Every contributor role of the article and its sub-articles, in document order."""
    tree = article.tree
    return [
        _target(tree, element)
        for element in article.root.iter("role")
        if (parent := element.getparent()) is not None and parent.tag in CONTRIBUTOR_PARENTS
    ]


def _target(tree: etree._ElementTree, element: etree._Element) -> Target:
    langs = _LANG(element)
    line = element.sourceline
    return Target(
        element=element,
        name=str(element.tag),
        text=string_value(element),
        lang=str(langs[0]) if isinstance(langs, list) and langs else None,
        line=line if isinstance(line, int) else None,
        xpath=tree.getpath(element),
        attributes={str(k): str(v) for k, v in element.attrib.items()},
    )


def string_value(element: etree._Element) -> str:
    """All descendant text, entity references decoded, white space collapsed and trimmed."""
    parts: list[str] = []
    _collect_text(element, parts)
    return _WHITESPACE.sub(" ", "".join(parts)).strip()


def _collect_text(element: etree._Element, parts: list[str]) -> None:
    if element.text:
        parts.append(element.text)
    for child in element:
        if isinstance(child, etree._Entity):
            parts.append(decode_entity(child.name))
        elif isinstance(child.tag, str):
            _collect_text(child, parts)
        if child.tail:
            parts.append(child.tail)
