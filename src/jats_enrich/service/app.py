"""The app ``jats-enrich serve`` runs: the service's state and its worker pool for the app's
lifespan, one JSON line of error for every failure, one log line per request, around the
endpoints of ``routes``."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from jats_enrich import __version__
from jats_enrich.service.config import ServiceConfig
from jats_enrich.service.errors import ServiceError, error_response, one_line
from jats_enrich.service.logs import log, loop_error
from jats_enrich.service.protocol import http_protocol
from jats_enrich.service.routes import router
from jats_enrich.service.state import _State

# What ``jats-enrich serve`` (``cli.serve._serve``) needs to run the service, from this one module
# as before the service was split: one import line in a function that has none to spare.
__all__ = ["ServiceConfig", "create_app", "http_protocol"]


def create_app(config: ServiceConfig | None = None) -> FastAPI:
    state = _State(config or ServiceConfig())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        asyncio.get_running_loop().set_exception_handler(loop_error)
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

    app.state.service = state  # for the endpoints (``routes.SharedState``)
    app.state.vocabulary_names = list(state.vocabularies)

    # What the decorators would do, spelled out: the handlers need nothing of this function, so
    # they live at module level (and ``add_exception_handler`` would not type-check them).
    app.exception_handler(ServiceError)(_service_error)
    app.exception_handler(StarletteHTTPException)(_http_error)
    app.exception_handler(RequestValidationError)(_bad_request)
    app.middleware("http")(_log_requests)
    app.include_router(router)
    return app


async def _service_error(request: Request, exc: ServiceError) -> Response:
    return error_response(exc.status, exc.message, exc.headers)


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    return error_response(exc.status_code, str(exc.detail))


async def _bad_request(request: Request, exc: RequestValidationError) -> Response:
    return error_response(422, one_line(exc.errors()))


async def _log_requests(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    start = time.perf_counter()
    try:
        response = await call_next(request)
    except Exception:  # a bug: logged here with its traceback, one line to the client
        log.exception(json.dumps({"event": "internal error", "method": request.method, "path": request.url.path}))
        response = error_response(500, "internal error; the service's log has the details")
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
