"""Many jobs on one connection when its access token expires: exactly one refresh, zero failures.

Each job builds its own platform client, as jobs in separate workers do, so nothing in one
process serialises them: only the database lock around the refresh (a row lock on PostgreSQL,
the write lock on SQLite) does. The sandbox rotates refresh tokens, so a job that sent a refresh
token another job had already rotated away would fail with "no auth record".
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from app.config import SandboxSettings
from app.connections.token_crypto import read_tokens
from app.db import transaction
from app.models import BusinessConnection
from app.sync.service import streams_of
from connectors.core.records import Checkpoint
from tests.harness import Harness, running_service

JOBS = 20
REFRESH_PATHS = {
    "tiktok_shop": "/tiktok-shop/auth/api/v2/token/refresh",
    "shopify": "/admin/oauth/access_token",
}


class CountingTransport(httpx.AsyncBaseTransport):
    """Passes requests through and records their paths."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self.inner.handle_async_request(request)


class HeldRefresh(CountingTransport):
    """Holds each TikTok Shop refresh's answer until ``release`` is set: the platform has
    rotated the tokens, the answer is still on its way."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        super().__init__(inner)
        self.rotated = asyncio.Event()
        self.release = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if request.url.path.endswith(REFRESH_PATHS["tiktok_shop"]):
            self.rotated.set()
            await self.release.wait()
        return response


@pytest.fixture
def transport_class() -> type[CountingTransport]:
    """The platform transport's wrapper; a test parametrizes it to use another."""
    return CountingTransport


@pytest.fixture
def counter() -> list[CountingTransport]:
    return []


@pytest.fixture
async def harness(
    database_url: str,
    tmp_path: Path,
    counter: list[CountingTransport],
    transport_class: type[CountingTransport],
) -> AsyncIterator[Harness]:
    def wrap(inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        counter.append(transport_class(inner))
        return counter[0]

    async with running_service(
        database_url,
        tmp_path,
        wrap_platform=wrap,
        sandbox=SandboxSettings(enabled=False, rotate_refresh_tokens=True),
    ) as running:
        yield running


async def first_page(harness: Harness, connection_id: str) -> int:
    """One job: its own client pulls the first page of the connection's first stream."""
    context = harness.context
    async with transaction(context.sessions) as session:
        connection = await session.get(BusinessConnection, connection_id)
        assert connection is not None
        spec = streams_of(context, connection)[0]
    end = context.clock()
    records = 0
    # a window of one slice (TikTok Shop reads longer ones as slices side by side, whose first
    # checkpoint may cover one page or several)
    async for item in spec.open(end - timedelta(days=5), end, None, "created"):
        if isinstance(item, Checkpoint):
            return records
        records += 1
    return records


@pytest.mark.parametrize("persona", ["steady_us", "shopify_steady"])
async def test_concurrent_jobs_refresh_once_and_none_fails(
    harness: Harness, counter: list[CountingTransport], persona: str
) -> None:
    headers = await harness.sign_in("many-jobs")
    await harness.connect(persona, headers)
    (connection,) = (await harness.service.get("/api/connections", headers=headers)).json()
    async with transaction(harness.context.sessions) as session:
        row = await session.get(BusinessConnection, connection["id"])
        assert row is not None
        before = read_tokens(harness.context.keyring, row)
    platform = "shopify" if persona.startswith("shopify") else "tiktok_shop"
    expired = await harness.platform.post(
        f"/_sandbox/{platform}/expire-tokens", json={"persona": persona}
    )
    assert expired.raise_for_status().json()["expired"] >= 1
    transport = counter[0]
    refreshes_before = sum(path.endswith(REFRESH_PATHS[platform]) for path in transport.paths)

    results = await asyncio.gather(
        *(first_page(harness, connection["id"]) for _ in range(JOBS)), return_exceptions=True
    )

    failures = [r for r in results if isinstance(r, BaseException)]
    assert failures == []
    assert len(set(results)) == 1 and results[0] > 0  # every job read the same full page
    refreshes = sum(path.endswith(REFRESH_PATHS[platform]) for path in transport.paths)
    assert refreshes - refreshes_before == 1
    async with transaction(harness.context.sessions) as session:
        row = await session.get(BusinessConnection, connection["id"])
        assert row is not None and row.status == "active"
        after = read_tokens(harness.context.keyring, row)
    assert after.access_token != before.access_token
    assert after.refresh_token != before.refresh_token  # rotated, and the new one was kept


@pytest.mark.parametrize("transport_class", [HeldRefresh])
async def test_a_job_cancelled_during_a_refresh_keeps_the_rotated_tokens(
    harness: Harness, counter: list[CountingTransport]
) -> None:
    # A pull cancels its other streams when one fails; one of them may be refreshing. The
    # platform has already rotated the refresh token, so the new one must reach the database.
    headers = await harness.sign_in("cancelled-refresh")
    await harness.connect("steady_us", headers)
    (connection,) = (await harness.service.get("/api/connections", headers=headers)).json()
    expired = await harness.platform.post(
        "/_sandbox/tiktok_shop/expire-tokens", json={"persona": "steady_us"}
    )
    assert expired.raise_for_status().json()["expired"] >= 1
    transport = counter[0]
    assert isinstance(transport, HeldRefresh)

    job = asyncio.create_task(first_page(harness, connection["id"]))
    async with asyncio.timeout(10):
        await transport.rotated.wait()
    job.cancel()
    transport.release.set()
    with pytest.raises(asyncio.CancelledError):
        await job

    async with asyncio.timeout(10):  # the database is writable: no abandoned transaction
        assert await first_page(harness, connection["id"]) > 0
    async with transaction(harness.context.sessions) as session:
        row = await session.get(BusinessConnection, connection["id"])
        assert row is not None and row.status == "active"
