"""Write edits into the original bytes of an article, and nothing else.

The tree is never serialised. Instead, the start tags of the source text are found with a small
lexer (comments, processing instructions, CDATA sections and the DOCTYPE with its internal subset
are skipped whole), the n-th start tag is the n-th element of the parsed tree, and each edit
inserts or replaces attributes inside that one start tag. Everything else (declaration, DOCTYPE,
entity references, white space, line endings, encoding, BOM, attribute quoting) stays byte for
byte. The lexer is checked against the tree: a different element count or name is an error, never
a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from jats_enrich.article.encoding import split_bom
from jats_enrich.article.entities import ENTITY_NAME, UNKNOWN_ENTITY, decode_entity, internal_entities
from jats_enrich.errors import ArticleError

#: The DOCTYPE with its internal subset (whose declarations may hold '<' and '>'), as a verbose
#: pattern: used here and by the XSLT engine, which drops it.
DOCTYPE_PATTERN = r"""<!DOCTYPE(?:[^\["'>]|"[^"]*"|'[^']*')*
    (?:\[(?:<!--.*?-->|<\?.*?\?>|"[^"]*"|'[^']*'|<(?:[^>"']|"[^"]*"|'[^']*')*>|[^\]"'<])*\]\s*)?>"""
#: Markup whose text is no markup: comments, processing instructions, CDATA sections, the DOCTYPE.
_OPAQUE = re.compile(
    r"""<!--.*?-->
      | <\?.*?\?>
      | <!\[CDATA\[.*?\]\]>
      | """
    + DOCTYPE_PATTERN,
    re.DOTALL | re.VERBOSE,
)
#: Outside those, '<' followed by a name character can only open a start tag: character data and
#: attribute values never hold a literal '<' in a well-formed document.
_TAG_OPEN = re.compile(r"<[^\s/!?>]")
#: One start tag, its attributes matched in one sweep (quoted values whole: '>' inside is no end).
_START_TAG = re.compile(r"""<(?P<name>[^\s/>]+)(?P<attrs>[^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*)>""")
_ATTRIBUTE = re.compile(r"""\s+(?P<name>[^\s=/>]+)\s*=\s*(?P<quote>["'])(?P<value>.*?)(?P=quote)""", re.DOTALL)


#: Codecs whose decode/encode round trip is exact, so re-encoding an untouched slice gives back its
#: original bytes. Others are checked on each article before anything is written.
ROUND_TRIP_CODECS = frozenset({"utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "ascii", "iso8859-1"})


@dataclass(frozen=True)
class StartTag:
    name: str
    start: int  # offset of '<'
    attrs_start: int  # offset just after the name
    close: int  # offset of the closing '>'

    def attrs_end(self, text: str) -> int:
        """Offset after the last attribute: before any white space, '/' or '>'."""
        end = self.close
        if text[end - 1] == "/":
            end -= 1
        while end > self.attrs_start and text[end - 1].isspace():
            end -= 1
        return end


@dataclass(frozen=True)
class AttributeChange:
    """On the element that is the ``index``-th start tag (0-based) named ``name``: set
    ``attributes`` (replacing a value in place, or inserting after the last attribute) and
    remove the attributes named in ``remove``."""

    index: int
    name: str
    attributes: dict[str, str]
    remove: tuple[str, ...] = ()
    to_end: tuple[str, ...] = ()  # moved after all other attributes (see decide.model.Edit)


@dataclass(frozen=True)
class ElementInsertion:
    """New elements (``markup``, each a whole element) written into the ``index``-th element,
    named ``name``: after its descendant element ``after`` (an index too), each on a line of its
    own with the indentation ``after`` has; with no ``after``, at the start of its content, with
    the indentation of its first child."""

    index: int
    name: str
    after: int | None
    markup: tuple[str, ...]


#: Markup inside an element: opaque parts (skipped whole), end tags, start tags.
_MARKUP = re.compile(
    r"""<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>|(?P<end></[^>]*>)|(?P<start><[^\s/!?>](?:[^>"']|"[^"]*"|'[^']*')*>)""",
    re.DOTALL,
)


def element_end(text: str, tag: StartTag) -> int:
    """Offset just after the element whose start tag is ``tag`` (its end tag, or its '/>')."""
    if text[tag.close - 1] == "/":
        return tag.close + 1
    depth = 1
    for m in _MARKUP.finditer(text, tag.close + 1):
        if m.group("end") is not None:
            depth -= 1
            if depth == 0:
                return m.end()
        elif m.group("start") is not None and not m.group("start").endswith("/>"):
            depth += 1
    raise ArticleError(f"no end tag for <{tag.name}> at offset {tag.start}")


def _indentation_before(text: str, offset: int) -> str:
    """The white space between the previous markup and ``offset``, when that is all there is."""
    start = offset
    while start > 0 and text[start - 1] in " \t\r\n":
        start -= 1
    return text[start:offset] if start < offset and text[start - 1 : start] == ">" else ""


class _StartTags:
    """The start tags of a text by index, each read from its offset on first use."""

    def __init__(self, text: str, offsets: list[int]) -> None:
        self.text = text
        self.offsets = offsets
        self._read: dict[int, StartTag] = {}

    def __getitem__(self, index: int) -> StartTag:
        tag = self._read.get(index)
        if tag is None:
            tag = self._read[index] = start_tag_at(self.text, self.offsets[index])
        return tag


def _insertion_piece(text: str, tags: _StartTags, insertion: ElementInsertion) -> tuple[int, int, str]:
    if insertion.after is not None:
        anchor = tags[insertion.after]
        at, indent = element_end(text, anchor), _indentation_before(text, anchor.start)
    else:
        parent = tags[insertion.index]
        if text[parent.close - 1] == "/":
            raise ArticleError(f"<{parent.name}> at offset {parent.start} is empty: nothing inserted")
        at = parent.close + 1
        first = at
        while first < len(text) and text[first] in " \t\r\n":
            first += 1
        indent = text[at:first] if text[first : first + 1] == "<" else ""
    return at, at, "".join(indent + markup for markup in insertion.markup)


def start_tag_offsets(text: str) -> list[int]:
    """Offsets of the '<' of every start tag of a well-formed document, in document order."""
    offsets = [m.start() for m in _TAG_OPEN.finditer(text)]
    opaque = [(m.start(), m.end()) for m in _OPAQUE.finditer(text)]
    if not opaque:
        return offsets
    kept, region = [], 0
    for offset in offsets:  # both lists are sorted: one merge pass
        while region < len(opaque) and opaque[region][1] <= offset:
            region += 1
        if region < len(opaque) and opaque[region][0] <= offset:
            continue
        kept.append(offset)
    return kept


def start_tag_at(text: str, offset: int) -> StartTag:
    m = _START_TAG.match(text, offset)
    if m is None:
        raise ArticleError(f"no start tag at offset {offset}")
    return StartTag(name=m.group("name"), start=offset, attrs_start=m.end("name"), close=m.end() - 1)


def start_tags(text: str) -> list[StartTag]:
    """Every start tag of a well-formed document, in document order (for tests and tools; the
    writer reads only the tags it edits)."""
    return [start_tag_at(text, offset) for offset in start_tag_offsets(text)]


def element_indices(root: etree._Element, wanted: Iterable[etree._Element]) -> dict[etree._Element, int]:
    """Document-order position of each wanted element among all elements of the tree."""
    remaining = set(wanted)
    found: dict[etree._Element, int] = {}
    for i, element in enumerate(root.getroottree().iter(tag=etree.Element)):
        if element in remaining:
            found[element] = i
            if len(found) == len(remaining):
                break
    return found


def count_elements(root: etree._Element) -> int:
    # Counted by libxml2 itself: no Python object made for each of an article's thousands.
    counted = root.getroottree().xpath("count(//*)")
    assert isinstance(counted, float)
    return int(counted)


def apply_changes(
    data: bytes,
    root: etree._Element,
    changes: list[AttributeChange],
    source: str,
    insertions: list[ElementInsertion] | None = None,
) -> bytes:
    """The article's bytes with each change written into its element's start tag, and each
    insertion's elements written into its element."""
    insertions = insertions or []
    if not changes and not insertions:
        return data
    bom, body, codec = split_bom(data, root.getroottree().docinfo.encoding)
    text = body.decode(codec)
    if codec not in ROUND_TRIP_CODECS and text.encode(codec) != body:
        raise ArticleError(f"{source}: encoding {codec} does not round-trip byte for byte; not written")
    offsets = start_tag_offsets(text)
    expected = count_elements(root)
    if len(offsets) != expected:
        raise ArticleError(
            f"{source}: found {len(offsets)} start tags but the parser saw {expected} elements; not written"
        )
    tags = _StartTags(text, offsets)  # each read when asked for: an article has thousands, few are edited

    internal = internal_entities(root)
    pieces: list[tuple[int, int, str]] = []  # (start, end, replacement) in text offsets
    for change in sorted(changes, key=lambda c: c.index):
        expanded = [n for n in (*change.attributes, *change.remove, *change.to_end) if n.startswith("{")]
        if expanded:  # a name a start tag cannot hold (its prefix is the writer's to find)
            raise ArticleError(f"{source}: an attribute named {expanded[0]}, not as a tag writes it; not written")
        tag = tags[change.index]
        if tag.name != change.name:
            raise ArticleError(
                f"{source}: start tag {change.index} is <{tag.name}>, expected <{change.name}>; not written"
            )
        pieces.extend(_tag_edits(text, tag, change.attributes, change.remove, change.to_end, internal))
    for insertion in insertions:
        tag = tags[insertion.index]
        if tag.name != insertion.name:
            raise ArticleError(
                f"{source}: start tag {insertion.index} is <{tag.name}>, expected <{insertion.name}>; not written"
            )
        pieces.append(_insertion_piece(text, tags, insertion))

    out = bytearray(bom)
    position = 0
    for start, end, replacement in sorted(pieces):
        # Original bytes are copied slice by slice; only the replacements are encoded.
        out += text[position:start].encode(codec)
        out += replacement.encode(codec, errors="xmlcharrefreplace")
        position = end
    out += text[position:].encode(codec)
    return bytes(out)


def _tag_edits(
    text: str,
    tag: StartTag,
    attributes: dict[str, str],
    remove: tuple[str, ...],
    to_end: tuple[str, ...] = (),
    internal: dict[str, str] | None = None,
) -> list[tuple[int, int, str]]:
    attrs_end = tag.attrs_end(text)
    existing = {m.group("name"): m for m in _ATTRIBUTE.finditer(text, tag.attrs_start, attrs_end)}
    # New attributes go after the last attribute, but before namespace declarations that close the
    # tag: where lxml, which lists no declarations among attributes, sees them last.
    plain = [m.end() for name, m in existing.items() if name != "xmlns" and not name.startswith("xmlns:")]
    insert_at = max(plain) if plain else (tag.attrs_start if existing else attrs_end)
    edits: list[tuple[int, int, str]] = []
    for name in remove:
        m = existing.get(name)
        if m is not None and name not in attributes and name not in to_end:
            edits.append((m.start(), m.end(), ""))  # the attribute with the white space before it
    moved: dict[str, str] = {}  # name -> its markup at the end
    for name in to_end:
        m = existing.pop(name, None)
        if m is not None:
            edits.append((m.start(), m.end(), ""))
            moved[name] = _moved(name, m, attributes.get(name), internal)
    inserted: list[str] = []
    for name, value in attributes.items():
        if name in moved:
            continue
        m = existing.get(name)
        if m is None:
            inserted.append(f' {name}="{escape_attribute(value, chr(34))}"')
        elif not _reads_as(m.group("value"), value, internal):
            edits.append((m.start("value"), m.end("value"), escape_attribute(value, m.group("quote"))))
    inserted += moved.values()
    if inserted:
        edits.append((insert_at, insert_at, "".join(inserted)))
    return edits


def _moved(name: str, written: re.Match[str], value: str | None, internal: dict[str, str] | None) -> str:
    """The markup of an attribute moved to the end of its tag: with its new value, or its value as
    read; as written when it holds an entity the article does not declare (it has no value to
    write again: the reference is kept)."""
    raw = written.group("value")
    if (value is None or _reads_as(raw, value, internal)) and _has_unknown_entity(raw, internal):
        return f" {name}={written.group('quote')}{raw}{written.group('quote')}"
    return f' {name}="{escape_attribute(_unescape_attribute(raw, internal) if value is None else value, chr(34))}"'


def _has_unknown_entity(raw: str, internal: dict[str, str] | None) -> bool:
    return "&" in raw and _unescape_attribute(raw, internal) != _unescape_attribute(raw, internal, UNKNOWN_ENTITY)


def _reads_as(raw: str, value: str, internal: dict[str, str] | None) -> bool:
    """Whether the attribute written ``raw`` already holds ``value``: an attribute is never
    rewritten into another spelling of the same value. An entity the article does not declare
    reads as its reference, or as the XSLT engine's input has it (UNKNOWN_ENTITY): a stylesheet
    that left the attribute alone gives it back so, and it stays as written."""
    if _unescape_attribute(raw, internal) == value:
        return True
    return "&" in raw and _unescape_attribute(raw, internal, UNKNOWN_ENTITY) == value


def escape_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def element_markup(name: str, attributes: dict[str, str], text: str) -> str:
    """One element as markup: attributes in ATTRIBUTE_ORDER, double-quoted."""
    attrs = "".join(f' {k}="{escape_attribute(v, chr(34))}"' for k, v in in_attribute_order(attributes).items())
    return f"<{name}{attrs}>{escape_text(text)}</{name}>"


def escape_attribute(value: str, quote: str) -> str:
    value = value.replace("&", "&amp;").replace("<", "&lt;")
    value = value.replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;")
    return value.replace('"', "&quot;") if quote == '"' else value.replace("'", "&apos;")


_LINE_ENDS = re.compile(r"\r\n?")
_REFERENCE = re.compile(r"&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|(" + ENTITY_NAME + "));")


def _unescape_attribute(raw: str, internal: dict[str, str] | None = None, unknown: str | None = None) -> str:
    """The value a parser reads from raw attribute text: line ends and white space normalised,
    character and entity references decoded (named ones with the document's internal subset, then
    the JATS entity table; an unknown name kept as its reference, or read as ``unknown``).

    Used to decide whether a value already equals what would be written, so that an attribute
    is never rewritten into another spelling of the same value.
    """
    text = _LINE_ENDS.sub("\n", raw).replace("\t", " ").replace("\n", " ")

    def decode(m: re.Match[str]) -> str:
        hexadecimal, decimal, name = m.groups()
        if hexadecimal:
            return chr(int(hexadecimal, 16))
        if decimal:
            return chr(int(decimal))
        return decode_entity(name, internal, unknown)

    return _REFERENCE.sub(decode, text)


#: Order in which new attributes are inserted into a start tag, whichever engine computed them.
ATTRIBUTE_ORDER = (
    "vocab",
    "vocab-identifier",
    "vocab-term",
    "vocab-term-identifier",
    "degree-contribution",
    "content-type",
)


def in_attribute_order(attributes: dict[str, str]) -> dict[str, str]:
    """The same attributes, known ones first in ATTRIBUTE_ORDER, others by name."""

    def rank(name: str) -> tuple[int, str]:
        return (ATTRIBUTE_ORDER.index(name) if name in ATTRIBUTE_ORDER else len(ATTRIBUTE_ORDER), name)

    return {name: attributes[name] for name in sorted(attributes, key=rank)}
