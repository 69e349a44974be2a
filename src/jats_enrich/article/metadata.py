"""What a registration agency needs of an article besides its contributors: the journal's title
and ISSNs, the article's title, DOI, publication dates, volume, issue and pages."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from jats_enrich.article.reader import WRAPPER_ROOTS
from jats_enrich.article.targets import string_value


@dataclass(frozen=True)
class PublicationDate:
    year: str
    month: str | None
    day: str | None
    media: str  # "online" or "print", as Crossref names them


@dataclass(frozen=True)
class ArticleMetadata:
    journal_title: str | None
    issns: tuple[tuple[str, str], ...]  # (value, "electronic" or "print")
    title: str | None
    doi: str | None
    dates: tuple[PublicationDate, ...]
    volume: str | None
    issue: str | None
    first_page: str | None
    last_page: str | None
    language: str | None


#: pub-type and publication-format values -> Crossref's media_type.
_ONLINE = ("epub", "electronic", "epub-ppub", "pub")
_PRINT = ("ppub", "print")


def read_metadata(root: etree._Element) -> ArticleMetadata:
    article = root.find(".//article") if root.tag in WRAPPER_ROOTS else root
    front = article.find("front") if article is not None else None
    journal = front.find("journal-meta") if front is not None else None
    meta = front.find("article-meta") if front is not None else None
    return ArticleMetadata(
        journal_title=_text(journal, "journal-title-group/journal-title") or _text(journal, "journal-title"),
        issns=_issns(journal),
        title=_text(meta, "title-group/article-title"),
        doi=_text(meta, "article-id[@pub-id-type='doi']"),
        dates=_dates(meta),
        volume=_text(meta, "volume"),
        issue=_text(meta, "issue"),
        first_page=_text(meta, "fpage"),
        last_page=_text(meta, "lpage"),
        language=article.get("{http://www.w3.org/XML/1998/namespace}lang") if article is not None else None,
    )


def _text(parent: etree._Element | None, path: str) -> str | None:
    if parent is None:
        return None
    found = parent.find(path)
    return (string_value(found) or None) if found is not None else None


def _issns(journal: etree._Element | None) -> tuple[tuple[str, str], ...]:
    if journal is None:
        return ()
    found = []
    for issn in journal.findall("issn"):
        kind = (issn.get("pub-type") or issn.get("publication-format") or "").casefold()
        found.append((string_value(issn), "print" if kind in _PRINT else "electronic"))
    return tuple(found)


def _dates(meta: etree._Element | None) -> tuple[PublicationDate, ...]:
    if meta is None:
        return ()
    dates: list[PublicationDate] = []
    for date in meta.findall("pub-date"):
        kind = (date.get("pub-type") or date.get("publication-format") or date.get("date-type") or "").casefold()
        year = _text(date, "year")
        if year is None or not (kind in _ONLINE or kind in _PRINT or not kind):
            continue
        media = "print" if kind in _PRINT else "online"
        if any(d.media == media for d in dates):
            continue
        dates.append(PublicationDate(year, _text(date, "month"), _text(date, "day"), media))
    return tuple(dates)
