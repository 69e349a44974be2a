"""The endpoints (``/v1/enrich``, ``/v1/check``, ``/v1/export/crossref``, ``/v1/vocabularies``,
``/healthz``) and what their OpenAPI contract says of their bodies and errors."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from jats_enrich import __version__
from jats_enrich.config import export_overrides
from jats_enrich.dictionaries.model import TargetKind, Term, Vocabulary
from jats_enrich.match.lookup import matched_to
from jats_enrich.service.body import read_body
from jats_enrich.service.errors import ServiceError
from jats_enrich.service.logs import log
from jats_enrich.service.models import (
    CrossrefResponse,
    EnrichResponse,
    ErrorResponse,
    ExportOptions,
    Health,
    NearMiss,
    RequestOptions,
    TermMatch,
    TermSearch,
    TermSummary,
    VocabularySummary,
)
from jats_enrich.service.negotiation import negotiate
from jats_enrich.service.state import _State
from jats_enrich.service.work import Job, JobResult

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
EXPORT_HEADER = "X-Jats-Enrich-Export"
BY_KIND_HEADER = "X-Jats-Enrich-By-Kind"
SUMMARY_HEADER_DOC = {
    SUMMARY_HEADER: {
        "description": "Findings by outcome, e.g. 'tagged=3, unmatched=1' (empty: none)",
        "schema": {"type": "string"},
    },
    BY_KIND_HEADER: {
        "description": "Findings by element kind and outcome, e.g. 'role: tagged=3; keyword: unmatched=1'",
        "schema": {"type": "string"},
    },
}
OptionsQuery = Annotated[RequestOptions, Query()]


async def _shared_state(request: Request) -> _State:
    # async: FastAPI would run a plain function in its thread pool, for nothing
    state: _State = request.app.state.service
    return state


# The state every endpoint shares, put on the app by ``create_app``; a dependency that reads no
# query or path parameter, so the OpenAPI contract does not show it.
SharedState = Annotated[_State, Depends(_shared_state)]

router = APIRouter()


@router.post(
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
async def enrich(request: Request, options: OptionsQuery, state: SharedState) -> Response:
    media = negotiate(request.headers.get("accept"), ("application/xml", "application/json"))
    outcome = await _process(state, request, options, write=True, as_json=media == "application/json")
    headers = {SUMMARY_HEADER: _summary(outcome), BY_KIND_HEADER: outcome.by_kind, "Vary": "Accept"}
    return Response(outcome.body, media_type=media, headers=headers)


@router.post(
    "/v1/check",
    summary="Report what enrich would do, writing nothing",
    response_model=None,
    responses={200: {"model": EnrichResponse.__base__, "headers": SUMMARY_HEADER_DOC}, **ERRORS},
    openapi_extra=ARTICLE_BODY,
)
async def check(request: Request, options: OptionsQuery, state: SharedState) -> Response:
    media = negotiate(request.headers.get("accept"), ("application/json",))
    outcome = await _process(state, request, options, write=False, as_json=True)
    headers = {SUMMARY_HEADER: _summary(outcome), BY_KIND_HEADER: outcome.by_kind}
    return Response(outcome.body, media_type=media, headers=headers)


@router.post(
    "/v1/export/crossref",
    summary="One article's contributors as Crossref 5.5 has them",
    description="The article's Crossref 5.5 <contributors> (application/xml), or with deposit=true a complete "
    "doi_batch (the depositor from the service's configuration); with Accept: application/json the export's "
    "report with the XML in it. Header X-Jats-Enrich-Export: contributors, CRediT and Crossref roles carried, "
    "and what was not. 422 when nobody can be exported or the article lacks what a deposit requires.",
    responses={
        200: {
            "model": CrossrefResponse,
            "content": {"application/xml": {"schema": {"type": "string"}}},
            "headers": {EXPORT_HEADER: {"description": "e.g. 'contributors=5, credit=12, crossref=6, not-carried=1'"}},
        },
        **ERRORS,
    },
    openapi_extra=ARTICLE_BODY,
    response_class=Response,
)
async def export_crossref(request: Request, options: Annotated[ExportOptions, Query()], state: SharedState) -> Response:
    media = negotiate(request.headers.get("accept"), ("application/xml", "application/json"))
    export: Literal["crossref", "deposit"] = "deposit" if options.deposit else "crossref"
    outcome = await _process(state, request, options, False, media == "application/json", export)
    return Response(outcome.body, media_type=media, headers={EXPORT_HEADER: _summary(outcome), "Vary": "Accept"})


async def _process(
    state: _State,
    request: Request,
    options: RequestOptions,
    write: bool,
    as_json: bool,
    export: Literal["crossref", "deposit"] | None = None,
) -> JobResult:
    for vocab in options.vocab or ():
        state.vocabulary(vocab)
    held = state.bodies.hold()
    try:  # the body is counted against the memory for bodies until its article is done
        data = await read_body(request, state.config, held)
        overrides = options.overrides() if export is None else export_overrides(options.overrides())
        job = Job(data, options.name, overrides, write, as_json, export)
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


@router.get("/v1/vocabularies", summary="The dictionaries the service loaded")
async def vocabularies(state: SharedState) -> list[VocabularySummary]:
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


@router.get(
    "/v1/vocabularies/{name}/terms",
    summary="What a text matches in one dictionary (q), or its terms",
    responses={404: ERRORS[404], 422: ERRORS[422]},
)
async def terms(
    name: str,
    state: SharedState,
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


@router.api_route("/healthz", methods=["GET", "HEAD"], summary="Alive, and what it serves")
async def healthz(state: SharedState) -> Health:
    return Health(status="ok", version=__version__, vocabularies=list(state.vocabularies), workers=state.config.workers)


def _term(vocabulary: Vocabulary, term: Term) -> TermSummary:
    return TermSummary(
        label=term.label,
        identifier=term.identifier,
        status=term.status.value,
        aliases=list(term.aliases),
        matched_to=matched_to(vocabulary, term),
    )


def _summary(outcome: JobResult) -> str:
    return ", ".join(f"{outcome_name}={count}" for outcome_name, count in outcome.summary.items())
