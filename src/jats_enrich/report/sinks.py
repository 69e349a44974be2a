"""Report files, chosen by extension: .json, .jsonl, .csv, .html. Several at once.

Each format is a sink fed one article report at a time, in input order, as the run goes; JSON
Lines and CSV are written as they come (memory stays flat on any run), JSON streams its articles
and ends with the totals, HTML gathers what its pages show and is written at the end. Every file
appears atomically: it is written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import contextlib
import csv
import glob
import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Protocol

from jats_enrich import __version__
from jats_enrich.dictionaries.csv_format import spreadsheet_row
from jats_enrich.errors import OutputError, UsageError
from jats_enrich.files import atomic_write, is_stale, temporary_path
from jats_enrich.report.model import REPORT_SCHEMA_VERSION, ArticleReport, Finding, Report, summarise
from jats_enrich.report.run import RunRecord

CSV_COLUMNS = (
    "path",
    "doi",
    "element",
    "line",
    "xpath",
    "text",
    "outcome",
    "term",
    "identifier",
    "best_suggestion",
    "score",
    "vocab",
    "lang",
    "found_identifier",
    "note",
    "evidence",
    "degree",
    "parts",
    "tier",
)


class Sink(Protocol):
    def add(self, article: ArticleReport) -> None: ...

    def close(self, report: Report) -> None: ...

    def abort(self) -> None: ...


def report_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(f"{path}: unknown report format {suffix or '(no suffix)'!r}; known: {', '.join(FORMATS)}")
    return suffix


def remove_stale(path: Path) -> None:
    """Temporary files of ``path`` that a killed run left beside it."""

    for stale in path.parent.glob(f".jats-enrich-{glob.escape(path.name)}.*.tmp"):
        if is_stale(stale):
            stale.unlink(missing_ok=True)


class _Atomic:
    """A text file written under a temporary name beside its path, renamed into place at the end."""

    def __init__(self, path: Path, newline: str | None = None) -> None:
        self.path = path
        self.temp = temporary_path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            remove_stale(path)
            self.handle: IO[str] = self.temp.open("w", encoding="utf-8", newline=newline)
        except OSError as exc:
            raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None

    def finish(self) -> None:
        try:
            self.handle.close()
            os.replace(self.temp, self.path)
        except OSError as exc:
            self.temp.unlink(missing_ok=True)
            raise OutputError(f"{self.path}: cannot write: {exc.strerror or exc}") from None

    def abort(self) -> None:
        with contextlib.suppress(OSError):  # a full disk cannot take the rest of its buffer either
            self.handle.close()
        self.temp.unlink(missing_ok=True)

    def write(self, text: str) -> None:
        """Write to the temporary file; a full disk is the report's error, in one line."""
        try:
            self.handle.write(text)
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot write: {exc.strerror or exc}") from None


class JsonLinesSink(_Atomic):
    """One article per line, then a last line with the run's totals (``"kind": "summary"``)."""

    def add(self, article: ArticleReport) -> None:
        self.write(article.model_dump_json() + "\n")

    def close(self, report: Report) -> None:
        self.write(json.dumps(_totals(report)) + "\n")
        self.finish()


class JsonSink(_Atomic):
    """The Report model's JSON, written as the articles come: its articles one per line."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        head = {"schema_version": REPORT_SCHEMA_VERSION, "tool": f"jats-enrich {__version__}"}
        self.handle.write(json.dumps(head)[:-1] + ', "articles": [')
        self.first = True

    def add(self, article: ArticleReport) -> None:
        self.write(("\n" if self.first else ",\n") + article.model_dump_json())
        self.first = False

    def close(self, report: Report) -> None:
        totals = {k: v for k, v in _totals(report).items() if k != "kind"}
        self.write("\n], " + json.dumps(totals)[1:] + "\n")
        self.finish()


class CsvSink(_Atomic):
    """One row per finding (an article that failed: one row with its error as the note).

    Spreadsheet-safe: a cell beginning with =, +, -, @, a tab or a carriage return (text, a
    file name, an error from an article) gets one apostrophe before it (dictionaries/csv_format.py)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, newline="")
        self.writer = csv.writer(self.handle)
        self.writer.writerow(CSV_COLUMNS)

    def add(self, article: ArticleReport) -> None:
        try:
            for row in csv_rows(article):
                self.writer.writerow(spreadsheet_row(row))
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot write: {exc.strerror or exc}") from None

    def close(self, report: Report) -> None:
        self.finish()
        if report.run is not None:
            record = _Atomic(run_file(self.path))
            record.write(report.run.model_dump_json(indent=2) + "\n")
            record.finish()


def csv_rows(article: ArticleReport) -> Iterator[list[str]]:
    if article.error:
        yield [article.path, article.doi or "", "", "", "", "", "error", *[""] * 7, article.error, "", "", "", ""]
    for f in article.findings:
        best = f.suggestions[0] if f.suggestions else None
        yield [
            article.path,
            article.doi or "",
            f.element,
            "" if f.line is None else str(f.line),
            f.xpath,
            f.text,
            f.outcome.value,
            f.term or "",
            f.identifier or "",
            best.term if best else "",
            f"{best.score:g}" if best else "",
            f.vocab or "",
            f.lang or "",
            f.found_identifier or "",
            f.note or "",
            "; ".join(f"{e.source}: {e.text}" + (f" [{e.cue}]" if e.cue else "") for e in f.evidence),
            f.degree or "",
            " | ".join(
                p.text + (f" => {p.term.term}" if p.term else "") + (f" ({p.degree})" if p.degree else "")
                for p in f.parts
            ),
            f.tier.value,
        ]


class HtmlSink:
    """Gathers what the HTML report shows (compact rows, not the report's models), writes at the end."""

    def __init__(self, path: Path) -> None:
        from jats_enrich.report.html import HtmlCollector

        self.path = path
        self.collector = HtmlCollector()
        if path.parent.is_dir():
            remove_stale(path)

    def add(self, article: ArticleReport) -> None:
        self.collector.add(article)

    def close(self, report: Report) -> None:

        html = self.collector.render(report)
        atomic_write(self.path, html.encode("utf-8"))

    def abort(self) -> None:
        pass


#: Report file suffix -> the sink that writes that format.
FORMATS: dict[str, Callable[[Path], Sink]] = {
    ".json": JsonSink,
    ".jsonl": JsonLinesSink,
    ".csv": CsvSink,
    ".html": HtmlSink,
}


def open_sinks(paths: Iterable[Path]) -> list[Sink]:
    return [FORMATS[report_format(path)](path) for path in paths]


@contextlib.contextmanager
def report_files(paths: Iterable[Path]) -> Iterator[list[Sink]]:
    """The report files, open for a run's articles (close each with the run's Report); on any
    failure or interruption every one is aborted, none left half-written."""
    sinks = open_sinks(paths)
    try:
        yield sinks
    except BaseException:
        for sink in sinks:
            sink.abort()
        raise


def write_report(report: Report, paths: Iterable[Path]) -> None:
    """A finished Report (merged shards, say) into report files."""
    with report_files(paths) as sinks:
        for article in report.articles:
            for sink in sinks:
                sink.add(article)
        for sink in sinks:
            sink.close(report)


def _totals(report: Report) -> dict[str, object]:
    totals: dict[str, object] = {
        "kind": "summary",
        "articles_total": report.articles_total,
        "articles_failed": report.articles_failed,
        "summary": report.summary,
        "by_kind": report.by_kind,
        "tiers": report.tiers,
        "consistency": report.consistency,
    }
    if report.run is not None:
        totals["run"] = report.run.model_dump(mode="json")
    return totals


def run_file(csv_path: Path) -> Path:
    """Where a CSV report's run record goes: beside it, ``NAME.csv.run.json`` (a CSV has rows of
    findings only, for spreadsheets)."""
    return csv_path.with_name(csv_path.name + ".run.json")


def read_report(path: Path) -> Report:
    """A report file, JSON or JSON Lines, back as the Report model (for merging and rendering)."""
    from pydantic import ValidationError

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text") from None
    try:
        if path.suffix.lower() == ".jsonl":
            return _from_lines(text.splitlines(), path)
        return Report.model_validate_json(text)
    except (ValidationError, ValueError) as exc:
        raise UsageError(f"{path}: not a jats-enrich report: {str(exc).splitlines()[0]}") from None


def _from_lines(lines: list[str], path: Path) -> Report:
    articles: list[ArticleReport] = []
    run: RunRecord | None = None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        data = json.loads(line)
        if data.get("kind") == "summary":
            run = RunRecord.model_validate(data["run"]) if data.get("run") else None
            continue
        try:
            articles.append(ArticleReport.model_validate(data))
        except ValueError as exc:
            raise ValueError(f"line {number}: {exc}") from None
    return report_of(articles).model_copy(update={"run": run})


def report_of(articles: list[ArticleReport]) -> Report:
    return Report(
        tool=f"jats-enrich {__version__}",
        articles_total=len(articles),
        articles_failed=sum(1 for a in articles if a.error),
        **summarise(articles),
        articles=articles,
    )


def findings_of(report: Report) -> Iterator[tuple[ArticleReport, Finding]]:
    for article in report.articles:
        for finding in article.findings:
            yield article, finding
