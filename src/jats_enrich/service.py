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
moves bytes and ``/healthz`` answers under load. Errors are ``{"error": "one line"}``: 404 unknown
dictionary or path, 413 body too large, 422 malformed XML, not JATS or a bad option, 500 a bug of
the tool (details in the service's log, never in the response), 503 a worker died, 504 timeout.
Every request is logged as one JSON line: method, path, status, bytes in and out, ms, DOI.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from . import __version__
from .config import Settings
from .dictionaries import load_vocabulary
from .errors import DictionaryError
from .lookup import Lookup, matched_to
from .service_models import (
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
from .service_work import Job, Outcome, ready, run_job, start_worker
from .vocabulary import TargetKind, Term, Vocabulary

log = logging.getLogger("jats_enrich.service")

DEFAULT_MAX_BODY = 20 * 1024 * 1024
DEFAULT_TIMEOUT = 60.0
GRACE_SECONDS = 5.0  # beyond the timeout, before a worker that has not stopped its job is killed
MAX_WAITING_PER_WORKER = 64  # requests waiting for a worker, beyond which the service answers 503

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
    400: {"model": ErrorResponse, "description": "The client closed the connection before the whole body"},
    404: {"model": ErrorResponse, "description": "A dictionary the request names is not loaded"},
    406: {"model": ErrorResponse, "description": "The Accept header allows none of the response's media types"},
    413: {"model": ErrorResponse, "description": "The body is larger than the service accepts"},
    422: {"model": ErrorResponse, "description": "Malformed XML, not a JATS article, or a bad option"},
    500: {"model": ErrorResponse, "description": "A bug of the tool; the service's log has the details"},
    503: {"model": ErrorResponse, "description": "A worker process died; the request may be retried"},
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
    max_body: int = DEFAULT_MAX_BODY
    timeout: float = DEFAULT_TIMEOUT


class ServiceError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


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

    def start_pool(self) -> None:
        # forkserver: workers do not inherit the event loop's threads and sockets.
        self.pool = ProcessPoolExecutor(
            max_workers=self.config.workers,
            mp_context=multiprocessing.get_context("forkserver"),
            initializer=start_worker,
            initargs=(self.settings, self.vocabularies, os.getpid(), self.config.timeout),
        )
        # Two jobs per worker are handed to the pool (one running, one ready, so that no worker
        # idles between jobs); the others wait here, up to a bound.
        self.running = asyncio.Semaphore(self.config.workers * 2)
        self.waiting = 0

    async def warm_up(self) -> None:
        """Start every worker now (each loads the dictionaries) rather than on the first requests."""
        assert self.pool is not None
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self.pool, ready, 0.05) for _ in range(self.config.workers)))

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
        return _error(exc.status, exc.message)

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
        data = await _read_body(request, state.config.max_body)
        job = Job(data=data, name=options.name, overrides=options.overrides(), write=write, as_json=as_json)
        outcome = await state.run(job)
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


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to be larger than ``limit``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ServiceError(413, f"the body has {declared} bytes; the service accepts at most {limit}")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ServiceError(413, f"the body is larger than the {limit} bytes the service accepts")
            chunks.append(chunk)
    except ClientDisconnect:
        request.state.bytes_in = size
        raise ServiceError(400, "the client closed the connection before sending the whole body") from None
    request.state.bytes_in = size
    return b"".join(chunks)


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


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _one_line(errors: Any) -> str:
    first = errors[0] if errors else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body"))
    message = str(first.get("msg", "invalid request"))
    if first.get("type") == "extra_forbidden":
        message = "unknown option"
    return f"{where}: {message}" if where else message
