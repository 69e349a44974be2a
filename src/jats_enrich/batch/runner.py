"""Run many articles: sources in, outputs mirrored under the output folder (or in place), a report.

An article that cannot be read or processed becomes an ``error`` entry in the report and the batch
goes on. In an output folder a failed article file is not written (nothing downstream mistakes it
for processed); in a package it is kept as it was, so the package loses no member. Every output
goes to a temporary file beside its final path and is renamed into place, so a killed run never
leaves a half-written file; the journal (journal.py) lets ``--resume`` finish an interrupted run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path

from jats_enrich import __version__, storage
from jats_enrich.batch.executor_table import EXECUTORS
from jats_enrich.batch.executors import Spread, Task, TaskResult
from jats_enrich.batch.inputs import Source, check_outputs, check_remote_outputs, is_input
from jats_enrich.batch.journal import Journal, fingerprint, options_fingerprint
from jats_enrich.batch.options import BatchOptions
from jats_enrich.batch.packages import Member, list_members, uncompressed, write_package
from jats_enrich.config import EnrichOptions
from jats_enrich.errors import ArticleError, OutputError, UsageError
from jats_enrich.files import HOST_TAG, TEMP_PREFIX, TEMP_SUFFIX, remove_stale_temporaries
from jats_enrich.limits import MAX_ARTICLE_BYTES
from jats_enrich.pipeline import Enricher
from jats_enrich.report.model import ArticleReport, Report, Tally
from jats_enrich.storage import is_remote, joined
from jats_enrich.text import printable

ProgressCallback = Callable[[ArticleReport], None]


@dataclass
class _Package:
    source: Source
    target: Path | None
    staging: Path | None = None  # a folder for its enriched members (and a compressed tar's uncompressed copy)
    keys: list[str] = field(default_factory=list)  # its slots' keys (articles and refused members), in order
    members: dict[str, Member] = field(default_factory=dict)  # task key -> member
    replacements: dict[int, Path | bytes] = field(default_factory=dict)  # member place -> enriched bytes (a file)
    reports: dict[str, ArticleReport] = field(default_factory=dict)


class _Counter:
    """Hands each final report on, in order, and counts totals and outcomes."""

    def __init__(self, on_article: ProgressCallback | None, keep: bool) -> None:
        self.on_article = on_article
        self.keep = keep
        self.kept: list[ArticleReport] = []
        self.total = 0
        self.failed = 0
        self.tally = Tally()

    def emit(self, report: ArticleReport) -> None:
        self.total += 1
        self.failed += report.error is not None
        self.tally.add(report)
        if self.keep:
            self.kept.append(report)
        if self.on_article is not None:
            self.on_article(report)


class Batch:
    """One run over many sources."""

    def __init__(self, sources: list[Source], enrich: EnrichOptions, options: BatchOptions) -> None:
        self.sources = sources
        self.enrich = enrich
        self.options = options
        self.write = enrich.write
        self.warnings: list[str] = []  # what went wrong beside the articles (the journal), for the caller to say
        if self.write and options.out is None and not options.in_place:
            raise UsageError("an output folder is needed, or in-place")
        remote = [s.location for s in sources if s.url is not None]
        if remote and self.write and options.in_place:
            raise UsageError(f"{remote[0]}: a remote article is not enriched in place; name an output folder")
        if isinstance(options.out, str):
            check_remote_outputs(sources, options.out)
        elif self.write and options.out is not None:
            if options.out.exists() and not options.out.is_dir():
                raise UsageError(f"{options.out}: exists and is not a folder")
            check_outputs(sources, options.out)
        if self.write and options.journal is not None and is_input(options.journal, sources):
            raise UsageError(f"{options.journal}: the run journal would overwrite an input article")

    def run(
        self,
        on_article: ProgressCallback | None = None,
        enricher: Enricher | None = None,
        on_start: Callable[[int], None] | None = None,
        keep: bool = True,
    ) -> Report:
        """Process every source. ``on_start`` gets the number of articles; ``on_article`` each
        article's report, strictly in input order, as soon as it is final (a package's members
        once the package is written). ``keep=False`` leaves the returned report's ``articles``
        empty (totals and summary still counted), so that memory stays flat on huge runs whose
        reports are streamed through ``on_article``."""
        slots, packages = self._slots()
        if on_start is not None:
            on_start(len(slots))
        journal = self._journal()
        todo, resumed = self._still_to_do(slots, journal)
        self._remove_stale_temporaries()
        counter = _Counter(on_article, keep)
        if journal is not None:
            journal.open()
        results = None
        try:
            results = self._execute(todo, enricher)
            self._emit_in_order(slots, packages, resumed, results, journal, counter)
        except BaseException:
            for package in packages:
                _remove_staging(package)
            raise
        finally:
            try:
                if results is not None:
                    results.close()  # a pool of workers is shut down here, not whenever this is collected
                    # A worker killed while writing (its task done again by another) left its
                    # temporary file: not kept until the next run. (Best effort: never in the way
                    # of what the run itself raises; the next run tries again.)
                    with contextlib.suppress(OSError):
                        self._remove_stale_temporaries()
            finally:
                if journal is not None:
                    journal.close()
                    if journal.error is not None:
                        self.warnings.append(journal.error)
        return Report(
            tool=f"jats-enrich {__version__}",
            articles_total=counter.total,
            articles_failed=counter.failed,
            **counter.tally.fields(),
            articles=counter.kept,
        )

    def _still_to_do(
        self, slots: list[Task | ArticleReport], journal: Journal | None
    ) -> tuple[list[Task], dict[str, ArticleReport]]:
        """The tasks to run, and the reports of those a resumed run's journal lists as done."""
        resumed: dict[str, ArticleReport] = {}
        todo = []
        for slot in slots:
            if not isinstance(slot, Task):
                continue
            entry = journal.skip(slot.key, self._hash(slot), slot.out) if journal and journal.done else None
            if entry is not None:
                resumed[slot.key] = entry.report
            else:
                todo.append(slot)
        return todo, resumed

    def _remove_stale_temporaries(self) -> None:
        if self.write and isinstance(self.options.out, Path):
            remove_stale_temporaries(self.options.out)
        elif self.write and self.options.in_place:  # a killed in-place run leaves them beside its inputs
            for folder in dict.fromkeys(s.root if s.root is not None else s.path.parent for s in self.sources):
                remove_stale_temporaries(folder)

    def _emit_in_order(
        self,
        slots: list[Task | ArticleReport],
        packages: list[_Package],
        resumed: dict[str, ArticleReport],
        results: Generator[TaskResult, None, None],
        journal: Journal | None,
        counter: _Counter,
    ) -> None:
        """Every article's report in input order; a package's once the package is written."""
        package_of = {key: package for package in packages for key in package.keys}
        for slot in slots:
            key = slot.key if isinstance(slot, Task) else slot.path
            if isinstance(slot, ArticleReport):
                report = slot
            elif slot.key in resumed:
                report = resumed[slot.key]
            else:
                result = next(results)
                report = result.report
                self._collect(result, package_of.get(slot.key), journal)
            package = package_of.get(key)
            if package is None:
                counter.emit(report)
                continue
            package.reports[key] = report
            if len(package.reports) == len(package.keys):
                for done in self._write_package(package):
                    counter.emit(done)

    # -- building the tasks ----------------------------------------------------------------------

    def _slots(self) -> tuple[list[Task | ArticleReport], list[_Package]]:
        """In source order, a task per article to process, or the report of an input refused
        without work (a broken package, a hostile member name); and the packages to assemble."""
        slots: list[Task | ArticleReport] = []
        packages: list[_Package] = []
        for source in self.sources:
            if source.is_package:
                self._package_slots(source, slots, packages)
                continue
            slots.append(
                Task(
                    key=printable(source.location),  # the journal's key, in JSON
                    source=source.location,
                    path=source.location,
                    out=self._target(source),
                    backup=(self.options.backup or "") if self.options.in_place else None,
                    refusal=source.refusal,
                    durable=self.options.fsync,
                    journaled=self.write and self.options.journal is not None,
                    root=str(source.root) if source.root is not None else None,
                )
            )
        return slots, packages

    def _target(self, source: Source) -> str | None:
        if not self.write:
            return None
        if self.options.in_place:
            return str(source.path)
        assert self.options.out is not None
        if isinstance(self.options.out, str):
            return joined(self.options.out, source.relative.as_posix())
        return str(self.options.out / source.relative)

    def _package_slots(self, source: Source, slots: list[Task | ArticleReport], packages: list[_Package]) -> None:
        """A task per article member (its bytes read by the worker, when its turn comes), a report
        per refused member; a package that cannot be rewritten member for member is refused whole."""
        target = None
        if self.write:
            target = source.path if self.options.in_place else self.options.out / source.relative  # type: ignore[operator]
        package = _Package(source, target)
        try:
            package.staging = _staging_folder(target)
            listed = uncompressed(source.path, package.staging) if source.kind == "tar" else source.path
            members = list_members(listed, source.kind, self.options.patterns, source.path)
        except (ArticleError, OutputError) as exc:
            _remove_staging(package)
            slots.append(ArticleReport(path=str(source.path), error=str(exc)))
            return
        found: list[Task | ArticleReport] = []
        for member in members:
            name = printable(f"{source.path}!{member.label}")
            key = printable(f"{source.path}!{member.name}") + (f"#{member.occurrence}" if member.occurrence > 1 else "")
            if member.refusal is not None:
                found.append(ArticleReport(path=name, error=f"{source.path}: {member.refusal}"))
                package.keys.append(name)  # a report's slot is keyed by its path
            elif member.is_article:
                staged = str(package.staging / f"{member.index}.xml") if self.write else None
                found.append(
                    Task(key=key, source=name, package=str(listed), kind=source.kind, member=member, out=staged)
                )
                package.members[key] = member
                package.keys.append(key)
        slots.extend(found)
        if package.keys:
            packages.append(package)
            return
        try:
            if package.target is not None:  # nothing to enrich: the package is copied as it is
                self._replace_package(package)
        except OutputError as exc:
            slots.append(ArticleReport(path=str(source.path), error=str(exc)))
        finally:
            _remove_staging(package)

    # -- journal -------------------------------------------------------------------------------

    def _journal(self) -> Journal | None:
        if self.options.journal is None or not self.write:
            return None
        return Journal(self.options.journal, options_fingerprint(self.enrich), self.options.resume)

    @staticmethod
    def _hash(task: Task) -> str | None:
        if task.data is not None:
            return fingerprint(task.data)
        if task.path is None:
            return None
        try:
            if is_remote(task.path):
                return fingerprint(storage.read(task.path, MAX_ARTICLE_BYTES))
            return fingerprint(Path(task.path).read_bytes())
        except (OSError, ArticleError):
            return None

    # -- running ---------------------------------------------------------------------------------

    def _execute(self, tasks: list[Task], enricher: Enricher | None) -> Generator[TaskResult, None, None]:
        if not tasks:
            return _nothing()
        run = EXECUTORS[self.options.executor]
        spread = Spread(self.options.workers, self.options.scheduler, self.options.task_seconds)
        return run(tasks, self.enrich, spread, enricher)

    @staticmethod
    def _collect(result: TaskResult, package: _Package | None, journal: Journal | None) -> None:
        if package is not None:
            if result.report.error is None and result.report.output is not None:
                member = package.members[result.key]
                package.replacements[member.index] = Path(result.report.output)
            return
        if journal is not None and result.sha256 is not None and result.report.error is None:
            journal.record(
                result.key,
                result.sha256,
                result.report.output,
                result.report,
                result.report_json,
                result.written_sha256,
            )

    def _write_package(self, package: _Package) -> list[ArticleReport]:
        """Write a package whose members are all done; its members' final reports, in order."""
        reports = [package.reports[key] for key in package.keys]
        try:
            if package.target is None:
                return reports
            try:
                self._replace_package(package)
            except OutputError as exc:
                return [r if r.error else r.failed(str(exc)) for r in reports]
            return [
                r.written_to(f"{package.target}!{package.members[key].label}")
                if not r.error and key in package.members
                else r
                for key, r in zip(package.keys, reports, strict=True)
            ]
        finally:
            _remove_staging(package)

    def _replace_package(self, package: _Package) -> None:
        """Write the package's output; in place, keep the original first as PACKAGE+SUFFIX
        (a hard link: no copy), never over an existing file."""
        assert package.target is not None
        source = package.source.path
        if self.options.in_place and self.options.backup:
            backup = source.with_name(source.name + self.options.backup)
            try:
                os.link(source, backup)
            except FileExistsError:
                raise OutputError(
                    f"{backup}: exists already (an earlier backup?); not overwritten, and the package not replaced"
                ) from None
            except OSError as exc:
                raise OutputError(f"{backup}: cannot keep the original: {exc.strerror or exc}") from None
        write_package(source, package.source.kind, package.target, package.replacements)


def _staging_folder(target: Path | None) -> Path:
    """A folder for a package's intermediate files: beside its output (the same disk), or in the
    system's temporary folder when nothing is written."""
    if target is None:
        return Path(tempfile.mkdtemp(prefix=TEMP_PREFIX + "stage-"))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Named as a temporary file (mkdtemp's random part after the machine's tag), so that a
        # killed run's staging folder is known for a leftover and removed.
        stage = f"{TEMP_PREFIX}stage.{os.getpid()}.{HOST_TAG}"
        return Path(tempfile.mkdtemp(prefix=stage, suffix=TEMP_SUFFIX, dir=target.parent))
    except OSError as exc:
        raise OutputError(f"{target}: cannot write: {exc.strerror or exc}") from None


def _remove_staging(package: _Package) -> None:
    if package.staging is not None:
        shutil.rmtree(package.staging, ignore_errors=True)
        package.staging = None


def _nothing() -> Generator[TaskResult, None, None]:
    yield from ()
