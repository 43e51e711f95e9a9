"""TikTok Shop's order search under every fault of the catalogue (``sandbox.faults``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fault_contract import FaultContract, Lister
from tts_client import ANCHOR_TS, DAY, Clock, Tts, client_for, make_config, shop_cipher

ORDERS = "/order/202309/orders/search"
WINDOW = {"create_time_ge": ANCHOR_TS - 30 * DAY, "create_time_lt": ANCHOR_TS}


class TikTokOrders(Lister):
    platform = "tiktok_shop"
    time_field = "create_time"

    def __init__(self, tts: Tts, token: str, cipher: str) -> None:
        super().__init__(tts.client)
        self.tts, self.token, self.cipher = tts, token, cipher

    async def page(self, token: str | None) -> httpx.Response:
        query = {"shop_cipher": self.cipher, "page_size": "5"}
        if token:
            query["page_token"] = token
        return await self.tts.call("POST", ORDERS, self.token, query, WINDOW)

    def records(self, body: Any) -> list[dict[str, Any]]:
        orders: list[dict[str, Any]] = body["data"]["orders"]
        return orders

    def next_token(self, body: Any) -> str | None:
        token: str | None = body["data"]["next_page_token"] or None
        return token

    def record_id(self, record: dict[str, Any]) -> str:
        return str(record["id"])

    def amount(self, record: dict[str, Any]) -> Any:
        return record["payment"].get("total_amount")

    def assert_server_error(self, response: httpx.Response, status: int) -> None:
        assert response.status_code == status
        assert response.json()["code"] == 36009003

    def assert_throttled(self, response: httpx.Response) -> None:
        assert response.status_code == 429
        assert response.json()["code"] == 36009002


@pytest.fixture
async def lister() -> AsyncIterator[TikTokOrders]:
    clock = Clock(ANCHOR_TS + 3600.0)
    config = make_config(clock, rate_limit_per_second=100_000)
    async with client_for(config) as client:
        tts = Tts(client, clock, config.tiktok.app_key, config.tiktok.app_secret)
        token = (await tts.authorize("steady_us"))["data"]["access_token"]
        yield TikTokOrders(tts, token, await shop_cipher(tts, token))


class TestTikTokShopFaults(FaultContract):
    async def test_token_endpoint_is_not_faulted(self, lister: TikTokOrders) -> None:
        await lister.plan(error_rate=1.0)
        granted = await lister.tts.authorize("growing_us")
        assert granted["code"] == 0 and granted["data"]["access_token"]
