"""Named character entities of the JATS DTD suites, decoded only for matching.

The article is parsed without its DTD, so ``&ndash;`` stays an entity reference in the tree (and in
the output). When the text of a role is read for matching, such references are turned into their
characters with this table (generated from the JATS DTD suites by scripts/build_entity_table.py).
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files


@cache
def entity_table() -> dict[str, str]:
    """Entity name -> characters, for every name the JATS DTD suites 1.0-1.4 declare."""
    text = files("jats_enrich.data").joinpath("entities.json").read_text(encoding="utf-8")
    table: dict[str, str] = json.loads(text)
    return table


def decode_entity(name: str) -> str:
    """The characters for entity ``name``; an unknown name is kept as its reference."""
    return entity_table().get(name, f"&{name};")
