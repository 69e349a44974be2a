"""The contributors of an article as a metadata deposit needs them: kind (person, organization,
anonymous), contrib-type, names, ORCID, affiliations, whether corresponding.

Only the main article's own contributors are read: not a sub-article's (a review or a reply is
another work), not a group author's members (``<collab>`` holding its own ``<contrib-group>``:
they are not on the byline), not anyone inside a citation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lxml import etree

from jats_enrich.article.contributors import PersonName, scope_of
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
    affs = {a.get("id"): a for a in article.iter("aff") if a.get("id") and not in_citation(a)}
    people: list[Person] = []
    for contrib in article.iter("contrib"):
        if in_citation(contrib) or scope_of(contrib) is not article or _member_of_group(contrib):
            continue
        people.append(_person(contrib, len(people) + 1, affs))
    return people


def _member_of_group(contrib: etree._Element) -> bool:
    return next(contrib.iterancestors("collab"), None) is not None


def _person(contrib: etree._Element, position: int, affs: dict[str | None, etree._Element]) -> Person:
    name_element = _name_element(contrib)
    kind: Kind
    if name_element is not None and name_element.tag == "collab":
        kind, name = "organization", PersonName(whole=_collab_name(name_element))
    elif name_element is not None:
        kind, name = "person", _person_name(name_element)
    elif _own(contrib, "anonymous"):
        kind, name = "anonymous", PersonName()
    else:
        kind, name = "unnamed", PersonName()
    orcid, authenticated = _orcid(contrib)
    corresponding = contrib.get("corresp") == "yes" or any(
        x.get("ref-type") == "corresp" for x in _own(contrib, "xref")
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
        affiliations=_affiliations(contrib, affs),
        corresponding=corresponding,
    )


def _own(contrib: etree._Element, tag: str) -> list[etree._Element]:
    """The contrib's descendants named ``tag``, not those of a group author's members."""
    return [e for e in contrib.iter(tag) if next(e.iterancestors("contrib"), None) is contrib]


def _name_element(contrib: etree._Element) -> etree._Element | None:
    """The first <name>, <string-name> or <collab> (in <name-alternatives>, its first)."""
    for child in contrib:
        if child.tag in ("name", "string-name", "collab"):
            return child
        if child.tag == "name-alternatives":
            return next((c for c in child if c.tag in ("name", "string-name")), None)
    return None


def _person_name(element: etree._Element) -> PersonName:
    parts = {tag: element.find(tag) for tag in ("given-names", "surname", "suffix")}
    text = {tag: string_value(e) if e is not None else "" for tag, e in parts.items()}
    if parts["surname"] is None:
        return PersonName(whole=string_value(element))
    return PersonName(given=text["given-names"], surname=text["surname"], suffix=text["suffix"])


def _collab_name(collab: etree._Element) -> str:
    """A group author's name: its own text, without its members' contributor group."""
    copy = etree.fromstring(etree.tostring(collab))
    for nested in list(copy.iter("contrib-group", "xref", "fn")):
        parent = nested.getparent()
        if parent is not None:
            parent.remove(nested)
    return string_value(copy)


def _orcid(contrib: etree._Element) -> tuple[str | None, bool]:
    for cid in _own(contrib, "contrib-id"):
        if (cid.get("contrib-id-type") or "").casefold() == "orcid":
            return string_value(cid), (cid.get("authenticated") or "").strip() == "true"
    return None, False


def _affiliations(contrib: etree._Element, affs: dict[str | None, etree._Element]) -> tuple[Affiliation, ...]:
    found: list[etree._Element] = list(_own(contrib, "aff"))
    for xref in _own(contrib, "xref"):
        if xref.get("ref-type") == "aff":
            found += [affs[rid] for rid in (xref.get("rid") or "").split() if rid in affs]
    unique = list(dict.fromkeys(found))
    return tuple(a for a in (_affiliation(e) for e in unique) if a.name or a.ids)


def _affiliation(aff: etree._Element) -> Affiliation:
    institutions = [i for i in aff.iter("institution") if not _is_department(i)]
    departments = tuple(string_value(i) for i in aff.iter("institution") if _is_department(i))
    ids = tuple(
        ((i.get("institution-id-type") or "").strip().casefold(), string_value(i)) for i in aff.iter("institution-id")
    )
    country = aff.find(".//country")
    place = string_value(country) if country is not None else ""
    if institutions:
        return Affiliation(string_value(institutions[0]), ids, departments, place)
    # No institution marked: the affiliation's text as written, without its label.
    copy = etree.fromstring(etree.tostring(aff))
    labels = list(copy.iter("label"))
    if len(copy) and copy[0].tag == "sup" and not (copy.text or "").strip():  # <aff><sup>1</sup>Dept...
        labels.append(copy[0])
    for label in labels:
        _drop_keeping_tail(label)
    return Affiliation(string_value(copy).strip(" ,;"), ids, departments, place)


def _is_department(institution: etree._Element) -> bool:
    return (institution.get("content-type") or "").casefold() in ("dept", "department", "division", "org-division")


def _drop_keeping_tail(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail or ""
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(element)
