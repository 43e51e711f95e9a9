"""The personas' data: ground truth equals a full pull for every persona, determinism, speed,
the stories, money and the PII the payloads carry."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from shopify_client import (
    ANCHOR,
    ANCHOR_TS,
    DAY,
    PERSONAS,
    Clock,
    Shopify,
    client_for,
    gid_number,
    make_config,
)

from sandbox.config import SandboxConfig
from sandbox.shopify.data import dataset

START, END = ANCHOR_TS - 90 * DAY, ANCHOR_TS + 1
WINDOW = "created_at:>='2024-12-01T00:00:00Z' AND created_at:<'2025-03-01T00:00:01Z'"


@pytest.fixture
async def shopify(clock: Clock) -> AsyncIterator[Shopify]:
    config = make_config(clock, graphql_bucket_size=10**9, rest_bucket_size=10**6)
    async with client_for(config) as client:
        yield Shopify(client, clock)


async def _truth(shopify: Shopify, persona: str, start: int = START, end: int = END) -> Any:
    response = await shopify.client.get(
        f"/_sandbox/shopify/ground-truth/{persona}", params={"start": start, "end": end}
    )
    assert response.status_code == 200
    return response.json()


def _amount(node: dict[str, Any], key: str) -> Decimal:
    return Decimal(node[key]["shopMoney"]["amount"])


@pytest.mark.parametrize("persona", sorted(PERSONAS))
async def test_ground_truth_equals_a_full_graphql_pull(shopify: Shopify, persona: str) -> None:
    shop = PERSONAS[persona]
    token = await shopify.access_token(persona)
    nodes, _ = await shopify.pull_graphql(shop, token, 250, WINDOW)
    truth = await _truth(shopify, persona)
    real = [n for n in nodes if not n["test"]]
    assert truth["orders"]["count"] == len(real)
    assert truth["order_ids"] == sorted((n["id"] for n in real), key=gid_number)
    assert truth["test_order_ids"] == sorted((n["id"] for n in nodes if n["test"]), key=gid_number)
    assert truth["orders"]["count_by_financial_status"] == dict(
        Counter(n["displayFinancialStatus"].lower() for n in real)
    )
    assert Decimal(truth["orders"]["total_price"]) == sum(
        (_amount(n, "totalPriceSet") for n in real), Decimal(0)
    )
    refunds = [r for n in real for r in n["refunds"]]
    assert truth["refunds"]["count"] == len(refunds)
    assert Decimal(truth["refunds"]["amount"]) == sum(
        (_amount(r, "totalRefundedSet") for r in refunds), Decimal(0)
    )
    assert all(
        _amount(n, "totalRefundedSet")
        == sum((_amount(r, "totalRefundedSet") for r in n["refunds"]), Decimal(0))
        for n in real
    )
    assert truth["cancelled"] == sum(1 for n in real if n["cancelledAt"])
    assert all(n["currencyCode"] == truth["currency"] for n in nodes)
    shop_json = (await shopify.rest(shop, token, "shop.json")).json()["shop"]
    assert shop_json == truth["shop"]
    count = await shopify.graphql(shop, token, "{ productsCount { count } }")
    assert count.json()["data"]["productsCount"]["count"] == truth["product_count"]


class TestStories:
    async def test_counts_and_shapes_per_persona(self, shopify: Shopify) -> None:
        truths = {p: await _truth(shopify, p, ANCHOR_TS - 180 * DAY) for p in PERSONAS}
        assert truths["shopify_new"]["orders"]["count"] == 0
        assert 1100 <= truths["shopify_steady"]["orders"]["count"] <= 1800
        for persona in ("shopify_steady", "shopify_high_refunds", "shopify_eu"):
            assert truths[persona]["test_order_ids"], persona
            assert truths[persona]["cancelled"] > 0, persona
        assert truths["shopify_eu"]["currency"] == "EUR"
        assert truths["shopify_eu"]["shop"]["currency"] == "EUR"
        high = truths["shopify_high_refunds"]["orders"]
        refunded = high["count_by_financial_status"].get("refunded", 0) + high[
            "count_by_financial_status"
        ].get("partially_refunded", 0)
        assert 0.15 <= refunded / high["count"] <= 0.35
        steady = truths["shopify_steady"]["orders"]
        assert (
            refunded / high["count"]
            > 2
            * (
                steady["count_by_financial_status"].get("refunded", 0)
                + steady["count_by_financial_status"].get("partially_refunded", 0)
            )
            / steady["count"]
        )
        statuses = truths["shopify_steady"]["orders"]["count_by_financial_status"]
        assert {"paid", "refunded", "partially_refunded"} <= set(statuses)

    @pytest.mark.parametrize(
        ("persona", "rising"), [("shopify_growing", True), ("shopify_declining", False)]
    )
    async def test_trends(self, shopify: Shopify, persona: str, rising: bool) -> None:
        early = await _truth(shopify, persona, ANCHOR_TS - 180 * DAY, ANCHOR_TS - 150 * DAY)
        late = await _truth(shopify, persona, ANCHOR_TS - 30 * DAY, ANCHOR_TS)
        ratio = late["orders"]["count"] / early["orders"]["count"]
        assert ratio > 2.5 if rising else ratio < 0.4

    async def test_new_store_age(self, shopify: Shopify) -> None:
        truth = await _truth(shopify, "shopify_new", 0)
        created = dt.datetime.fromisoformat(truth["shop"]["created_at"])
        age = dt.datetime.combine(ANCHOR, dt.time(), dt.UTC) - created
        assert dt.timedelta(days=4) < age <= dt.timedelta(days=5)


class TestMoney:
    async def test_amounts_add_up_in_rest_orders(self, shopify: Shopify) -> None:
        for persona in ("shopify_steady", "shopify_eu"):
            shop = PERSONAS[persona]
            token = await shopify.access_token(persona)
            orders = (
                await shopify.rest(shop, token, "orders.json", {"status": "any", "limit": "250"})
            ).json()["orders"]
            for order in orders:
                subtotal, shipping, tax = (
                    Decimal(order["subtotal_price"]),
                    Decimal(order["total_shipping_price_set"]["shop_money"]["amount"]),
                    Decimal(order["total_tax"]),
                )
                expected = subtotal + shipping + (0 if order["taxes_included"] else tax)
                assert Decimal(order["total_price"]) == expected
                assert order["currency"] == order["total_price_set"]["shop_money"]["currency_code"]
                refunded = sum(
                    (Decimal(t["amount"]) for r in order["refunds"] for t in r["transactions"]),
                    Decimal(0),
                )
                assert (
                    Decimal(order["current_total_price"])
                    == Decimal(order["total_price"]) - refunded
                )
                assert all(
                    len(v.split(".")[1]) == 2 for v in (order["total_price"], order["total_tax"])
                )


class TestPii:
    async def test_payload_pii_is_listed_and_every_listed_value_occurs(
        self, shopify: Shopify
    ) -> None:
        persona, shop = "shopify_steady", PERSONAS["shopify_steady"]
        token = await shopify.access_token(persona)
        start = ANCHOR_TS - 5 * DAY
        orders = await shopify.pull_rest(
            shop,
            token,
            {"status": "any", "limit": "250", "created_at_min": "2025-02-24T00:00:00Z"},
        )
        truth = await _truth(shopify, persona, start, END)
        pii = set(truth["pii_values"])
        found: set[str] = set()
        for order in orders:
            customer = order.get("customer") or {}
            address = order["shipping_address"]
            values = [order["email"], order["phone"], customer.get("email"), customer.get("phone")]
            values += [customer.get("first_name"), customer.get("last_name")]
            values += [
                address[k] for k in ("first_name", "last_name", "name", "address1", "address2")
            ]
            found.update(v for v in values if v)
        assert found == pii
        raw = json.dumps(orders)
        assert all(value in raw for value in pii)
        assert any("@" in v for v in pii) and any(v.startswith("+1") for v in pii)


class TestDeterminism:
    def test_same_seed_and_anchor_give_the_same_store(self) -> None:
        dataset.cache_clear()
        first = dataset(7, ANCHOR, "shopify_steady")
        dataset.cache_clear()
        again = dataset(7, ANCHOR, "shopify_steady")
        assert first == again and first is not again
        other = dataset(8, ANCHOR, "shopify_steady")
        assert [o.id for o in other.orders] != [o.id for o in first.orders]

    async def test_same_answers_from_two_servers(self, clock: Clock) -> None:
        bodies = []
        for _ in range(2):
            async with client_for(SandboxConfig(seed=7, anchor=ANCHOR, clock=clock)) as client:
                truth = await client.get(
                    "/_sandbox/shopify/ground-truth/shopify_eu", params={"start": 0}
                )
                bodies.append(truth.json())
        assert bodies[0] == bodies[1]

    def test_generation_is_cached(self) -> None:
        # Speed is not asserted here (no timed tests); generating once per seed and anchor is.
        for persona in PERSONAS:
            assert dataset(11, ANCHOR, persona) is dataset(11, ANCHOR, persona)
