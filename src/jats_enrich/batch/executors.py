"""Where the per-article work runs: in this process or in a pool of worker processes (on Dask:
dask_executor.py; the table of executors: executor_table.py).

Every executor runs the same function (``work``) on the same tasks and yields the results in the
order of the tasks, so reports and outputs are identical whatever the executor and the number of
workers. Each worker process builds its Enricher once (dictionaries loaded, matchers indexed,
stylesheet compiled) and keeps it for all its tasks.
"""

from __future__ import annotations

import os
import stat
import sys
import threading
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic_core import PydanticSerializationError

from jats_enrich import storage
from jats_enrich.batch.journal import fingerprint
from jats_enrich.batch.packages import Member, read_member
from jats_enrich.batch.workers import become_worker, worker_context, worker_pool
from jats_enrich.budget import give_back_memory, limit_memory
from jats_enrich.config import EnrichOptions
from jats_enrich.errors import ArticleError, OutputError
from jats_enrich.files import atomic_write, read_at_most
from jats_enrich.limits import MAX_ARTICLE_BYTES
from jats_enrich.pipeline import Enricher
from jats_enrich.report.model import ArticleReport
from jats_enrich.storage import is_remote


@dataclass(frozen=True)
class Task:
    """One article to process: where to read it (a file, or bytes in hand) and where its output goes."""

    key: str  # stable across runs: the journal's key
    source: str  # how the report names it ("dir/a.xml", "pkg.zip!a.xml", "-")
    path: str | None = None  # read from this file
    data: bytes | None = None  # or these bytes (a package member, stdin)
    out: str | None = None  # write the output here; None: return the bytes
    backup: str | None = None  # in place: keep the original at path + backup before replacing it
    refusal: str | None = None  # not to be read at all; this is why
    durable: bool = False  # sync the output to disk before renaming it into place
    journaled: bool = True  # hash the input (for the run journal)
    root: str | None = None  # the input folder it was found in: it must still lead inside it when read
    package: str | None = None  # a package member: read from this package (a zip, or an uncompressed tar)
    kind: str | None = None  # ... of this kind
    member: Member | None = None  # ... this member


@dataclass(frozen=True)
class TaskResult:
    key: str
    report: ArticleReport
    sha256: str | None = None  # of the input read
    output: bytes | None = None  # when the task asked for the bytes back
    report_json: str | None = field(default=None, compare=False, repr=False)  # the report as JSON, when known
    written_sha256: str | None = None  # in place: of the bytes that replaced the input

    def __reduce__(self) -> tuple[Any, ...]:
        # Sent from a worker as the report's JSON: about twice as quick to write and to read as a
        # pickle of the pydantic models, and the run journal keeps that JSON as it is.
        try:
            text = self.report_json if self.report_json is not None else self.report.model_dump_json()
        except PydanticSerializationError:  # not expected (reports hold printable text); never fatal
            return (TaskResult, (self.key, self.report, self.sha256, self.output, None, self.written_sha256))
        return (_result_from_json, (self.key, text, self.sha256, self.output, self.written_sha256))


def _result_from_json(
    key: str, text: str, sha256: str | None, output: bytes | None, written: str | None = None
) -> TaskResult:
    return TaskResult(key, ArticleReport.model_validate_json(text), sha256, output, text, written)


def read_input(path: str, root: str | None) -> tuple[bytes, int]:
    """An input article's bytes and permissions, checked as it is opened, not only when the run
    began: it must be a regular file (a FIFO would hang the run), no larger than the limit (checked
    before reading: a 3 GB sparse file is not read to be refused), and, found in a folder, still
    lead inside it (a file swapped for a link to elsewhere during the run is not followed)."""
    if root is not None and not Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root)):
        raise ArticleError("now a symbolic link leading outside the input folder; not read")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with open(fd, "rb") as handle:
        status = os.fstat(handle.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise ArticleError("not a regular file (a FIFO, a device or a folder); not read")
        if status.st_size > MAX_ARTICLE_BYTES:
            raise ArticleError(f"{status.st_size} bytes, over the {MAX_ARTICLE_BYTES}-byte limit of one article")
        data = read_at_most(handle, MAX_ARTICLE_BYTES)
        if len(data) > MAX_ARTICLE_BYTES:  # it grew while being read
            raise ArticleError(f"over the {MAX_ARTICLE_BYTES}-byte limit of one article")
        return data, status.st_mode & 0o777


def work(task: Task, enricher: Enricher) -> TaskResult:
    """Read, enrich and write one article; every failure becomes the report's error."""
    if task.refusal is not None:
        return TaskResult(task.key, ArticleReport(path=task.source, error=task.refusal))
    try:
        data, mode = _read(task)
    except OSError as exc:
        error = f"{task.source}: cannot read: {exc.strerror or exc}"
        return TaskResult(task.key, ArticleReport(path=task.source, error=error))
    except ArticleError as exc:
        return TaskResult(task.key, ArticleReport(path=task.source, error=f"{task.source}: {exc}"))
    sha = fingerprint(data) if task.journaled else None
    result = enricher.enrich_bytes(data, task.source)
    if result.output is None or not enricher.options.write:
        return TaskResult(task.key, result.report, sha)
    if task.out is None:
        return TaskResult(task.key, result.report, sha, result.output)
    try:
        if task.backup is not None and result.output == data:  # in place, unchanged: nothing to write
            return TaskResult(task.key, result.report.written_to(task.out), sha)
        _write(task, data, result.output, mode)
    except OutputError as exc:
        return TaskResult(task.key, result.report.failed(str(exc)), sha)
    # In place, the input is now the output: its hash lets --resume know the article is done.
    written = fingerprint(result.output) if task.backup is not None and sha is not None else None
    return TaskResult(task.key, result.report.written_to(task.out), sha, written_sha256=written)


def _read(task: Task) -> tuple[bytes, int | None]:
    """The task's article (in hand, a package's member, or a file) and the file's mode to give its output."""
    if task.data is not None:
        return task.data, None
    if task.member is not None and task.package is not None and task.kind is not None:
        return read_member(Path(task.package), task.kind, task.member), None
    assert task.path is not None
    if is_remote(task.path):
        return storage.read(task.path, MAX_ARTICLE_BYTES), None
    return read_input(task.path, task.root)


def _write(task: Task, data: bytes, output: bytes, mode: int | None) -> None:
    assert task.out is not None
    if is_remote(task.out):
        storage.put(task.out, output)  # whole or not at all (an object store has no rename)
        return
    target = Path(task.out)
    if task.backup:  # in place, keeping the original
        backup = target.with_name(target.name + task.backup)
        # Never over an existing file: it may be the true original, kept by an earlier run.
        atomic_write(backup, data, mode=mode, durable=task.durable, exclusive=True)
    atomic_write(target, output, mode=mode, durable=task.durable)


# -- this process ---------------------------------------------------------------------------


def run_here(tasks: Iterable[Task], enricher: Enricher) -> Generator[TaskResult, None, None]:
    for task in tasks:
        yield work(task, enricher)


# -- a pool of worker processes ---------------------------------------------------------------

_WORKER: Enricher | None = None


def _init_worker(options: EnrichOptions | Enricher, main_pid: int) -> None:
    """Options: build the worker's Enricher (fork server). An Enricher: the one this worker
    inherited from the main process when it was forked (shared copy-on-write, nothing to load)."""
    global _WORKER
    become_worker(main_pid)
    _WORKER = options if isinstance(options, Enricher) else Enricher(options)
    limit = _WORKER.options.memory_limit
    limit_memory(limit * 1024 * 1024 if limit else None)


def _work_in_worker(task: Task) -> TaskResult:
    assert _WORKER is not None
    limit = _WORKER.options.memory_limit
    try:
        result = work(task, _WORKER)
    except MemoryError:  # reading or writing it, past the worker's memory limit: this article fails alone
        error = f"{task.source}: over the memory limit of {limit} MB for one article (memory_limit)"
        result = TaskResult(task.key, ArticleReport(path=task.source, error=error))
    if limit and result.report.error is not None and result.report.error.endswith("(memory_limit)"):
        # Out of the handler, where the article's tree is no longer held by its traceback: its
        # memory is given back, and what the allocator keeps is not counted against the next one.
        give_back_memory()
        limit_memory(limit * 1024 * 1024)
    return result


def can_fork(enricher: Enricher | None) -> bool:
    """Whether workers may be forked from this process as it is now.

    A fork starts a worker at once with the Enricher already built here, instead of starting a
    Python, importing the library and loading the dictionaries again in each worker (about 0.3 s
    of a run). It is safe only on Linux (macOS frameworks do not survive a fork), in a process
    with a single thread (a fork copies locks that other threads may hold), and without Saxon
    loaded (its runtime's threads do not survive a fork)."""
    return (
        enricher is not None
        and sys.platform == "linux"
        and threading.active_count() == 1
        and "saxonche" not in sys.modules
    )


def run_in_pool(
    tasks: list[Task], options: EnrichOptions, workers: int, enricher: Enricher | None = None
) -> Generator[TaskResult, None, None]:
    forked = can_fork(enricher)
    # Not forked: workers start from a server process that has imported the library but created
    # nothing (no Saxon, no JVM, no copy of this process's memory), and build their own.
    context = worker_context(fork=forked, preload=("jats_enrich.pipeline", "jats_enrich.batch.executors"))
    start: EnrichOptions | Enricher = enricher if forked and enricher is not None else options
    chunk = max(1, min(16, len(tasks) // (workers * 8) or 1))
    with worker_pool(workers, context, _init_worker, (start, os.getpid())) as pool:
        try:
            yield from pool.map(_work_in_worker, tasks, chunksize=chunk)
        except GeneratorExit:
            # Closed by the caller (done, or stopped by an error of its own): nothing more is
            # started, and the pool is gone before the caller goes on. Not waiting would leave
            # the pool's thread closing its pipes while the interpreter exits ("Bad file descriptor").
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        except BaseException:  # Ctrl-C: nothing more is started; the articles under way finish
            pool.shutdown(wait=False, cancel_futures=True)
            raise


# -- which executor ---------------------------------------------------------------------------

#: Dask: the estimated work in one task, in seconds (see dask_executor.py).
TASK_SECONDS = 2.0


@dataclass(frozen=True)
class Spread:
    """How the work is spread: over how many workers, and on Dask, where and in what tasks."""

    workers: int
    scheduler: str | None = None  # a Dask scheduler's address; None: a local cluster
    task_seconds: float = TASK_SECONDS


def run_locally(
    tasks: list[Task], options: EnrichOptions, spread: Spread, enricher: Enricher | None = None
) -> Generator[TaskResult, None, None]:
    """In a pool of worker processes, or in this process for one worker or one task."""
    workers = spread.workers
    if (workers > 1 and len(tasks) > 1) or options.memory_limit:
        # a memory limit is set in worker processes only, never in the caller's own
        return run_in_pool(tasks, options, min(workers, len(tasks)), enricher)
    return run_here(tasks, enricher or Enricher(options))


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
