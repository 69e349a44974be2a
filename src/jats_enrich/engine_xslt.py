"""The XSLT 3.0 engine: the shipped stylesheet (xslt/enrich.xsl), or a user's that imports it,
writes the attributes; they are then carried into the original bytes.

Per article: the bytes are prepared for Saxon (DOCTYPE dropped so that nothing is ever fetched,
named entities turned into character references from the JATS entity table, so that no DTD is
needed); the decided edits go to the stylesheet as a JSON parameter keyed by fn:path(); on the
stylesheet's result tree, a second (internal) stylesheet lists the attributes of every element
that can carry a vocabulary identity, and those the stylesheet added, changed or removed become
edits of the original bytes (patcher.py). The result is never serialised: the file keeps its
declaration, DOCTYPE, entity references, line endings, encoding and quoting.

One Saxon processor and one compiled stylesheet per process (per stylesheet), created on first use.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

from lxml import etree

from .decide import Edit
from .engines import in_attribute_order
from .entities import entity_table
from .errors import ArticleError, UsageError
from .patcher import AttributeChange, apply_changes, element_indices, split_bom
from .reader import Article

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
PREDEFINED = frozenset({"lt", "gt", "amp", "quot", "apos"})

_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_DOCTYPE = re.compile(
    r"""<!DOCTYPE(?:[^\["'>]|"[^"]*"|'[^']*')*
        (?:\[(?:<!--.*?-->|<\?.*?\?>|"[^"]*"|'[^']*'|<(?:[^>"']|"[^"]*"|'[^']*')*>|[^\]"'<])*\]\s*)?>""",
    re.DOTALL | re.VERBOSE,
)
_ENTITY = re.compile(r"&([A-Za-z_][\w.\-]*);")


class XsltWriter:
    def __init__(self, stylesheet: Path | None = None) -> None:
        self.stylesheet = stylesheet
        self.processor, self.executable, self.lister = _compiled(str(stylesheet.resolve()) if stylesheet else None)

    def write(self, article: Article, edits: list[Edit]) -> bytes:
        decisions = {
            saxon_path(e.element): {"set": in_attribute_order(e.set_attributes), "remove": list(e.remove_attributes)}
            for e in edits
        }
        result = self._transform(article, decisions)
        changes = _attribute_changes(article.root, result, article.source)
        if not changes:
            return article.data
        return apply_changes(article.data, article.root, changes, article.source)

    def _transform(self, article: Article, decisions: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
        """(element name, attributes) of every identity element of the stylesheet's result."""
        from saxonche import PySaxonApiError

        text = saxon_input(article)
        try:
            document = self.processor.parse_xml(xml_text=text)
            self.executable.set_parameter("decisions", self.processor.make_string_value(json.dumps(decisions)))
            result = self.executable.transform_to_value(xdm_node=document)
            if result is None or result.size != 1 or not result.head.is_node:
                raise ArticleError(f"{article.source}: XSLT engine: the stylesheet produced no document")
            listed = self.lister.transform_to_string(xdm_node=result.head)
        except PySaxonApiError as exc:
            message = " ".join(str(exc).split())
            raise ArticleError(f"{article.source}: XSLT engine: {message}") from None
        return [(name, attributes) for name, attributes in json.loads(listed or "[]")]


#: Lists (name, attributes) of every identity element of a document, as JSON; attribute names as
#: lxml writes them ({namespace}local) so that the two sides compare directly.
LISTER = """<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:map="http://www.w3.org/2005/xpath-functions/map">
  <xsl:output method="json"/>
  <xsl:template match="/">
    <xsl:sequence select="array {
      //(role | kwd | compound-kwd | nested-kwd | subject | compound-subject | kwd-group | subj-group)
      ! array { name(), map:merge(@* ! map {
          (if (namespace-uri()) then '{' || namespace-uri() || '}' else '') || local-name() : string() }) } }"/>
  </xsl:template>
</xsl:stylesheet>"""


@cache
def _compiled(stylesheet: str | None) -> tuple[Any, Any, Any]:
    """One processor, compiled stylesheet and attribute lister per process and stylesheet."""
    from saxonche import PySaxonApiError, PySaxonProcessor

    processor = PySaxonProcessor(license=False)
    with as_file(files("jats_enrich.shipped_xslt").joinpath("enrich.xsl")) as shipped:
        catalog = _catalog(shipped)
        processor.set_catalog_files([str(catalog)])
        compiler = processor.new_xslt30_processor()
        try:
            executable = compiler.compile_stylesheet(stylesheet_file=stylesheet or str(shipped))
        except PySaxonApiError as exc:
            message = " ".join(str(exc).split())
            raise UsageError(f"{stylesheet or shipped}: cannot compile the stylesheet: {message}") from None
    if executable is None:
        raise UsageError(f"{stylesheet or 'enrich.xsl'}: cannot compile the stylesheet")
    lister = processor.new_xslt30_processor().compile_stylesheet(stylesheet_text=LISTER)
    return processor, executable, lister


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
    """The article as text Saxon can read with no DTD and no network: declaration and DOCTYPE
    dropped, named entities replaced by character references (unknown names by U+FFFD)."""
    _bom, body, codec = split_bom(article.data, article.tree.docinfo.encoding)
    text = _DECLARATION.sub("", body.decode(codec), count=1)
    text = _DOCTYPE.sub("", text, count=1)
    table = entity_table()

    def replace(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in PREDEFINED:
            return m.group(0)
        return "".join(f"&#{ord(c)};" for c in table.get(name, "\ufffd"))

    return _ENTITY.sub(replace, text)


def saxon_path(element: etree._Element) -> str:
    """fn:path() of an element: /Q{ns}name[n]/..., n counting same-named preceding siblings."""
    steps = []
    node: etree._Element | None = element
    while node is not None:
        q = etree.QName(node)
        position = 1 + sum(1 for _ in node.itersiblings(str(node.tag), preceding=True))
        steps.append(f"Q{{{q.namespace or ''}}}{q.localname}[{position}]")
        node = node.getparent()
    return "/" + "/".join(reversed(steps))


def _attribute_changes(
    source: etree._Element, result: list[tuple[str, dict[str, str]]], name: str
) -> list[AttributeChange]:
    """What the stylesheet changed on the identity elements, as edits of the source tree."""
    before = list(source.iter(*IDENTITY_ELEMENTS))
    if len(before) != len(result) or any(b.tag != tag for b, (tag, _) in zip(before, result, strict=True)):
        raise ArticleError(f"{name}: XSLT engine: the stylesheet added, removed or renamed elements; not written")
    changed = []
    for b, (_, new) in zip(before, result, strict=True):
        old = {str(k): str(v) for k, v in b.attrib.items()}
        if old != new:
            changed.append(
                (b, {k: v for k, v in new.items() if old.get(k) != v}, tuple(k for k in old if k not in new))
            )
    if not changed:
        return []
    positions = element_indices(source, (b for b, _, _ in changed))
    return [
        AttributeChange(index=positions[b], name=str(b.tag), attributes=in_attribute_order(set_), remove=remove)
        for b, set_, remove in changed
    ]
