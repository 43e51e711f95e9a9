"""Faults over a real socket: the sandbox served by uvicorn on 127.0.0.1 (an ephemeral port,
stopped by the test), so a dropped connection is a connection really closed mid-body."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from test_sbx_faults_tiktok_shop import TikTokOrders
from tts_client import ANCHOR_TS, Clock, Tts, make_config, shop_cipher

from sandbox.fault_answers import ConnectionDropped
from sandbox.server import create_sandbox_app


@pytest.fixture
async def served() -> AsyncIterator[TikTokOrders]:
    clock = Clock(ANCHOR_TS + 3600.0)
    config = make_config(clock, rate_limit_per_second=100_000)
    server = uvicorn.Server(
        uvicorn.Config(create_sandbox_app(config), host="127.0.0.1", port=0, log_level="critical")
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            tts = Tts(client, clock, config.tiktok.app_key, config.tiktok.app_secret)
            token = (await tts.authorize("steady_us"))["data"]["access_token"]
            yield TikTokOrders(tts, token, await shop_cipher(tts, token))
    finally:
        server.should_exit = True
        await task


class TestOverASocket:
    async def test_dropped_connection_is_closed_mid_body(self, served: TikTokOrders) -> None:
        await served.plan(drop_rate=1.0)
        with pytest.raises(httpx.RemoteProtocolError) as raised:
            await served.page(None)
        # the client's own parser noticed the short body: not the sandbox's exception class
        assert not isinstance(raised.value, ConnectionDropped)
        await served.plan()
        assert served.records(await served.ok_page(None))

    async def test_malformed_body_arrives_whole_but_cut(self, served: TikTokOrders) -> None:
        await served.plan(malformed_rate=1.0)
        response = await served.page(None)
        assert response.status_code == 200
        with pytest.raises(ValueError):
            response.json()
