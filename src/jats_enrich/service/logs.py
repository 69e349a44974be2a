"""The service's log: one JSON line per request or server event, and not a flood of them."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import traceback
from typing import Any

# One logger for the whole service, under the name the CLI sets up (``cli.serve._log_to_stderr``)
# and that the log has always had, whichever module of the service writes the line.
log = logging.getLogger("jats_enrich.service.app")

EVENT_LOG_EVERY = 1.0  # the same server event (a timeout, a refused connection) is logged at most this often


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


def log_event(event: str, level: int = logging.INFO, **details: Any) -> None:
    repeated = _events.allow(f"{event} {details.get('phase', '')} {details.get('message', '')}")
    if repeated is None:
        return
    entry: dict[str, Any] = {"event": event, **details}
    if repeated:
        entry["repeated"] = repeated
    log.log(level, json.dumps(entry))


def loop_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The event loop's exception handler: what asyncio would print with a traceback (a socket
    error, accept() out of file descriptors...) as one JSON line, throttled."""
    message = str(context.get("message") or "event loop error")
    error = context.get("exception")
    details: dict[str, Any] = {"message": message}
    if isinstance(error, BaseException):
        details["exception"] = f"{type(error).__name__}: {error}"
        if not isinstance(error, OSError):  # not the network's doing: a bug, worth its traceback (in the line)
            details["traceback"] = "".join(traceback.format_exception(error))
    log_event("event loop error", logging.ERROR, **details)
