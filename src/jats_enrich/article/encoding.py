"""Which codec an article's bytes are in, as XML 1.0 (appendix F) tells it: a byte order mark,
else the encoding its declaration names. Read once here for the writer (which must re-encode the
article's own bytes), the service (which answers with text) and the Python API's text functions."""

from __future__ import annotations

import codecs
import re

from jats_enrich.errors import ArticleError

#: Byte order marks and their codecs; UTF-32's first, as UTF-16's are their beginnings.
BYTE_ORDER_MARKS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def byte_order_mark(data: bytes) -> tuple[bytes, str] | None:
    """The byte order mark the data begins with, and its codec; None for none."""
    for mark, codec in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return mark, codec
    return None


def declared_encoding(data: bytes | str) -> str | None:
    """The encoding named by the XML declaration at the start, as written; None for none."""
    head = data[:400].encode("ascii", "replace") if isinstance(data, str) else data[:400]
    found = _DECLARATION.match(head)
    return found.group(1).decode("ascii") if found else None


def split_bom(data: bytes, declared: str | None) -> tuple[bytes, bytes, str]:
    """(BOM bytes, body bytes, Python codec of the body)."""
    marked = byte_order_mark(data)
    if marked is not None:
        bom, codec = marked
        return bom, data[len(bom) :], codec
    try:
        codec = codecs.lookup(declared or "utf-8").name
    except LookupError:
        raise ArticleError(f"unknown encoding {declared!r}") from None
    if codec in ("utf-16", "utf-32"):
        # No BOM: the byte order shows in how '<' is written (XML 1.0, appendix F).
        little = data.startswith(b"<\x00")
        codec += "-le" if little else "-be"
    return b"", data, codec
