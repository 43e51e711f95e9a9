"""The ground truth of the control API equals what a full pull returns, for every persona."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from tts_client import ANCHOR_TS, DAY, Tts

PERSONAS = [
    "steady_us",
    "growing_us",
    "declining_us",
    "new_shop",
    "high_returns",
    "creator_affiliate",
    "gb_seller",
    "id_seller",
]
START, END = ANCHOR_TS - 90 * DAY, ANCHOR_TS + 1


def dsum(values: list[str]) -> Decimal:
    return sum((Decimal(v) for v in values), Decimal(0))


def sku_sum(orders: list[dict[str, Any]], key: str) -> Decimal:
    return dsum([s[key]["amount"] for o in orders for s in o["skus"] if key in s])


async def pull_everything(tts: Tts, persona: str) -> dict[str, list[dict[str, Any]]]:
    token = (await tts.authorize(persona))["data"]["access_token"]
    shops = (await tts.call("GET", "/authorization/202309/shops", token)).json()["data"]["shops"]
    window = {"create_time_ge": START, "create_time_lt": END}
    if not shops:
        creator, _ = await tts.pull(
            "POST",
            "/affiliate_creator/202410/orders/search",
            token,
            "orders",
            {"page_size": "100"},
            window,
        )
        return {
            "orders": [],
            "statements": [],
            "seller_affiliate": [],
            "creator": creator,
            "returns": [],
            "shops": shops,
        }
    shop = {"shop_cipher": shops[0]["cipher"]}
    orders, _ = await tts.pull(
        "POST", "/order/202309/orders/search", token, "orders", {**shop, "page_size": "100"}, window
    )
    statements, _ = await tts.pull(
        "GET",
        "/finance/202309/statements",
        token,
        "statements",
        {
            **shop,
            "page_size": "100",
            "sort_field": "statement_time",
            "statement_time_ge": str(START),
            "statement_time_lt": str(END),
        },
    )
    affiliate, _ = await tts.pull(
        "POST",
        "/affiliate_seller/202410/orders/search",
        token,
        "orders",
        {**shop, "page_size": "100"},
        window,
    )
    returns, _ = await tts.pull(
        "POST",
        "/return_refund/202309/returns/search",
        token,
        "return_orders",
        {**shop, "page_size": "50"},
        window,
    )
    return {
        "orders": orders,
        "statements": statements,
        "seller_affiliate": affiliate,
        "creator": [],
        "returns": returns,
        "shops": shops,
    }


@pytest.mark.parametrize("persona", PERSONAS)
async def test_ground_truth_equals_a_full_pull(tts: Tts, persona: str) -> None:
    pulled = await pull_everything(tts, persona)
    response = await tts.client.get(
        f"/_sandbox/tiktok_shop/ground-truth/{persona}", params={"start": START, "end": END}
    )
    truth = response.json()
    orders = pulled["orders"]
    assert truth["orders"]["count"] == len(orders)
    assert truth["order_ids"] == sorted(o["id"] for o in orders)
    assert truth["orders"]["count_by_status"] == dict(Counter(o["status"] for o in orders))
    assert Decimal(truth["orders"]["total_amount"]) == dsum(
        [o["payment"]["total_amount"] for o in orders]
    )
    assert truth["statements"]["count"] == len(pulled["statements"])
    assert Decimal(truth["statements"]["settlement_amount"]) == dsum(
        [s["settlement_amount"] for s in pulled["statements"]]
    )
    seller_aff = pulled["seller_affiliate"]
    assert truth["seller_affiliate_orders"]["count"] == len(seller_aff)
    assert Decimal(truth["seller_affiliate_orders"]["estimated_commission"]) == sku_sum(
        seller_aff, "estimated_paid_commission"
    )
    assert Decimal(truth["seller_affiliate_orders"]["actual_commission"]) == sku_sum(
        seller_aff, "actual_paid_commission"
    )
    creator = pulled["creator"]
    assert truth["creator_affiliate_orders"]["count"] == len(creator)
    assert Decimal(truth["creator_affiliate_orders"]["estimated_commission"]) == sku_sum(
        creator, "estimated_commission"
    )
    assert Decimal(truth["creator_affiliate_orders"]["actual_commission"]) == sku_sum(
        creator, "actual_commission"
    )
    returns = pulled["returns"]
    assert truth["returns"]["count"] == len(returns)
    assert truth["returns"]["ids"] == sorted(r["return_id"] for r in returns)
    assert Decimal(truth["returns"]["refund_total"]) == dsum(
        [r["refund_amount"]["refund_total"] for r in returns]
    )
    if pulled["shops"]:
        shop = {k: v for k, v in truth["shop"].items() if k != "create_time"}
        assert pulled["shops"] == [shop]
    else:
        assert truth["shop"] is None


class TestPersonaShapes:
    async def test_volumes_follow_the_stories(self, tts: Tts) -> None:
        async def count(persona: str, start: int, end: int) -> int:
            response = await tts.client.get(
                f"/_sandbox/tiktok_shop/ground-truth/{persona}", params={"start": start, "end": end}
            )
            value: int = response.json()["orders"]["count"]
            return value

        first = (ANCHOR_TS - 180 * DAY, ANCHOR_TS - 150 * DAY)
        last = (ANCHOR_TS - 30 * DAY, ANCHOR_TS)
        assert await count("growing_us", *last) > 3 * await count("growing_us", *first)
        assert await count("declining_us", *first) > 3 * await count("declining_us", *last)
        assert 180 < await count("steady_us", *last) < 300
        assert await count("new_shop", ANCHOR_TS - 200 * DAY, ANCHOR_TS) == 0

    async def test_new_shop_was_created_five_days_ago(self, tts: Tts) -> None:
        truth = (await tts.client.get("/_sandbox/tiktok_shop/ground-truth/new_shop")).json()
        age = ANCHOR_TS - truth["shop"]["create_time"]
        assert 4 * DAY < age <= 5 * DAY
        steady = (await tts.client.get("/_sandbox/tiktok_shop/ground-truth/steady_us")).json()
        assert steady["shop"]["create_time"] < ANCHOR_TS - 365 * DAY
        assert steady["shop"]["cipher"].startswith("GCP_")
        assert steady["shop"]["seller_type"] == "LOCAL"

    async def test_high_returns_returns_about_a_quarter(self, tts: Tts) -> None:
        truth = (await tts.client.get("/_sandbox/tiktok_shop/ground-truth/high_returns")).json()
        share = truth["returns"]["count"] / truth["orders"]["count"]
        assert 0.18 < share < 0.32
        steady = (await tts.client.get("/_sandbox/tiktok_shop/ground-truth/steady_us")).json()
        assert steady["returns"]["count"] / steady["orders"]["count"] < 0.06

    async def test_control_lists_apps_and_personas(self, tts: Tts) -> None:
        apps = (await tts.client.get("/_sandbox/apps")).json()
        assert apps["tiktok_shop"]["app_key"] == "sbx_tts_app_29a39d"
        assert apps["tiktok_shop"]["redirect_url"].endswith("/api/tiktokshop/callback")
        personas = (await tts.client.get("/_sandbox/personas")).json()["tiktok_shop"]
        assert [p["id"] for p in personas] == PERSONAS
        roles = {p["id"]: p["role"] for p in personas}
        assert roles["creator_affiliate"] == "creator" and roles["gb_seller"] == "seller"
        assert {p["id"]: p["currency"] for p in personas}["id_seller"] == "IDR"
        missing = await tts.client.get("/_sandbox/tiktok_shop/ground-truth/nobody")
        assert missing.status_code == 404
