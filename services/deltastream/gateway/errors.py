"""The one place where failures become HTTP responses.

A gRPC status from a service maps to an HTTP status by ``HTTP_STATUS_OF``; every error response,
whether from a service, the token checks or FastAPI's own request validation, has the body
``ErrorResponse``: a status name, a message and, when one value is at fault, the field that
carries it (the services name it as ``field: message``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

import grpc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from deltastream.auth.interceptor import RETRY_AFTER_METADATA

HTTP_STATUS_OF: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
}
"""Any other status (INTERNAL, UNKNOWN, UNIMPLEMENTED, DATA_LOSS...) is a 502: the service
failed, not the gateway."""

_CODE_OF_HTTP = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "ALREADY_EXISTS",
    422: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_FIELD_STATUSES = frozenset({grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.OUT_OF_RANGE})
_FIELD_PREFIX = re.compile(r"(?P<field>[a-z_][a-z0-9_.\-\[\]]*): (?P<message>.*)", re.DOTALL)


class ErrorResponse(BaseModel):
    """The body of every error."""

    code: str = Field(description="The status name, e.g. INVALID_ARGUMENT or NOT_FOUND.")
    message: str = Field(description="What went wrong, for people.")
    field: str | None = Field(default=None, description="The parameter at fault, if one is.")


def _documented(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _documented("A parameter the service refused (the field is named)."),
    401: _documented("No valid access token or API key."),
    403: _documented("The caller lacks the role."),
    422: _documented("A parameter of the wrong shape (the field is named)."),
    429: _documented("The caller's request budget is spent; see Retry-After."),
    503: _documented("A service the gateway calls cannot be reached."),
    504: _documented("A service did not answer in time."),
}
"""The error statuses every authenticated route may answer; a route adds its own (404...)."""


def responses(*extra: int) -> dict[int | str, dict[str, Any]]:
    """``ERROR_RESPONSES`` plus statuses of one route (404, 409)."""
    documented = dict(ERROR_RESPONSES)
    for status in extra:
        documented[status] = _documented(_CODE_OF_HTTP.get(status, "error"))
    return documented


def rpc_error_response(error: grpc.aio.AioRpcError) -> JSONResponse:
    """The response of a failed gRPC call."""
    code: grpc.StatusCode = error.code()
    status = HTTP_STATUS_OF.get(code, 502)
    field, message = split_field(code, error.details() or code.name)
    headers = _retry_after(error.trailing_metadata() or ()) if status == 429 else {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    body = ErrorResponse(code=code.name, message=message, field=field)
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def split_field(code: grpc.StatusCode, details: str) -> tuple[str | None, str]:
    """``("rule.expiry", "...")`` from a service's INVALID_ARGUMENT ``"rule.expiry: ..."``; no
    field for any other status (``"unauthenticated: ..."`` names a reason, not a field)."""
    match = _FIELD_PREFIX.fullmatch(details) if code in _FIELD_STATUSES else None
    if match is None:
        return None, details
    return match["field"], match["message"]


def _retry_after(metadata: Iterable[tuple[str, str | bytes]]) -> dict[str, str]:
    for key, value in metadata:
        if key == RETRY_AFTER_METADATA:
            text = value.decode() if isinstance(value, bytes) else value
            if text.isdigit():
                return {"Retry-After": str(max(1, math.ceil(int(text) / 1000)))}
    return {}


def install_error_handlers(app: FastAPI) -> None:
    """Every error through ``ErrorResponse``: gRPC failures, HTTPExceptions (the token checks,
    unknown routes) and request validation."""

    async def on_rpc_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, grpc.aio.AioRpcError)  # noqa: S101 - registered for it
        return rpc_error_response(error)

    async def on_http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)  # noqa: S101 - registered for it
        code = _CODE_OF_HTTP.get(error.status_code, "ERROR")
        body = ErrorResponse(code=code, message=str(error.detail))
        return JSONResponse(body.model_dump(), error.status_code, headers=error.headers)

    async def on_invalid_request(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)  # noqa: S101 - registered for it
        return JSONResponse(validation_error(error.errors()).model_dump(), status_code=422)

    app.add_exception_handler(grpc.aio.AioRpcError, on_rpc_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_invalid_request)


def validation_error(errors: Iterable[Any]) -> ErrorResponse:
    """The first of FastAPI's validation errors, with its field (``query.page_size`` becomes
    ``page_size``; a body's ``body.rule.expiry`` becomes ``rule.expiry``)."""
    first: dict[str, Any] = next(iter(errors), {})
    location = [str(part) for part in first.get("loc", ())]
    field = ".".join(location[1:]) or None
    return ErrorResponse(
        code="INVALID_ARGUMENT", message=str(first.get("msg", "invalid request")), field=field
    )
