"""The Python interface, for pipelines that call jats-enrich in process.

    from jats_enrich import EnrichOptions, enrich_bytes, enrich_path, enrich_text, run_batch

Options are an ``EnrichOptions`` (what to match, what to write); an Enricher for each distinct
options is built once per process and reused, so calling these per article is cheap.
Results are typed: ``EnrichResult`` (the bytes and an ``ArticleReport``) and ``Report``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jats_enrich import __version__
from jats_enrich.article.encoding import declared_encoding
from jats_enrich.article.reader import read_article
from jats_enrich.batch.executors import default_workers
from jats_enrich.batch.export import ExportReport, crossref_timestamp, export_sources, output_paths
from jats_enrich.batch.inputs import Source, discover, is_input
from jats_enrich.batch.options import BatchOptions
from jats_enrich.batch.runner import Batch
from jats_enrich.config import EnrichOptions, for_export, load_settings, with_overrides
from jats_enrich.dictionaries import SHIPPED, load_vocabulary, shipped_path
from jats_enrich.dictionaries.model import Vocabulary
from jats_enrich.errors import UsageError
from jats_enrich.pipeline import CrossrefResult, Enricher, EnrichResult
from jats_enrich.recent import Recent
from jats_enrich.report.model import ArticleReport, Finding, Report
from jats_enrich.report.run import RunRecord, dictionary_record, run_record
from jats_enrich.report.sinks import report_files, report_format, report_of, write_report
from jats_enrich.storage import is_remote, local, uploaded
from jats_enrich.write.crossref import ArticleExport
from jats_enrich.write.crossref_deposit import Depositor

#: Enrichers of the last few sets of options a caller used (each holds its dictionaries' index).
_ENRICHERS: Recent[str, Enricher] = Recent(8)


def enricher_for(options: EnrichOptions | None = None) -> Enricher:
    """The Enricher for these options, built on first use and kept (for the last 8 sets)."""
    chosen = options or EnrichOptions()
    return _ENRICHERS.get(chosen.model_dump_json(), lambda: Enricher(chosen))


def enrich_bytes(data: bytes, options: EnrichOptions | None = None, name: str = "<bytes>") -> EnrichResult:
    """Enrich one article given as bytes. Never raises for a bad article: see ``report.error``."""
    return enricher_for(options).enrich_bytes(data, name)


def enrich_path(path: str | Path, options: EnrichOptions | None = None) -> EnrichResult:
    """Enrich one article file (the file is not modified; write ``result.output`` yourself)."""
    return enricher_for(options).enrich_path(Path(path))


@dataclass(frozen=True)
class TextResult:
    """The enriched article as text (None when it could not be processed) and its report."""

    output: str | None
    report: ArticleReport


def enrich_text(text: str, options: EnrichOptions | None = None, name: str = "<text>") -> TextResult:
    """Enrich one article given as text; the result is text too. The text is encoded as its XML
    declaration says (UTF-8 when it says nothing), so the declaration stays true."""
    codec = declared_encoding(text) or "utf-8"
    try:
        data = text.encode(codec)
    except (LookupError, UnicodeEncodeError) as exc:
        report = ArticleReport(path=name, error=f"{name}: cannot be encoded as its declaration says ({codec}): {exc}")
        return TextResult(None, report)
    result = enricher_for(options).enrich_bytes(data, name)
    output = result.output.decode(codec) if result.output is not None else None
    return TextResult(output, result.report)


def iter_findings(data: bytes, options: EnrichOptions | None = None, name: str = "<bytes>") -> Iterator[Finding]:
    """The findings of one article, one by one, writing nothing (a check)."""
    enricher = enricher_for((options or EnrichOptions()).model_copy(update={"write": False}))
    article = read_article(data, name)
    decisions, _ = enricher.decide_article(article)
    for decision in decisions:
        yield Finding.from_decision(decision, written=False)


def load_options(
    config: Path | None = None, overrides: Mapping[str, Any] | None = None, cwd: Path | None = None
) -> EnrichOptions:
    """The options of a run: the configuration file (``config``, else ./jats-enrich.toml, else
    [tool.jats-enrich] in ./pyproject.toml) with ``overrides`` on top; UsageError naming the file."""
    return load_settings(config, dict(overrides or {}), cwd)


def options_with(options: EnrichOptions, changes: Mapping[str, Any]) -> EnrichOptions:
    """``options`` with some fields given anew (nested tables merged), as a service request gives them."""
    return with_overrides(options, dict(changes))


def enricher_with(options: EnrichOptions, vocabularies: Sequence[Vocabulary]) -> Enricher:
    """An Enricher for these options over dictionaries already loaded (a server loads them once)."""
    return Enricher(options, vocabularies)


def open_enricher(options: EnrichOptions | None = None) -> Enricher:
    """The Enricher for these options with its dictionaries loaded and its engine ready, so that
    a bad dictionary, engine or stylesheet fails now, before any article. Not kept (unlike
    enricher_for's): a run's index of a large thesaurus is freed when the run's caller lets it go,
    not by the collector at the interpreter's exit (seconds for a million objects)."""
    enricher = Enricher(options or EnrichOptions())
    enricher.writer  # noqa: B018 -- made for its errors
    return enricher


def find_sources(
    inputs: Iterable[str | Path],
    *,
    from_list: Path | None = None,
    exclude: Path | str | None = None,
    patterns: tuple[str, ...] | None = None,
) -> list[Source]:
    """The articles and packages named (files, folders searched recursively, a list file's
    entries); UsageError when there are none. ``exclude`` (the output folder) is never searched."""
    given = list(inputs)
    sources = discover(given, from_list=from_list, exclude=exclude, **({"patterns": patterns} if patterns else {}))
    if not sources:
        raise UsageError(f"no articles found in {', '.join(map(str, given)) or from_list}")
    return sources


def default_journal(reports: Sequence[Path | str], out: Path | str | None, inputs: Sequence[Path | str]) -> Path | None:
    """Where a run keeps its journal when it is not told: beside its first report, else hidden in
    the output folder, or (in place) in the first input's folder; never outside what was named.
    None when all of those are remote (an object store cannot append: name a local journal)."""
    local_reports = [local(r) for r in reports if not is_remote(r)]
    if local_reports:
        return local_reports[0].with_name(local_reports[0].name + ".journal")
    if isinstance(out, Path):
        return out / ".jats-enrich-journal"
    if out is not None or reports:
        return None
    first = local(inputs[0]) if inputs and not is_remote(inputs[0]) else None
    if first is None:
        return None
    return (first if first.is_dir() else first.parent) / ".jats-enrich-journal"


def run_batch(
    inputs: Iterable[str | Path] = (),
    out: str | Path | None = None,
    options: EnrichOptions | None = None,
    *,
    in_place: bool = False,
    workers: int = 1,
    on_article: Callable[[ArticleReport], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
    rewrite: Callable[[ArticleReport], ArticleReport] | None = None,
    reports: Sequence[Path | str] = (),
    sources: list[Source] | None = None,
    enricher: Enricher | None = None,
    keep: bool = True,
    **batch: object,
) -> Report:
    """Enrich files, folders and packages into ``out`` (or in place), calling ``on_article`` with
        each article's report as it is done; returns the run's report. ``reports``: report files
        written as the run goes (format by extension; none is left half-written if the run fails).
        ``sources``: inputs already found (find_sources). ``on_start`` gets the number of articles,
        ``on_warning`` what went wrong beside the articles; ``rewrite`` turns each article's report into
    the one passed on and written (the command line shows options as flags). ``keep=False`` leaves the returned report's
        articles empty (counts kept), for runs too large to hold. ``batch`` takes the other fields of
        ``BatchOptions`` (backup, patterns, executor, scheduler, task_seconds, journal, resume, fsync)."""
    options = options or EnrichOptions()
    target: Path | str | None = out if out is None or is_remote(out) else local(out)
    if sources is None:
        sources = discover(list(inputs), exclude=target)
    batch_options = BatchOptions.model_validate({"out": target, "in_place": in_place, "workers": workers, **batch})
    runner = Batch(sources, options, batch_options)
    if enricher is None and workers == 1:
        enricher = enricher_for(options)
    record = run_record_of(options, enricher)
    with uploaded(reports) as written, report_files(written) as sinks:

        def each(article: ArticleReport) -> None:
            if rewrite is not None:
                article = rewrite(article)
            if on_article is not None:
                on_article(article)
            for sink in sinks:
                sink.add(article)

        report = runner.run(on_article=each, enricher=enricher, on_start=on_start, keep=keep)
        report = report.model_copy(update={"run": record.ended()})
        for sink in sinks:
            sink.close(report)
    for warning in runner.warnings:
        if on_warning is not None:
            on_warning(warning)
    return report


def run_record_of(options: EnrichOptions, enricher: Enricher | None = None) -> RunRecord:
    """The record of a run starting now: its dictionaries (the enricher's, else loaded here, as
    each worker loads them), engine and options."""
    vocabularies = (
        enricher.vocabularies
        if enricher is not None
        else [load_vocabulary(v, options.scheme, options.cache) for v in options.vocab]
    )
    paired = len(vocabularies) == len(options.vocab)  # an enricher over dictionaries given otherwise: no files
    records = []
    for index, vocabulary in enumerate(vocabularies):
        spec = options.vocab[index] if paired else None
        if spec is not None and spec in SHIPPED:
            records.append(dictionary_record(vocabulary, f"shipped:{spec}", shipped_path(spec)))
        elif spec is not None:
            records.append(dictionary_record(vocabulary, str(Path(spec).resolve()), Path(spec)))
        else:
            records.append(dictionary_record(vocabulary, vocabulary.name, None))
    return run_record(f"jats-enrich {__version__}", options.engine, options.model_dump(mode="json"), records)


def check_report_paths(reports: Iterable[Path | str], sources: list[Source], out: Path | str | None = None) -> None:
    """Each report's format is known (by its extension), its folder exists (or is in ``out``, the
    output folder the run creates) and no report would overwrite an input. (A remote report is
    uploaded when the run ends: its format only is checked now.)"""
    for given in reports:
        if is_remote(given):
            report_format(Path(str(given).rsplit("/", 1)[-1]))
            continue
        report_path = local(given)
        report_format(report_path)
        folder = report_path.parent
        if not folder.is_dir() and not (isinstance(out, Path) and _made_with(folder, out)):
            raise UsageError(f"{report_path}: no such folder {folder}")
        if is_input(report_path, sources):
            raise UsageError(f"{report_path}: the report would overwrite an input article")


def _made_with(folder: Path, out: Path) -> bool:
    """Does making the output folder (with its parents) make ``folder``, or is it inside it?"""
    mine, theirs = folder.resolve(), out.resolve()
    return mine.is_relative_to(theirs) or theirs.is_relative_to(mine)


def run_one(data: bytes, options: EnrichOptions | None = None, name: str = "<bytes>") -> tuple[EnrichResult, Report]:
    """One article in hand (standard input, say): its result, and a run's report with it alone."""
    result = enricher_for(options).enrich_bytes(data, name)
    return result, report_of([result.report])


def export_crossref_bytes(
    data: bytes, options: EnrichOptions | None = None, name: str = "<bytes>", deposit: bool = False
) -> CrossrefResult:
    """One article's Crossref 5.5 <contributors> (and, with ``deposit``, its doi_batch, from the
    ``crossref`` table of the options) with the report of what was and was not carried."""
    chosen = for_export(options or EnrichOptions())
    return enricher_for(chosen).export_crossref(data, name, _depositor(chosen, deposit), crossref_timestamp())


def export_crossref(
    inputs: Sequence[str | Path],
    out: str | Path,
    options: EnrichOptions | None = None,
    deposit: bool = False,
    patterns: Sequence[str] | None = None,
    from_list: Path | None = None,
    on_article: Callable[[ArticleExport], None] | None = None,
) -> ExportReport:
    """Export the articles of files and folders into ``out`` (NAME.crossref.xml, and with
    ``deposit`` NAME.deposit.xml); the report of the run."""
    chosen = for_export(options or EnrichOptions())
    depositor = _depositor(chosen, deposit)
    sources = find_sources(
        inputs, from_list=from_list, exclude=Path(out), patterns=tuple(patterns) if patterns else None
    )
    claimed: dict[Path, Path] = {}
    for source in sources:
        for path in output_paths(Path(out), source):
            if is_input(path, sources):
                raise UsageError(f"{path}: the export would overwrite an input")
            if path in claimed:
                raise UsageError(
                    f"{source.path} and {claimed[path]} would both be exported to {path}; run them separately"
                )
            claimed[path] = source.path
    return export_sources(enricher_for(chosen), sources, Path(out), depositor, on_article)


def _depositor(options: EnrichOptions, deposit: bool) -> Depositor | None:
    if deposit and options.crossref is None:
        raise UsageError(
            "a deposit needs the depositor: a [crossref] table in the configuration file with depositor_name, "
            "email_address, registrant and resource (the landing page, with {doi})"
        )
    return options.crossref if deposit else None


def write_reports(report: Report, paths: Sequence[Path | str]) -> None:
    """A finished report into report files, each in the format its extension names."""
    with uploaded(paths) as written:
        write_report(report, written)


__all__ = [
    "ArticleReport",
    "EnrichOptions",
    "EnrichResult",
    "Enricher",
    "Report",
    "Source",
    "TextResult",
    "Vocabulary",
    "check_report_paths",
    "default_journal",
    "default_workers",
    "enrich_bytes",
    "enrich_path",
    "enrich_text",
    "enricher_for",
    "enricher_with",
    "export_crossref",
    "export_crossref_bytes",
    "find_sources",
    "iter_findings",
    "load_options",
    "load_vocabulary",
    "open_enricher",
    "options_with",
    "run_batch",
    "run_one",
    "write_reports",
]
