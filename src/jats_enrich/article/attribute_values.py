"""Attribute values as a parser that reads the DTD reads them.

lxml reads no DTD (nothing is fetched): a reference to an entity the article does not declare
(the JATS DTD's ``&ndash;``, ``&nbsp;``...) is kept in text, but dropped from an attribute's
value, so that ``vocab-term="Writing &ndash; original draft"`` reads "Writing  original draft".
When a target's start tag holds such a reference, the article is read again with every named
reference written as a character reference (its own declarations first, then the JATS table; an
unknown name as U+FFFD, which no identifier equals), and the targets' attributes are taken from
that reading, element for element in document order. Most articles never come here: the first
reading tells whether the article refers to undeclared entities at all, and a look at the bytes
whether a target's start tag does.
"""

from __future__ import annotations

import re

from lxml import etree

from jats_enrich.article.encoding import split_bom
from jats_enrich.article.entities import ENTITY_NAME, internal_entities, with_character_references
from jats_enrich.article.reader import Article
from jats_enrich.errors import ArticleError
from jats_enrich.limits import ARTICLE_PARSER_OPTIONS

#: The start tag of an element that may be a target (or a target's group) holding a named
#: reference other than the predefined ones.
_TAG_WITH_REFERENCE = (
    r"<(?:role|kwd|subject|compound-kwd|compound-subject|kwd-group|subj-group)\b[^>]*?"
    r"&(?!(?:amp|lt|gt|quot|apos);)" + ENTITY_NAME + ";"
)
_IN_BYTES = re.compile(_TAG_WITH_REFERENCE.encode())
_IN_TEXT = re.compile(_TAG_WITH_REFERENCE)


def read_again(article: Article, elements: list[etree._Element]) -> dict[etree._Element, dict[str, str]] | None:
    """The attributes of ``elements`` as a parser reading the DTD reads them; None when no start
    tag of these kinds holds a named reference (lxml's reading stands), or when the second
    reading does not line up with the first (it stands too)."""
    try:
        bom, body, codec = split_bom(article.data, article.tree.docinfo.encoding)
    except ArticleError:
        return None
    ascii_compatible = "<a&;".encode(codec, "replace") == b"<a&;"
    if ascii_compatible and _IN_BYTES.search(body) is None:
        return None
    text = body.decode(codec, "replace")
    if not ascii_compatible and _IN_TEXT.search(text) is None:
        return None
    try:
        again = with_character_references(text, internal_entities(article.root))
        root = etree.fromstring(
            bom + again.encode(codec, "xmlcharrefreplace"), etree.XMLParser(**ARTICLE_PARSER_OPTIONS)
        )
    except (ArticleError, etree.XMLSyntaxError, ValueError, LookupError):
        return None
    mine = list(article.tree.iter(tag=etree.Element))
    theirs = list(root.getroottree().iter(tag=etree.Element))
    if len(mine) != len(theirs):
        return None
    position = {element: index for index, element in enumerate(mine)}
    found: dict[etree._Element, dict[str, str]] = {}
    for element in elements:
        twin = theirs[position[element]]
        if twin.tag != element.tag:
            return None
        found[element] = attributes_of(twin)
    return found


#: Every attribute node of an element, in one pass (see attributes_of).
_ALL_ATTRIBUTES = etree.XPath("@*")
#: Up to this many attributes, lxml's own mapping is quicker than an XPath call.
_FEW_ATTRIBUTES = 16


def attributes_of(element: etree._Element) -> dict[str, str]:
    """The attributes of an element ({namespace}name -> value), read in time linear in their
    number. lxml's ``attrib.items()`` (and ``dict(element.attrib)``) looks each value up again by
    its name, walking the attribute list each time: quadratic, minutes for 200,000 attributes."""
    names = element.keys()
    if len(names) <= _FEW_ATTRIBUTES:
        return {str(k): str(v) for k, v in element.items()}
    found = _ALL_ATTRIBUTES(element)
    values = found if isinstance(found, list) else []
    return {str(getattr(value, "attrname", "")): str(value) for value in values}
