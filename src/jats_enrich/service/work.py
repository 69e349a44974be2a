"""The service's CPU-bound work, done in worker processes so that the event loop only moves bytes.

Each worker loads the service's dictionaries once (``start_worker``) and keeps one ``Enricher``
per distinct set of request options. A job goes in as plain data and comes back as the response's
bytes, ready to send.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import signal
import sys
import threading
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from jats_enrich.api import Enricher, EnrichOptions, Vocabulary, enricher_with, options_with
from jats_enrich.article.encoding import byte_order_mark, declared_encoding
from jats_enrich.batch.export import crossref_timestamp
from jats_enrich.batch.workers import become_worker
from jats_enrich.recent import Recent
from jats_enrich.report.model import Tally
from jats_enrich.service.models import CrossrefResponse, EnrichResponse

WORKER_NICENESS = 5


@dataclass(frozen=True)
class Job:
    data: bytes
    name: str
    overrides: dict[str, Any]  # the request's options, as configuration keys
    write: bool
    as_json: bool  # enrich: the response is JSON ({article, encoding, findings...}), else the article
    export: Literal["crossref", "deposit"] | None = None  # export: the <contributors>, or the doi_batch


@dataclass(frozen=True)
class JobResult:
    status: int  # 200, 422 (the article's fault), 500 (the tool's), 504 (out of time)
    body: bytes
    doi: str | None
    summary: dict[str, int]
    error: str | None
    by_kind: str = ""  # findings by element kind and outcome, as the header writes them


class _Worker:
    def __init__(self, settings: EnrichOptions, vocabularies: dict[str, Vocabulary]) -> None:
        self.settings = settings
        self.vocabularies = vocabularies
        self.enrichers: Recent[str, Enricher] = Recent(32)

    def enricher(self, overrides: dict[str, Any], write: bool) -> Enricher:
        settings = options_with(self.settings, overrides)
        chosen = [self.vocabularies[name] for name in settings.vocab]
        return self.enrichers.get(
            settings.model_dump_json() + str(write),
            lambda: enricher_with(settings.model_copy(update={"write": write}), chosen),
        )


class StartBarrier(Protocol):
    """What ``ready`` needs of a ``multiprocessing`` barrier (one per pool, one party per worker)."""

    def wait(self, timeout: float | None = None) -> int: ...


_worker: _Worker | None = None
_timeout: float = 0.0
_started: StartBarrier | None = None


def start_worker(
    settings: EnrichOptions,
    vocabularies: dict[str, Vocabulary],
    main_pid: int,
    timeout: float,
    started: StartBarrier | None = None,
) -> None:
    """Process pool initialiser: the dictionaries, loaded once by the service, for this worker.

    Workers run at a lower priority than the service's event loop: when every core is busy
    enriching, the loop still gets the processor at once to answer /healthz and take requests.
    They end with the service (become_worker: also when the fork server is killed), leave
    Ctrl-C to it, and stop a job that runs past ``timeout``.
    ``started`` is the pool's start-up barrier: ``ready`` waits on it (see there)."""
    global _worker, _timeout, _started
    log_json_lines()
    with contextlib.suppress(OSError, AttributeError):
        os.nice(WORKER_NICENESS)
    become_worker(main_pid)
    signal.signal(signal.SIGALRM, _out_of_time)
    _timeout = timeout
    _started = started
    _worker = _Worker(settings, vocabularies)


class JobTimeout(BaseException):
    """Raised in a job past its time; a BaseException, so that no ``except Exception`` takes it."""


def _out_of_time(signum: int, frame: object) -> None:
    raise JobTimeout


def ready(wait: float) -> int:
    """The start-up job: the service sends one per worker and waits for all of them.

    Each waits (up to ``wait`` seconds) at the pool's barrier until every worker holds one, so
    that no worker can take two while another is still starting: when the service answers its
    first request, every worker has loaded the dictionaries. Its process id back."""
    if _started is not None:
        with contextlib.suppress(threading.BrokenBarrierError):  # a worker died starting: the pool will say
            _started.wait(wait)
    return os.getpid()


def run_job(job: Job) -> JobResult:
    if _worker is None:
        raise RuntimeError("worker not started")
    if job.export is not None:
        return _export_job(job)
    signal.setitimer(signal.ITIMER_REAL, _timeout)
    try:
        result = _worker.enricher(job.overrides, job.write).enrich_bytes(job.data, job.name)
    except JobTimeout:
        return JobResult(504, b"", None, {}, f"{job.name}: not done within {_timeout:g} s; stopped")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    report = result.report
    summary: dict[str, int] = {}
    for finding in report.findings:
        summary[finding.outcome.value] = summary.get(finding.outcome.value, 0) + 1
    tally = Tally()
    tally.add(report)
    by_kind = "; ".join(
        f"{kind}: " + ", ".join(f"{o}={n}" for o, n in counts.items()) for kind, counts in tally.by_kind().items()
    )
    if report.error is not None:
        status = 500 if result.internal_error else 422
        return JobResult(status, b"", report.doi, summary, report.error, by_kind)
    if not job.write:
        body = report.model_dump_json().encode("utf-8")
    elif job.as_json:
        assert result.output is not None
        text, encoding = as_text(result.output)
        response = EnrichResponse(**report.model_dump(), article=text, encoding=encoding)
        body = response.model_dump_json().encode("utf-8")
    else:
        assert result.output is not None
        body = result.output
    return JobResult(200, body, report.doi, summary, None, by_kind)


def _export_job(job: Job) -> JobResult:
    """export/crossref: the article's <contributors> (or its deposit), or JSON with the report."""
    assert _worker is not None
    enricher = _worker.enricher(job.overrides, False)
    depositor = enricher.options.crossref if job.export == "deposit" else None
    if job.export == "deposit" and depositor is None:
        return JobResult(422, b"", None, {}, "the service's configuration has no [crossref] depositor: no deposit")
    signal.setitimer(signal.ITIMER_REAL, _timeout)
    try:
        result = enricher.export_crossref(job.data, job.name, depositor, crossref_timestamp())
    except JobTimeout:
        return JobResult(504, b"", None, {}, f"{job.name}: not done within {_timeout:g} s; stopped")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    report = result.report
    counts = {"contributors": report.contributors, "credit": report.credit_roles, "crossref": report.crossref_roles}
    counts["not-carried"] = report.not_carried
    if report.error is not None:
        return JobResult(500 if result.internal_error else 422, b"", report.doi, counts, report.error)
    xml = result.deposit if job.export == "deposit" else result.contributors
    if xml is None:
        why = "; ".join(report.deposit_missing) or "no contributor could be exported"
        return JobResult(422, b"", report.doi, counts, f"{job.name}: {why}")
    if job.as_json:
        body = CrossrefResponse(**report.model_dump(), xml=xml.decode("utf-8")).model_dump_json().encode("utf-8")
    else:
        body = xml
    return JobResult(200, body, report.doi, counts, None)


def as_text(data: bytes) -> tuple[str, str]:
    """The article as text, and the codec that gives its exact bytes back (its byte order mark
    stays in the text, as U+FEFF); base64 when no codec does."""
    marked = byte_order_mark(data)
    codec = marked[1] if marked is not None else (declared_encoding(data) or "utf-8").lower()
    try:
        text = data.decode(codec)
        if text.encode(codec) == data:
            return text, codec
    except (LookupError, UnicodeError):
        pass
    return base64.b64encode(data).decode("ascii"), "base64"


class JsonLines(logging.Formatter):
    """Every log record as one JSON object on one line. A message that is a JSON object already
    (the service's request lines) is kept as it is; any other (uvicorn's, asyncio's) is wrapped as
    {"event": "server", "level", "message"}; an exception goes in the line ("exception", and
    "traceback" as one escaped string), never as lines of its own."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry: dict[str, Any] | None = None
        if message.startswith("{"):
            with contextlib.suppress(ValueError):
                loaded = json.loads(message)
                entry = loaded if isinstance(loaded, dict) else None
        if entry is None:
            entry = {"event": "server", "level": record.levelname.lower(), "message": message}
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            entry["exception"] = f"{type(error).__name__}: {error}"
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def log_json_lines() -> None:
    """Whatever this process logs, whoever logs it (the root logger: asyncio, concurrent.futures,
    uvicorn...), goes to stderr as one JSON line; so do uncaught exceptions in threads."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    root.handlers = [handler]
    if root.level == logging.NOTSET or root.level < logging.WARNING:
        root.setLevel(logging.WARNING)

    def thread_died(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        exc_info = (args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)
        name = args.thread.name if args.thread is not None else "?"
        logging.getLogger("jats_enrich.service.app").error(
            json.dumps({"event": "thread died", "thread": name}), exc_info=exc_info
        )

    threading.excepthook = thread_died
