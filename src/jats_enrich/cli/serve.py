"""``jats-enrich serve``: the HTTP service (service.py), on uvicorn."""

from __future__ import annotations

import argparse
import math
import os
import socket
import sys
from pathlib import Path
from typing import Any

from jats_enrich.cli.exit_codes import ExitCode

DEFAULT_MAX_CONNECTIONS = 1000
FILES_PER_WORKER = 8  # the service's open files per worker process (pipes, sentinels), with room to spare
FILES_RESERVED = 64  # the service's other open files: listener, event loop, logs, fork server
BACKLOG = 64  # connections the kernel queues, and that one turn of the event loop may accept at once


def add_serve_command(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the HTTP service (pip install 'jats-enrich[service]')",
        description="Serve jats-enrich over HTTP for pipelines that are not Python: POST an article to "
        "/v1/enrich or /v1/check, options in the query; the contract is at /openapi.json. Dictionaries are "
        "loaded once; articles are processed in worker processes. One JSON line per request on stderr.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (default: 8080; 0: any free port, printed)")
    serve.add_argument(
        "--workers", type=int, metavar="N", help="worker processes for articles (default: the machine's cores)"
    )
    serve.add_argument(
        "--vocab",
        action="append",
        metavar="NAME|FILE",
        help="dictionary to load (a shipped name or a file); repeatable; requests choose among them by name "
        "with ?vocab= (default: the configuration's, else credit)",
    )
    serve.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="TOML configuration: the defaults of every request (as for enrich)",
    )
    serve.add_argument(
        "--max-body",
        type=float,
        default=20,
        metavar="MB",
        help="largest article accepted, in megabytes (default: 20); larger: 413",
    )
    serve.add_argument(
        "--timeout",
        type=float,
        default=60,
        metavar="SECONDS",
        help="time one article may take (default: 60); longer: 504",
    )
    serve.add_argument(
        "--header-timeout",
        type=float,
        default=10,
        metavar="SECONDS",
        help="time for a request's headers, from the connection's start or its previous answer (default: 10); "
        "longer: 408 and the connection closed",
    )
    serve.add_argument(
        "--body-timeout",
        type=float,
        default=30,
        metavar="SECONDS",
        help="time for a request's body, from its headers (default: 30); longer: 408, what came is dropped",
    )
    serve.add_argument(
        "--max-connections",
        type=int,
        metavar="N",
        help=f"open connections (default: {DEFAULT_MAX_CONNECTIONS}, fewer if the open-file limit is lower); "
        "beyond: the longest idle one is closed, else 503 (/healthz is always answered)",
    )
    serve.add_argument(
        "--max-buffered",
        type=float,
        metavar="MB",
        help="memory for request bodies, all requests together, in megabytes (default: 10 x --max-body); beyond: 503",
    )
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from jats_enrich.api import load_options
    from jats_enrich.errors import UsageError

    try:
        import uvicorn

        from jats_enrich.service.app import ServiceConfig, create_app, http_protocol
    except ImportError as exc:
        missing = f"the service needs its extra ({exc.name} is missing)"
        raise UsageError(f"{missing}: pip install 'jats-enrich[service]'") from None
    max_body, max_buffered = _checked_limits(args)
    workers = args.workers or os.cpu_count() or 1
    max_connections = _max_connections(args.max_connections, workers)
    settings = load_options(args.config, {"vocab": tuple(args.vocab)} if args.vocab else {})
    config = ServiceConfig(
        settings=settings,
        workers=workers,
        max_body=max_body,
        timeout=args.timeout,
        header_timeout=args.header_timeout,
        body_timeout=args.body_timeout,
        max_connections=max_connections,
        max_buffered=max_buffered,
    )
    app = create_app(config)  # loads the dictionaries: a bad one stops here, before listening
    try:
        listener = _listen(args.host, args.port)
    except (OSError, OverflowError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {reason}") from None
    _announce(listener, workers, app.state.vocabulary_names, max_connections)
    _log_to_stderr()
    server = uvicorn.Server(
        uvicorn.Config(
            app, http=http_protocol(config), backlog=BACKLOG, log_config=None, access_log=False, lifespan="on"
        )
    )
    server.run(sockets=[listener])
    return ExitCode.OK


def _checked_limits(args: argparse.Namespace) -> tuple[int, int | None]:
    """The flags' numbers checked before the configuration and the dictionaries are loaded; the
    body limits in bytes (max_body, and max_buffered or None for the service's default)."""
    from jats_enrich.errors import UsageError

    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if not (math.isfinite(args.max_body) and args.max_body > 0):
        raise UsageError(f"--max-body must be a positive number of megabytes, not {args.max_body}")
    for flag in ("timeout", "header_timeout", "body_timeout"):
        value = getattr(args, flag)
        if not (math.isfinite(value) and value > 0):
            raise UsageError(f"--{flag.replace('_', '-')} must be a positive number of seconds, not {value}")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, not {args.port}")
    max_body = int(args.max_body * 1024 * 1024)
    if args.max_buffered is None:
        return max_body, None
    if not (math.isfinite(args.max_buffered) and args.max_buffered * 1024 * 1024 >= max_body):
        at_least = f"at least --max-body ({args.max_body:g} MB)"
        raise UsageError(f"--max-buffered must be {at_least}, not {args.max_buffered}")
    return max_body, int(args.max_buffered * 1024 * 1024)


def _announce(listener: socket.socket, workers: int, vocabularies: list[str], max_connections: int) -> None:
    """The address actually listened on (--port 0 picks one) and what the service runs with."""
    host, port = listener.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(
        f"jats-enrich: serving http://{shown}:{port} ({workers} workers; dictionaries: "
        f"{', '.join(vocabularies)}; at most {max_connections} connections); Ctrl-C stops",
        file=sys.stderr,
        flush=True,
    )


def _max_connections(asked: int | None, workers: int) -> int:
    """The cap on connections: as asked, or the default; either within the open-file limit
    (raised to what it needs when the system allows), so that the service never runs out of file
    descriptors: accept() failing is what lets a flood of idle connections lock everyone out."""
    from jats_enrich.errors import UsageError
    from jats_enrich.service.protocol import CONNECTION_HEADROOM

    if asked is not None and asked < 1:
        raise UsageError(f"--max-connections must be at least 1, not {asked}")
    wanted = asked if asked is not None else DEFAULT_MAX_CONNECTIONS
    # accepted at once before any is looked at, then closed if beyond the cap: room for them too,
    # twice, as those closed to make room free their descriptors only on the event loop's next turn
    overhead = CONNECTION_HEADROOM + 2 * BACKLOG + FILES_RESERVED + FILES_PER_WORKER * workers
    files = _open_files(wanted + overhead)
    if files is None or wanted + overhead <= files:
        return wanted
    if asked is not None or files - overhead < 1:
        raise UsageError(
            f"--max-connections {wanted} needs {wanted + overhead} open files with {workers} workers; this "
            f"system allows {files} (ulimit -n): give fewer connections or workers"
        )
    return files - overhead


def _open_files(needed: int) -> int | None:
    """The open-file limit, raised towards ``needed`` if the hard limit allows; None: no limit."""
    try:
        import resource
    except ImportError:  # not on a POSIX system
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return None
    if soft < needed:
        raised = needed if hard == resource.RLIM_INFINITY else min(hard, needed)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError):
            pass
    return soft


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(BACKLOG)
    listener.set_inheritable(True)
    return listener


def _log_to_stderr() -> None:
    """One JSON object per line, whoever logs: the service's request lines as they are, uvicorn's,
    asyncio's and any other library's messages wrapped, a traceback inside its line (never lines of
    its own), so that the log stays machine-readable whatever clients do."""
    import logging

    from jats_enrich.service.work import JsonLines, log_json_lines

    log_json_lines()  # the root logger: asyncio, concurrent.futures, ...
    ours = logging.StreamHandler(sys.stderr)
    ours.setFormatter(JsonLines())
    log = logging.getLogger("jats_enrich.service.app")
    log.handlers = [ours]
    log.setLevel(logging.INFO)
    log.propagate = False
    for name in ("uvicorn", "uvicorn.error"):
        server_log = logging.getLogger(name)
        server_log.handlers = [ours]
        server_log.setLevel(logging.WARNING)
        server_log.propagate = False
