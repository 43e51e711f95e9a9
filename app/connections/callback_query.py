"""The query string of an OAuth callback, read strictly before anything else is done with it.

A platform redirects the browser back with a handful of short, percent-encoded UTF-8 parameters,
each once. A query that is not that (bytes that are not UTF-8, a parameter twice, an over-long
value, control characters, dozens of parameters) was not written by the platform: it is answered
400 with the reason, before any state is consumed or any platform is called, so a valid
authorization attempt survives a garbled request and can still complete.

A well-formed callback that is refused (denied consent, a forged, expired or replayed state, a
bad Shopify HMAC) still ends on the dashboard with the reason, as a browser flow should.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Request

from app.kit.errors import AppError

MAX_VALUE_CHARS = 2048
MAX_QUERY_BYTES = 16 * 1024
MAX_PARAMETERS = 32


class MalformedCallback(AppError):
    status_code = 400
    code = "malformed_callback"


def strict_callback_query(request: Request) -> dict[str, str]:
    """The callback's parameters, each once; raises `MalformedCallback` (400) otherwise."""
    raw: bytes = request.scope.get("query_string", b"")
    if len(raw) > MAX_QUERY_BYTES:
        raise MalformedCallback(f"the callback's query string is over {MAX_QUERY_BYTES} bytes")
    try:
        pairs = parse_qsl(
            raw.decode("ascii"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_PARAMETERS,
        )
    except UnicodeDecodeError:
        raise MalformedCallback("the callback's query is not percent-encoded UTF-8") from None
    except ValueError:
        raise MalformedCallback(f"the callback has over {MAX_PARAMETERS} parameters") from None
    params: dict[str, str] = {}
    for name, value in pairs:
        shown = _shown(name)
        if any(_is_control(c) for c in name + value):
            raise MalformedCallback(f"parameter {shown} holds control characters")
        if name in params:
            raise MalformedCallback(f"parameter {shown} appears more than once")
        if len(value) > MAX_VALUE_CHARS:
            raise MalformedCallback(f"parameter {shown} is over {MAX_VALUE_CHARS} characters")
        params[name] = value
    return params


def _is_control(char: str) -> bool:
    return ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0


def _shown(name: str) -> str:
    """A parameter name fit to repeat in an error: short and printable, or not at all."""
    if len(name) <= 40 and name.isprintable():
        return repr(name)
    return "(unnamed)" if not name else "(a long or unprintable name)"
