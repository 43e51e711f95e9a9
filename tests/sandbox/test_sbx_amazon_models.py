"""Every response body the Amazon sandbox serves validates against Amazon's own OpenAPI model."""

from __future__ import annotations

from typing import Any

import pytest
from amazon_client import ANCHOR_TS, PERSONAS, Amz, Clock, amazon_sandbox
from amazon_flows import iso, pages_2026, pages_v0, transactions
from amazon_schema import errors, validate

DAY = 86400
ALL_INCLUDED = "BUYER,RECIPIENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,FULFILLMENT,PACKAGES"
# MEDIUM: the public Sellers API v1 shape (the reference has no Sellers model).
SELLERS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["payload"],
    "properties": {
        "payload": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["marketplace", "participation"],
                "properties": {
                    "marketplace": {
                        "type": "object",
                        "required": ["id", "countryCode", "name", "defaultCurrencyCode",
                                     "defaultLanguageCode", "domainName"],
                        "properties": {"id": {"type": "string"}},
                    },
                    "participation": {
                        "type": "object",
                        "required": ["isParticipating", "hasSuspendedListings"],
                        "properties": {"isParticipating": {"type": "boolean"},
                                       "hasSuspendedListings": {"type": "boolean"}},
                    },
                },
            },
        }
    },
}  # fmt: skip


def ok(body: Any, model_name: str, path: str, status: int = 200) -> None:
    assert validate(body, model_name, path, status) == []


@pytest.fixture
def clock() -> Clock:
    return Clock(ANCHOR_TS + 3600.0)


async def login(amz: Amz, persona: str) -> str:
    return str((await amz.login(persona))["access_token"])


class TestValidator:
    def test_rejects_a_number_amount(self) -> None:
        body = {"payload": {"Orders": [{"AmazonOrderId": "1", "PurchaseDate": "x",
                "LastUpdateDate": "x", "OrderStatus": "Shipped",
                "OrderTotal": {"CurrencyCode": "USD", "Amount": 1.5}}]}}  # fmt: skip
        assert validate(body, "ordersV0.json", "/orders/v0/orders", 200) != []

    def test_rejects_unknown_status_and_missing_required(self) -> None:
        body = {"payload": {"Orders": [{"AmazonOrderId": "1", "OrderStatus": "Lost"}]}}
        found = validate(body, "ordersV0.json", "/orders/v0/orders", 200)
        assert any("enum" in e for e in found) and any("missing" in e for e in found)

    def test_honours_additional_properties_false(self) -> None:
        schema = {"type": "object", "properties": {}, "additionalProperties": False}
        assert errors({"x": 1}, schema, {}) == ["$: unexpected property x"]


class TestOrderModels:
    @pytest.mark.parametrize("persona", PERSONAS)
    async def test_v0_get_orders_and_get_order(self, clock: Clock, persona: str) -> None:
        async with amazon_sandbox(clock, time_scale=1e6) as amz:
            token = await login(amz, persona)
            bodies = await pages_v0(amz, token, persona, ANCHOR_TS - 30 * DAY, None, 100)
            for body in bodies:
                ok(body, "ordersV0.json", "/orders/v0/orders")
            orders = [o for b in bodies for o in b["payload"]["Orders"]]
            for order in orders[:5]:
                response = await amz.get(token, f"/orders/v0/orders/{order['AmazonOrderId']}")
                ok(response.json(), "ordersV0.json", "/orders/v0/orders/{orderId}")

    @pytest.mark.parametrize("persona", PERSONAS)
    @pytest.mark.parametrize("included", ["", "PROCEEDS,FULFILLMENT", ALL_INCLUDED])
    async def test_v2026_search_and_get(self, clock: Clock, persona: str, included: str) -> None:
        async with amazon_sandbox(clock, time_scale=1e6) as amz:
            token = await login(amz, persona)
            bodies = await pages_2026(amz, token, ANCHOR_TS - 20 * DAY, None, 100, included)
            for body in bodies:
                ok(body, "orders_2026-01-01.json", "/orders/2026-01-01/orders")
            for order in [o for b in bodies for o in b["orders"]][:5]:
                response = await amz.get(
                    token,
                    f"/orders/2026-01-01/orders/{order['orderId']}",
                    {"includedData": included},
                )
                ok(response.json(), "orders_2026-01-01.json", "/orders/2026-01-01/orders/{orderId}")


class TestFinanceModels:
    @pytest.mark.parametrize("persona", PERSONAS)
    async def test_list_transactions(self, clock: Clock, persona: str) -> None:
        async with amazon_sandbox(clock, time_scale=1e6) as amz:
            token = await login(amz, persona)
            for body in await transactions(amz, token, ANCHOR_TS - 90 * DAY, ANCHOR_TS):
                ok(body, "finances_2024-06-19.json", "/finances/2024-06-19/transactions")

    @pytest.mark.parametrize("persona", PERSONAS)
    async def test_event_groups_and_their_events(self, clock: Clock, persona: str) -> None:
        async with amazon_sandbox(clock, time_scale=1e6) as amz:
            token = await login(amz, persona)
            params = {"FinancialEventGroupStartedAfter": iso(ANCHOR_TS - 170 * DAY),
                      "MaxResultsPerPage": 100}  # fmt: skip
            response = await amz.get(token, "/finances/v0/financialEventGroups", params)
            body = response.json()
            ok(body, "financesV0.json", "/finances/v0/financialEventGroups")
            for group in body["payload"]["FinancialEventGroupList"][:3]:
                group_id = group["FinancialEventGroupId"]
                path = f"/finances/v0/financialEventGroups/{group_id}/financialEvents"
                events = (await amz.get(token, path)).json()
                ok(
                    events,
                    "financesV0.json",
                    "/finances/v0/financialEventGroups/{eventGroupId}/financialEvents",
                )


class TestErrorModels:
    async def test_400_404_403_and_429_bodies(self, clock: Clock) -> None:
        async with amazon_sandbox(clock) as amz:
            token = await login(amz, "amazon_us")
            bad = await amz.get(token, "/orders/v0/orders", {"CreatedAfter": iso(ANCHOR_TS)})
            ok(bad.json(), "ordersV0.json", "/orders/v0/orders", 400)
            missing = await amz.get(token, "/orders/v0/orders/111-0000000-0000000")
            assert missing.status_code == 404
            ok(missing.json(), "ordersV0.json", "/orders/v0/orders/{orderId}", 404)
            missing26 = await amz.get(token, "/orders/2026-01-01/orders/111-0000000-0000000")
            ok(
                missing26.json(),
                "orders_2026-01-01.json",
                "/orders/2026-01-01/orders/{orderId}",
                404,
            )
            denied = await amz.get("nope", "/orders/2026-01-01/orders", {"createdAfter": iso(0)})
            assert denied.status_code == 403
            ok(denied.json(), "orders_2026-01-01.json", "/orders/2026-01-01/orders", 403)
            no_start = await amz.get(token, "/finances/2024-06-19/transactions")
            ok(
                no_start.json(),
                "finances_2024-06-19.json",
                "/finances/2024-06-19/transactions",
                400,
            )
            params = {"MarketplaceIds": "ATVPDKIKX0DER", "CreatedAfter": iso(ANCHOR_TS - DAY)}
            for _ in range(19):  # the 400 above took the first of the burst of 20
                assert (await amz.get(token, "/orders/v0/orders", params)).status_code == 200
            throttled = await amz.get(token, "/orders/v0/orders", params)
            assert throttled.status_code == 429
            ok(throttled.json(), "ordersV0.json", "/orders/v0/orders", 429)


class TestSellersShape:
    @pytest.mark.parametrize("persona", PERSONAS)
    async def test_marketplace_participations(self, clock: Clock, persona: str) -> None:
        async with amazon_sandbox(clock) as amz:
            token = await login(amz, persona)
            body = (await amz.get(token, "/sellers/v1/marketplaceParticipations")).json()
            assert errors(body, SELLERS_SCHEMA, {}) == []
            personas = (await amz.client.get("/_sandbox/personas")).json()["amazon"]
            mine = next(p for p in personas if p["id"] == persona)
            assert [m["marketplace"]["id"] for m in body["payload"]] == [
                m["id"] for m in mine["marketplaces"]
            ]
