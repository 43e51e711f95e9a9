"""Amazon's order lists (getOrders v0 and searchOrders 2026-01-01) under every fault of the
catalogue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from amazon_client import ANCHOR_TS, Amz, Clock, amazon_sandbox
from amazon_flows import MARKETS, iso
from fault_contract import FaultContract, Lister

PERSONA = "amazon_us"
DAY = 86400


class AmazonOrders(Lister):
    """getOrders (v0)."""

    platform = "amazon"
    time_field = "PurchaseDate"

    def __init__(self, amz: Amz, token: str) -> None:
        super().__init__(amz.client)
        self.amz, self.token = amz, token

    async def page(self, token: str | None) -> httpx.Response:
        params: dict[str, Any] = {"MarketplaceIds": MARKETS[PERSONA]}
        if token:
            params["NextToken"] = token
        else:
            params.update(CreatedAfter=iso(ANCHOR_TS - 30 * DAY), MaxResultsPerPage=5)
        return await self.amz.get(self.token, "/orders/v0/orders", params)

    def records(self, body: Any) -> list[dict[str, Any]]:
        orders: list[dict[str, Any]] = body["payload"]["Orders"]
        return orders

    def next_token(self, body: Any) -> str | None:
        token: str | None = body["payload"].get("NextToken")
        return token

    def record_id(self, record: dict[str, Any]) -> str:
        return str(record["AmazonOrderId"])

    def amount(self, record: dict[str, Any]) -> Any:
        return (record.get("OrderTotal") or {}).get("Amount")

    def assert_server_error(self, response: httpx.Response, status: int) -> None:
        assert response.status_code == status
        assert response.json()["errors"][0]["code"] == "InternalFailure"

    def assert_throttled(self, response: httpx.Response) -> None:
        assert response.status_code == 429
        assert response.json()["errors"][0]["code"] == "QuotaExceeded"


class AmazonSearchOrders(AmazonOrders):
    """searchOrders (2026-01-01)."""

    time_field = "createdTime"

    async def page(self, token: str | None) -> httpx.Response:
        params: dict[str, Any] = {
            "createdAfter": iso(ANCHOR_TS - 30 * DAY),
            "includedData": "FULFILLMENT,PROCEEDS",
            "maxResultsPerPage": 5,
        }
        if token:
            params["paginationToken"] = token
        return await self.amz.get(self.token, "/orders/2026-01-01/orders", params)

    def records(self, body: Any) -> list[dict[str, Any]]:
        orders: list[dict[str, Any]] = body["orders"]
        return orders

    def next_token(self, body: Any) -> str | None:
        token: str | None = (body.get("pagination") or {}).get("nextToken")
        return token

    def record_id(self, record: dict[str, Any]) -> str:
        return str(record["orderId"])

    def amount(self, record: dict[str, Any]) -> Any:
        return ((record.get("proceeds") or {}).get("grandTotal") or {}).get("amount")


async def _amazon(kind: type[AmazonOrders]) -> AsyncIterator[AmazonOrders]:
    # a fast virtual bucket: these tests are about injected faults, not real throttling
    async with amazon_sandbox(Clock(ANCHOR_TS + 3600.0), time_scale=10_000.0) as amz:
        yield kind(amz, (await amz.login(PERSONA))["access_token"])


class TestAmazonGetOrdersFaults(FaultContract):
    @pytest.fixture
    async def lister(self) -> AsyncIterator[AmazonOrders]:
        async for orders in _amazon(AmazonOrders):
            yield orders

    async def test_token_endpoint_is_not_faulted(self, lister: AmazonOrders) -> None:
        await lister.plan(error_rate=1.0)
        assert (await lister.amz.login("amazon_eu"))["access_token"]

    async def test_legacy_rate_limit_is_quota_exceeded(self, lister: AmazonOrders) -> None:
        await lister.plan(rate_limit_rate=1.0)
        lister.assert_throttled(await lister.page(None))


class TestAmazonSearchOrdersFaults(FaultContract):
    @pytest.fixture
    async def lister(self) -> AsyncIterator[AmazonOrders]:
        async for orders in _amazon(AmazonSearchOrders):
            yield orders
