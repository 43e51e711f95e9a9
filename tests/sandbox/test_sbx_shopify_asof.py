"""Shopify as of the sandbox clock: an order is invisible before it is placed, unrefunded before
its refund, final after its last update; the ground truth at an instant agrees with the REST API
then; and ``updated_at`` searches lag behind by the index lag."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from shopify_client import ANCHOR, ANCHOR_TS, DAY, PERSONAS, Clock, Shopify, client_for, make_config

from sandbox.shopify.asof import dataset_at
from sandbox.shopify.data import Order, dataset

PERSONA = "shopify_high_refunds"
SHOP = PERSONAS[PERSONA]


@pytest.fixture
async def shopify(clock: Clock) -> AsyncIterator[Shopify]:
    async with client_for(make_config(clock, rest_bucket_size=10_000)) as client:
        yield Shopify(client, clock)


def unix(local: str) -> int:
    return int(dt.datetime.fromisoformat(local).timestamp())


def iso(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat().replace("+00:00", "Z")


async def list_orders(shopify: Shopify, token: str, **params: str) -> list[dict[str, Any]]:
    return await shopify.pull_rest(SHOP, token, {"status": "any", "limit": "250", **params})


def refunded_order() -> Order:
    """A fulfilled order refunded once, from the generator: the REST bucket is a leaky bucket
    on the sandbox clock, so the tests move the clock forward only."""
    orders = dataset(7, ANCHOR, PERSONA, 180).orders
    return next(
        o
        for o in orders
        if len(o.refunds) == 1
        and o.cancelled_at is None
        and o.fulfilled_at is not None
        and o.created_at >= ANCHOR_TS - 40 * DAY
        and not o.test
    )


async def get_order(shopify: Shopify, token: str, order_id: int) -> dict[str, Any] | None:
    response = await shopify.rest(SHOP, token, f"orders/{order_id}.json")
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    order: dict[str, Any] = response.json()["order"]
    return order


class TestOrderAsOf:
    async def test_invisible_then_unrefunded_then_final(
        self, shopify: Shopify, clock: Clock
    ) -> None:
        order = refunded_order()
        created, refunded = order.created_at, order.refunds[0].created_at
        clock.now = created
        token = await shopify.access_token(PERSONA)
        assert await get_order(shopify, token, order.id) is None

        clock.now = created + 1
        placed = await get_order(shopify, token, order.id)
        assert placed is not None
        assert placed["financial_status"] == "paid" and placed["refunds"] == []
        assert placed["fulfillment_status"] is None and unix(placed["updated_at"]) == created

        clock.now = refunded
        before = await get_order(shopify, token, order.id)
        assert before is not None and before["refunds"] == []
        assert before["fulfillment_status"] == order.fulfillment_status
        assert unix(before["updated_at"]) < refunded

        clock.now = refunded + 1
        after = await get_order(shopify, token, order.id)
        assert after is not None and len(after["refunds"]) == 1
        assert after["financial_status"] == order.financial_status
        assert unix(after["updated_at"]) == refunded

        clock.now = order.updated_at
        assert (await get_order(shopify, token, order.id)) == after
        clock.now = order.updated_at + 1
        final = await get_order(shopify, token, order.id)
        assert final is not None and unix(final["updated_at"]) == order.updated_at
        clock.now = ANCHOR_TS + 7200
        assert await get_order(shopify, token, order.id) == final

    async def test_truth_at_an_instant_agrees_with_the_api_then(
        self, shopify: Shopify, clock: Clock
    ) -> None:
        start, end = ANCHOR_TS - 20 * DAY, ANCHOR_TS
        clock.now = ANCHOR_TS - 15 * DAY
        token = await shopify.access_token(PERSONA)
        for as_of in (ANCHOR_TS - 15 * DAY, ANCHOR_TS - 3 * DAY + 777, ANCHOR_TS + 3600):
            params = {"start": start, "end": end, "as_of": as_of}
            url = f"/_sandbox/shopify/ground-truth/{PERSONA}"
            truth = (await shopify.client.get(url, params=params)).json()
            clock.now = as_of
            window = {"created_at_min": iso(start), "created_at_max": iso(end - 1)}
            orders = [o for o in await list_orders(shopify, token, **window) if not o["test"]]
            assert truth["as_of"] == as_of
            assert truth["orders"]["count"] == len(orders)
            statuses = Counter(o["financial_status"] for o in orders)
            assert truth["orders"]["count_by_financial_status"] == dict(sorted(statuses.items()))
            assert truth["refunds"]["count"] == sum(len(o["refunds"]) for o in orders)

    def test_after_every_change_the_generated_store_is_served(self) -> None:
        for persona in PERSONAS:
            later = dataset_at(7, ANCHOR, persona, 180, ANCHOR_TS + 3600)
            assert later is dataset(7, ANCHOR, persona, 180)


class TestIndexLag:
    async def test_updated_at_search_sees_a_change_after_the_lag(
        self, shopify: Shopify, clock: Clock
    ) -> None:
        lag = 900
        answer = await shopify.client.post(
            "/_sandbox/index-lag", json={"platform": "shopify", "index_lag_seconds": lag}
        )
        assert answer.json()["index_lag_seconds"]["shopify"] == lag
        order = refunded_order()
        refunded, created = order.refunds[0].created_at, order.created_at
        by_update = {"updated_at_min": iso(refunded), "updated_at_max": iso(refunded)}
        by_create = {"created_at_min": iso(created), "created_at_max": iso(created)}

        clock.now = refunded + 1
        token = await shopify.access_token(PERSONA)
        (now_created,) = await list_orders(shopify, token, **by_create)
        assert len(now_created["refunds"]) == 1  # reading by create time is immediate
        assert await list_orders(shopify, token, **by_update) == []
        clock.now = refunded + lag + 1
        (found,) = await list_orders(shopify, token, **by_update)
        assert found["id"] == order.id
