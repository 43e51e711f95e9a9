"""Amazon as of the sandbox clock: an order is invisible before it is placed and Pending until
its last update; transactions exist once posted; the ground truth at an instant agrees with the
API then; and ``LastUpdated`` searches lag behind by the index lag."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from amazon_client import ANCHOR, ANCHOR_TS, Amz, Clock, amazon_sandbox
from amazon_flows import iso, pages_v0, transactions

from sandbox.amazon.asof import dataset_at
from sandbox.amazon.data import Order, dataset

SEED = 20240601
PERSONA = "amazon_us"
MARKET = "ATVPDKIKX0DER"
DAY = 86400
MARGIN = 120  # Amazon refuses a Before later than 2 minutes before the request


def shipped_order() -> Order:
    orders = dataset(SEED, ANCHOR, PERSONA, 180).orders
    return next(
        o
        for o in orders
        if o.status == "Shipped"
        and o.updated - o.created > 3600
        and o.created > ANCHOR_TS - 20 * DAY
    )


async def get_order(amz: Amz, order_id: str) -> dict[str, Any] | None:
    """The order by id, with a fresh token (access tokens last an hour of sandbox time)."""
    token = (await amz.login(PERSONA))["access_token"]
    response = await amz.get(token, f"/orders/v0/orders/{order_id}")
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()["payload"]
    return payload


def unix(raw: str) -> int:
    return int(dt.datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp())


class TestOrderAsOf:
    async def test_invisible_then_pending_then_final(self) -> None:
        order = shipped_order()
        clock = Clock(order.created)
        async with amazon_sandbox(clock, time_scale=1000) as amz:
            assert await get_order(amz, order.id) is None
            clock.now = order.created + 1
            placed = await get_order(amz, order.id)
            assert placed is not None and placed["OrderStatus"] == "Pending"
            assert unix(placed["LastUpdateDate"]) == order.created
            clock.now = order.updated
            still = await get_order(amz, order.id)
            assert still is not None and still["OrderStatus"] == "Pending"
            clock.now = order.updated + 1
            final = await get_order(amz, order.id)
            assert final is not None and final["OrderStatus"] == "Shipped"
            assert unix(final["LastUpdateDate"]) == order.updated

    async def test_transactions_exist_once_posted(self) -> None:
        data = dataset(SEED, ANCHOR, PERSONA, 180)
        posted = next(t for t in data.transactions if t.posted > ANCHOR_TS - 10 * DAY).posted
        clock = Clock(posted + 1 + MARGIN)
        async with amazon_sandbox(clock, time_scale=1000) as amz:
            token = (await amz.login(PERSONA))["access_token"]
            window = (posted - DAY, posted + 1)
            before = {t["transactionId"] for b in await transactions(amz, token, *window)
                      for t in b["payload"]["transactions"]}  # fmt: skip
            truth_then = await _truth(amz, window[0], window[1], posted)
            truth_after = await _truth(amz, window[0], window[1], posted + 1)
            assert len(before) == truth_after["transactions"]["count"]
            assert truth_then["transactions"]["count"] == len(before) - 1

    async def test_truth_at_an_instant_agrees_with_the_api_then(self) -> None:
        start, end = ANCHOR_TS - 10 * DAY, ANCHOR_TS - 2 * DAY
        clock = Clock(end - 3 * DAY)
        async with amazon_sandbox(clock, time_scale=1000) as amz:
            for as_of in (end - 3 * DAY, end + 4321, ANCHOR_TS + 3600):
                clock.now = as_of
                token = (await amz.login(PERSONA))["access_token"]
                truth = await _truth(amz, start, end, as_of)
                before = min(end, as_of - MARGIN)
                bodies = await pages_v0(amz, token, PERSONA, start, before, 100)
                orders = [o for b in bodies for o in b["payload"]["Orders"]]
                in_truth = await _truth(amz, start, before, as_of)
                assert sorted(o["AmazonOrderId"] for o in orders) == sorted(in_truth["order_ids"])
                statuses = Counter(o["OrderStatus"] for o in orders)
                assert in_truth["orders"]["count_by_status"] == dict(sorted(statuses.items()))
                assert truth["as_of"] == as_of

    def test_after_every_change_the_generated_data_are_served(self) -> None:
        for persona in ("amazon_us", "amazon_eu", "amazon_declining", "amazon_new"):
            later = dataset_at(SEED, ANCHOR, persona, 180, ANCHOR_TS + 3600)
            assert later is dataset(SEED, ANCHOR, persona, 180)


async def _truth(amz: Amz, start: int, end: int, as_of: int) -> dict[str, Any]:
    params = {"start": start, "end": end, "as_of": as_of}
    response = await amz.client.get(f"/_sandbox/amazon/ground-truth/{PERSONA}", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


class TestIndexLag:
    async def test_last_updated_search_sees_a_change_after_the_lag(self) -> None:
        order, lag = shipped_order(), 1800
        clock = Clock(order.updated + 1 + MARGIN)
        async with amazon_sandbox(clock, time_scale=1000) as amz:
            answer = await amz.client.post(
                "/_sandbox/index-lag", json={"platform": "amazon", "index_lag_seconds": lag}
            )
            assert answer.json()["index_lag_seconds"]["amazon"] == lag
            token = (await amz.login(PERSONA))["access_token"]
            params = {
                "MarketplaceIds": MARKET,
                "LastUpdatedAfter": iso(order.updated),
                "LastUpdatedBefore": iso(order.updated + 1),
            }

            async def updated_ids() -> list[str]:
                response = await amz.get(token, "/orders/v0/orders", params)
                assert response.status_code == 200, response.text
                return [o["AmazonOrderId"] for o in response.json()["payload"]["Orders"]]

            placed = await get_order(amz, order.id)
            assert placed is not None and placed["OrderStatus"] == "Shipped"  # immediate by id
            assert order.id not in await updated_ids()
            clock.now = order.updated + lag + 1
            assert order.id in await updated_ids()
