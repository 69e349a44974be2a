"""Engines: how decided edits are applied to an article. One interface, two implementations.

* ``lxml``: the edits go straight into the original bytes (patcher.py).
* ``xslt``: an XSLT 3.0 stylesheet (saxonche) writes the attributes onto a copy of the article;
  the attributes it wrote are then carried into the original bytes by the same patcher, so both
  engines keep every other byte as it was and give the same result for the same edits.

Engines are found by name in ``ENGINES`` and imported on first use, so saxonche is loaded only
when the xslt engine is asked for.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Protocol

from .decide import Edit
from .errors import UsageError
from .reader import Article

#: Engine name -> "module:class" of its writer.
ENGINES: dict[str, str] = {
    "lxml": "jats_enrich.engine_lxml:LxmlWriter",
    "xslt": "jats_enrich.engine_xslt:XsltWriter",
}

#: Order in which new attributes are inserted into a start tag, whichever engine computed them.
ATTRIBUTE_ORDER = (
    "vocab",
    "vocab-identifier",
    "vocab-term",
    "vocab-term-identifier",
    "degree-contribution",
    "content-type",
)


class Writer(Protocol):
    def write(self, article: Article, edits: list[Edit]) -> bytes:
        """The article's bytes with the edits applied."""
        ...


def writer_for(engine: str, stylesheet: Path | None = None) -> Writer:
    target = ENGINES.get(engine)
    if target is None:
        raise UsageError(f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")
    if stylesheet is not None and engine != "xslt":
        raise UsageError("a stylesheet (--xslt) needs --engine xslt")
    module_name, class_name = target.split(":")
    writer_class = getattr(import_module(module_name), class_name)
    writer: Writer = writer_class(stylesheet) if engine == "xslt" else writer_class()
    return writer


def in_attribute_order(attributes: dict[str, str]) -> dict[str, str]:
    """The same attributes, known ones first in ATTRIBUTE_ORDER, others by name."""

    def rank(name: str) -> tuple[int, str]:
        return (ATTRIBUTE_ORDER.index(name) if name in ATTRIBUTE_ORDER else len(ATTRIBUTE_ORDER), name)

    return {name: attributes[name] for name in sorted(attributes, key=rank)}
