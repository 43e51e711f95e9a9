"""Parameter validation as Amazon's models and the reference specify: 400 InvalidInput."""

from __future__ import annotations

from typing import Any

import pytest
from amazon_client import ANCHOR_TS, Clock, amazon_sandbox
from amazon_flows import iso

NOW = ANCHOR_TS + 3600.0
US = "ATVPDKIKX0DER"
AFTER = iso(ANCHOR_TS - 86400)

V0_BAD: dict[str, dict[str, Any]] = {
    "missing MarketplaceIds": {"CreatedAfter": AFTER},
    "neither After": {"MarketplaceIds": US},
    "both After": {"MarketplaceIds": US, "CreatedAfter": AFTER, "LastUpdatedAfter": AFTER},
    "Before under 2 minutes ago": {
        "MarketplaceIds": US,
        "CreatedAfter": AFTER,
        "CreatedBefore": iso(NOW - 60),
    },
    "Before earlier than After": {
        "MarketplaceIds": US,
        "CreatedAfter": AFTER,
        "CreatedBefore": iso(ANCHOR_TS - 2 * 86400),
    },
    "created with updated Before": {
        "MarketplaceIds": US,
        "CreatedAfter": AFTER,
        "LastUpdatedBefore": iso(ANCHOR_TS),
    },
    "MaxResultsPerPage 0": {"MarketplaceIds": US, "CreatedAfter": AFTER, "MaxResultsPerPage": 0},
    "MaxResultsPerPage 101": {
        "MarketplaceIds": US,
        "CreatedAfter": AFTER,
        "MaxResultsPerPage": 101,
    },
    "not a date": {"MarketplaceIds": US, "CreatedAfter": "yesterday"},
    "51 marketplaces": {"MarketplaceIds": ",".join([US] * 51), "CreatedAfter": AFTER},
}
V2026_BAD: dict[str, dict[str, Any]] = {
    "neither After": {},
    "both After": {"createdAfter": AFTER, "lastUpdatedAfter": AFTER},
    "Before under 2 minutes ago": {"lastUpdatedAfter": AFTER, "lastUpdatedBefore": iso(NOW - 119)},
    "maxResultsPerPage 101": {"createdAfter": AFTER, "maxResultsPerPage": 101},
    "unknown includedData": {"createdAfter": AFTER, "includedData": "EVERYTHING"},
    "unknown fulfillmentStatuses": {"createdAfter": AFTER, "fulfillmentStatuses": "LOST"},
}


async def call(path: str, params: dict[str, Any]) -> Any:
    async with amazon_sandbox(Clock(NOW)) as amz:
        token = (await amz.login("amazon_us"))["access_token"]
        return await amz.get(token, path, params)


class TestGetOrdersValidation:
    @pytest.mark.parametrize("case", sorted(V0_BAD))
    async def test_invalid_input(self, case: str) -> None:
        response = await call("/orders/v0/orders", V0_BAD[case])
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "InvalidInput"
        assert response.headers["x-amzn-RateLimit-Limit"] == "0.0167"

    async def test_before_just_over_two_minutes_ago_is_fine(self) -> None:
        params = {"MarketplaceIds": US, "CreatedAfter": AFTER, "CreatedBefore": iso(NOW - 121)}
        assert (await call("/orders/v0/orders", params)).status_code == 200


class TestSearchOrdersValidation:
    @pytest.mark.parametrize("case", sorted(V2026_BAD))
    async def test_invalid_input(self, case: str) -> None:
        response = await call("/orders/2026-01-01/orders", V2026_BAD[case])
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "InvalidInput"

    async def test_marketplace_ids_are_optional(self) -> None:
        assert (await call("/orders/2026-01-01/orders", {"createdAfter": AFTER})).status_code == 200


class TestFinanceValidation:
    async def test_missing_posted_after(self) -> None:
        response = await call("/finances/2024-06-19/transactions", {})
        assert response.status_code == 400
        assert response.json()["errors"][0]["message"] == "Start date cannot be null"

    async def test_window_over_180_days_is_empty_not_an_error(self) -> None:
        params = {"postedAfter": iso(ANCHOR_TS - 181 * 86400), "postedBefore": iso(ANCHOR_TS)}
        response = await call("/finances/2024-06-19/transactions", params)
        assert response.status_code == 200 and response.json() == {"payload": {"transactions": []}}

    async def test_group_page_size_range(self) -> None:
        response = await call("/finances/v0/financialEventGroups", {"MaxResultsPerPage": 101})
        assert response.status_code == 400
