"""The contributors of an article as a metadata deposit needs them: kind (person, organization,
anonymous), contrib-type, names, ORCID, affiliations, whether corresponding.

Only the main article's own contributors are read: not a sub-article's (a review or a reply is
another work), not a group author's members (``<collab>`` holding its own ``<contrib-group>``:
they are not on the byline), not anyone inside a citation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from lxml import etree

from jats_enrich.article.contributors import PersonName, own_descendants, scope_of
from jats_enrich.article.reader import WRAPPER_ROOTS
from jats_enrich.article.targets import in_citation, string_value

Kind = Literal["person", "organization", "anonymous", "unnamed"]


@dataclass(frozen=True)
class Affiliation:
    """One affiliation: the institution's name (or the whole affiliation text when the article
    does not mark the institution), its identifiers by type, its departments and place."""

    name: str
    ids: tuple[tuple[str, str], ...] = ()  # (type, value): ("ror", "https://ror.org/...")
    departments: tuple[str, ...] = ()
    place: str = ""


@dataclass(frozen=True)
class Person:
    element: etree._Element  # the <contrib>
    position: int  # 1-based among the main article's contributors
    kind: Kind
    contrib_type: str | None
    name: PersonName
    name_style: str | None = None
    orcid: str | None = None
    orcid_authenticated: bool = False
    affiliations: tuple[Affiliation, ...] = ()
    corresponding: bool = False

    @property
    def key(self) -> str:
        return self.element.get("id") or f"#{self.position}"


def byline(root: etree._Element) -> list[Person]:
    """The main article's contributors, in document order (see the module's docstring)."""
    article = root.find(".//article") if root.tag in WRAPPER_ROOTS else root
    if article is None:
        return []
    affs = {a.get("id"): _first_aff(a) for a in article.iter("aff", "aff-alternatives") if a.get("id")}
    shared = _shared_affiliations(article)
    people: list[Person] = []
    for contrib in article.iter("contrib"):
        if in_citation(contrib) or scope_of(contrib) is not article or _member_of_group(contrib):
            continue
        people.append(_person(contrib, len(people) + 1, affs, shared))
    return people


def _shared_affiliations(article: etree._Element) -> list[etree._Element]:
    """The affiliations of <article-meta> itself when nothing links an affiliation to anyone: they
    are every author's (an article of one department writes them so)."""
    meta = article.find("front/article-meta")
    aff_ids = {a.get("id") for a in article.iter("aff", "aff-alternatives") if a.get("id")}
    if meta is None or _links_affiliations(meta, aff_ids):
        return []
    return [_first_aff(a) for a in meta if a.tag in ("aff", "aff-alternatives")]


def _first_aff(element: etree._Element) -> etree._Element:
    """An <aff>, or the first of an <aff-alternatives> (the same affiliation in other languages)."""
    return next(element.iter("aff"), element) if element.tag == "aff-alternatives" else element


def _member_of_group(contrib: etree._Element) -> bool:
    return next(contrib.iterancestors("collab"), None) is not None


def _person(
    contrib: etree._Element, position: int, affs: dict[str | None, etree._Element], shared: list[etree._Element]
) -> Person:
    name_element = _name_element(contrib)
    kind: Kind
    if name_element is not None and name_element.tag == "collab":
        kind, name = "organization", PersonName(whole=_collab_name(name_element))
    elif name_element is not None:
        kind, name = "person", _person_name(name_element)
    elif own_descendants(contrib, "anonymous"):
        kind, name = "anonymous", PersonName()
    else:
        kind, name = "unnamed", PersonName()
    orcid, authenticated = _orcid(contrib)
    corresponding = contrib.get("corresp") == "yes" or any(
        x.get("ref-type") == "corresp" for x in own_descendants(contrib, "xref")
    )
    return Person(
        element=contrib,
        position=position,
        kind=kind,
        contrib_type=(contrib.get("contrib-type") or "").strip() or None,
        name=name,
        name_style=name_element.get("name-style") if name_element is not None else None,
        orcid=orcid,
        orcid_authenticated=authenticated,
        affiliations=_affiliations(contrib, affs, shared),
        corresponding=corresponding,
    )


def _name_element(contrib: etree._Element) -> etree._Element | None:
    """The first <name>, <string-name> or <collab>; in <name-alternatives> or <collab-alternatives>,
    the first <name> with its parts marked, else the first spelling."""
    for child in contrib:
        if child.tag in ("name", "string-name", "collab"):
            return child
        if child.tag in ("name-alternatives", "collab-alternatives"):
            spellings = [c for c in child if c.tag in ("name", "string-name", "collab")]
            marked = [c for c in spellings if c.tag == "name" or c.find("surname") is not None]
            chosen = marked or spellings
            return chosen[0] if chosen else None
    return None


def _person_name(element: etree._Element) -> PersonName:
    parts = {tag: element.find(tag) for tag in ("given-names", "surname", "suffix")}
    text = {tag: string_value(e) if e is not None else "" for tag, e in parts.items()}
    if parts["surname"] is None:
        return PersonName(whole=string_value(element))
    return PersonName(given=text["given-names"], surname=text["surname"], suffix=text["suffix"])


#: Where an affiliation's text turns to contact details ("...; Email: x@y.org"): its name ends there.
_CONTACT_LABEL = re.compile(r"[;,.]?\s*\b(?:e-?mail|tel(?:ephone)?|phone|fax)\.?\s*:", re.IGNORECASE)
#: What a <collab> or an <aff> may hold besides its name: never part of it.
NOT_NAME = ("contrib-group", "xref", "fn", "role", "email", "aff", "aff-alternatives", "address", "uri",
            "ext-link", "contrib-id", "institution-id", "label", "phone", "fax")  # fmt: skip


def _collab_name(collab: etree._Element) -> str:
    """A group author's name: its own text, without its members, notes, roles, addresses."""
    return _text_without(collab, NOT_NAME)


def _text_without(element: etree._Element, tags: tuple[str, ...]) -> str:
    """The element's text without the elements named ``tags`` (their tails kept)."""
    return string_value(element, skip=tags)


def _orcid(contrib: etree._Element) -> tuple[str | None, bool]:
    for cid in own_descendants(contrib, "contrib-id"):
        if (cid.get("contrib-id-type") or "").casefold() == "orcid":
            return string_value(cid), (cid.get("authenticated") or "").strip() == "true"
    return None, False


def _affiliations(
    contrib: etree._Element, affs: dict[str | None, etree._Element], shared: list[etree._Element]
) -> tuple[Affiliation, ...]:
    """The contributor's own <aff>s, those its <xref ref-type="aff"> or @rid point to, else those of
    its contrib-group when no contributor of the group points to any, else (an author) those of
    article-meta when nothing links any (one for all authors)."""
    found = [a for a in own_descendants(contrib, "aff") if not _in_alternatives(a)]
    found += [_first_aff(a) for a in own_descendants(contrib, "aff-alternatives")]
    # Any xref (with or without ref-type="aff") or @rid that points at an affiliation links it.
    rids = [x.get("rid") or "" for x in own_descendants(contrib, "xref")] + [contrib.get("rid") or ""]
    found += [affs[rid] for rids_ in rids for rid in rids_.split() if rid in affs]
    is_author = (contrib.get("contrib-type") or "author").strip().casefold() == "author"
    if not found and is_author:  # one affiliation for every author, when nothing links any
        found = _group_affiliations(contrib, set(affs)) or shared
    unique = list(dict.fromkeys(found))
    return tuple(a for e in unique for a in _institutions(e))


def _in_alternatives(aff: etree._Element) -> bool:
    parent = aff.getparent()
    return parent is not None and parent.tag == "aff-alternatives"


def _group_affiliations(contrib: etree._Element, aff_ids: set[str | None]) -> list[etree._Element]:
    group = contrib.getparent()
    if group is None or group.tag != "contrib-group" or _links_affiliations(group, aff_ids):
        return []  # the group links its affiliations: a contributor that links none has none
    return [_first_aff(a) for a in group if a.tag in ("aff", "aff-alternatives")]


def _links_affiliations(scope: etree._Element, aff_ids: set[str | None]) -> bool:
    """Does any xref or contributor's @rid in ``scope`` point at an affiliation?"""
    pointers = [x.get("rid") or "" for x in scope.iter("xref")] + [c.get("rid") or "" for c in scope.iter("contrib")]
    return any(rid in aff_ids for p in pointers for rid in p.split())


def _institutions(aff: etree._Element) -> list[Affiliation]:
    """The institutions of an <aff>: one per <institution-wrap> (its name and its ids), else one
    (its first institution that is no department, or the affiliation's text as written)."""
    departments = tuple(string_value(i) for i in aff.iter("institution") if _is_department(i))
    country = aff.find(".//country")
    place = string_value(country) if country is not None else ""
    wraps = list(aff.iter("institution-wrap"))
    if wraps:
        return [_institution(w, departments if len(wraps) == 1 else (), place) for w in wraps]
    named = _institution(aff, departments, place)
    if not named.name:  # no institution marked: the affiliation's text as written, without its label
        text = _text_without(aff, (*NOT_NAME, "sup") if _starts_with_sup(aff) else NOT_NAME)
        text = _CONTACT_LABEL.split(text, maxsplit=1)[0].strip(" ,;.")
        named = Affiliation(text, named.ids, departments, place)
    return [named] if named.name or named.ids else []


def _institution(holder: etree._Element, departments: tuple[str, ...], place: str) -> Affiliation:
    """The institution's name: SciELO's ``orgname``, else the first <institution> that is no
    department and no ``original`` (SciELO's whole affiliation as written)."""
    institutions = list(holder.iter("institution"))
    named = [i for i in institutions if _kind(i) == "orgname"] or [
        i for i in institutions if not _is_department(i) and _kind(i) != "original"
    ]
    ids = tuple((_kind_of_id(i), string_value(i)) for i in holder.iter("institution-id"))
    name = _CONTACT_LABEL.split(string_value(named[0]), maxsplit=1)[0].strip(" ,;") if named else ""
    return Affiliation(name, ids, departments, place)


def _kind(institution: etree._Element) -> str:
    return (institution.get("content-type") or "").strip().casefold()


def _kind_of_id(institution_id: etree._Element) -> str:
    return (institution_id.get("institution-id-type") or "").strip().casefold()


def _starts_with_sup(aff: etree._Element) -> bool:
    """<aff><sup>1</sup>Dept...: a superscript label, not part of the text."""
    return len(aff) > 0 and aff[0].tag == "sup" and not (aff.text or "").strip()


def _is_department(institution: etree._Element) -> bool:
    return _kind(institution) in ("dept", "department", "division", "org-division", "orgdiv1", "orgdiv2", "orgdiv3")
