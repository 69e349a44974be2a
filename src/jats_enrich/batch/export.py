"""``export crossref`` over many articles: each article's ``<contributors>`` (and its deposit)
written beside where its enriched copy would go, atomically, and one report of the run.

Outputs mirror the inputs under the output folder: ``DIR/a/b.xml`` gives ``DIR/a/b.crossref.xml``
and, with a depositor, ``DIR/a/b.deposit.xml``. An article that fails, or exports nobody, writes
nothing and says why in the report; the run goes on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from jats_enrich.batch.inputs import Source
from jats_enrich.errors import UsageError
from jats_enrich.files import atomic_write
from jats_enrich.pipeline import CrossrefResult, Enricher
from jats_enrich.write.crossref import ArticleExport
from jats_enrich.write.crossref_deposit import Depositor

CONTRIBUTORS_SUFFIX = ".crossref.xml"
DEPOSIT_SUFFIX = ".deposit.xml"


class ExportReport(BaseModel):
    """The report of an export: per article what was carried and what was not, and the totals."""

    export: str = Field(default="crossref", description="what was exported (Crossref deposit schema 5.5)")
    format_version: str = Field(default="1.0", description="of this report's layout")
    deposit: bool = Field(default=False, description="deposits were asked for")
    articles_total: int = 0
    articles_failed: int = 0
    contributors: int = 0
    credit_roles: int = 0
    crossref_roles: int = 0
    not_carried: int = 0
    deposits_written: int = 0
    articles: list[ArticleExport] = Field(default_factory=list)

    def add(self, article: ArticleExport, deposit_written: bool) -> None:
        self.articles.append(article)
        self.articles_total += 1
        self.articles_failed += article.error is not None
        self.contributors += article.contributors
        self.credit_roles += article.credit_roles
        self.crossref_roles += article.crossref_roles
        self.not_carried += article.not_carried
        self.deposits_written += deposit_written


def crossref_timestamp(now: float | None = None) -> int:
    """Crossref's batch timestamp: the UTC time as digits, yyyymmddHHMMSS."""
    return int(time.strftime("%Y%m%d%H%M%S", time.gmtime(now)))


def export_sources(
    enricher: Enricher,
    sources: list[Source],
    out: Path,
    depositor: Depositor | None = None,
    on_article: Callable[[ArticleExport], None] | None = None,
) -> ExportReport:
    """Export every article source (packages are refused: unpack them first)."""
    packages = [s.path for s in sources if s.is_package]
    if packages:
        raise UsageError(f"{packages[0]}: export reads article files and folders, not packages; unpack it first")
    report = ExportReport(deposit=depositor is not None)
    timestamp = crossref_timestamp()
    for source in sources:
        result = _export_one(enricher, source, depositor, timestamp)
        written = _write(result, output_paths(out, source))
        report.add(result.report, written)
        if on_article is not None:
            on_article(result.report)
    return report


def _export_one(enricher: Enricher, source: Source, depositor: Depositor | None, timestamp: int) -> CrossrefResult:
    if source.refusal is not None:
        return CrossrefResult(None, None, ArticleExport(path=str(source.path), error=source.refusal))
    try:
        data = source.path.read_bytes()
    except OSError as exc:
        error = f"{source.path}: cannot read: {exc.strerror or exc}"
        return CrossrefResult(None, None, ArticleExport(path=str(source.path), error=error))
    return enricher.export_crossref(data, str(source.path), depositor, timestamp)


def output_paths(out: Path, source: Source) -> tuple[Path, Path]:
    """Where a source's <contributors> and deposit go."""
    stem = (out / source.relative).with_suffix("")
    return stem.with_name(stem.name + CONTRIBUTORS_SUFFIX), stem.with_name(stem.name + DEPOSIT_SUFFIX)


def _write(result: CrossrefResult, paths: tuple[Path, Path]) -> bool:
    """The article's outputs; whether a deposit was written."""
    if result.contributors is not None:
        atomic_write(paths[0], result.contributors, durable=False)
    if result.deposit is not None:
        atomic_write(paths[1], result.deposit, durable=False)
    return result.deposit is not None
