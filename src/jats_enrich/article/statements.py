"""Find the author-contribution statements of an article and its sub-articles.

A statement is a footnote ``<fn fn-type="con">``, a footnote of a group, or a section or notes
whose type or title says it holds the authors' contributions ("Author contributions",
"Contribuição dos autores", "Contribución de los autores"...). A statement some contributors link
to with ``<xref rid>`` is theirs alone (eLife); another is shared by all, its parts keyed by the
contributors' initials or names (PLOS, SciELO). A footnote that only says who contributed equally
is no statement of roles.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from jats_enrich.article.contributors import Contributor
from jats_enrich.article.elements import elements_named
from jats_enrich.article.reader import Article
from jats_enrich.article.targets import in_citation, string_value
from jats_enrich.text import fold_case, without_accents

#: Types (fn-type, sec-type, notes-type, content-type) that mark a contribution statement.
STATEMENT_TYPES = frozenset(
    {
        "con",
        "contrib",
        "contribution",
        "contributions",
        "author-contribution",
        "author-contributions",
        "authors-contributions",
        "contributions-of-authors",
    }
)
#: Titles or labels that do (folded: lower case, no accents, no punctuation).
_TITLE = re.compile(
    r"^(?:authors?\s*(?:s\s*)?contributions?"
    r"|contributions?\s+(?:of|by)\s+(?:the\s+)?authors?"
    r"|contribuic(?:ao|oes)\s+d[oa]s?\s+autor(?:es|as)?"
    r"|contribucion(?:es)?\s+de\s+(?:los\s+|las\s+)?autor(?:es|as)?"
    r"|contribution\s+des\s+auteurs?)$"
)
#: Footnotes that only say who contributed equally (or who is senior or joint first author).
_EQUALLY = re.compile(
    r"contribut\w*\s+equally|equal(?:ly)?\s+contribut|contribu\w+\s+(?:igualmente|de\s+forma\s+igual)"
    r"|joint\s+(?:first|senior|last)\s+author|co-?first\s+author|senior\s+authors?$",
    re.IGNORECASE,
)
_CONTAINERS = ("fn", "sec", "notes", "fn-group", "ack")
#: Up to four words and a colon, full stop or dash (or nothing) at the start of a text: a heading?
_LEADING_TITLE = re.compile(r"^\s*((?:[^\W\d_][\w'’]*\s+){0,3}[^\W\d_][\w'’]*)\s*(?:[:.\u2013\u2014-]\s*|$)")


@dataclass(frozen=True)
class Statement:
    element: etree._Element
    xpath: str
    line: int | None
    text: str  # the statement without its label or title, white space collapsed
    linked: tuple[Contributor, ...]  # contributors whose <xref> points to it (empty: shared by all)


def statement_elements(article: Article) -> list[etree._Element]:
    """The elements that hold contribution statements, in document order (a group's footnotes
    one by one): most articles have none, and need nothing more read."""
    return list(_statement_elements(article))


def find_statements(
    article: Article, contributors: list[Contributor], elements: list[etree._Element] | None = None
) -> list[Statement]:
    """Every contribution statement (of ``elements``, when they were found already)."""
    by_id: dict[str, list[Contributor]] = {}
    for c in contributors:
        for rid in c.footnotes:
            by_id.setdefault(rid, []).append(c)
    tree = article.tree
    found: list[Statement] = []
    for element in elements if elements is not None else _statement_elements(article):
        text = _text_of(element)
        if not text or _only_equal_contribution(text):
            continue
        linked = tuple(by_id.get(element.get("id") or "", ()))
        line = element.sourceline
        found.append(Statement(element, tree.getpath(element), line if isinstance(line, int) else None, text, linked))
    return found


def _statement_elements(article: Article) -> Iterator[etree._Element]:
    seen: set[etree._Element] = set()
    for element in elements_named(article, _CONTAINERS):
        if element in seen or not _is_statement(element) or in_citation(element):
            continue
        inner = [fn for fn in element.iter("fn") if fn is not element] if element.tag != "fn" else []
        parts = inner or [element]
        seen.update(e for part in parts for e in part.iter(*_CONTAINERS))
        yield from parts


def _is_statement(element: etree._Element) -> bool:
    for attribute in ("fn-type", "sec-type", "notes-type", "content-type"):
        value = element.get(attribute)
        if value is not None and fold_case(value.strip()) in STATEMENT_TYPES:
            return True
    for tag in ("title", "label"):
        heading = element.find(tag)
        # every title _TITLE knows says "contribu...": a quick test first, for most headings
        if heading is not None and "ontribu" in etree.tostring(heading, method="text", encoding="unicode").casefold():
            return _TITLE.match(_folded(string_value(heading))) is not None
    return False


def _only_equal_contribution(text: str) -> bool:
    """Whether every sentence of the text says who contributed equally (and nothing of roles)."""
    sentences = [s for s in re.split(r"(?<=[.;])\s+", text) if s.strip(" .;")]
    return bool(sentences) and all(_EQUALLY.search(s) for s in sentences)


def _folded(text: str) -> str:
    plain = without_accents(fold_case(text))
    return " ".join(re.sub(r"[^\w\s]", " ", plain).split())


def _text_of(element: etree._Element) -> str:
    """The statement's text: its innermost paragraphs (a paragraph holding a list of paragraphs
    is read item by item, each item a sentence of its own), or its own text; without its label,
    its title, and a paragraph or opening words that only repeat the title ("Author contributions:")."""
    paragraphs = [p for p in element.iter("p") if not in_citation(p) and _leaf(p)]
    if paragraphs:
        texts = [_without_heading(string_value(p)) for p in paragraphs]
        return " ".join(_as_sentence(t) for t in texts if t)
    parts = [element.text or ""] + [
        string_value(child) + (child.tail or "") for child in element if child.tag not in ("label", "title")
    ]
    return _without_heading(" ".join("".join(parts).split()))


def _leaf(paragraph: etree._Element) -> bool:
    return not any(True for inner in paragraph.iter("p") if inner is not paragraph)


def _without_heading(text: str) -> str:
    """The text without a heading it opens with ("Author Contributions", "Author contributions: ...")."""
    m = _LEADING_TITLE.match(text)
    if m is None or _TITLE.match(_folded(m.group(1))) is None:
        return text
    return text[m.end() :].strip()


def _as_sentence(text: str) -> str:
    """Paragraphs and list items read one after another end as sentences do."""
    return text if text[-1:] in ".;:!?" else text + "."
