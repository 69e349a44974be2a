"""``jats-enrich serve``: the HTTP service (service.py), on uvicorn."""

from __future__ import annotations

import argparse
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
    if args.max_body <= 0 or args.timeout <= 0:
        raise UsageError("--max-body and --timeout must be positive")
    settings = load_settings(args.config, {"vocab": tuple(args.vocab)} if args.vocab else {})
    workers = args.workers or os.cpu_count() or 1
    config = ServiceConfig(
        settings=settings, workers=workers, max_body=int(args.max_body * 1024 * 1024), timeout=args.timeout
    )
    app = create_app(config)  # loads the dictionaries: a bad one stops here, before listening
    try:
        listener = _listen(args.host, args.port)
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    host, port = listener.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(
        f"jats-enrich: serving http://{shown}:{port} ({workers} workers; dictionaries: "
        f"{', '.join(app.state.vocabulary_names)}); Ctrl-C stops",
        file=sys.stderr,
        flush=True,
    )
    _log_to_stderr()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
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
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger("jats_enrich.service")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
