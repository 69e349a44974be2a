"""An article's contributors as Crossref's deposit schema 5.5 has them: ``<contributors>`` with a
``<person_name>``, ``<organization>`` or ``<anonymous>`` per contributor (names, ORCID,
affiliations, sequence, contributor_role) and a ``<role vocab="credit" type="..."/>`` for each
CRediT role the article carries or the run matched, never a suggestion; ``vocab="crossref"``
roles from ``contrib-type`` and ``corresp``. What cannot be carried is a finding, never a guess.

Crossref's rules (crossref5.5.0.xsd, common5.5.0.xsd): person_name's children in the order
given_name, surname, suffix, role*, affiliations, ORCID; names 1-200 characters; a suffix at
most 10; an organization holds its name only (no role); an institution_id is https and at most
50 characters after it, of type ror, isni or wikidata; an ORCID is https://orcid.org/ and 16
characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree
from pydantic import BaseModel, Field, field_validator

from jats_enrich.article.people import Affiliation, Person
from jats_enrich.article.targets import string_value
from jats_enrich.decide.model import Decision, Outcome, roles_by_contributor
from jats_enrich.decide.statement_items import ItemOutcome
from jats_enrich.decide.statements import ContributorStatement
from jats_enrich.text import canonical_identifier, one_line, printable

NS = "http://www.crossref.org/schema/5.5.0"
CREDIT_TYPES = (
    "conceptualization", "data-curation", "formal-analysis", "funding-acquisition", "investigation",
    "methodology", "project-administration", "resources", "software", "supervision", "validation",
    "visualization", "writing-original-draft", "writing-review-editing",
)  # fmt: skip
_CREDIT_PREFIX = "credit.niso.org/contributor-roles/"
#: contrib-type (case folded) -> Crossref's contributor_role and vocab="crossref" role.
CONTRIB_TYPES = {
    "author": "author",
    "editor": "editor",
    "senior_editor": "editor",
    "senior editor": "editor",
    "reviewing editor": "editor",
    "guest editor": "editor",
    "reviewer": "reviewer",
    "translator": "translator",
    "chair": "chair",
    "reader": "reader",
}
#: An identity is carried from these outcomes: the article has it, or the run found it.
CARRIED = (
    Outcome.TAGGED,
    Outcome.UPGRADED,
    Outcome.ALREADY_CORRECT,
    Outcome.DEPRECATED_IDENTIFIER,
    Outcome.SKIPPED_VERSION,
)
_ORCID = re.compile(r"^(?:(?:https?://)?(?:www\.)?orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])/?$", re.IGNORECASE)
_INSTITUTION_ID = re.compile(r"^https://.{1,50}$")
_BARE_ROR = re.compile(r"^0[a-hj-km-np-tv-z0-9]{6}[0-9]{2}$")  # a ROR id without its https://ror.org/


class ExportFinding(BaseModel):
    """A contributor, or one of its roles, that could not be carried (or was carried otherwise)."""

    contributor: str = Field(description="@id of the <contrib>, else its position (#3)")
    name: str = Field(description="the contributor's name as the article writes it")
    role: str | None = Field(default=None, description="the role's text, for a finding on one role")
    reason: str


class ContributorsExport(BaseModel):
    """What one article's <contributors> carries, and what it could not."""

    contributors: int = Field(default=0, description="contributors exported")
    credit_roles: int = Field(default=0, description='<role vocab="credit"> elements')
    crossref_roles: int = Field(default=0, description='<role vocab="crossref"> elements')
    not_carried: int = Field(default=0, description="contributors and roles not carried")
    findings: list[ExportFinding] = Field(default_factory=list)


class ArticleExport(ContributorsExport):
    """One article's line of the export report."""

    path: str
    doi: str | None = None
    error: str | None = None
    deposit_missing: list[str] = Field(
        default_factory=list, description="what Crossref requires of a deposit and the article lacks (no deposit)"
    )

    @field_validator("path")
    @classmethod
    def _printable(cls, value: str) -> str:
        return printable(value)

    @field_validator("error")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        return None if value is None else one_line(value)


def crossref_bytes(element: etree._Element) -> bytes:
    """A Crossref element as a UTF-8 XML document of its own."""
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", pretty_print=True)


@dataclass(frozen=True)
class RoleSource:
    """One role of a contributor: its text and CRediT type, or why it has none."""

    text: str
    credit_type: str | None
    reason: str | None = None  # why it is not carried


def credit_type(identifier: str) -> str | None:
    """The Crossref type of a CRediT term URI (any spelling of it), or None."""
    key = canonical_identifier(identifier)
    slug = key.removeprefix(_CREDIT_PREFIX) if key.startswith(_CREDIT_PREFIX) else None
    return slug if slug in CREDIT_TYPES else None


def roles_of_contributors(
    decisions: list[Decision], statements: Iterable[ContributorStatement], from_statements: bool
) -> dict[etree._Element, list[RoleSource]]:
    """Each <contrib>'s roles: its <role> elements as decided, and (``from_statements``: as
    ``add_roles`` writes them) the items a contribution statement names exactly, for a
    contributor with no identified role."""
    found: dict[etree._Element, list[RoleSource]] = {}
    for contrib, decided in roles_by_contributor(decisions).items():
        found[contrib] = [_role_source(d) for d in decided]
    for entry in statements:
        c = entry.contributor
        if c is None or entry.has_identified_roles:
            continue
        tagged = [i for i in entry.items if i.outcome is ItemOutcome.TAGGED and i.meaning is not None]
        for item in tagged:
            slug = credit_type(item.meaning.term.identifier) if item.meaning else None
            why = None if from_statements else "not carried: named by a contribution statement (`add_roles` carries it)"
            found.setdefault(c.element, []).append(RoleSource(item.text, slug if not why else None, why))
    return found


def _role_source(d: Decision) -> RoleSource:
    text = string_value(d.target.element)
    if d.meaning is None or d.outcome not in CARRIED:
        return RoleSource(text, None, f"not carried: {d.outcome.value}")
    if d.meaning.score is not None:  # a near miss taken under `accept_fuzzy`: still a suggestion
        return RoleSource(text, None, "not carried: a near miss, never carried")
    slug = credit_type(d.meaning.term.identifier)
    if slug is None:
        return RoleSource(
            text, None, f"not carried: {d.meaning.vocabulary.name}:{d.meaning.term.label} is no CRediT role"
        )
    return RoleSource(text, slug)


def contributors_element(
    people: list[Person], roles: dict[etree._Element, list[RoleSource]]
) -> tuple[etree._Element | None, ContributorsExport]:
    """The <contributors> element (None: nobody could be exported) and what it carries."""
    export = ContributorsExport()
    if not people:
        export.findings.append(ExportFinding(contributor="", name="", reason="the article names no contributor"))
    root = etree.Element(f"{{{NS}}}contributors", nsmap={None: NS})  # type: ignore[dict-item]
    # The byline's first author is "first"; when it cannot be exported, nobody is (never the second).
    first = next((p for p in people if CONTRIB_TYPES.get((p.contrib_type or "author").casefold()) == "author"), None)
    for person in people:
        element = _contributor(person, roles.get(person.element, []), export, person is first)
        if element is not None:
            root.append(element)
            export.contributors += 1
    return (root if len(root) else None), export


def _finding(export: ContributorsExport, person: Person, reason: str, role: str | None = None) -> None:
    export.findings.append(ExportFinding(contributor=person.key, name=person.name.display, role=role, reason=reason))
    export.not_carried += 1


def _contributor(
    person: Person, roles: list[RoleSource], export: ContributorsExport, first_author: bool
) -> etree._Element | None:
    contrib_type = (person.contrib_type or "author").casefold()
    crossref_role = CONTRIB_TYPES.get(contrib_type)
    if crossref_role is None:
        _finding(export, person, f'contrib-type="{person.contrib_type}" has no Crossref contributor role: not exported')
        return None
    tag = {"person": "person_name", "organization": "organization", "anonymous": "anonymous"}.get(person.kind)
    why = _unexportable_name(person)
    if tag is None or why:
        _finding(export, person, f"{why or 'no name'}: not exported")
        return None
    element = etree.Element(f"{{{NS}}}{tag}")
    element.set("sequence", "first" if first_author else "additional")
    element.set("contributor_role", crossref_role)
    if person.kind == "organization":
        element.text = " ".join(person.name.whole.split())
        for role in roles:
            reason = role.reason or "not carried: an organization has no <role> in Crossref 5.5"
            _finding(export, person, reason, role.text)
        return element
    if person.kind == "person":
        _name(element, person, export)
    _roles(element, person, crossref_role, roles, export)
    _affiliations(element, person.affiliations, person, export)
    if person.kind == "person":
        _orcid(element, person, export)
    return element


def _unexportable_name(person: Person) -> str | None:
    """Why Crossref cannot take the contributor's name (None: it can)."""
    if person.kind == "person" and not person.name.surname:
        return "no surname marked"
    if person.kind == "person" and not _fits(person.name.surname, 200):
        return "a surname longer than Crossref's 200 characters"
    if person.kind == "organization" and not _fits(person.name.whole, 511):
        return "a group name empty or longer than Crossref's 511 characters"
    return None


def _fits(text: str, most: int, least: int = 1) -> bool:
    return least <= len(" ".join(text.split())) <= most


def _name(element: etree._Element, person: Person, export: ContributorsExport) -> None:
    if person.name_style in ("eastern", "islensk", "given-only"):
        element.set("name-style", person.name_style)
    if person.name.given:
        if _fits(person.name.given, 200):
            etree.SubElement(element, f"{{{NS}}}given_name").text = person.name.given
        else:
            _finding(export, person, "given names longer than Crossref's 200 characters: not carried")
    etree.SubElement(element, f"{{{NS}}}surname").text = person.name.surname
    if person.name.suffix:
        if _fits(person.name.suffix, 10):
            etree.SubElement(element, f"{{{NS}}}suffix").text = person.name.suffix
        else:
            _finding(export, person, f"suffix {person.name.suffix!r} longer than Crossref's 10 characters: not carried")


def _roles(
    element: etree._Element, person: Person, crossref_role: str, roles: list[RoleSource], export: ContributorsExport
) -> None:
    wanted = [("crossref", crossref_role)] + ([("crossref", "corresponding-author")] if person.corresponding else [])
    for role in roles:
        if role.credit_type is not None:
            if ("credit", role.credit_type) not in wanted:
                wanted.append(("credit", role.credit_type))
        elif not _names_position(role.text, crossref_role):
            _finding(export, person, role.reason or "not carried", role.text)
    for vocab, kind in wanted:
        etree.SubElement(element, f"{{{NS}}}role", vocab=vocab, type=kind)
        if vocab == "credit":
            export.credit_roles += 1
        else:
            export.crossref_roles += 1


def _names_position(text: str, crossref_role: str) -> bool:
    """Does a role's text name the position its contributor is exported as ("Reviewing Editor" of
    an editor)? Then the crossref role carries it. Never for authors ("Co-author" is a finding)."""
    return crossref_role != "author" and crossref_role in text.casefold().split()[-1:]


def _affiliations(
    element: etree._Element, affiliations: tuple[Affiliation, ...], person: Person, export: ContributorsExport
) -> None:
    institutions = [i for i in (_institution(a, person, export) for a in affiliations) if i is not None]
    if institutions:
        wrapper = etree.SubElement(element, f"{{{NS}}}affiliations")
        wrapper.extend(institutions)


def _institution(a: Affiliation, person: Person, export: ContributorsExport) -> etree._Element | None:
    institution = etree.Element(f"{{{NS}}}institution")
    if _fits(a.name, 1024):
        etree.SubElement(institution, f"{{{NS}}}institution_name").text = " ".join(a.name.split())
    for kind, written in a.ids:
        value = _institution_id(kind, written)
        if kind in ("ror", "isni", "wikidata") and _INSTITUTION_ID.match(value):
            etree.SubElement(institution, f"{{{NS}}}institution_id", type=kind).text = value
        else:
            _finding(export, person, f"institution id {value!r} ({kind or 'no type'}): not one Crossref takes")
    if not len(institution):
        _finding(export, person, f"affiliation {a.name[:80]!r}: no institution name or id Crossref takes")
        return None
    if _fits(a.place, 255, 2):
        etree.SubElement(institution, f"{{{NS}}}institution_place").text = a.place
    for department in a.departments[:6]:
        if _fits(department, 255, 2):
            etree.SubElement(institution, f"{{{NS}}}institution_department").text = department
    return institution


def _institution_id(kind: str, written: str) -> str:
    """A ROR id or ISNI as its https URI (articles write them bare, or with http)."""
    if kind == "ror" and _BARE_ROR.match(written):
        return f"https://ror.org/{written}"
    if kind == "ror" and written.startswith("http://ror.org/"):
        return "https://" + written.removeprefix("http://")
    digits = re.sub(r"[\s-]", "", re.sub(r"^(?:https?://)?(?:www\.)?isni\.org/isni/", "", written))
    if kind == "isni" and re.fullmatch(r"[0-9]{15}[0-9X]", digits):
        return f"https://isni.org/isni/{digits}"
    return written


def _orcid(element: etree._Element, person: Person, export: ContributorsExport) -> None:
    if person.orcid is None:
        return
    m = _ORCID.search(person.orcid.strip())
    if m is None:
        _finding(export, person, f"ORCID {person.orcid!r} is no ORCID iD (16 characters, orcid.org): not carried")
        return
    if not orcid_checksum_ok(m.group(1).upper()):
        _finding(export, person, f"ORCID {person.orcid!r} fails its check digit: not carried")
        return
    orcid = etree.SubElement(element, f"{{{NS}}}ORCID")
    orcid.text = f"https://orcid.org/{m.group(1).upper()}"
    if person.orcid_authenticated:
        orcid.set("authenticated", "true")


def orcid_checksum_ok(orcid: str) -> bool:
    """ISO 7064 11,2, the check digit of an ORCID iD (its last character)."""
    digits = orcid.replace("-", "")
    total = 0
    for d in digits[:-1]:
        total = (total + int(d)) * 2
    check = (12 - total % 11) % 11
    return digits[-1] == ("X" if check == 10 else str(check))
