"""Errors the service raises on purpose, each carrying its HTTP status, rendered by one handler.

Every error the service answers has one shape, ``{"error": {"code", "message"}}``: its own errors,
request validation (422, with the fields at fault), bodies that cannot be parsed and the
framework's own 4xx. Routes declare the statuses they answer with `error_responses`, so the OpenAPI
document tells clients (and the schema fuzzer) every status they can get.
Messages are for people and never contain secrets; platform tokens never reach them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException


class ErrorDetail(BaseModel):
    loc: list[str | int] = Field(description="where the problem is: body, query, path … and field")
    msg: str
    type: str


class ErrorBody(BaseModel):
    code: str = Field(description="stable, machine-readable: not_found, invalid_request, …")
    message: str = Field(description="what went wrong, in words")
    details: list[ErrorDetail] | None = Field(
        default=None, description="for invalid_request: each field at fault"
    )


class ErrorOut(BaseModel):
    error: ErrorBody


DESCRIPTIONS = {
    400: "Bad request: the request is understood but refused (see the code)",
    401: "Not authenticated: sign in, or send a valid API key as a Bearer token",
    403: "Forbidden: the credentials lack the permission",
    404: "Not found",
    409: "Conflict with the current state",
    413: "Request body too large",
    422: "Invalid request: a parameter or the body does not match the schema",
    429: "Too many attempts: retry after the Retry-After header's seconds",
    502: "The platform answered in a way the service cannot use",
    503: "The service is overloaded or shutting down: retry later",
    504: "The request took longer than the service's deadline: retry later",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` for the error statuses a route answers with."""
    return {status: {"model": ErrorOut, "description": DESCRIPTIONS[status]} for status in statuses}


def error_json(
    status: int,
    code: str,
    message: str,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, **extra}}, status_code=status, headers=headers
    )


class AppError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class NotAuthenticated(AppError):
    status_code = 401
    code = "not_authenticated"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class BadGateway(AppError):
    """The platform answered in a way we cannot use."""

    status_code = 502
    code = "platform_error"


def _where(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc) or "request"


def install_error_handler(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _render(_: Request, exc: AppError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return error_json(exc.status_code, exc.code, exc.message, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        # The offending input is not echoed back: it may be a token pasted in the wrong field.
        details = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        first = details[0] if details else {"loc": [], "msg": "the request is invalid"}
        message = f"{_where(first['loc'])}: {first['msg']}"
        if len(details) > 1:
            message += f" (and {len(details) - 1} more)"
        return error_json(422, "invalid_request", message, details=details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}.get(
            exc.status_code, "http_error"
        )
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            # The framework's answer to a body it cannot decode (bytes that are not UTF-8, say);
            # undecodable JSON is already a 422, so this is one too.
            message = "body: not valid JSON text (send UTF-8 JSON, as the content type says)"
            details = [{"loc": ["body"], "msg": message, "type": "body_unparsable"}]
            return error_json(422, "invalid_request", message, details=details)
        return error_json(exc.status_code, code, str(exc.detail), headers=exc.headers)
