"""``jats-enrich serve``: the HTTP service (service.py), on uvicorn."""

from __future__ import annotations

import argparse
import math
import os
import socket
import sys
from pathlib import Path
from typing import Any

EXIT_OK = 0


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
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from .config import load_settings
    from .errors import UsageError

    try:
        import uvicorn

        from .service import ServiceConfig, create_app
    except ImportError as exc:
        missing = f"the service needs its extra ({exc.name} is missing)"
        raise UsageError(f"{missing}: pip install 'jats-enrich[service]'") from None
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if not (math.isfinite(args.max_body) and args.max_body > 0):
        raise UsageError(f"--max-body must be a positive number of megabytes, not {args.max_body}")
    if not (math.isfinite(args.timeout) and args.timeout > 0):
        raise UsageError(f"--timeout must be a positive number of seconds, not {args.timeout}")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, not {args.port}")
    settings = load_settings(args.config, {"vocab": tuple(args.vocab)} if args.vocab else {})
    workers = args.workers or os.cpu_count() or 1
    config = ServiceConfig(
        settings=settings, workers=workers, max_body=int(args.max_body * 1024 * 1024), timeout=args.timeout
    )
    app = create_app(config)  # loads the dictionaries: a bad one stops here, before listening
    try:
        listener = _listen(args.host, args.port)
    except (OSError, OverflowError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {reason}") from None
    host, port = listener.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(
        f"jats-enrich: serving http://{shown}:{port} ({workers} workers; dictionaries: "
        f"{', '.join(app.state.vocabulary_names)}); Ctrl-C stops",
        file=sys.stderr,
        flush=True,
    )
    _log_to_stderr()
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="on"))
    server.run(sockets=[listener])
    return EXIT_OK


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(128)
    listener.set_inheritable(True)
    return listener


def _log_to_stderr() -> None:
    """One JSON object per line: the service's request lines as they are, uvicorn's own messages
    (a malformed request, start-up) wrapped, so that the log stays machine-readable."""
    import json
    import logging

    class UvicornAsJson(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return json.dumps({"event": "server", "level": record.levelname.lower(), "message": record.getMessage()})

    ours = logging.StreamHandler(sys.stderr)
    ours.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger("jats_enrich.service")
    log.addHandler(ours)
    log.setLevel(logging.INFO)
    log.propagate = False
    theirs = logging.StreamHandler(sys.stderr)
    theirs.setFormatter(UvicornAsJson())
    for name in ("uvicorn", "uvicorn.error"):
        server_log = logging.getLogger(name)
        server_log.handlers = [theirs]
        server_log.setLevel(logging.WARNING)
        server_log.propagate = False
