"""Broken answers for fault injection: a connection dropped mid-body and a truncated JSON body.

A dropped connection has to look the same to a client under a real server and in-process:

* ``DroppedResponse`` sends the response start with a ``Content-Length`` larger than the body,
  sends part of the body, then raises ``ConnectionDropped``.
* Under uvicorn the exception ends the ASGI call after the body began, so uvicorn closes the
  connection mid-body; the client's HTTP parser sees fewer bytes than announced and raises
  ``httpx.RemoteProtocolError`` (or its own library's equivalent).
* Under ``httpx.ASGITransport`` (``raise_app_exceptions=True``, its default) the exception
  propagates out of the app into the client's ``send``; since ``ConnectionDropped`` subclasses
  ``httpx.RemoteProtocolError`` the client sees the transport error a real client would.
"""

from __future__ import annotations

import httpx
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from sandbox.faults import Faults

_MISSING_BYTES = 64


class ConnectionDropped(httpx.RemoteProtocolError):
    """The sandbox closed the connection before the announced body was complete."""


class DroppedResponse(Response):
    """An answer whose connection is closed after part of its body (see the module docstring)."""

    def __init__(self, original: Response) -> None:
        super().__init__(status_code=original.status_code)
        self.full = bytes(original.body)
        self.raw_headers = [
            (name, value) for name, value in original.raw_headers if name != b"content-length"
        ]
        announced = len(self.full) + _MISSING_BYTES
        self.raw_headers.append((b"content-length", str(announced).encode()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        part = self.full[: len(self.full) // 2]
        await send({"type": "http.response.body", "body": part, "more_body": True})
        raise ConnectionDropped("the sandbox dropped the connection in the middle of the body")


def truncated(original: Response) -> Response:
    """The same answer (status 200, same headers) with its body cut in half: never valid JSON,
    since a JSON object is incomplete until its last byte."""
    body = bytes(original.body)
    cut = max(1, len(body) // 2)
    headers = {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in original.raw_headers
        if name != b"content-length"
    }
    return Response(body[:cut], status_code=original.status_code, headers=headers)


def broken(faults: Faults | None, kind: str | None, response: Response) -> Response:
    """Apply the request's ``drop``/``malformed`` fault to a successful answer (counted in the
    report only then); other answers pass unchanged."""
    if faults is None or kind not in ("drop", "malformed"):
        return response
    if not 200 <= response.status_code < 300:
        return response
    faults.injected[kind] += 1
    return DroppedResponse(response) if kind == "drop" else truncated(response)
