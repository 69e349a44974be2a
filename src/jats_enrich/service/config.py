"""The service's configuration: what ``jats-enrich serve`` is given, and the defaults of its limits."""

from __future__ import annotations

from dataclasses import dataclass, field

from jats_enrich.api import EnrichOptions

MB = 1024 * 1024
DEFAULT_MAX_BODY = 20 * MB
DEFAULT_TIMEOUT = 60.0
DEFAULT_HEADER_TIMEOUT = 10.0  # from a connection's start (or its previous response) to a request's last header
DEFAULT_BODY_TIMEOUT = 30.0  # from a request's headers to the last byte of its body
DEFAULT_MAX_CONNECTIONS = 1000
BUFFERED_BODIES = 10  # the default memory for bodies, all requests together: this many --max-body
LINGER_SECONDS = 10.0  # at most, reading and throwing away the rest of a refused body before closing


@dataclass(frozen=True)
class ServiceConfig:
    settings: EnrichOptions = field(default_factory=EnrichOptions)
    workers: int = 1
    max_body: int = DEFAULT_MAX_BODY  # bytes
    timeout: float = DEFAULT_TIMEOUT
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    max_buffered: int | None = None  # bytes of bodies in memory at once; None: BUFFERED_BODIES × max_body

    @property
    def buffered_limit(self) -> int:
        return self.max_buffered if self.max_buffered is not None else BUFFERED_BODIES * self.max_body

    @property
    def linger(self) -> float:
        return min(LINGER_SECONDS, self.body_timeout)
