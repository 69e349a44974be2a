"""The HTTP service (``jats-enrich serve``): jats-enrich for pipelines that are not Python.

    POST /v1/enrich                        the article in the body; the enriched article back
                                           (Accept: application/json: {article, encoding, findings...})
    POST /v1/check                         the article in the body; its report (findings) back
    GET  /v1/vocabularies                  the dictionaries the service loaded
    GET  /v1/vocabularies/{name}/terms     what a text matches (?q=), or the terms (without q)
    GET  /healthz                          alive
    GET  /openapi.json                     this contract

Options go in the query (``?vocab=credit&vocab=casrai&upgrade=true``); what a request does not
give, the service's configuration decides. Dictionaries are loaded once at start-up; articles are
enriched in worker processes, each with its own loaded dictionaries, so that the event loop only
moves bytes and ``/healthz`` answers under load. Errors are ``{"error": "one line"}``: 400 a body
cut short or a request with both Content-Length and Transfer-Encoding, 404 unknown dictionary or
path, 408 a body not received in time, 413 body too large, 422 malformed XML, not JATS or a bad
option, 500 a bug of the tool (details in the service's log, never in the response), 503 busy (too
many connections, articles or bytes of bodies at once) or a worker died, 504 timeout. Every request
is logged as one JSON line: method, path, status, bytes in and out, ms, DOI.

The limits that keep a service facing the network alive (README, "The HTTP service") are kept in
two places: in the app, the body's (its size as it arrives, its time, the memory all bodies may take
together); in ``LimitedH11Protocol``, uvicorn's HTTP/1.1 protocol with what it lacks: a time for the
headers, a cap on connections that lets ``/healthz`` through, a lingering close (a refused body is
read and thrown away for a while, so that any client reads the refusal), and a deadline for every
body, whatever the route does with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import multiprocessing
import os
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Annotated, Any, ClassVar

import h11
from fastapi import FastAPI, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from uvicorn._types import ASGIReceiveCallable, ASGISendCallable, Scope
from uvicorn.config import Config as UvicornConfig
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from jats_enrich import __version__
from jats_enrich.config import Settings
from jats_enrich.dictionaries import load_vocabulary
from jats_enrich.dictionaries.model import TargetKind, Term, Vocabulary
from jats_enrich.errors import DictionaryError
from jats_enrich.match.lookup import Lookup, matched_to
from jats_enrich.service.models import (
    EnrichResponse,
    ErrorResponse,
    Health,
    NearMiss,
    RequestOptions,
    TermMatch,
    TermSearch,
    TermSummary,
    VocabularySummary,
)
from jats_enrich.service.work import Job, Outcome, ready, run_job, start_worker

log = logging.getLogger("jats_enrich.service.app")

MB = 1024 * 1024
DEFAULT_MAX_BODY = 20 * MB
DEFAULT_TIMEOUT = 60.0
DEFAULT_HEADER_TIMEOUT = 10.0  # from a connection's start (or its previous response) to a request's last header
DEFAULT_BODY_TIMEOUT = 30.0  # from a request's headers to the last byte of its body
DEFAULT_MAX_CONNECTIONS = 1000
BUFFERED_BODIES = 10  # the default memory for bodies, all requests together: this many --max-body
GRACE_SECONDS = 5.0  # beyond the timeout, before a worker that has not stopped its job is killed
MAX_WAITING_PER_WORKER = 64  # requests waiting for a worker, beyond which the service answers 503
START_WAIT = 300.0  # how long a worker waits at start-up for the others to load the dictionaries
LINGER_SECONDS = 10.0  # at most, reading and throwing away the rest of a refused body before closing
BODY_GRACE = 2.0  # the connection's own deadline for a body, beyond the app's (which answers 408 first)
CONNECTION_HEADROOM = 32  # connections beyond the cap still accepted (and told 503, or served /healthz)
EVENT_LOG_EVERY = 1.0  # the same server event (a timeout, a refused connection) is logged at most this often

ARTICLE_BODY = {
    "requestBody": {
        "required": True,
        "description": "A JATS article, as its bytes (any encoding its XML declaration or byte order mark names)",
        "content": {
            "application/xml": {"schema": {"type": "string"}},
            "text/xml": {"schema": {"type": "string"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ErrorResponse,
        "description": "The client closed the connection before the whole body, or sent both Content-Length "
        "and Transfer-Encoding",
    },
    404: {"model": ErrorResponse, "description": "A dictionary the request names is not loaded"},
    406: {"model": ErrorResponse, "description": "The Accept header allows none of the response's media types"},
    408: {"model": ErrorResponse, "description": "The body did not arrive within the service's body timeout"},
    413: {"model": ErrorResponse, "description": "The body is larger than the service accepts"},
    422: {"model": ErrorResponse, "description": "Malformed XML, not a JATS article, or a bad option"},
    500: {"model": ErrorResponse, "description": "A bug of the tool; the service's log has the details"},
    503: {
        "model": ErrorResponse,
        "description": "Busy (too many connections, articles or bytes of bodies at once), or a worker process "
        "died; the request may be retried",
    },
    504: {"model": ErrorResponse, "description": "The article took longer than the service's timeout"},
}
SUMMARY_HEADER = "X-Jats-Enrich-Summary"
SUMMARY_HEADER_DOC = {
    SUMMARY_HEADER: {
        "description": "Findings by outcome, e.g. 'tagged=3, unmatched=1' (empty: none)",
        "schema": {"type": "string"},
    }
}
OptionsQuery = Annotated[RequestOptions, Query()]


@dataclass(frozen=True)
class ServiceConfig:
    settings: Settings = field(default_factory=Settings)
    workers: int = 1
    max_body: int = DEFAULT_MAX_BODY  # bytes
    timeout: float = DEFAULT_TIMEOUT
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    max_buffered: int | None = None  # bytes of bodies in memory at once; None: BUFFERED_BODIES × max_body

    @property
    def buffered_limit(self) -> int:
        return self.max_buffered if self.max_buffered is not None else BUFFERED_BODIES * self.max_body

    @property
    def linger(self) -> float:
        return min(LINGER_SECONDS, self.body_timeout)


class ServiceError(Exception):
    def __init__(self, status: int, message: str, close: bool = False, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers: dict[str, str] = {}
        if close:  # the body may not have been read: the connection cannot carry another request
            self.headers["Connection"] = "close"
        if retry_after is not None:
            self.headers["Retry-After"] = str(retry_after)


class _Held:
    """The bytes of one request's body held in memory, counted against the service's budget for
    all bodies together (``--max-buffered``) until the request is done."""

    def __init__(self, state: _State) -> None:
        self.state = state
        self.size = 0

    def take(self, size: int) -> bool:
        if self.state.buffered + size > self.state.config.buffered_limit:
            return False
        self.state.buffered += size
        self.size += size
        return True

    def release(self) -> None:
        self.state.buffered -= self.size
        self.size = 0


class _State:
    """What the endpoints share: the loaded dictionaries, the lookups, the worker pool."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self.vocabularies: dict[str, Vocabulary] = {}
        for name_or_path in config.settings.vocab:
            vocabulary = load_vocabulary(name_or_path)
            if vocabulary.name in self.vocabularies:
                raise DictionaryError(f"{name_or_path}: a second dictionary named {vocabulary.name!r}")
            self.vocabularies[vocabulary.name] = vocabulary
        # Requests name dictionaries by name; the workers get them loaded, not their paths.
        self.settings = config.settings.model_copy(update={"vocab": tuple(self.vocabularies)})
        self.lookups: dict[tuple[str, str | None], Lookup] = {}
        self.pool: ProcessPoolExecutor | None = None
        self.running = asyncio.Semaphore(1)
        self.waiting = 0
        self.buffered = 0  # bytes of request bodies in memory, all requests together

    def start_pool(self) -> None:
        # forkserver: workers do not inherit the event loop's threads and sockets.
        context = multiprocessing.get_context("forkserver")
        self.pool = ProcessPoolExecutor(
            max_workers=self.config.workers,
            mp_context=context,
            initializer=start_worker,
            initargs=(
                self.settings,
                self.vocabularies,
                os.getpid(),
                self.config.timeout,
                context.Barrier(self.config.workers),
            ),
        )
        # Two jobs per worker are handed to the pool (one running, one ready, so that no worker
        # idles between jobs); the others wait here, up to a bound.
        self.running = asyncio.Semaphore(self.config.workers * 2)
        self.waiting = 0

    async def warm_up(self) -> list[int]:
        """Start every worker now (each loads the dictionaries) rather than on the first requests,
        and return once all have: one start-up job per worker, each held at the pool's barrier
        until every worker has one (a worker that started first cannot take two while another
        is still loading). The workers' process ids."""
        assert self.pool is not None
        loop = asyncio.get_running_loop()
        jobs = (loop.run_in_executor(self.pool, ready, START_WAIT) for _ in range(self.config.workers))
        pids = list(await asyncio.gather(*jobs))
        if len(set(pids)) < self.config.workers:
            log.error(json.dumps({"event": "not every worker started", "started": len(set(pids))}))
        return pids

    def hold(self) -> _Held:
        return _Held(self)

    def stop_pool(self, kill: bool = False) -> None:
        pool, self.pool = self.pool, None
        if pool is None:
            return
        if kill:  # a worker is stuck: the executor has no way to stop one, so end them all
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()
        pool.shutdown(wait=not kill, cancel_futures=True)

    async def restart_pool(self, broken: ProcessPoolExecutor, kill: bool) -> None:
        if self.pool is broken:  # several requests see the same broken pool: restart it once
            self.stop_pool(kill=kill)
            self.start_pool()
            await self.warm_up()

    def vocabulary(self, name: str) -> Vocabulary:
        if name not in self.vocabularies:
            raise ServiceError(404, f"no dictionary {name!r}; loaded: {', '.join(self.vocabularies)}")
        return self.vocabularies[name]

    def lookup(self, name: str, target: TargetKind | None) -> Lookup:
        if (name, target) not in self.lookups:
            self.lookups[(name, target)] = Lookup([self.vocabulary(name)], target)
        return self.lookups[(name, target)]

    async def run(self, job: Job) -> Outcome:
        if self.pool is None:
            raise ServiceError(503, "the service is starting or stopping")
        if self.waiting >= self.config.workers * MAX_WAITING_PER_WORKER:
            raise ServiceError(503, "busy: too many articles waiting; retry shortly")
        self.waiting += 1
        try:
            async with self.running:
                pool = self.pool
                if pool is None:
                    raise ServiceError(503, "the service is stopping")
                future = asyncio.get_running_loop().run_in_executor(pool, run_job, job)
                try:
                    # The worker stops a job at the timeout; this is for a worker that cannot
                    # (a job may first wait for the one ahead of it).
                    return await asyncio.wait_for(future, 2 * self.config.timeout + GRACE_SECONDS)
                except TimeoutError:
                    log.error(json.dumps({"event": "worker stuck; pool restarted", "article": job.name}))
                    await self.restart_pool(pool, kill=True)
                    raise ServiceError(504, f"{job.name}: not done within {self.config.timeout:g} s") from None
                except BrokenProcessPool:
                    log.error(json.dumps({"event": "worker died; pool restarted", "article": job.name}))
                    await self.restart_pool(pool, kill=False)
                    raise ServiceError(503, "a worker process died; the request may be retried") from None
        finally:
            self.waiting -= 1


def create_app(config: ServiceConfig | None = None) -> FastAPI:
    state = _State(config or ServiceConfig())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        asyncio.get_running_loop().set_exception_handler(_loop_error)
        state.start_pool()
        await state.warm_up()
        try:
            yield
        finally:
            state.stop_pool()

    app = FastAPI(
        title="jats-enrich",
        version=__version__,
        summary="Controlled-vocabulary identities for JATS articles: contributor roles, keywords, subjects",
        lifespan=lifespan,
        docs_url=None,  # the interactive pages load scripts from elsewhere; the contract is /openapi.json
        redoc_url=None,
    )

    app.state.vocabulary_names = list(state.vocabularies)

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError) -> Response:
        return _error(exc.status, exc.message, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        return _error(422, _one_line(exc.errors()))

    @app.middleware("http")
    async def log_requests(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        start = time.perf_counter()
        try:
            response = await call_next(request)
        except Exception:  # a bug: logged here with its traceback, one line to the client
            log.exception(json.dumps({"event": "internal error", "method": request.method, "path": request.url.path}))
            response = _error(500, "internal error; the service's log has the details")
        entry = {
            "method": request.method,
            "path": request.url.path,
            "status": response.status_code,
            "bytes_in": getattr(request.state, "bytes_in", 0),
            "bytes_out": int(response.headers.get("content-length", 0)),
            "ms": round((time.perf_counter() - start) * 1000, 1),
            "doi": getattr(request.state, "doi", None),
        }
        log.info(json.dumps(entry))
        return response

    @app.post(
        "/v1/enrich",
        summary="Enrich one article",
        description="The enriched article's bytes (application/xml), or with Accept: application/json its "
        "report with the article in it. Header X-Jats-Enrich-Summary: findings by outcome.",
        responses={
            200: {
                "model": EnrichResponse,
                "content": {"application/xml": {"schema": {"type": "string"}}},
                "headers": SUMMARY_HEADER_DOC,
            },
            **ERRORS,
        },
        openapi_extra=ARTICLE_BODY,
        response_class=Response,
    )
    async def enrich(request: Request, options: OptionsQuery) -> Response:
        media = _negotiate(request.headers.get("accept"), ("application/xml", "application/json"))
        outcome = await _process(request, options, write=True, as_json=media == "application/json")
        headers = {SUMMARY_HEADER: _summary(outcome), "Vary": "Accept"}
        return Response(outcome.body, media_type=media, headers=headers)

    @app.post(
        "/v1/check",
        summary="Report what enrich would do, writing nothing",
        response_model=None,
        responses={200: {"model": EnrichResponse.__base__, "headers": SUMMARY_HEADER_DOC}, **ERRORS},
        openapi_extra=ARTICLE_BODY,
    )
    async def check(request: Request, options: OptionsQuery) -> Response:
        media = _negotiate(request.headers.get("accept"), ("application/json",))
        outcome = await _process(request, options, write=False, as_json=True)
        return Response(outcome.body, media_type=media, headers={SUMMARY_HEADER: _summary(outcome)})

    async def _process(request: Request, options: RequestOptions, write: bool, as_json: bool) -> Outcome:
        for vocab in options.vocab or ():
            state.vocabulary(vocab)
        held = state.hold()
        try:  # the body is counted against the memory for bodies until its article is done
            data = await _read_body(request, state.config, held)
            job = Job(data=data, name=options.name, overrides=options.overrides(), write=write, as_json=as_json)
            del data
            outcome = await state.run(job)
            del job
        finally:
            held.release()
        request.state.doi = outcome.doi
        if outcome.status == 500:
            log.error(json.dumps({"event": "internal error", "error": outcome.error}))
            raise ServiceError(500, "internal error; the service's log has the details")
        if outcome.status != 200:
            raise ServiceError(outcome.status, outcome.error or "the article could not be processed")
        return outcome

    @app.get("/v1/vocabularies", summary="The dictionaries the service loaded")
    async def vocabularies() -> list[VocabularySummary]:
        return [
            VocabularySummary(
                name=v.name,
                identifier=v.identifier,
                title=v.title,
                terms=len(v.terms),
                applies_to=list(v.applies_to),
            )
            for v in state.vocabularies.values()
        ]

    @app.get(
        "/v1/vocabularies/{name}/terms",
        summary="What a text matches in one dictionary (q), or its terms",
        responses={404: ERRORS[404], 422: ERRORS[422]},
    )
    async def terms(
        name: str,
        q: Annotated[str | None, Query(max_length=1000, description="a label, alias or identifier")] = None,
        target: Annotated[TargetKind | None, Query(description="only terms matched against this")] = None,
        lang: Annotated[str | None, Query(max_length=35, description="the text's language")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> TermSearch:
        vocabulary = state.vocabulary(name)
        if q is None:
            chosen = [t for t in vocabulary.terms if target is None or vocabulary.applies(t, target)]
            listed = [_term(vocabulary, t) for t in chosen[offset : offset + limit]]
            return TermSearch(
                vocabulary=name,
                q=None,
                key=None,
                identifier_of=None,
                matches=[],
                near_misses=[],
                terms=listed,
                total=len(chosen),
            )
        lookup = state.lookup(name, target)
        found = await run_in_threadpool(lookup.explain, q, lang)
        return TermSearch(
            vocabulary=name,
            q=q,
            key=found.key,
            identifier_of=_term(vocabulary, found.by_identifier[1]) if found.by_identifier else None,
            matches=[
                TermMatch(term=_term(vocabulary, c.term), rule=c.rule.value, matched_label=c.matched_label)
                for c in found.candidates
            ],
            near_misses=[
                NearMiss(term=_term(vocabulary, near.term), score=round(near.score, 1), via=near.label)
                for near in found.suggestions
            ],
            terms=[],
            total=sum(1 for t in vocabulary.terms if target is None or vocabulary.applies(t, target)),
        )

    @app.api_route("/healthz", methods=["GET", "HEAD"], summary="Alive, and what it serves")
    async def healthz() -> Health:
        return Health(
            status="ok", version=__version__, vocabularies=list(state.vocabularies), workers=state.config.workers
        )

    return app


def _term(vocabulary: Vocabulary, term: Term) -> TermSummary:
    return TermSummary(
        label=term.label,
        identifier=term.identifier,
        status=term.status.value,
        aliases=list(term.aliases),
        matched_to=matched_to(vocabulary, term),
    )


async def _read_body(request: Request, config: ServiceConfig, held: _Held) -> bytes:
    """The body, read as it arrives: refused with 413 as soon as it is known to be larger than
    ``max_body`` (never more is held), with 503 when the memory for all bodies together would be
    exceeded (a declared length is counted before any byte is read), with 408 when it has not all
    arrived within ``body_timeout``. Each refusal closes the connection (lingering: see
    ``LimitedH11Protocol``); whatever was read is dropped with the request."""
    limit = config.max_body
    declared = request.headers.get("content-length", "").strip()
    length = int(declared) if declared.isdigit() else None
    if length is not None and length > limit:
        raise ServiceError(413, f"the body has {declared} bytes; the service accepts at most {limit}", close=True)
    if length is not None and not held.take(length):
        raise _busy(config)
    buffer = bytearray()
    size = 0
    try:
        async with asyncio.timeout(config.body_timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise ServiceError(
                        413, f"the body is larger than the {limit} bytes the service accepts", close=True
                    )
                if length is None and not held.take(len(chunk)):
                    raise _busy(config)
                buffer += chunk
    except TimeoutError:
        raise ServiceError(
            408, f"the body did not arrive within {config.body_timeout:g} s ({size} bytes came)", close=True
        ) from None
    except ClientDisconnect:
        if getattr(request.state, "body_late", False):  # the connection's own deadline passed first
            raise ServiceError(408, f"the body did not arrive within {config.body_timeout:g} s", close=True) from None
        raise ServiceError(400, "the client closed the connection before sending the whole body") from None
    finally:
        request.state.bytes_in = size
    data = bytes(buffer)
    del buffer
    return data


def _busy(config: ServiceConfig) -> ServiceError:
    return ServiceError(
        503,
        f"busy: the bodies being received would take more than {config.buffered_limit / MB:g} MB; retry shortly",
        close=True,
        retry_after=1,
    )


def _negotiate(accept: str | None, offers: tuple[str, ...]) -> str:
    """The offer the Accept header prefers (quality values, wildcards; text/xml is XML too); the
    first offer without the header; 406 when it allows none."""
    if not accept or not accept.strip():
        return offers[0]
    ranges: list[tuple[str, float]] = []
    for part in accept.lower().split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            ranges.append((media, quality))

    def quality_of(offer: str) -> float:
        kind = offer.split("/")[0]
        aliases = {offer, "text/xml"} if offer == "application/xml" else {offer}
        for pattern in (aliases, {f"{kind}/*", "text/*" if offer == "application/xml" else ""}, {"*/*"}):
            found = [q for media, q in ranges if media in pattern]
            if found:
                return max(found)
        return 0.0

    best = max(offers, key=lambda offer: (quality_of(offer), -offers.index(offer)))
    if quality_of(best) <= 0:
        raise ServiceError(406, f"Accept: {accept} allows none of {', '.join(offers)}")
    return best


def _summary(outcome: Outcome) -> str:
    return ", ".join(f"{outcome_name}={count}" for outcome_name, count in outcome.summary.items())


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _one_line(errors: Any) -> str:
    first = errors[0] if errors else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body"))
    message = str(first.get("msg", "invalid request"))
    if first.get("type") == "extra_forbidden":
        message = "unknown option"
    return f"{where}: {message}" if where else message


# --- server events and the event loop's own errors: one JSON line each, and not a flood ----------


class _Throttle:
    """At most one log line per kind of event every ``every`` seconds; the lines left out are
    counted in the next one ("repeated"), so that a flood of connections cannot flood the log."""

    def __init__(self, every: float) -> None:
        self.every = every
        self.last: dict[str, float] = {}
        self.skipped: dict[str, int] = {}

    def allow(self, kind: str) -> int | None:
        """None: leave this one out; else how many were left out since the last one logged."""
        now = time.monotonic()
        if now - self.last.get(kind, -self.every) < self.every:
            self.skipped[kind] = self.skipped.get(kind, 0) + 1
            return None
        self.last[kind] = now
        return self.skipped.pop(kind, 0)


_events = _Throttle(EVENT_LOG_EVERY)


def _log_event(event: str, level: int = logging.INFO, **details: Any) -> None:
    repeated = _events.allow(f"{event} {details.get('phase', '')} {details.get('message', '')}")
    if repeated is None:
        return
    entry: dict[str, Any] = {"event": event, **details}
    if repeated:
        entry["repeated"] = repeated
    log.log(level, json.dumps(entry))


def _loop_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The event loop's exception handler: what asyncio would print with a traceback (a socket
    error, accept() out of file descriptors...) as one JSON line, throttled."""
    message = str(context.get("message") or "event loop error")
    error = context.get("exception")
    details: dict[str, Any] = {"message": message}
    if isinstance(error, BaseException):
        details["exception"] = f"{type(error).__name__}: {error}"
        if not isinstance(error, OSError):  # not the network's doing: a bug, worth its traceback (in the line)
            details["traceback"] = "".join(traceback.format_exception(error))
    _log_event("event loop error", logging.ERROR, **details)


# --- the connection's limits: uvicorn's HTTP/1.1 protocol with what it lacks ----------------------


@dataclass(frozen=True)
class Limits:
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    linger: float = LINGER_SECONDS


def http_protocol(config: ServiceConfig) -> type[LimitedH11Protocol]:
    """The protocol class to give uvicorn (``uvicorn.Config(http=...)``) for this configuration."""

    class Protocol(LimitedH11Protocol):
        limits = Limits(config.header_timeout, config.body_timeout, config.max_connections, config.linger)
        waiting: ClassVar[dict[LimitedH11Protocol, None]] = {}

    return Protocol


class LimitedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol (h11), with the limits it lacks.

    * headers: a request's headers must all arrive within ``header_timeout`` of the connection's
      start (or of its previous response), however slowly they trickle; else 408 (or, when
      nothing came, a silent close).
    * body: a request's body must all arrive within ``body_timeout`` (+ BODY_GRACE, the app
      answers 408 first when it reads the body), whatever the route; else 408 and close.
    * connections: beyond ``max_connections``, a new connection closes the oldest one that is
      only waiting for a request (idle, or slowloris); when none is, it is still accepted (up to
      CONNECTION_HEADROOM more) and its request answered 503, except ``/healthz``, so that a
      monitor always gets through; beyond that, it is closed at once. Unlike uvicorn's
      ``limit_concurrency`` (whose 503 is plain text and refuses ``/healthz`` too).
    * a request with both Content-Length and Transfer-Encoding: 400 and close (RFC 9112 §6.1).
    * lingering close: a connection closed while its request's body is still coming (a 413, 408,
      503) first shuts its sending side and reads and throws away what comes, until the client
      closes or for ``linger`` seconds, so that any client (Python's urllib too, which sends its
      whole body before reading) reads the answer rather than a reset.
    * uvicorn's plain-text 400 for a malformed request is one line of JSON, as every error.
    """

    limits: ClassVar[Limits] = Limits()
    waiting: ClassVar[dict[LimitedH11Protocol, None]] = {}  # connections waiting for a request, oldest first

    def __init__(
        self,
        config: UvicornConfig,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.inner_app = self.app
        self.app = self.admit
        self.real: asyncio.Transport | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.where: tuple[str, object] = ("new", None)
        self.lingering = False
        self.ended = False

    # --- asyncio.Protocol ---

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self.real = transport
        super().connection_made(_LingeringTransport(transport, self))
        cap = self.limits.max_connections
        if len(self.connections) > cap and not self._evict_one() and len(self.connections) > cap + CONNECTION_HEADROOM:
            _log_event("connection refused", logging.WARNING, open=len(self.connections) - 1)
            self.end()
            return
        self._track()

    def data_received(self, data: bytes) -> None:
        if self.lingering or self.ended:
            return  # the rest of a refused request: read and thrown away
        super().data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        self.waiting.pop(self, None)
        super().connection_lost(exc)

    # --- uvicorn's hooks ---

    def handle_events(self) -> None:
        super().handle_events()
        self._track()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._track()

    def shutdown(self) -> None:
        if self.lingering or self.cycle is None or self.cycle.response_complete:
            self.end()  # nothing in progress (or a refused body still coming): no reason to wait
            return
        super().shutdown()  # a request in progress: closed once answered

    def send_400_response(self, msg: str) -> None:
        self.transport.write(_raw_response(400, msg))
        self.transport.close()

    async def admit(self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        if scope["type"] == "http":
            names = {name for name, _ in scope["headers"]}
            refusal: tuple[int, str, Iterable[tuple[bytes, bytes]]] | None = None
            if b"content-length" in names and b"transfer-encoding" in names:
                message = "a request with both Content-Length and Transfer-Encoding is refused"
                refusal = (400, message, ())
            elif len(self.connections) > self.limits.max_connections and scope["path"] != "/healthz":
                message = f"busy: more than {self.limits.max_connections} connections; retry shortly"
                refusal = (503, message, ((b"retry-after", b"1"),))
            if refusal is not None:
                status, message, extra = refusal
                body = json.dumps({"error": message}).encode("utf-8")
                headers = [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode("ascii")),
                    (b"connection", b"close"),
                    *extra,
                ]
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body, "more_body": False})
                entry = {"method": scope["method"], "path": scope["path"], "status": status}
                entry |= {"bytes_in": 0, "bytes_out": len(body), "ms": 0.0, "doi": None}
                log.info(json.dumps(entry))
                return
        await self.inner_app(scope, receive, send)

    # --- the limits ---

    def _track(self) -> None:
        """Arm the deadline of what the connection waits for now: a request's headers, its body."""
        if self.lingering or self.ended or self.transport.is_closing():
            return
        their = self.conn.their_state
        if their is h11.SEND_BODY:
            phase = "body"
        elif their is h11.IDLE and (self.cycle is None or self.cycle.response_complete):
            phase = "headers"
        else:
            phase = "app"  # the request is in; the app's own timeout applies
        if (phase, self.cycle) != self.where:
            self.where = (phase, self.cycle)
            self._enter(phase)

    def _enter(self, phase: str) -> None:
        self._stop_timer()
        self.waiting.pop(self, None)
        if phase == "headers":
            self.waiting[self] = None
            self.timer = self.loop.call_later(self.limits.header_timeout, self._headers_late)
        elif phase == "body":
            self.timer = self.loop.call_later(self.limits.body_timeout + BODY_GRACE, self._body_late)
        elif phase == "linger":
            self.timer = self.loop.call_later(self.limits.linger, self.end)

    def _stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _headers_late(self) -> None:
        self.timer = None
        if self.conn.trailing_data[0]:  # a request begun, not finished: say so; an idle one just ends
            timeout = self.limits.header_timeout
            assert self.real is not None
            self.real.write(_raw_response(408, f"the request's headers did not arrive within {timeout:g} s"))
            _log_event("request timeout", phase="headers", status=408, client=_client(self.client))
        self.end()

    def _body_late(self) -> None:
        self.timer = None
        cycle = self.cycle
        timeout = self.limits.body_timeout
        if cycle is not None and not cycle.response_started:
            cycle.scope.setdefault("state", {})["body_late"] = True  # the app logs the request as a 408
            assert self.real is not None
            self.real.write(_raw_response(408, f"the body did not arrive within {timeout:g} s"))
            cycle.disconnected = True
            cycle.message_event.set()
        else:
            _log_event("request timeout", phase="body", status=None, client=_client(self.client))
        self.end()

    def _evict_one(self) -> bool:
        """Close the connection that has waited longest for a request; False when none waits."""
        victim = next(iter(self.waiting), None)
        if victim is None:
            return False
        _log_event("connection closed: too many", open=len(self.connections) - 1)
        victim.end()
        return True

    def close_connection(self) -> None:
        """What uvicorn's ``transport.close()`` does: a lingering close while the request is
        still coming in, else a close."""
        assert self.real is not None
        if self.lingering or self.ended or self.real.is_closing():
            return
        still_sending = self.conn.their_state in (h11.SEND_BODY, h11.ERROR) or bool(self.conn.trailing_data[0])
        if self.limits.linger > 0 and still_sending:
            self.lingering = True
            self._enter("linger")
            self.real.resume_reading()
            if self.real.can_write_eof():
                with contextlib.suppress(OSError, RuntimeError):
                    self.real.write_eof()  # the answer, then end of stream: the client knows it is all
            return
        self.end()

    def end(self) -> None:
        """Close now."""
        self.ended = True
        self._stop_timer()
        self.waiting.pop(self, None)
        self.connections.discard(self)
        if self.real is not None:
            self.real.close()


class _LingeringTransport(asyncio.Transport):
    """The transport uvicorn's protocol code is given: the real one, but for ``close()``, which
    is the protocol's lingering close, and reads, which a lingering close keeps going."""

    def __init__(self, real: asyncio.Transport, protocol: LimitedH11Protocol) -> None:
        super().__init__()
        self.real = real
        self.protocol = protocol

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.real.get_extra_info(name, default)

    def is_closing(self) -> bool:
        return self.protocol.lingering or self.protocol.ended or self.real.is_closing()

    def close(self) -> None:
        self.protocol.close_connection()

    def abort(self) -> None:
        self.protocol.ended = True
        self.real.abort()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.real.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self.real.get_protocol()

    def is_reading(self) -> bool:
        return self.real.is_reading()

    def pause_reading(self) -> None:
        if not self.protocol.lingering:
            self.real.pause_reading()

    def resume_reading(self) -> None:
        self.real.resume_reading()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.real.write(data)

    def writelines(self, list_of_data: Iterable[bytes | bytearray | memoryview]) -> None:
        self.real.writelines(list_of_data)

    def write_eof(self) -> None:
        self.real.write_eof()

    def can_write_eof(self) -> bool:
        return self.real.can_write_eof()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self.real.set_write_buffer_limits(high, low)

    def get_write_buffer_size(self) -> int:
        return self.real.get_write_buffer_size()

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self.real.get_write_buffer_limits()


def _raw_response(status: int, message: str) -> bytes:
    """An error answered by the connection itself (no request to hand to the app), closing it."""
    body = json.dumps({"error": message}).encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


def _client(address: tuple[str, int] | None) -> str | None:
    return address[0] if address else None
