"""Read one article safely: bytes in, a parsed JATS article (or a one-line ArticleError) out.

No network, no DTD, no entity expansion (see limits.py). The bytes are kept: the writer patches
them rather than re-serialising the tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from jats_enrich.article.jats_version import JatsVersion, detect_version
from jats_enrich.errors import ArticleError
from jats_enrich.limits import ARTICLE_PARSER_OPTIONS, MAX_ARTICLE_BYTES

#: Root elements that hold JATS articles: an article, or a PMC/JATS article set wrapping some.
ARTICLE_ROOTS = ("article",)
WRAPPER_ROOTS = ("pmc-articleset", "article-set", "articles")


@dataclass(frozen=True)
class Article:
    """A parsed article: its original bytes, its tree and what the tool needs to know about it."""

    source: str
    data: bytes
    tree: etree._ElementTree
    version: JatsVersion | None
    doi: str | None
    #: What is read of the article once and asked for twice (its contributors), by name.
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    #: It refers to entities it does not declare (the external DTD's, never read): lxml keeps such
    #: a reference in text, and drops it from an attribute's value (see targets.py).
    undeclared_entities: bool = False

    @property
    def root(self) -> etree._Element:
        return self.tree.getroot()


#: libxml2's error code for a failed allocation (its memory budget reached).
XML_ERR_NO_MEMORY = 2
#: ... and its warning for a reference to an entity nothing declares.
_UNDECLARED_ENTITY = etree.ErrorTypes.WAR_UNDECLARED_ENTITY


def _out_of_memory(exc: etree.XMLSyntaxError) -> bool:
    log: Any = exc.error_log  # lxml-stubs give the log no iteration, nor the error its code
    return bool(getattr(exc, "code", None) == XML_ERR_NO_MEMORY or any(e.type == XML_ERR_NO_MEMORY for e in log))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(**ARTICLE_PARSER_OPTIONS)


def read_article(data: bytes, source: str) -> Article:
    """Parse ``data`` (the bytes of the file ``source``) as a JATS article."""
    if not data or data.isspace():
        raise ArticleError(f"{source}: empty file")
    if len(data) > MAX_ARTICLE_BYTES:
        raise ArticleError(f"{source}: {len(data)} bytes, larger than the {MAX_ARTICLE_BYTES}-byte limit")
    parser = _parser()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        if _out_of_memory(exc):
            raise MemoryError(f"{source}: the parser ran out of memory") from None  # a budget, not a fault of the XML
        message = _syntax_message(exc)
        kind = "" if message.startswith("refused") else "malformed XML: "
        raise ArticleError(f"{source}: {kind}{message}") from None
    except (ValueError, LookupError) as exc:  # e.g. an unknown encoding name in the declaration
        raise ArticleError(f"{source}: unreadable XML: {exc}") from None
    undeclared = _read_log(parser, source)
    tree = root.getroottree()
    article = _main_article(root)
    if article is None:
        raise ArticleError(f"{source}: not a JATS article (root element <{_qname(root)}>)")
    version = detect_version(article.get("dtd-version"), tree.docinfo.public_id)
    return Article(
        source=source, data=data, tree=tree, version=version, doi=_doi(article), undeclared_entities=undeclared
    )


def _read_log(parser: etree.XMLParser, source: str) -> bool:
    """Whether the article refers to entities it does not declare; and a parse that logged an
    error is refused even when lxml returned a tree. libxml2 logs some
    faults at the error level and goes on (a namespace name that is no URI, a duplicate xml:id),
    but once one is logged it no longer reports content after the root element; and lxml raises
    only when the log's last entry is an error, so a warning logged after it (an entity of the
    external DTD) let text and elements after the root pass for a well-formed article. Refused
    whatever follows, as lxml refuses them when nothing does."""
    undeclared = False
    for entry in parser.error_log:
        if entry.level >= etree.ErrorLevels.ERROR:
            message = " ".join(entry.message.split())
            raise ArticleError(f"{source}: malformed XML: {message}, line {entry.line}, column {entry.column}")
        undeclared = undeclared or entry.type == _UNDECLARED_ENTITY
    return undeclared


def _main_article(root: etree._Element) -> etree._Element | None:
    if not isinstance(root.tag, str) or etree.QName(root).namespace is not None:
        return None
    if root.tag in ARTICLE_ROOTS:
        return root
    if root.tag in WRAPPER_ROOTS:
        found = root.find(".//article")
        return found
    return None


def _doi(article: etree._Element) -> str | None:
    found = article.find("front/article-meta/article-id[@pub-id-type='doi']")
    if found is None:
        return None
    text = "".join(str(t) for t in found.itertext()).strip()
    return text or None


def _qname(element: etree._Element) -> str:
    q = etree.QName(element)
    return f"{{{q.namespace}}}{q.localname}" if q.namespace else q.localname


#: libxml2's safety limits (kept on: huge_tree is off), and how a refusal by one reads.
_LIMITS = {
    "Excessive depth in document": "refused: elements nested deeper than 256 levels (a safety limit)",
    "Text node too long": "refused: a text node longer than 10,000,000 characters (a safety limit)",
    "amplification factor": "refused: entity expansion beyond the safety limit (an entity bomb)",
    "Detected an entity reference loop": "refused: an entity that refers to itself",
}


def _syntax_message(exc: etree.XMLSyntaxError) -> str:
    # lxml appends "(<string>, line N)"; keep the parser's own message, which names line and column
    # (on one line: for some errors libxml2 quotes the document's text after a line break).
    message = " ".join(str(exc.msg or exc).split(" (<string>")[0].split())
    for clue, refusal in _LIMITS.items():
        if clue in message:
            where = message[message.rfind(", line ") :] if ", line " in message else ""
            return refusal + where
    return message
