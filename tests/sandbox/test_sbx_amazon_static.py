"""Amazon's static sandbox cases (read from the shared reference) come back verbatim."""

from __future__ import annotations

import json
from typing import Any

import pytest
from amazon_client import ANCHOR_TS, REFERENCE, Clock, amazon_sandbox

SP_PATHS = {
    "getOrders_v0.json": "/orders/v0/orders",
    "getOrder_v0.json": "/orders/v0/orders/{orderId}",
    "searchOrders_2026-01-01.json": "/orders/2026-01-01/orders",
    "getOrder_2026-01-01.json": "/orders/2026-01-01/orders/{orderId}",
    "listTransactions_2024-06-19.json": "/finances/2024-06-19/transactions",
    "listFinancialEventGroups_v0.json": "/finances/v0/financialEventGroups",
    "listFinancialEventsByGroupId_v0.json": (
        "/finances/v0/financialEventGroups/{eventGroupId}/financialEvents"
    ),
}


def cases() -> list[tuple[str, int, dict[str, Any]]]:
    out = []
    for name in SP_PATHS:
        data = json.loads((REFERENCE / "amazon" / "sandbox" / name).read_text(encoding="utf-8"))
        out += [(name, i, e) for i, e in enumerate(data["examples"])]
    return out


def request_of(name: str, example: dict[str, Any]) -> tuple[str, dict[str, str]]:
    path, query = SP_PATHS[name], {}
    for key, spec in example["request"]["parameters"].items():
        value = spec["value"]
        text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
        if "{" + key + "}" in path:
            path = path.replace("{" + key + "}", text)
        else:
            query[key] = text
    return path, query


class TestStaticCases:
    @pytest.mark.parametrize(("name", "index", "example"), cases(), ids=lambda v: str(v)[:40])
    async def test_served_verbatim(self, name: str, index: int, example: dict[str, Any]) -> None:
        async with amazon_sandbox(Clock(ANCHOR_TS + 3600.0)) as amz:
            token = (await amz.login("amazon_us"))["access_token"]
            path, query = request_of(name, example)
            response = await amz.get(token, path, query)
            assert response.status_code == example["status"]
            assert response.json() == example["response"]
            assert response.headers["x-amzn-RateLimit-Limit"]
            assert response.headers["x-amzn-RequestId"]

    async def test_an_extra_parameter_is_no_match(self) -> None:
        async with amazon_sandbox(Clock(ANCHOR_TS + 3600.0)) as amz:
            token = (await amz.login("amazon_us"))["access_token"]
            query = {
                "CreatedAfter": "TEST_CASE_200",
                "MarketplaceIds": "ATVPDKIKX0DER",
                "MaxResultsPerPage": "5",
            }
            response = await amz.get(token, "/orders/v0/orders", query)
            assert response.status_code == 400
            assert response.json()["errors"][0]["code"] == "InvalidInput"
