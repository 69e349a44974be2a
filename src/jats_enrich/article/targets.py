"""Find the elements to enrich and the text to match for each.

* A contributor role is a ``<role>`` whose parent is ``contrib``, ``collab`` or ``contrib-group``;
  a ``<role>`` in a citation is not one, at any depth (a ``<collab>`` with its ``<role>`` inside a
  ``<mixed-citation>`` names the cited work's contributors, not this article's).
* Nothing inside a citation or a description of another work (``ref``, ``mixed-citation``,
  ``element-citation``, ``citation-alternatives``, ``person-group``, ``product``,
  ``related-article``, ``related-object``) is ever a target.
* Keywords are ``<kwd>`` (also inside ``nested-kwd``) and ``<compound-kwd>`` in a ``kwd-group``;
  subjects are ``<subject>`` and ``<compound-subject>`` in a ``subj-group``. Group types can be
  restricted (``kwd-group-type``, ``subj-group-type``); the group is kept with each target, as
  JATS lets a group carry ``vocab`` and ``vocab-identifier`` for all its terms.

All are found in the article and its sub-articles, in document order. The text matched is the
element's string value with entity references decoded (the tree keeps them as references) and
white space collapsed; the parts of a compound keyword or subject are joined with a space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

from lxml import etree
from pydantic import BaseModel, ConfigDict

from jats_enrich.article.attribute_values import attributes_of, read_again
from jats_enrich.article.elements import elements_named
from jats_enrich.article.entities import decode_entity, internal_entities
from jats_enrich.article.jats_version import GROUP_ATTRIBUTES, JatsVersion, detect_version
from jats_enrich.article.reader import Article
from jats_enrich.dictionaries.model import TargetKind
from jats_enrich.errors import ArticleError

TargetElement = Literal["role", "kwd", "compound-kwd", "subject", "compound-subject"]
TARGET_ELEMENTS: tuple[TargetElement, ...] = ("role", "kwd", "compound-kwd", "subject", "compound-subject")


class Targets(BaseModel):
    """Which elements are enriched; group types restrict keywords and subjects (None: every group)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    elements: tuple[TargetElement, ...] = TARGET_ELEMENTS
    kwd_group_types: tuple[str, ...] | None = None
    subj_group_types: tuple[str, ...] | None = None


CONTRIBUTOR_PARENTS = ("contrib", "collab", "contrib-group")
#: Elements that describe another work: nothing inside them is this article's role, keyword or subject.
CITATION_ELEMENTS = frozenset(
    {
        "ref",
        "mixed-citation",
        "element-citation",
        "nlm-citation",
        "citation",
        "citation-alternatives",
        "person-group",
        "product",
        "related-article",
        "related-object",
    }
)
KIND_OF: dict[str, TargetKind] = {
    "role": "role",
    "kwd": "keyword",
    "compound-kwd": "keyword",
    "subject": "subject",
    "compound-subject": "subject",
}
GROUP_OF: dict[TargetKind, str] = {"keyword": "kwd-group", "subject": "subj-group"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Target:
    """One element to enrich, with what matching and reporting need to know of it."""

    element: etree._Element
    name: str
    text: str
    lang: str | None
    line: int | None
    xpath: str
    attributes: dict[str, str]
    kind: TargetKind = "role"
    group: etree._Element | None = None  # the kwd-group or subj-group of a keyword or subject
    group_attributes: dict[str, str] | None = None  # its vocab and vocab-identifier, when present
    group_type: str | None = None  # its kwd-group-type or subj-group-type (or its nearest typed ancestor's)
    version: JatsVersion | None = None  # of the article the element is in (article sets mix them)


def contributor_roles(article: Article) -> list[Target]:
    """Every contributor role of the article and its sub-articles, in document order."""
    return find_targets(article, Targets(elements=("role",)), kinds={"role"})


class TooManyTargets(ArticleError):
    """More targets than the run allows in one article (``max_targets``)."""


def find_targets(
    article: Article,
    settings: Targets,
    kinds: set[TargetKind] | frozenset[TargetKind],
    limit: int | None = None,
) -> list[Target]:
    """The elements named in ``settings`` whose kind some loaded vocabulary applies to; past
    ``limit`` of them, TooManyTargets (found as they are counted: 100,000 are not built first)."""
    names: tuple[TargetElement, ...] = tuple(
        n for n in TARGET_ELEMENTS if n in settings.elements and KIND_OF[n] in kinds
    )
    if not names:
        return []
    paths = _Paths(article.tree)
    versions = ArticleVersions(article)
    found: list[Target] = []
    for element in elements_named(article, names):
        if limit and len(found) > limit:
            raise TooManyTargets(f"more than {limit} roles, keywords and subjects in one article (max_targets)")
        if in_citation(element):
            continue
        name = str(element.tag)
        kind = KIND_OF[name]
        if kind == "role":
            parent = element.getparent()
            if parent is None or parent.tag not in CONTRIBUTOR_PARENTS:
                continue
            found.append(_target(paths, element, kind, versions.of(element)))
            continue
        group = _group(element, GROUP_OF[kind])
        if group is None or not _group_type_wanted(group, kind, settings):
            continue
        found.append(_target(paths, element, kind, versions.of(element), group))
    if limit and len(found) > limit:
        raise TooManyTargets(f"more than {limit} roles, keywords and subjects in one article (max_targets)")
    return _as_written(article, found)


def _as_written(article: Article, found: list[Target]) -> list[Target]:
    """The targets with their attributes as a parser reading the DTD reads them, when some
    start tag of theirs holds a reference to an entity the article does not declare (see
    attribute_values.py); else as they are."""
    if not found or not article.undeclared_entities:
        return found
    elements = [t.element for t in found] + [t.group for t in found if t.group is not None]
    again = read_again(article, elements)
    if again is None:
        return found
    return [
        replace(
            t,
            attributes=again[t.element],
            group_attributes=None
            if t.group is None
            else {a: again[t.group][a] for a in GROUP_ATTRIBUTES if a in again[t.group]},
        )
        for t in found
    ]


def in_citation(element: etree._Element) -> bool:
    """Is the element inside a citation or a description of another work, at any depth?"""
    return any(ancestor.tag in CITATION_ELEMENTS for ancestor in element.iterancestors())


class ArticleVersions:
    """The JATS version of the article each element is in: the document's, or in an article set
    (pmc-articleset), each article's own @dtd-version."""

    def __init__(self, article: Article) -> None:
        self.article = article
        self.wrapped: dict[etree._Element, JatsVersion | None] = {}

    def of(self, element: etree._Element) -> JatsVersion | None:
        root = self.article.root
        if root.tag == "article":
            return self.article.version
        for ancestor in element.iterancestors("article"):
            if ancestor not in self.wrapped:
                self.wrapped[ancestor] = detect_version(ancestor.get("dtd-version"), None)
            return self.wrapped[ancestor]
        return None


def _group(element: etree._Element, group_name: str) -> etree._Element | None:
    for ancestor in element.iterancestors(group_name):
        return ancestor
    return None


def _group_type_wanted(group: etree._Element, kind: TargetKind, settings: Targets) -> bool:
    wanted = settings.kwd_group_types if kind == "keyword" else settings.subj_group_types
    if wanted is None:
        return True
    found = group_type(group, kind)
    return found is not None and found in wanted


def group_type(group: etree._Element, kind: TargetKind) -> str | None:
    """The group's kwd-group-type or subj-group-type. Nested subject groups often type only the
    outermost one: the nearest typed group counts."""
    attribute = "kwd-group-type" if kind == "keyword" else "subj-group-type"
    for candidate in (group, *group.iterancestors(group.tag)):
        value = candidate.get(attribute)
        if value is not None:
            return str(value)
    return None


class _Paths:
    """XPaths of elements, as ``getpath`` writes them, at the cost of one pass over each parent's
    children: ``getpath`` counts an element's same-named siblings each time, which makes a group
    of many thousand keywords cost minutes."""

    def __init__(self, tree: etree._ElementTree) -> None:
        self.tree = tree
        self.paths: dict[etree._Element, str] = {}
        self.steps: dict[etree._Element, str] = {}

    def of(self, element: etree._Element) -> str:
        found = self.paths.get(element)
        if found is not None:
            return found
        parent = element.getparent()
        if parent is None or not isinstance(element.tag, str) or element.tag.startswith("{"):
            path = self.tree.getpath(element)  # the root, or a namespaced element: lxml's own spelling
        else:
            if element not in self.steps:
                self._number_children(parent)
            path = self.of(parent) + "/" + self.steps[element]
        self.paths[element] = path
        return path

    def _number_children(self, parent: etree._Element) -> None:
        children = [c for c in parent if isinstance(c.tag, str)]
        totals: dict[str, int] = {}
        for child in children:
            totals[str(child.tag)] = totals.get(str(child.tag), 0) + 1
        seen: dict[str, int] = {}
        for child in children:
            tag = str(child.tag)
            seen[tag] = seen.get(tag, 0) + 1
            self.steps[child] = f"{tag}[{seen[tag]}]" if totals[tag] > 1 else tag


def _target(
    paths: _Paths,
    element: etree._Element,
    kind: TargetKind,
    version: JatsVersion | None,
    group: etree._Element | None = None,
) -> Target:
    line = element.sourceline
    name = str(element.tag)
    text = compound_text(element) if name.startswith("compound-") else string_value(element)
    group_attributes = None
    if group is not None:
        group_attributes = {a: str(group.get(a)) for a in GROUP_ATTRIBUTES if group.get(a) is not None}
    return Target(
        element=element,
        name=name,
        text=text,
        lang=language_of(element),
        line=line if isinstance(line, int) else None,
        xpath=paths.of(element),
        attributes=attributes_of(element),
        kind=kind,
        group=group,
        group_attributes=group_attributes,
        group_type=group_type(group, kind) if group is not None else None,
        version=version,
    )


def language_of(element: etree._Element) -> str | None:
    """The xml:lang in effect: the element's own, else its nearest ancestor's."""
    lang = element.get(XML_LANG)
    if lang is not None:
        return str(lang)
    for ancestor in element.iterancestors():
        lang = ancestor.get(XML_LANG)
        if lang is not None:
            return str(lang)
    return None


def string_value(element: etree._Element, skip: tuple[str, ...] = ()) -> str:
    """All descendant text, entity references decoded, white space collapsed and trimmed; without
    the elements named in ``skip`` (their tails kept)."""
    parts: list[str] = []
    _collect_text(element, parts, skip)
    return _WHITESPACE.sub(" ", "".join(parts)).strip()


def compound_text(element: etree._Element) -> str:
    """The parts of a compound keyword or subject, joined with a space."""
    parts = [string_value(child) for child in element if isinstance(child.tag, str)]
    return " ".join(p for p in parts if p) or string_value(element)


def _collect_text(element: etree._Element, parts: list[str], skip: tuple[str, ...] = ()) -> None:
    if element.text:
        parts.append(element.text)
    for child in element:
        if isinstance(child, etree._Entity):
            parts.append(decode_entity(child.name, internal_entities(child)))
        elif isinstance(child.tag, str) and child.tag not in skip:
            _collect_text(child, parts, skip)
        if child.tail:
            parts.append(child.tail)
