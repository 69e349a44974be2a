"""A complete, minimal Crossref 5.5 deposit (``doi_batch``) of one journal article: head with the
depositor from the configuration, the journal, its issue when the article names one, the article
with its titles, contributors, publication dates, pages and DOI. Only when the article has what
Crossref requires: otherwise the reasons, and no deposit."""

from __future__ import annotations

import datetime
import hashlib
import re
from urllib.parse import quote

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field, field_validator

from jats_enrich.article.metadata import ArticleMetadata, PublicationDate
from jats_enrich.write.crossref import NS

_DOI = re.compile(r"^10\.[0-9]{4,9}/.{1,200}$")
_ISSN = re.compile(r"^\d{4}-?\d{3}[\dX]$")
_RESOURCE = re.compile(r"^(https?|ftp)://\S+$", re.IGNORECASE)
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{NS} https://www.crossref.org/schemas/crossref5.5.0.xsd"


class Depositor(BaseModel):
    """The ``[crossref]`` table of the configuration: who deposits, and each article's landing page."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    depositor_name: str = Field(min_length=1, max_length=130)
    email_address: str = Field(min_length=6, max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")
    registrant: str = Field(min_length=1, max_length=255)
    resource: str = Field(
        description="the landing page of an article, with {doi} for its DOI: https://journal.example/article/{doi}"
    )

    @field_validator("resource")
    @classmethod
    def _has_doi(cls, value: str) -> str:
        if "{doi}" not in value or not _RESOURCE.match(value.replace("{doi}", "10.1/x")):
            raise ValueError("an http(s) address with {doi} in it, e.g. https://journal.example/article/{doi}")
        return value


def missing_for_deposit(meta: ArticleMetadata) -> list[str]:
    """What the article lacks that Crossref requires of a journal article's deposit."""
    missing = []
    if meta.doi is None or not _DOI.match(meta.doi):
        missing.append(f"no DOI Crossref takes ({meta.doi!r})" if meta.doi else "no DOI (article-id pub-id-type='doi')")
    if meta.journal_title is None or len(meta.journal_title) > 255:
        missing.append("no journal title (journal-title) of at most 255 characters")
    if meta.title is None:
        missing.append("no article title")
    if not any(_year(d) for d in meta.dates):
        missing.append("no publication year (pub-date) between 1400 and 2200")
    return missing


def deposit(
    meta: ArticleMetadata, contributors: etree._Element | None, depositor: Depositor, timestamp: int
) -> etree._Element:
    """The doi_batch (call only when ``missing_for_deposit`` is empty)."""
    assert meta.doi is not None and meta.journal_title is not None and meta.title is not None
    batch = etree.Element(f"{{{NS}}}doi_batch", nsmap={None: NS, "xsi": _XSI}, version="5.5.0")  # type: ignore[dict-item]
    batch.set(f"{{{_XSI}}}schemaLocation", SCHEMA_LOCATION)
    head = etree.SubElement(batch, f"{{{NS}}}head")
    digest = hashlib.sha256(meta.doi.encode("utf-8")).hexdigest()[:12]
    _add(head, "doi_batch_id", f"jats-enrich-{digest}-{timestamp}")
    _add(head, "timestamp", str(timestamp))
    who = etree.SubElement(head, f"{{{NS}}}depositor")
    _add(who, "depositor_name", depositor.depositor_name)
    _add(who, "email_address", depositor.email_address)
    _add(head, "registrant", depositor.registrant)
    journal = etree.SubElement(etree.SubElement(batch, f"{{{NS}}}body"), f"{{{NS}}}journal")
    journal_meta = etree.SubElement(journal, f"{{{NS}}}journal_metadata")
    _add(journal_meta, "full_title", meta.journal_title)
    for value, media in meta.issns[:6]:
        if _ISSN.match(value):
            _add(journal_meta, "issn", value, media_type=media)
    dates = [d for d in meta.dates if _year(d)]
    if meta.volume or meta.issue:
        _issue(journal, meta, dates)
    article = etree.SubElement(journal, f"{{{NS}}}journal_article", publication_type="full_text")
    _add(etree.SubElement(article, f"{{{NS}}}titles"), "title", meta.title)
    if contributors is not None:
        article.append(contributors)
    for date in dates:
        _date(article, date)
    if meta.first_page and len(meta.first_page) <= 32:
        pages = etree.SubElement(article, f"{{{NS}}}pages")
        _add(pages, "first_page", meta.first_page)
        if meta.last_page and len(meta.last_page) <= 32:
            _add(pages, "last_page", meta.last_page)
    doi_data = etree.SubElement(article, f"{{{NS}}}doi_data")
    _add(doi_data, "doi", meta.doi)
    # The DOI as a path of the landing page's URL: "#", "?", "<" and spaces of SICI DOIs escaped.
    _add(doi_data, "resource", depositor.resource.replace("{doi}", quote(meta.doi, safe="/:;()._-")))
    return batch


def _add(parent: etree._Element, name: str, text: str, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NS}}}{name}")
    for key, value in attributes.items():
        element.set(key, value)
    element.text = text
    return element


def _issue(journal: etree._Element, meta: ArticleMetadata, dates: list[PublicationDate]) -> None:
    issue = etree.SubElement(journal, f"{{{NS}}}journal_issue")
    for date in dates:
        _date(issue, date)
    if meta.volume and len(meta.volume) <= 32:
        _add(etree.SubElement(issue, f"{{{NS}}}journal_volume"), "volume", meta.volume)
    if meta.issue and len(meta.issue) <= 32:
        _add(issue, "issue", meta.issue)


def _number(text: str | None, digits: int) -> int | None:
    """A number written in ASCII digits ("2024", "03"), else None ("2024²", "２０２４", "Spring")."""
    return int(text) if text is not None and re.fullmatch(rf"[0-9]{{1,{digits}}}", text) else None


def _year(date: PublicationDate) -> bool:
    year = _number(date.year, 4)
    return year is not None and 1400 <= year <= 2200


def _date(parent: etree._Element, date: PublicationDate) -> None:
    """A publication date: the year, and the month and day when they make a date (no 31 February)."""
    element = etree.SubElement(parent, f"{{{NS}}}publication_date", media_type=date.media)
    year, month, day = _number(date.year, 4), _number(date.month, 2), _number(date.day, 2)
    assert year is not None
    if month is not None and 1 <= month <= 12:
        _add(element, "month", f"{month:02d}")
        if day is not None and _is_date(year, month, day):
            _add(element, "day", f"{day:02d}")
    _add(element, "year", str(year))


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True
