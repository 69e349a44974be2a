"""The HTTP server set-up: uvicorn's HTTP/1.1 protocol with the limits a service facing the network
needs and uvicorn lacks (deadlines for headers and bodies, a cap on connections with headroom,
a lingering close), one class per configuration for ``uvicorn.Config(http=...)``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, ClassVar

import h11
from uvicorn._types import ASGIReceiveCallable, ASGISendCallable, Scope
from uvicorn.config import Config as UvicornConfig
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from jats_enrich.service.config import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    LINGER_SECONDS,
    ServiceConfig,
)
from jats_enrich.service.logs import log, log_event

BODY_GRACE = 2.0  # the connection's own deadline for a body, beyond the app's (which answers 408 first)
CONNECTION_HEADROOM = 32  # connections beyond the cap still accepted (and told 503, or served /healthz)


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
            log_event("connection refused", logging.WARNING, open=len(self.connections) - 1)
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
            log_event("request timeout", phase="headers", status=408, client=_client(self.client))
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
            log_event("request timeout", phase="body", status=None, client=_client(self.client))
        self.end()

    def _evict_one(self) -> bool:
        """Close the connection that has waited longest for a request; False when none waits."""
        victim = next(iter(self.waiting), None)
        if victim is None:
            return False
        log_event("connection closed: too many", open=len(self.connections) - 1)
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
