"""HTTP -> the library: the enrichment service (``jats-enrich serve``), for pipelines that are not Python.

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
together: ``body``); in ``protocol.LimitedH11Protocol``, uvicorn's HTTP/1.1 protocol with what it
lacks: a time for the headers, a cap on connections that lets ``/healthz`` through, a lingering
close (a refused body is read and thrown away for a while, so that any client reads the refusal),
and a deadline for every body, whatever the route does with it.

The modules, from the bottom: ``config`` (what the service is given), ``errors``, ``logs``,
``models`` (the contract's bodies), ``work`` (the worker processes), ``body`` (reading a body
within the limits), ``negotiation`` (Accept), ``state`` (dictionaries, worker pool, admission),
``routes`` (the endpoints), ``protocol`` (the connection's limits, for uvicorn), ``app`` (the app
around the endpoints, and what ``jats-enrich serve`` imports).
"""
