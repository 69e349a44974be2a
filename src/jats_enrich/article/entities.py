"""Named character entities of the JATS DTD suites, decoded only for matching.

The article is parsed without its DTD, so ``&ndash;`` stays an entity reference in the tree (and in
the output). When the text of a role is read for matching, such references are turned into their
characters with this table (generated from the JATS DTD suites by scripts/build_entity_table.py),
after the entities the article's own internal subset declares (``<!DOCTYPE article [<!ENTITY cr
"credit">]>``), which come first, as they do for a parser.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.resources import files
from typing import Any

from lxml import etree

from jats_enrich.errors import ArticleError


@cache
def entity_table() -> dict[str, str]:
    """Entity name -> characters, for every name the JATS DTD suites 1.0-1.4 declare."""
    text = files("jats_enrich.data").joinpath("entities.json").read_text(encoding="utf-8")
    table: dict[str, str] = json.loads(text)
    return table


def internal_entities(node: etree._Element) -> dict[str, str]:
    """The text entities the internal subset of the node's document declares (name -> text).

    lxml lists parameter entities among them and does not say which is which: a name declared
    twice (``<!ENTITY r ...>`` and ``<!ENTITY % r ...>``) is left out, unknown rather than
    possibly the wrong one. Read once per document (the last one is kept)."""
    global _LAST
    root = node.getroottree().getroot()
    last = _LAST  # one read: another thread may replace it meanwhile
    if last[0] is root:
        return last[1]
    dtd: Any = node.getroottree().docinfo.internalDTD  # lxml-stubs give a DTD no iterentities
    table: dict[str, str] = {}
    if dtd is not None:
        declared: dict[str, int] = {}
        for e in dtd.iterentities():
            if e.name:
                declared[e.name] = declared.get(e.name, 0) + 1
                if e.content is not None:
                    table[e.name] = e.content
        table = {name: text for name, text in table.items() if declared[name] == 1}
    _LAST = (root, table)
    return table


#: The document whose internal entities were read last, and them (a document's targets ask often).
_LAST: tuple[Any, dict[str, str]] = (None, {})


#: What stands for an entity that neither the article nor the JATS table declares, where a
#: parser must read a character (the XSLT engine's input to Saxon).
UNKNOWN_ENTITY = "\ufffd"
#: How many times its own length an article may grow when its references are written out.
MAX_GROWTH = 4
#: The entities every XML parser knows.
PREDEFINED = frozenset({"lt", "gt", "amp", "quot", "apos"})
#: An entity's name as a reference writes it: an XML name, of any script ("&éx;", "&a·b;").
ENTITY_NAME = r"[^\s&;#<>'\"=]+"
#: A named reference.
ENTITY_REFERENCE = re.compile(f"&({ENTITY_NAME});")


def with_character_references(text: str, internal: dict[str, str]) -> str:
    """``text`` with each named reference but the predefined ones written as character
    references (the article's own declarations first, then the JATS table; an unknown name as
    UNKNOWN_ENTITY), so that a parser reading no DTD reads every character. An article's own
    entity may be long and referred to often: past MAX_GROWTH times the text (and a megabyte),
    ArticleError, as for an entity bomb."""
    table = {**entity_table(), **internal}
    budget = [MAX_GROWTH * len(text) + 1_000_000]

    def replace(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in PREDEFINED:
            return m.group(0)
        written = "".join(f"&#{ord(c)};" for c in table.get(name, UNKNOWN_ENTITY))
        budget[0] -= len(written)
        if budget[0] < 0:
            raise ArticleError("refused: entity expansion beyond the safety limit (an entity bomb)")
        return written

    return ENTITY_REFERENCE.sub(replace, text)


def decode_entity(name: str, internal: dict[str, str] | None = None, unknown: str | None = None) -> str:
    """The characters for entity ``name`` (the document's own declarations first); an unknown
    name is kept as its reference, or read as ``unknown`` when given."""
    if internal and name in internal:
        return internal[name]
    return entity_table().get(name, f"&{name};" if unknown is None else unknown)
