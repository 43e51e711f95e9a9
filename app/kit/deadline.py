"""A deadline on every HTTP request: past it the client gets a 504 with a JSON error, not a hang.

The deadline covers the whole request, reading the body included, so a client that trickles its
body (or never finishes it) is cut off too. Work running in the request is cancelled, which rolls
back its open transaction; jobs the request already queued run on, as they do when a client
disconnects. A response that has already started cannot change its status: it is cut short.
"""

from __future__ import annotations

import asyncio
import json

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger(__name__)


class RequestDeadline:
    def __init__(self, app: ASGIApp, seconds: float):
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        deadline = asyncio.timeout(self.seconds)
        try:
            async with deadline:
                await self.app(scope, receive, tracking_send)
        except TimeoutError:
            if not deadline.expired():
                raise  # a timeout of the app's own, not the request's deadline
            log.warning(
                "request_deadline_exceeded",
                method=scope.get("method"),
                path=scope.get("path"),
                seconds=self.seconds,
                response_started=started,
            )
            if not started:
                await self._timed_out(send)

    async def _timed_out(self, send: Send) -> None:
        body = json.dumps(
            {
                "error": {
                    "code": "request_timeout",
                    "message": f"the request took longer than {self.seconds:g} s: retry later",
                }
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 504,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
