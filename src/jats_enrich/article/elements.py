"""The elements of an article the tool looks for by name, found in one pass over its tree.

A pass costs about the same whatever names it looks for: lxml visits every node of the tree, a
fifth of the parse for a long article. Targets, contribution statements and contributors each
needed a pass of their own. The first of them to ask now walks the tree once for every name any
of them wants (``WATCHED``), and the others filter that list, which keeps document order.

A hostile article may hold millions of such elements: past ``MAX_KEPT`` nothing is kept, and
each question walks the tree itself again (finding targets stops at its own limit as before).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from lxml import etree

from jats_enrich.article.reader import Article

#: The names read by targets.py, statements.py and contributors.py (no namespace, as they ask).
WATCHED = (
    "role",
    "kwd",
    "compound-kwd",
    "subject",
    "compound-subject",
    "contrib",
    "fn",
    "sec",
    "notes",
    "fn-group",
    "ack",
)
_WATCHED = frozenset(WATCHED)
#: At most this many elements are kept per article (a real article has a few hundred).
MAX_KEPT = 20_000
_MEMO = "watched elements"


def elements_named(article: Article, names: Iterable[str]) -> Iterable[etree._Element]:
    """The elements of the whole article (its root included) named ``names``, in document order,
    as ``article.root.iter(*names)`` finds them."""
    wanted = tuple(names)
    if not wanted or not _WATCHED.issuperset(wanted):  # (no name: every node, as iter() gives)
        return article.root.iter(*wanted)
    if _MEMO not in article.memo:
        walked = list(islice(article.root.iter(*WATCHED), MAX_KEPT + 1))
        article.memo[_MEMO] = walked if len(walked) <= MAX_KEPT else None  # None: too many to keep
    kept: list[etree._Element] | None = article.memo[_MEMO]
    if kept is None:
        return article.root.iter(*wanted)
    if len(wanted) == 1:
        name = wanted[0]
        return [e for e in kept if e.tag == name]
    chosen = frozenset(wanted)
    return [e for e in kept if e.tag in chosen]
