"""Requests that take too long or are too big: the deadline (504, JSON, nothing half-written) and
the limits `creditscore run` gives uvicorn (header size), checked on a real loopback server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from app.cli import SERVER_LIMITS
from app.config import Settings
from app.db import transaction
from app.deps import SessionDep
from app.models import Lender
from app.runtime import PLATFORM_KEEPALIVE_S, open_context
from tests.harness import Harness, running_service

TINY_DEADLINE_S = 0.05


@pytest.fixture
async def hasty(database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    """The service with a tiny request deadline and two routes that wait for what never comes."""
    async with running_service(
        database_url, tmp_path, request_timeout_seconds=TINY_DEADLINE_S
    ) as running:

        async def hang() -> None:
            await asyncio.Event().wait()

        async def write_then_hang(session: SessionDep) -> None:
            session.add(Lender(name="half-written"))
            await session.flush()  # the row is in the open transaction
            await asyncio.Event().wait()

        running.app.add_api_route("/_test/hang", hang)
        running.app.add_api_route("/_test/write-then-hang", write_then_hang, methods=["POST"])
        yield running


class TestRequestDeadline:
    async def test_a_request_past_the_deadline_gets_a_json_504(self, hasty: Harness) -> None:
        response = await hasty.service.get("/_test/hang")
        assert response.status_code == 504
        error = response.json()["error"]
        assert error["code"] == "request_timeout"
        assert "took longer than 0.05 s" in error["message"]

    async def test_work_cut_off_by_the_deadline_is_rolled_back(self, hasty: Harness) -> None:
        response = await hasty.service.post("/_test/write-then-hang")
        assert response.status_code == 504
        async with transaction(hasty.context.sessions) as session:
            names = list(await session.scalars(select(Lender.name)))
        assert "half-written" not in names

    async def test_a_body_that_never_ends_gets_a_504(self, hasty: Harness) -> None:
        async def trickle() -> AsyncIterator[bytes]:
            yield b'{"lender_id": "'
            await asyncio.Event().wait()  # the rest of the body never comes
            yield b'"}'

        headers = await _signed_in_despite_the_deadline(hasty)
        response = await hasty.service.post("/api/grants", content=trickle(), headers=headers)
        assert response.status_code == 504

    async def test_the_deadline_and_the_body_cap_are_documented(self, hasty: Harness) -> None:
        # Read from the app, not over HTTP: the tiny deadline could cut that request off.
        responses = hasty.app.openapi()["paths"]["/api/grants"]["post"]["responses"]
        assert {"413", "422", "504"} <= set(responses)


async def _signed_in_despite_the_deadline(harness: Harness) -> dict[str, str]:
    """A borrower session minted directly: the sign-in route itself races the tiny deadline."""
    from app.borrowers.service import get_or_create
    from app.kit.signed import SESSION

    async with transaction(harness.context.sessions) as session:
        borrower = await get_or_create(session, "dev:hasty", "hasty")
        borrower_id = borrower.id
    return {"Authorization": f"Bearer {harness.context.signer.dumps(borrower_id, SESSION)}"}


SERVED: list[str] = []


async def _ok(scope: dict[str, object], receive: object, send: object) -> None:
    """The smallest ASGI app: 200 and an empty body, whatever the request; notes what it served."""
    assert scope["type"] == "http"
    SERVED.append(str(scope["path"]))
    await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
    await send({"type": "http.response.body", "body": b""})  # type: ignore[operator]


@pytest.fixture
async def loopback_server() -> AsyncIterator[str]:
    """uvicorn on 127.0.0.1 (a free port) with the limits `creditscore run` uses."""
    config = uvicorn.Config(_ok, host="127.0.0.1", port=0, log_level="warning", **SERVER_LIMITS)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # startup failed: show why
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


class TestServerLimits:
    async def test_headers_within_the_limit_pass(self, loopback_server: str) -> None:
        async with httpx.AsyncClient(base_url=loopback_server) as client:
            response = await client.get("/within", headers={"x-padding": "a" * 8_000})
        assert response.status_code == 200
        assert "/within" in SERVED

    async def test_headers_over_the_limit_are_refused(self, loopback_server: str) -> None:
        # h11 refuses once it holds more than the limit of an unfinished request head; what
        # arrives in one socket read (up to 64 KiB) is parsed whole, so send more than that.
        async with httpx.AsyncClient(base_url=loopback_server) as client:
            try:
                response = await client.get("/over", headers={"x-padding": "a" * 200_000})
                assert response.status_code in (400, 431)
            except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
                # uvicorn answers 400 and closes while the client is still sending the rest:
                # the client may see the connection dropped instead.
                pass
        assert "/over" not in SERVED


async def test_platform_connections_are_dropped_before_the_server_would(tmp_path: Path) -> None:
    # The service calls its own server when the sandbox is mounted: reusing a connection the
    # server closes at that moment fails the request (an OAuth code exchange is not retried).
    settings = Settings(data_dir=tmp_path)
    async with open_context(settings, migrate=False) as context:
        pool = context.http._transport._pool  # type: ignore[attr-defined]
        assert pool._keepalive_expiry == PLATFORM_KEEPALIVE_S
    assert SERVER_LIMITS["timeout_keep_alive"] / 2 >= PLATFORM_KEEPALIVE_S
