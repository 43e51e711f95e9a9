"""Generated data: determinism, realistic order shapes, PII, and amounts that add up."""

from __future__ import annotations

import hashlib
import hmac
import json
from decimal import Decimal
from typing import Any

import pytest
from tts_client import ANCHOR, ANCHOR_TS, DAY, Clock, Tts, client_for, make_config, shop_cipher

from sandbox.personas import PERSONAS
from sandbox.tiktok_shop.data_affiliate import commission
from sandbox.tiktok_shop.dataset import Dataset, dataset

SELLERS = [p.id for p in PERSONAS if p.role == "seller" and p.id != "new_shop"]
D = Decimal


def data(persona: str) -> Dataset:
    return dataset(7, ANCHOR, persona, 180)


def without_request_id(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "request_id"}


async def first_page(seed: int) -> dict[str, Any]:
    clock = Clock(ANCHOR_TS + 3600.0)
    config = make_config(clock)
    config.seed = seed
    async with client_for(config) as client:
        tts = Tts(client, clock, config.tiktok.app_key, config.tiktok.app_secret)
        token = (await tts.authorize("steady_us"))["data"]["access_token"]
        cipher = await shop_cipher(tts, token)
        query = {"shop_cipher": cipher, "page_size": "20"}
        response = await tts.call("POST", "/order/202309/orders/search", token, query, {})
        return without_request_id(response.json())


class TestDeterminism:
    async def test_same_seed_and_anchor_give_identical_payloads(self) -> None:
        assert await first_page(7) == await first_page(7)

    async def test_another_seed_gives_other_data(self) -> None:
        one, two = await first_page(7), await first_page(8)
        assert [o["id"] for o in one["data"]["orders"]] != [o["id"] for o in two["data"]["orders"]]

    def test_generation_is_cached(self) -> None:
        # Speed is not asserted here (no timed tests); generating once per seed and anchor is.
        for persona in PERSONAS:
            assert dataset(99, ANCHOR, persona.id, 180) is dataset(99, ANCHOR, persona.id, 180)


class TestOrders:
    @pytest.mark.parametrize("persona", SELLERS)
    def test_payment_follows_the_doc_formulas(self, persona: str) -> None:
        for order in data(persona).orders:
            p = {k: D(v) for k, v in order["payment"].items() if k != "currency"}
            assert p["sub_total"] == (
                p["original_total_product_price"] - p["seller_discount"] - p["platform_discount"]
            )
            assert p["shipping_fee"] == (
                p["original_shipping_fee"]
                - p["shipping_fee_seller_discount"]
                - p["shipping_fee_platform_discount"]
            )
            assert p["tax"] == p["product_tax"] + p["shipping_fee_tax"]
            assert p["total_amount"] == (
                p["sub_total"] + p["shipping_fee"] + p["tax"] + p.get("retail_delivery_fee", 0)
            )
            items = order["line_items"]
            assert p["sub_total"] == sum(D(i["sale_price"]) for i in items)
            assert p["original_total_product_price"] == sum(D(i["original_price"]) for i in items)
            for item in items:
                assert D(item["sale_price"]) == (
                    D(item["original_price"])
                    - D(item["seller_discount"])
                    - D(item["platform_discount"])
                )
            tax = sum(D(t["tax_amount"]) for i in items for t in i.get("item_tax", []))
            assert tax == p["product_tax"]

    @pytest.mark.parametrize("persona", SELLERS)
    def test_times_statuses_and_types(self, persona: str) -> None:
        orders = data(persona).orders
        statuses = {o["status"] for o in orders}
        assert {"COMPLETED", "DELIVERED", "CANCELLED", "IN_TRANSIT"} <= statuses
        for order in orders:
            assert isinstance(order["id"], str) and order["id"].isdigit()
            assert order["create_time"] <= order["update_time"] < ANCHOR_TS
            assert order["payment"]["currency"] == data(persona).persona.currency
            if order["status"] == "CANCELLED":
                assert order["cancel_time"] >= order["create_time"]
                assert order["cancellation_initiator"] in ("BUYER", "SELLER", "SYSTEM")
            if order["status"] in ("DELIVERED", "COMPLETED"):
                assert order["create_time"] < order["delivery_time"] <= order["update_time"]
            if order["status"] == "UNPAID":
                assert "recipient_address" not in order and "paid_time" not in order
            if order["create_time"] < ANCHOR_TS - 20 * DAY:
                assert order["status"] in ("COMPLETED", "CANCELLED")
        recent = [o for o in orders if o["create_time"] > ANCHOR_TS - DAY]
        assert {o["status"] for o in recent} & {"AWAITING_SHIPMENT", "UNPAID"}
        samples = sum(o["is_sample_order"] for o in orders)
        assert 0 < samples < len(orders) * 0.05

    def test_some_unpaid_orders_exist(self) -> None:
        unpaid = sum(o["status"] == "UNPAID" for p in SELLERS for o in data(p).orders)
        assert unpaid > 0

    def test_idr_amounts_are_whole_numbers(self) -> None:
        id_data = data("id_seller")
        strings = [v for o in id_data.orders for k, v in o["payment"].items() if k != "currency"]
        strings += [i["sale_price"] for o in id_data.orders for i in o["line_items"]]
        strings += [s["settlement_amount"] for s in id_data.statements]
        strings += [
            s["estimated_paid_commission"]["amount"]
            for o in id_data.seller_affiliate_orders
            for s in o["skus"]
        ]
        assert strings and all(v.lstrip("-").isdigit() for v in strings)
        assert any(v.endswith("000") and len(v) >= 5 for v in strings)

    def test_gb_is_in_gbp(self) -> None:
        assert {o["payment"]["currency"] for o in data("gb_seller").orders} == {"GBP"}


class TestPii:
    async def test_pii_fields_are_in_payloads_and_in_pii_values(self, tts: Tts) -> None:
        token = (await tts.authorize("steady_us"))["data"]["access_token"]
        cipher = await shop_cipher(tts, token)
        window = {"create_time_ge": ANCHOR_TS - 30 * DAY, "create_time_lt": ANCHOR_TS}
        orders, _ = await tts.pull(
            "POST",
            "/order/202309/orders/search",
            token,
            "orders",
            {"shop_cipher": cipher, "page_size": "100"},
            window,
        )
        truth = (
            await tts.client.get(
                "/_sandbox/tiktok_shop/ground-truth/steady_us",
                params={"start": window["create_time_ge"], "end": window["create_time_lt"]},
            )
        ).json()
        pii = set(truth["pii_values"])
        paid = [o for o in orders if o["status"] != "UNPAID"]
        assert paid
        for order in paid:
            address = order["recipient_address"]
            for key in (
                "name",
                "first_name",
                "last_name",
                "phone_number",
                "full_address",
                "address_line1",
            ):
                assert address[key] and address[key] in pii
            assert "-***-" in address["phone_number"]
            assert address["name"] == f"{address['first_name']} {address['last_name']}"
            assert order["buyer_email"].endswith("@chat.seller.tiktok.com")
            assert {order["buyer_email"], order["buyer_nickname"]} <= pii
            if order["buyer_message"]:
                assert order["buyer_message"] in pii
        assert any(o["buyer_message"] for o in orders)
        payload = json.dumps(orders)
        assert all(value in payload for value in pii)


class TestFinanceAffiliateReturns:
    @pytest.mark.parametrize("persona", SELLERS)
    def test_statements_add_up(self, persona: str) -> None:
        statements = data(persona).statements
        assert statements
        for s in statements:
            assert D(s["settlement_amount"]) == (
                D(s["revenue_amount"]) + D(s["fee_amount"]) + D(s["adjustment_amount"])
            )
            assert D(s["fee_amount"]) <= 0 and D(s["adjustment_amount"]) <= 0
            assert s["statement_time"] % DAY == 0 and s["statement_time"] <= ANCHOR_TS
        assert [s["statement_time"] for s in statements] == sorted(
            {s["statement_time"] for s in statements}
        )

    @pytest.mark.parametrize("persona", SELLERS)
    def test_seller_commissions_follow_the_rate(self, persona: str) -> None:
        dset = data(persona)
        by_id = {o["id"]: o for o in dset.orders}
        cur = dset.persona.currency
        assert 0.2 < len(dset.seller_affiliate_orders) / len(dset.orders) < 0.4
        for order in dset.seller_affiliate_orders:
            assert order["id"] in by_id
            for sku in order["skus"]:
                rate = int(sku["commission_rate"])
                assert isinstance(sku["commission_rate"], str)
                base = D(sku["estimated_commission_base"]["amount"])
                assert base == D(sku["price"]["amount"]) * sku["quantity"]
                expected = commission(base, rate, cur)
                assert D(sku["estimated_paid_commission"]["amount"]) == expected
                if order["status"] == "COMPLETED":
                    kept = sku["quantity"] - sku["returned_quantity"] - sku["refunded_quantity"]
                    actual = D(sku["actual_commission_base"]["amount"])
                    assert actual == D(sku["price"]["amount"]) * kept
                    assert D(sku["actual_paid_commission"]["amount"]) == commission(
                        actual, rate, cur
                    )
                else:
                    assert "actual_paid_commission" not in sku

    def test_creator_commissions_follow_the_rate(self) -> None:
        orders = data("creator_affiliate").creator_affiliate_orders
        assert {o["status"] for o in orders} == {"ORDERED", "SETTLED", "REFUNDED"}
        for order in orders:
            for sku in order["skus"]:
                assert isinstance(sku["commission_rate"], int)
                base = D(sku["estimated_commission_base"]["amount"])
                expected = commission(base, sku["commission_rate"], "USD")
                assert D(sku["estimated_commission"]["amount"]) == expected
                if order["status"] == "ORDERED":
                    assert "actual_commission" not in sku
                else:
                    actual = D(sku["actual_commission_base"]["amount"])
                    assert D(sku["actual_commission"]["amount"]) == commission(
                        actual, sku["commission_rate"], "USD"
                    )

    @pytest.mark.parametrize("persona", SELLERS)
    def test_returns_refer_to_delivered_orders_and_add_up(self, persona: str) -> None:
        dset = data(persona)
        by_id = {o["id"]: o for o in dset.orders}
        for ret in dset.returns:
            order = by_id[ret["order_id"]]
            assert ret["create_time"] > order["delivery_time"]
            assert ret["create_time"] <= ret["update_time"] < ANCHOR_TS
            amount = ret["refund_amount"]
            assert D(amount["refund_total"]) == (
                D(amount["refund_subtotal"])
                + D(amount["refund_shipping_fee"])
                + D(amount["refund_tax"])
            )
            lines = ret["return_line_items"]
            assert D(amount["refund_total"]) == sum(
                D(line["refund_amount"]["refund_total"]) for line in lines
            )
            item_ids = {i["id"] for i in order["line_items"]}
            assert {line["order_line_item_id"] for line in lines} <= item_ids


class TestWebhookSample:
    async def test_order_status_change_is_signed(self, tts: Tts) -> None:
        response = await tts.client.post(
            "/_sandbox/tiktok_shop/webhooks/sample", json={"persona": "steady_us", "type": 1}
        )
        sample = response.json()
        raw = sample["body"].encode()
        expected = hmac.new(
            tts.app_secret.encode(), tts.app_key.encode() + raw, hashlib.sha256
        ).hexdigest()
        assert sample["headers"]["Authorization"] == expected
        body = json.loads(raw)
        assert body["type"] == 1
        truth = (await tts.client.get("/_sandbox/tiktok_shop/ground-truth/steady_us")).json()
        assert body["shop_id"] == truth["shop"]["id"]
        assert body["data"]["order_id"] in truth["order_ids"]
        assert set(body["data"]) == {"order_id", "order_status", "is_on_hold_order", "update_time"}

    async def test_creator_has_no_shop_webhooks(self, tts: Tts) -> None:
        response = await tts.client.post(
            "/_sandbox/tiktok_shop/webhooks/sample", json={"persona": "creator_affiliate"}
        )
        assert response.status_code == 400
