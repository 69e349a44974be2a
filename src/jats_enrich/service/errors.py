"""The service's errors, and how every one is answered: ``{"error": "one line"}``."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse


class ServiceError(Exception):
    def __init__(self, status: int, message: str, close: bool = False, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers: dict[str, str] = {}
        if close:  # the body may not have been read: the connection cannot carry another request
            self.headers["Connection"] = "close"
        if retry_after is not None:
            self.headers["Retry-After"] = str(retry_after)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def one_line(errors: Any) -> str:
    """A request's validation errors as the one line of its 422: the first, with where it is."""
    first = errors[0] if errors else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body"))
    message = str(first.get("msg", "invalid request"))
    if first.get("type") == "extra_forbidden":
        message = "unknown option"
    return f"{where}: {message}" if where else message
