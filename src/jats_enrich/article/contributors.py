"""The contributors of an article, as contribution statements need them: who they are (names,
``@id``), which footnotes their ``<xref>`` point to, and the ``<role>`` elements they already have.

Only this article's contributors are read: a ``<contrib>`` inside a citation names another work's.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from jats_enrich.article.elements import elements_named
from jats_enrich.article.reader import Article
from jats_enrich.article.targets import in_citation, string_value


@dataclass(frozen=True)
class PersonName:
    """A name as the article writes it: given names and surname (``<name>``), or a whole
    ``<string-name>`` whose parts are not marked."""

    given: str = ""
    surname: str = ""
    whole: str = ""  # a <string-name> without <given-names>/<surname>, or a <collab>'s name
    suffix: str = ""  # "Jr.", "Neto", "Filho"

    @property
    def display(self) -> str:
        return self.whole or " ".join(p for p in (self.given, self.surname) if p)


@dataclass(frozen=True)
class Contributor:
    element: etree._Element
    position: int  # 1-based, among the article's contributors in document order
    id: str | None
    name: PersonName
    footnotes: tuple[str, ...]  # the @rid values of its <xref> elements (a rid may list several ids)
    roles: tuple[etree._Element, ...]  # its own <role> children
    scope: etree._Element | None = None  # the article or sub-article it belongs to
    is_author: bool = True  # contrib-type "author" or none (not an editor or reviewer)

    @property
    def key(self) -> str:
        """How reports name the contributor: its @id, else its position (#3)."""
        return self.id or f"#{self.position}"


def find_contributors(article: Article) -> list[Contributor]:
    """Every ``<contrib>`` of the article and its sub-articles that is not inside a citation (read
    once per article: statements and the consistency checks both ask)."""
    known: list[Contributor] | None = article.memo.get("contributors")
    if known is None:
        known = article.memo["contributors"] = _read_contributors(article)
    return known


def _read_contributors(article: Article) -> list[Contributor]:
    found: list[Contributor] = []
    for element in elements_named(article, ("contrib",)):
        if in_citation(element):
            continue
        nested = next(element.iterdescendants("contrib"), None) is not None  # a <collab>'s members
        xrefs = own_descendants(element, "xref") if nested else element.iter("xref")
        rids = tuple(rid for x in xrefs for rid in (x.get("rid") or "").split())
        roles = tuple(child for child in element if child.tag == "role")
        kind = (element.get("contrib-type") or "author").strip().casefold()
        found.append(
            Contributor(
                element,
                len(found) + 1,
                element.get("id"),
                _name_of(element, nested),
                rids,
                roles,
                scope_of(element),
                kind == "author",
            )
        )
    return found


#: Elements that hold an article's own front matter: an article, a sub-article, a response.
SCOPES = ("article", "sub-article", "response")


def scope_of(element: etree._Element) -> etree._Element | None:
    """The article, sub-article or response an element belongs to."""
    return next(element.iterancestors(*SCOPES), None)


def own_descendants(contrib: etree._Element, tag: str) -> list[etree._Element]:
    """The contrib's descendants named ``tag`` that are not inside a nested contributor group
    (a <collab> may hold its own members)."""
    return [e for e in contrib.iter(tag) if _owner(e) is contrib]


def _owner(element: etree._Element) -> etree._Element | None:
    parent = element.getparent()
    while parent is not None and parent.tag != "contrib":
        parent = parent.getparent()
    return parent


def _name_of(contrib: etree._Element, nested: bool) -> PersonName:
    for child in contrib.iter("name", "string-name", "collab"):
        if (nested and _owner(child) is not contrib) or _inside_alternative(child):
            continue
        if child.tag == "collab":
            return PersonName(whole=string_value(child))
        given, surname, suffix = child.find("given-names"), child.find("surname"), child.find("suffix")
        if surname is not None:
            return PersonName(
                given=string_value(given) if given is not None else "",
                surname=string_value(surname),
                suffix=string_value(suffix) if suffix is not None else "",
            )
        return PersonName(whole=string_value(child))
    return PersonName()


def _inside_alternative(element: etree._Element) -> bool:
    """A second spelling in <name-alternatives> (a name in another script) is not the first."""
    parent = element.getparent()
    return parent is not None and parent.tag == "name-alternatives" and parent.index(element) > 0
