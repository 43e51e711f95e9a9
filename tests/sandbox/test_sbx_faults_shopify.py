"""Shopify's GraphQL orders connection (and REST) under every fault of the catalogue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fault_contract import FaultContract, Lister
from shopify_client import ORDERS_QUERY, PERSONAS, Shopify, client_for, make_config
from tts_client import ANCHOR_TS, Clock

PERSONA = "shopify_steady"


class ShopifyOrders(Lister):
    platform = "shopify"
    time_field = "createdAt"

    def __init__(self, shopify: Shopify, token: str) -> None:
        super().__init__(shopify.client)
        self.shopify, self.token, self.shop = shopify, token, PERSONAS[PERSONA]

    async def page(self, token: str | None) -> httpx.Response:
        variables = {"first": 5, "after": token, "q": None}
        return await self.shopify.graphql(self.shop, self.token, ORDERS_QUERY, variables)

    def records(self, body: Any) -> list[dict[str, Any]]:
        return [edge["node"] for edge in body["data"]["orders"]["edges"]]

    def next_token(self, body: Any) -> str | None:
        info = body["data"]["orders"]["pageInfo"]
        return str(info["endCursor"]) if info["hasNextPage"] else None

    def record_id(self, record: dict[str, Any]) -> str:
        return str(record["id"])

    def amount(self, record: dict[str, Any]) -> Any:
        return record["totalPriceSet"]["shopMoney"].get("amount")

    def assert_server_error(self, response: httpx.Response, status: int) -> None:
        assert response.status_code == status
        assert response.json() == {"errors": "Internal Server Error"}

    def assert_throttled(self, response: httpx.Response) -> None:
        assert response.status_code == 429
        assert response.json()["errors"].startswith("Exceeded 2 calls per second")


@pytest.fixture
async def lister() -> AsyncIterator[ShopifyOrders]:
    clock = Clock(ANCHOR_TS + 3600.0)
    async with client_for(make_config(clock)) as client:
        shopify = Shopify(client, clock)
        yield ShopifyOrders(shopify, await shopify.access_token(PERSONA))


class TestShopifyFaults(FaultContract):
    async def test_rest_gets_request_faults_too(self, lister: ShopifyOrders) -> None:
        await lister.plan(no_retry_after_rate=1.0)
        response = await lister.shopify.rest(lister.shop, lister.token, "shop.json")
        lister.assert_throttled(response)
        await lister.plan(malformed_rate=1.0)
        response = await lister.shopify.rest(lister.shop, lister.token, "shop.json")
        assert response.status_code == 200
        with pytest.raises(ValueError):
            response.json()

    async def test_legacy_rate_limit_is_the_graphql_throttle(self, lister: ShopifyOrders) -> None:
        await lister.plan(rate_limit_rate=1.0)
        body = (await lister.page(None)).json()
        assert body["errors"][0]["extensions"]["code"] == "THROTTLED"

    async def test_token_endpoint_is_not_faulted(self, lister: ShopifyOrders) -> None:
        await lister.plan(error_rate=1.0)
        assert await lister.shopify.access_token("shopify_growing")
