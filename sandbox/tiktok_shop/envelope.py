"""Response envelope, request ids and the platform error codes the emulator answers with."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.responses import JSONResponse


@dataclass(frozen=True)
class PlatformError(Exception):
    """A platform error: envelope ``code`` and ``message`` with the HTTP status to send."""

    code: int
    message: str
    status: int = 400


def request_id(now: float) -> str:
    """34 characters: UTC ``YYYYMMDDHHMMSS`` + 20 upper-case hex digits (reference 12)."""
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(now))
    return stamp + secrets.token_hex(10).upper()


def envelope(now: float, data: Any, code: int = 0, message: str = "Success") -> dict[str, Any]:
    return {"code": code, "message": message, "request_id": request_id(now), "data": data}


class EnvelopeResponse(JSONResponse):
    """A JSON answer written by orjson: the bytes Starlette's ``JSONResponse`` writes (compact
    separators, UTF-8 text rather than ASCII escapes) for the envelopes the emulator builds
    (strings, ints, bools, lists and dicts), an order of magnitude faster on a page of orders.
    The sandbox shares its machine with the client in benchmarks (bench.ingestion), where the
    stdlib encoder cost about half as much CPU per page as the whole client."""

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except TypeError:  # what orjson does not write (non-string keys, huge ints): the stdlib
            return super().render(content)


def ok(now: float, data: Any) -> JSONResponse:
    return EnvelopeResponse(envelope(now, data))


def fail(now: float, error: PlatformError) -> JSONResponse:
    return EnvelopeResponse(
        envelope(now, None, error.code, error.message), status_code=error.status
    )


# Messages follow DOC common-errors (reference 8); HTTP statuses beyond 401 for 106001 and 429
# for 36009002 are our choice (reference 13.3: unknown), kept consistent with /tmp protocol notes.
def invalid_credentials(detail: str) -> PlatformError:
    return PlatformError(36009004, f"Invalid credentials. {detail}", 401)


INVALID_SIGN = PlatformError(
    106001,
    "Invalid credentials. The 'sign' query parameter is invalid. "
    "For more details: https://m.tiktok.shop/s/AIu6dbFhs2XW",
    401,
)
TOKEN_DEAUTHORIZED = PlatformError(
    105001, "access token is invalid; detail:your token has been deauthorized", 401
)
TOKEN_EXPIRED = PlatformError(
    105002,
    "Expired credentials. The `access_token` or `x-tts-access-token` header has expired.",
    401,
)
MISSING_SCOPE = PlatformError(
    105005,
    "Access denied. The app is not authorized to access the endpoint because the access scopes "
    "granted for the app or the access token do not contain the required access scope for the "
    "endpoint.",
    403,
)
MISSING_SHOP_CIPHER = PlatformError(
    106013, "The shop_cipher query parameter is required for this API.", 400
)
SHOP_NOT_BOUND = PlatformError(
    101000, "The access token is not bound to the shop identified by shop_cipher.", 403
)
WRONG_USER_TYPE = PlatformError(
    101000, "The access token has the wrong user_type for this API.", 403
)
RATE_LIMITED = PlatformError(
    36009002, "Too many requests. You've made too many requests in a short period of time.", 429
)
INTERNAL_ERROR = PlatformError(
    36009003,
    "Internal error. Please try again. If the issue persists after multiple attempts, "
    "please contact platform support.",
    500,
)
INVALID_PATH = PlatformError(36009009, "Invalid path. Please check the request path.", 404)
INVALID_METHOD = PlatformError(36009010, "Invalid method. Please check the HTTP method.", 405)
INVALID_VERSION = PlatformError(
    36009014, "The version name is invalid, please check and retry.", 400
)
BODY_NOT_JSON = PlatformError(36009022, "The request body must be application/json.", 400)


# LOW: the reference lists no parameter-validation code; 36009004 is TikTok's generic
# "invalid identifier" bucket, so bad parameters reuse it with a precise message.
def invalid_param(detail: str) -> PlatformError:
    return PlatformError(36009004, f"Invalid parameter. {detail}", 400)


# Token endpoint codes (reference 2.3, PHP PR #15).
NO_AUTH_RECORD = PlatformError(36004005, "can not find related auth record", 200)
REFRESH_EXPIRED = PlatformError(36004001, "rt has expired", 200)
