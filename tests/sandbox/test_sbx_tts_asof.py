"""TikTok Shop as of the sandbox clock: records appear when created, change event by event, are
served in their generated state once the clock has passed every change, and the ground truth
at an instant agrees with the API at that instant. Then the update-time index lag."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tts_client import ANCHOR, ANCHOR_TS, Clock, Tts, shop_cipher

from sandbox.personas import PERSONAS
from sandbox.tiktok_shop.asof import dataset_at
from sandbox.tiktok_shop.dataset import dataset

DAY = 86400
PERSONA = "high_returns"
SEARCH = "/order/202309/orders/search"
LIFECYCLE = (
    ("paid_time", "AWAITING_SHIPMENT"),
    ("rts_time", "AWAITING_COLLECTION"),
    ("collection_time", "IN_TRANSIT"),
    ("delivery_time", "DELIVERED"),
)


async def seller(tts: Tts) -> tuple[str, str]:
    token = (await tts.authorize(PERSONA))["data"]["access_token"]
    return token, await shop_cipher(tts, token)


async def orders(tts: Tts, token: str, cipher: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    query = {"shop_cipher": cipher, "page_size": "100", "sort_order": "ASC"}
    found, _ = await tts.pull("POST", SEARCH, token, "orders", query, body)
    return found


async def detail(tts: Tts, token: str, cipher: str, order_id: str) -> list[dict[str, Any]]:
    query = {"shop_cipher": cipher, "ids": order_id}
    body = (await tts.call("GET", "/order/202309/orders", token, query)).json()
    assert body["code"] == 0, body
    found: list[dict[str, Any]] = body["data"]["orders"]
    return found


async def completed_order(tts: Tts, token: str, cipher: str) -> dict[str, Any]:
    window = {"create_time_ge": ANCHOR_TS - 30 * DAY, "create_time_lt": ANCHOR_TS - 20 * DAY}
    done = [o for o in await orders(tts, token, cipher, window) if o["status"] == "COMPLETED"]
    assert done
    return done[0]


class TestOrderAsOf:
    async def test_invisible_then_each_step_then_final(self, tts: Tts, clock: Clock) -> None:
        token, cipher = await seller(tts)
        final = await completed_order(tts, token, cipher)
        window = {
            "create_time_ge": final["create_time"],
            "create_time_lt": final["create_time"] + 1,
        }

        clock.now = final["create_time"]
        assert await detail(tts, token, cipher, final["id"]) == []
        assert await orders(tts, token, cipher, window) == []

        clock.now = final["create_time"] + 1
        (placed,) = await detail(tts, token, cipher, final["id"])
        assert placed["status"] == "UNPAID" and placed["update_time"] == final["create_time"]
        assert "paid_time" not in placed and "recipient_address" not in placed
        assert all("package_id" not in item for item in placed["line_items"])

        for time_field, status in LIFECYCLE:
            clock.now = final[time_field] + 1
            (order,) = await detail(tts, token, cipher, final["id"])
            assert order["status"] == status, time_field
            assert order["update_time"] == final[time_field]
            assert order[time_field] == final[time_field]
            assert {i["display_status"] for i in order["line_items"]} == {status}
            assert await orders(tts, token, cipher, window) == [order]

        clock.now = final["update_time"]  # completion not yet happened
        (delivered,) = await detail(tts, token, cipher, final["id"])
        assert delivered["status"] == "DELIVERED"
        clock.now = final["update_time"] + 1
        assert await detail(tts, token, cipher, final["id"]) == [final]

    async def test_returns_are_requested_then_final(self, tts: Tts, clock: Clock) -> None:
        token, cipher = await seller(tts)
        path, query = "/return_refund/202309/returns/search", {"shop_cipher": cipher}
        body = {"create_time_ge": ANCHOR_TS - 60 * DAY, "create_time_lt": ANCHOR_TS - 30 * DAY}
        returns, _ = await tts.pull("POST", path, token, "return_orders", query, body)
        final = next(r for r in returns if r["update_time"] > r["create_time"])
        by_id = {"return_ids": [final["return_id"]]}
        for now, expected in (
            (final["create_time"], None),
            (final["update_time"], "RETURN_OR_REFUND_REQUEST_PENDING"),
            (final["update_time"] + 1, final["return_status"]),
        ):
            clock.now = now
            found, _ = await tts.pull("POST", path, token, "return_orders", query, by_id)
            assert [r["return_status"] for r in found] == ([expected] if expected else [])

    async def test_statements_appear_when_posted_and_are_paid_two_days_later(
        self, tts: Tts, clock: Clock
    ) -> None:
        token, cipher = await seller(tts)
        path = "/finance/202309/statements"
        query = {"shop_cipher": cipher, "sort_field": "statement_time", "page_size": "100"}
        everything, _ = await tts.pull("GET", path, token, "statements", query)
        paid = [s for s in everything if s["payment_status"] == "PAID"]
        chosen = paid[len(paid) // 2]
        moment = chosen["statement_time"]
        for now, status in (
            (moment, None),
            (moment + 1, "PROCESSING"),
            (moment + 2 * DAY + 1, "PAID"),
        ):
            clock.now = now
            found, _ = await tts.pull("GET", path, token, "statements", query)
            match = [s["payment_status"] for s in found if s["id"] == chosen["id"]]
            assert match == ([status] if status else [])
            assert all(s["statement_time"] < now for s in found)

    async def test_affiliate_commission_settles_with_the_order(
        self, tts: Tts, clock: Clock
    ) -> None:
        token, cipher = await seller(tts)
        path = "/affiliate_seller/202410/orders/search"
        query = {"shop_cipher": cipher, "page_size": "100"}
        window = {"create_time_ge": ANCHOR_TS - 40 * DAY, "create_time_lt": ANCHOR_TS - 20 * DAY}
        found, _ = await tts.pull("POST", path, token, "orders", query, window)
        final = next(o for o in found if o["status"] == "COMPLETED")
        order = (await detail(tts, token, cipher, final["id"]))[0]
        clock.now = order["delivery_time"] + 1
        early, _ = await tts.pull("POST", path, token, "orders", query, window)
        (processing,) = [o for o in early if o["id"] == final["id"]]
        assert processing["status"] == "PROCESSING"
        assert all("actual_paid_commission" not in s for s in processing["skus"])
        assert processing["delivery_time"] == final["delivery_time"]


class TestGroundTruthAsOf:
    async def test_truth_at_an_instant_agrees_with_the_api_then(
        self, tts: Tts, clock: Clock
    ) -> None:
        token, cipher = await seller(tts)
        start, end = ANCHOR_TS - 10 * DAY, ANCHOR_TS
        for as_of in (ANCHOR_TS - 7 * DAY, ANCHOR_TS - 2 * DAY + 4321, ANCHOR_TS + 3600):
            params = {"start": start, "end": end, "as_of": as_of}
            truth = (
                await tts.client.get(f"/_sandbox/tiktok_shop/ground-truth/{PERSONA}", params=params)
            ).json()
            clock.now = as_of
            found = await orders(
                tts, token, cipher, {"create_time_ge": start, "create_time_lt": end}
            )
            assert truth["as_of"] == as_of
            assert truth["order_ids"] == sorted(o["id"] for o in found)
            by_status: dict[str, int] = {}
            for order in found:
                by_status[order["status"]] = by_status.get(order["status"], 0) + 1
            assert truth["orders"]["count_by_status"] == dict(sorted(by_status.items()))
            assert all(o["create_time"] < as_of for o in found)

    def test_after_every_change_the_generated_data_are_served(self) -> None:
        later = ANCHOR_TS + 3600
        for persona in PERSONAS:
            assert dataset_at(7, ANCHOR, persona.id, 180, later) is dataset(
                7, ANCHOR, persona.id, 180
            )

    def test_before_the_anchor_something_differs(self) -> None:
        earlier = dataset_at(7, ANCHOR, PERSONA, 180, ANCHOR_TS - DAY)
        final = dataset(7, ANCHOR, PERSONA, 180)
        assert len(earlier.orders) < len(final.orders)
        assert len(earlier.statements) < len(final.statements)
        assert earlier.orders != final.orders[: len(earlier.orders)]
        assert dt.datetime.fromtimestamp(ANCHOR_TS, dt.UTC).date() == ANCHOR


class TestIndexLag:
    async def test_update_filters_see_a_change_only_after_the_lag(
        self, tts: Tts, clock: Clock
    ) -> None:
        lag = 600
        answer = await tts.client.post(
            "/_sandbox/index-lag", json={"platform": "tiktok_shop", "index_lag_seconds": lag}
        )
        assert answer.json()["index_lag_seconds"] == {"tiktok_shop": lag, "shopify": 0, "amazon": 0}
        token, cipher = await seller(tts)
        final = await completed_order(tts, token, cipher)
        changed = final["delivery_time"]
        by_update = {"update_time_ge": changed, "update_time_lt": changed + 1}
        by_create = {
            "create_time_ge": final["create_time"],
            "create_time_lt": final["create_time"] + 1,
        }

        clock.now = changed + 1
        assert [o["status"] for o in await orders(tts, token, cipher, by_create)] == ["DELIVERED"]
        assert await orders(tts, token, cipher, by_update) == []
        clock.now = changed + lag
        assert await orders(tts, token, cipher, by_update) == []
        clock.now = changed + lag + 1
        (found,) = await orders(tts, token, cipher, by_update)
        assert found["id"] == final["id"] and found["status"] == "DELIVERED"

    async def test_the_lag_is_validated(self, tts: Tts) -> None:
        for body in (
            {"platform": "ebay", "index_lag_seconds": 5},
            {"platform": "tiktok_shop", "index_lag_seconds": -1},
            {"platform": "tiktok_shop", "index_lag_seconds": "5"},
        ):
            answer = await tts.client.post("/_sandbox/index-lag", json=body)
            assert answer.status_code == 400
        listed = (await tts.client.get("/_sandbox/index-lag")).json()
        assert listed == {"index_lag_seconds": {"tiktok_shop": 0, "shopify": 0, "amazon": 0}}
