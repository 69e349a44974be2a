"""The XSLT 3.0 engine: the shipped stylesheet (xslt/enrich.xsl), or a user's that imports it,
writes the attributes; they are then carried into the original bytes.

Per article: the bytes are prepared for Saxon (DOCTYPE dropped so that nothing is ever fetched,
named entities turned into character references from the JATS entity table, so that no DTD is
needed); the decided edits go to the stylesheet as a JSON parameter keyed by each element's
position among the identity elements (``identity_elements``); on the stylesheet's result tree, a
second (internal) stylesheet lists the attributes of every element that can carry a vocabulary
identity, and those the stylesheet added, changed or removed become edits of the original bytes
(patcher.py). The result is never serialised: the file keeps its declaration, DOCTYPE, entity
references, line endings, encoding and quoting. With the shipped stylesheet, an article with no
edit and no role to insert is not transformed at all: the result would be the article itself.

What lxml reads, Saxon reads too, and the same way:

* a namespace the DOCTYPE's internal subset declares as a default (``<!ATTLIST article
  xmlns:xlink CDATA #FIXED "...">``, as eLife's and other typesetters' files do) is declared
  on the same start tags of the prepared copy, since the DOCTYPE is dropped (libxml2 applies such
  defaults even without loading the DTD);
* the JDK parser's own limits (100 levels of nesting, 1,000 characters in a name) are lifted:
  libxml2's limits (limits.py, article/reader.py: 256 levels) have already been applied to every article
  that reaches Saxon; its 200 attributes on an element are raised to MAX_ATTRIBUTES (10,000).
  Beyond that the XSLT engine refuses the article, with one line: Saxon's time on an element
  grows with the square of its attributes (the lxml engine has no such limit).

Saxon, a native library, writes parser errors, dynamic errors and xsl:message output straight to
file descriptor 2: every call into it runs with that descriptor on a scratch file, so nothing
reaches the terminal; an error becomes the article's one-line error.

The engine's own work is linear in the number of elements and of attributes: a decision is keyed
by the element's position among the identity elements in document order, which the stylesheet's
accumulator je:index counts in one pass (fn:path(), the key up to 0.10, counts the preceding
siblings of every ancestor again for each element: quadratic, minutes for 40,000 roles), and
attributes are read in one pass (the lister, over Saxon's reading of the article and over the
result). Saxon's own handling of one element's attributes is not linear: hence MAX_ATTRIBUTES.

One Saxon processor and one compiled stylesheet per process (per stylesheet), created on first use.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

from lxml import etree

from jats_enrich.article.encoding import split_bom
from jats_enrich.article.entities import internal_entities, with_character_references
from jats_enrich.article.reader import Article
from jats_enrich.decide.model import Edit
from jats_enrich.decide.statements import RoleInsertion
from jats_enrich.errors import ArticleError, UsageError
from jats_enrich.write.patcher import (
    DOCTYPE_PATTERN,
    apply_changes,
    escape_attribute,
    in_attribute_order,
    start_tag_at,
    start_tag_offsets,
)
from jats_enrich.write.roles import element_insertions
from jats_enrich.write.xslt_result import INSERTED, attribute_changes, inserted_roles, with_moves

#: Elements whose attributes the stylesheet may change.
IDENTITY_ELEMENTS = (
    "role",
    "kwd",
    "compound-kwd",
    "nested-kwd",
    "subject",
    "compound-subject",
    "kwd-group",
    "subj-group",
)
SHIPPED_URI = "urn:jats-enrich:xslt:enrich.xsl"
#: The mark the stylesheet puts on a role it inserted: the contributor's position (never written).
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_DOCTYPE = re.compile(DOCTYPE_PATTERN, re.DOTALL | re.VERBOSE)
#: A namespace declaration in a start tag's attributes: its prefix ('' for the default namespace).
_NAMESPACE_DECLARATION = re.compile(r"""\sxmlns(?::([^\s=/>]+))?\s*=""")

#: Most attributes on one element the XSLT engine takes (the JDK parser's own default). Saxon's
#: time on an element grows with the square of its attributes, even for an identity transform
#: (10,000: about two seconds; 200,000: most of an hour), so more is refused, with one line; the
#: lxml engine has no such limit.
MAX_ATTRIBUTES = 10_000
#: The JDK parser's limits, as Saxon's parser properties ("0": none). Nesting and name length are
#: left to libxml2 (limits.py: 256 levels), which has read every article before Saxon does; the
#: JDK's 100 levels and 1,000-character names would refuse articles the lxml engine enriches.
PARSER_LIMITS = {"maxElementDepth": "0", "elementAttributeLimit": str(MAX_ATTRIBUTES), "maxXMLNameLimit": "0"}
_PARSER_PROPERTY = "http://saxon.sf.net/feature/parserProperty?uri=http://www.oracle.com/xml/jaxp/properties/"
#: How the JDK parser says an element has more than MAX_ATTRIBUTES attributes.
_TOO_MANY_ATTRIBUTES = "JAXP00010002"


class XsltWriter:
    def __init__(self, stylesheet: Path | None = None) -> None:
        self.stylesheet = stylesheet
        self.processor, self.executable, self.lister = _compiled(str(stylesheet.resolve()) if stylesheet else None)

    def write(self, article: Article, edits: list[Edit], insertions: Sequence[RoleInsertion] = ()) -> bytes:
        if self.stylesheet is None and not edits and not insertions:
            # The shipped stylesheet changes only the elements it is given edits for: with none,
            # its result is the article as it is (a user's stylesheet may change more: it runs).
            return article.data
        before = identity_elements(article.root)
        position = {element: index for index, element in enumerate(before, start=1)}
        decisions = {
            str(position[e.element]): {
                "set": in_attribute_order(e.set_attributes),
                "remove": list(e.remove_attributes),
            }
            for e in edits
            if e.element in position  # the stylesheet changes no other element
        }
        contribs = {c: i for i, c in enumerate(article.root.iter("contrib"), start=1)}
        by_position = {str(contribs[i.contributor]): i for i in insertions}
        new_roles = {
            position: [{"set": in_attribute_order(r.attributes), "text": r.text} for r in i.roles]
            for position, i in by_position.items()
        }
        read, listed = self._transform(article, decisions, new_roles)
        kept = [(name, attributes) for name, attributes, _ in listed if INSERTED not in attributes]
        changes = attribute_changes(article.root, before, read, kept, article.source)
        changes = with_moves(changes, {e.element: e.to_end for e in edits if e.to_end}, article.root, before, kept)
        inserted = inserted_roles(listed, by_position, article.source)
        if not changes and not inserted:
            return article.data
        return apply_changes(
            article.data, article.root, changes, article.source, element_insertions(article.root, inserted)
        )

    def _transform(
        self, article: Article, decisions: dict[str, Any], new_roles: dict[str, Any]
    ) -> tuple[list[tuple[str, dict[str, str]]], list[tuple[str, dict[str, str], str]]]:
        """(element name, attributes) of every identity element as Saxon read the article, and of
        the stylesheet's result (with the text of the roles it inserted)."""
        from saxonche import PySaxonApiError

        text = saxon_input(article)
        with saxon_stderr() as printed:
            try:
                document = self.processor.parse_xml(xml_text=text)
                # What the stylesheet changed is read against Saxon's own reading of the article:
                # lxml, which reads no DTD, drops a named entity from an attribute's value, and
                # Saxon has the character (or U+FFFD for a name no declaration gives).
                read = self.lister.transform_to_string(xdm_node=document)
                self.executable.set_parameter("decisions", self.processor.make_string_value(json.dumps(decisions)))
                self.executable.set_parameter("insertions", self.processor.make_string_value(json.dumps(new_roles)))
                result = self.executable.transform_to_value(xdm_node=document)
                if result is None or result.size != 1 or not result.head.is_node:
                    raise ArticleError(f"{article.source}: XSLT engine: the stylesheet produced no document")
                listed = self.lister.transform_to_string(xdm_node=result.head)
            except PySaxonApiError as exc:
                message = saxon_message(str(exc), printed())
                if _TOO_MANY_ATTRIBUTES in message:
                    message = (
                        f"refused: an element with more than {MAX_ATTRIBUTES:,} attributes (a safety limit: "
                        "Saxon's time grows with their square; the lxml engine has no such limit)"
                    )
                raise ArticleError(f"{article.source}: XSLT engine: {message}") from None
        return (
            [(name, attributes) for name, attributes, _ in json.loads(read or "[]")],
            [(name, attributes, text) for name, attributes, text in json.loads(listed or "[]")],
        )


#: Lists (name, attributes) of every identity element of a document, as JSON; attribute names as
#: lxml writes them ({namespace}local) so that the two sides compare directly.
LISTER = """<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:map="http://www.w3.org/2005/xpath-functions/map">
  <xsl:output method="json"/>
  <xsl:template match="/">
    <xsl:sequence select="array {
      //(role | kwd | compound-kwd | nested-kwd | subject | compound-subject | kwd-group | subj-group)
      ! array { name(), map:merge(@* ! map {
          (if (namespace-uri()) then '{' || namespace-uri() || '}' else '') || local-name() : string() }),
          if (@Q{urn:jats-enrich:xslt}inserted) then string(.) else '' } }"/>
  </xsl:template>
</xsl:stylesheet>"""


@cache
def _compiled(stylesheet: str | None) -> tuple[Any, Any, Any]:
    """One processor, compiled stylesheet and attribute lister per process and stylesheet."""
    from saxonche import PySaxonApiError, PySaxonProcessor

    with saxon_stderr() as printed:
        processor = PySaxonProcessor(license=False)
        for limit, value in PARSER_LIMITS.items():
            processor.set_configuration_property(_PARSER_PROPERTY + limit, value)
        with as_file(files("jats_enrich.shipped_xslt").joinpath("enrich.xsl")) as shipped:
            catalog = _catalog(shipped)
            processor.set_catalog_files([str(catalog)])
            compiler = processor.new_xslt30_processor()
            try:
                executable = compiler.compile_stylesheet(stylesheet_file=stylesheet or str(shipped))
            except PySaxonApiError as exc:
                message = saxon_message(str(exc), printed())
                raise UsageError(f"{stylesheet or shipped}: cannot compile the stylesheet: {message}") from None
        if executable is None:
            raise UsageError(f"{stylesheet or 'enrich.xsl'}: cannot compile the stylesheet")
        lister = processor.new_xslt30_processor().compile_stylesheet(stylesheet_text=LISTER)
    return processor, executable, lister


_CAPTURE_LOCK = threading.Lock()
_scratch: tuple[int, int] | None = None  # (process id, descriptor of the scratch file)


@contextmanager
def saxon_stderr() -> Iterator[Callable[[], str]]:
    """Run a block with file descriptor 2 on a scratch file, where Saxon writes what it prints
    (it writes to the descriptor itself, past sys.stderr). Yields a function that returns what
    was printed so far. One block at a time per process; the scratch file is the process's own."""
    global _scratch
    with _CAPTURE_LOCK:
        if _scratch is None or _scratch[0] != os.getpid():  # a forked child gets a file of its own
            with tempfile.TemporaryFile(prefix="jats-enrich-saxon-") as scratch:
                _scratch = (os.getpid(), os.dup(scratch.fileno()))
        fd = _scratch[1]
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)

        def printed() -> str:
            end = os.lseek(fd, 0, os.SEEK_CUR)
            data = os.pread(fd, min(end, 64 * 1024), 0)
            return data.decode("utf-8", errors="replace")

        sys.stderr.flush()
        saved = os.dup(2)
        try:
            os.dup2(fd, 2)
            yield printed
        finally:  # also when a time budget's exception arrives in the block
            os.dup2(saved, 2)
            os.close(saved)


def saxon_message(message: str, printed: str = "") -> str:
    """One line from a Saxon error: the exception's text, else what Saxon printed, white space
    collapsed (Saxon wraps its messages over several lines, and starts them with 'Error on line')."""
    text = " ".join(message.split())
    if not text:
        lines = [" ".join(line.split()) for line in printed.splitlines()]
        text = " ".join(line for line in lines if line and not line.startswith("Error on line"))
    text = text or "failed (Saxon gave no message)"
    return text if len(text) <= 500 else text[:499] + "…"


@cache
def _catalog(shipped: Path) -> Path:
    """An XML catalog resolving urn:jats-enrich:xslt:enrich.xsl to the shipped stylesheet."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="jats-enrich-xslt-"))
    catalog = folder / "catalog.xml"
    catalog.write_text(
        '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">'
        f'<uri name="{SHIPPED_URI}" uri="{shipped.resolve().as_uri()}"/></catalog>',
        encoding="utf-8",
    )
    return catalog


def saxon_input(article: Article) -> str:
    """The article as text Saxon can read with no DTD and no network: namespaces the DOCTYPE's
    internal subset declares by default written on the start tags they apply to, declaration and
    DOCTYPE dropped, named entities replaced by character references (those the internal subset
    declares as it declares them, then the JATS table's; unknown names by U+FFFD)."""
    _bom, body, codec = split_bom(article.data, article.tree.docinfo.encoding)
    text = body.decode(codec)
    doctype = _DOCTYPE.search(text)
    if doctype is not None and "xmlns" in doctype.group(0):
        text = _declare_defaulted_namespaces(text, article.root, article.source)
    text = _DECLARATION.sub("", text, count=1)
    text = _DOCTYPE.sub("", text, count=1)
    try:
        return with_character_references(text, internal_entities(article.root))
    except ArticleError as exc:
        raise ArticleError(f"{article.source}: XSLT engine: {exc}") from None


def _declare_defaulted_namespaces(text: str, root: etree._Element, source: str) -> str:
    """``text`` with, on each start tag, the namespace declarations the parsed tree has there but
    the tag does not write: those libxml2 took from the internal subset's attribute defaults."""
    insertions: list[tuple[int, str]] = []
    elements = list(root.getroottree().iter(tag=etree.Element))
    offsets = start_tag_offsets(text)
    if len(offsets) != len(elements):
        raise ArticleError(
            f"{source}: found {len(offsets)} start tags but the parser saw {len(elements)} elements; not written"
        )
    for element, offset in zip(elements, offsets, strict=True):
        parent = element.getparent()
        inherited = parent.nsmap if parent is not None else {}
        own = {prefix: uri for prefix, uri in element.nsmap.items() if inherited.get(prefix) != uri}
        if not own:
            continue
        tag = start_tag_at(text, offset)
        written = {m.group(1) or None for m in _NAMESPACE_DECLARATION.finditer(text, tag.attrs_start, tag.close)}
        added = "".join(
            f' xmlns{":" + prefix if prefix else ""}="{escape_attribute(uri, chr(34))}"'
            for prefix, uri in own.items()
            if prefix not in written
        )
        if added:
            insertions.append((tag.attrs_start, added))
    if not insertions:
        return text
    pieces, position = [], 0
    for offset, added in insertions:
        pieces += [text[position:offset], added]
        position = offset
    pieces.append(text[position:])
    return "".join(pieces)


def saxon_path(element: etree._Element) -> str:
    """fn:path() of an element: /Q{ns}name[n]/..., n counting same-named preceding siblings (for
    tools and messages; decisions are keyed by position in ``identity_elements``)."""
    steps = []
    node: etree._Element | None = element
    while node is not None:
        q = etree.QName(node)
        position = 1 + sum(1 for _ in node.itersiblings(str(node.tag), preceding=True))
        steps.append(f"Q{{{q.namespace or ''}}}{q.localname}[{position}]")
        node = node.getparent()
    return "/" + "/".join(reversed(steps))


def identity_elements(root: etree._Element) -> list[etree._Element]:
    """The elements that can carry an identity, in document order (the stylesheet's je:index
    counts the same elements, from 1)."""
    return list(root.getroottree().iter(*IDENTITY_ELEMENTS))
