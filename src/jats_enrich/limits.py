"""Safety settings, in one place, with safe defaults.

Articles come from typesetters, archives and the open web: whatever they say, reading one never
touches the network, never loads a DTD, never expands an entity, and stays within bounds.
"""

from __future__ import annotations

from typing import TypedDict


class ParserOptions(TypedDict):
    load_dtd: bool
    resolve_entities: bool
    no_network: bool
    dtd_validation: bool
    huge_tree: bool
    remove_blank_text: bool
    remove_comments: bool
    remove_pis: bool
    strip_cdata: bool
    recover: bool


#: Options for every lxml parser that reads an article. ``resolve_entities=False`` keeps entity
#: references as nodes (so nothing is expanded: no external entities, no expansion bombs);
#: ``load_dtd=False`` and ``no_network=True`` mean the DOCTYPE is read but never followed.
ARTICLE_PARSER_OPTIONS: ParserOptions = {
    "load_dtd": False,
    "resolve_entities": False,
    "no_network": True,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_blank_text": False,
    # Comments and processing instructions are not needed in the tree (they are no elements, so
    # the writer's count of start tags is the same, and they are no part of a role's text); the
    # output keeps them, as it is made from the original bytes.
    "remove_comments": True,
    "remove_pis": True,
    "strip_cdata": False,
    "recover": False,
}
# Not ``collect_ids=False``: in lxml 6 it makes libxml2 try to load the external DTD.

#: Largest article file read, in bytes. Real articles are under 2 MB; the bound keeps one hostile
#: file from exhausting memory.
MAX_ARTICLE_BYTES = 200 * 1024 * 1024

#: Largest dictionary file read, in bytes.
MAX_DICTIONARY_BYTES = 100 * 1024 * 1024

#: Most roles, keywords and subjects enriched in one article by default. Real articles have up to a
#: few hundred (the real corpus: 139 at most). Each costs up to about 0.2 ms (a distinct compound
#: role, unmatched, with its near misses), so 3,000 take well under a second, and a 600 kB article
#: of tens of thousands of them (hostile, or generated) fails at once with a one-line error instead
#: of taking seconds. A consortium paper listing every author's roles may need --max-targets raised.
MAX_TARGETS = 3_000

#: Seconds one article may take by default: far above what a real article needs (the largest of
#: the real corpus takes well under a second), low enough that a hostile one cannot stall a batch.
ARTICLE_SECONDS = 120.0
