"""A request's body, read within the service's limits: its size, its time, and the memory that all
bodies being received take together."""

from __future__ import annotations

import asyncio

from fastapi import Request
from starlette.requests import ClientDisconnect

from jats_enrich.service.config import MB, ServiceConfig
from jats_enrich.service.errors import ServiceError


class BodyMemory:
    """The service's budget for the bytes of request bodies held in memory, all requests together
    (``--max-buffered``). Its own object, rather than a counter of the service's state, so that
    reading a body needs nothing else of that state."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.buffered = 0  # bytes of request bodies in memory, all requests together

    def hold(self) -> HeldBody:
        return HeldBody(self)


class HeldBody:
    """The bytes of one request's body held in memory, counted against the budget for all bodies
    together until the request is done."""

    def __init__(self, memory: BodyMemory) -> None:
        self.memory = memory
        self.size = 0

    def take(self, size: int) -> bool:
        if self.memory.buffered + size > self.memory.limit:
            return False
        self.memory.buffered += size
        self.size += size
        return True

    def release(self) -> None:
        self.memory.buffered -= self.size
        self.size = 0


async def read_body(request: Request, config: ServiceConfig, held: HeldBody) -> bytes:
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
