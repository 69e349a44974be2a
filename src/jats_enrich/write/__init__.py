"""Engines: how decided edits are applied to an article. One interface, two implementations.

* ``lxml``: the edits go straight into the original bytes (patcher.py).
* ``xslt``: an XSLT 3.0 stylesheet (saxonche) writes the attributes onto a copy of the article;
  the attributes it wrote are then carried into the original bytes by the same patcher, so both
  engines keep every other byte as it was and give the same result for the same edits.

Engines are found by name in ``ENGINES``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from jats_enrich.article.reader import Article
from jats_enrich.decide.model import Edit
from jats_enrich.decide.statements import RoleInsertion
from jats_enrich.errors import UsageError

#: Engine name -> its writer's maker (given the stylesheet, if any). Each imports its module on
#: first use, so saxonche is loaded only when the xslt engine is asked for.
WriterMaker = Callable[[Path | None], "Writer"]


def _lxml_writer(stylesheet: Path | None) -> Writer:
    from jats_enrich.write.lxml_engine import LxmlWriter

    return LxmlWriter()


def _xslt_writer(stylesheet: Path | None) -> Writer:
    from jats_enrich.write.xslt_engine import XsltWriter

    return XsltWriter(stylesheet)


class Writer(Protocol):
    def write(self, article: Article, edits: list[Edit], insertions: Sequence[RoleInsertion] = ()) -> bytes:
        """The article's bytes with the edits applied and the roles inserted."""
        ...


ENGINES: dict[str, WriterMaker] = {"lxml": _lxml_writer, "xslt": _xslt_writer}


def writer_for(engine: str, stylesheet: Path | None = None) -> Writer:
    make = ENGINES.get(engine)
    if make is None:
        raise UsageError(f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")
    if stylesheet is not None and engine != "xslt":
        raise UsageError("a stylesheet (`xslt`) needs `engine` xslt")
    return make(stylesheet)
