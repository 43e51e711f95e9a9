"""Tests of raw → record mapping against the official reference samples, and PII exclusion."""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from connectors.core.errors import BadRecord
from connectors.core.pii import pseudonymous_ref
from connectors.core.records import AccountRole, OrderStatus, Platform
from connectors.tiktok_shop import models

SHOP_ID = "7000714532876273420"


def all_strings(node: Any) -> list[str]:
    """Every string value (recursively) of a JSON node."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in all_strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in all_strings(value)]
    return []


class TestShops:
    def test_official_sample(self, load_example: Any) -> None:
        raw = load_example("authorization__get-authorized-shops.response.json")["data"]["shops"][0]
        shop = models.shop_from_raw(raw)
        assert shop.shop_id == "7000714532876273420"
        assert shop.region == "GB" and shop.currency == "GBP"
        assert shop.cipher == "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3"
        assert shop.seller_type == "CROSS_BORDER" and shop.code == "CNGBCBA4LLU8"
        assert shop.platform is Platform.TIKTOK_SHOP

    def test_unknown_region_has_no_currency(self) -> None:
        assert models.shop_from_raw({"id": "1", "name": "n", "region": "XX"}).currency is None


class TestOrders:
    @pytest.fixture
    def raw(self, load_example: Any) -> dict[str, Any]:
        return load_example("orders__get-order-list.response.json")["data"]["orders"][0]

    def test_official_sample(self, raw: dict[str, Any]) -> None:
        order = models.order_from_raw(raw, SHOP_ID)
        assert order.order_id == "576461413038785752"
        assert order.status is OrderStatus.UNPAID and order.platform_status == "UNPAID"
        assert order.currency == "IDR"
        assert order.total_amount == Decimal("5000")
        assert order.subtotal_amount == Decimal("5000")
        assert order.shipping_amount == Decimal("5000")
        assert order.tax_amount == Decimal("5000")
        assert order.item_count == 1
        assert order.created_at == datetime.fromtimestamp(1619611561, tz=UTC)
        assert order.updated_at == datetime.fromtimestamp(1619621355, tz=UTC)
        assert order.paid_at == datetime.fromtimestamp(1619611563, tz=UTC)
        assert order.is_sample is False
        assert order.cancellation_initiator == "SELLER"
        assert order.fulfillment_type == "FULFILLMENT_BY_SELLER"
        assert order.buyer_ref == pseudonymous_ref(SHOP_ID, "7021436810468230477")

    def test_no_buyer_pii_anywhere_in_the_record(self, raw: dict[str, Any]) -> None:
        order = models.order_from_raw(raw, SHOP_ID)
        pii_sources = [
            raw["recipient_address"],
            raw["buyer_email"],
            raw["buyer_message"],
            raw["cpf"],
            raw["cpf_name"],
            raw["user_id"],
        ]
        pii = {s.strip() for s in all_strings(pii_sources) if len(s.strip()) > 2}
        pii |= {"David", "Kong", "Coleman", "95110", "chat.seller.tiktok.com", "Front Door"}
        rendered = repr(order) + repr(dataclasses.asdict(order))
        leaked = sorted(p for p in pii if p in rendered)
        assert leaked == []
        field_names = {f.name for f in dataclasses.fields(order)}
        assert not field_names & {
            "recipient_address",
            "buyer_email",
            "buyer_message",
            "cpf",
            "buyer_nickname",
            "buyer_avatar",
            "name",
            "phone_number",
        }

    @pytest.mark.parametrize(
        ("platform", "expected"),
        [
            ("UNPAID", OrderStatus.UNPAID),
            ("ON_HOLD", OrderStatus.ON_HOLD),
            ("AWAITING_SHIPMENT", OrderStatus.AWAITING_FULFILLMENT),
            ("PARTIALLY_SHIPPING", OrderStatus.AWAITING_FULFILLMENT),
            ("AWAITING_COLLECTION", OrderStatus.AWAITING_FULFILLMENT),
            ("IN_TRANSIT", OrderStatus.IN_TRANSIT),
            ("DELIVERED", OrderStatus.DELIVERED),
            ("COMPLETED", OrderStatus.COMPLETED),
            ("CANCELLED", OrderStatus.CANCELLED),
            ("CANCEL", OrderStatus.CANCELLED),
        ],
    )
    def test_status_mapping(
        self, raw: dict[str, Any], platform: str, expected: OrderStatus
    ) -> None:
        assert models.order_from_raw({**raw, "status": platform}, SHOP_ID).status is expected

    def test_unknown_status_is_bad_record(self, raw: dict[str, Any]) -> None:
        with pytest.raises(BadRecord, match="unknown order status"):
            models.order_from_raw({**raw, "status": "TELEPORTED"}, SHOP_ID)

    def test_item_count_one_per_line_and_combined_counts(self) -> None:
        lines = [{}, {"combined_listing_skus": [{"sku_count": 2}, {"sku_count": 3}]}, {}]
        assert models.item_count(lines) == 7
        assert models.item_count([]) == 0 and models.item_count(None) == 0

    def test_sample_flag_and_missing_optional_amounts(self, raw: dict[str, Any]) -> None:
        changed = copy.deepcopy(raw)
        changed["is_sample_order"] = True
        changed["payment"] = {"currency": "USD", "total_amount": "12.30"}
        del changed["user_id"]
        order = models.order_from_raw(changed, SHOP_ID)
        assert order.is_sample is True
        assert order.tax_amount == Decimal(0) and order.buyer_ref is None

    @pytest.mark.parametrize(
        "mutate",
        [
            lambda r: r.pop("payment"),
            lambda r: r["payment"].update(total_amount="12,34,5"),
            lambda r: r.pop("create_time"),
            lambda r: r.update(create_time="yesterday"),
            lambda r: r.update(line_items="many"),
        ],
    )
    def test_malformed_is_bad_record_without_pii(self, raw: dict[str, Any], mutate: Any) -> None:
        changed = copy.deepcopy(raw)
        mutate(changed)
        with pytest.raises(BadRecord) as info:
            models.order_from_raw(changed, SHOP_ID)
        assert "David" not in info.value.message and "Coleman" not in info.value.message


class TestStatements:
    def test_official_sample(self, load_example: Any) -> None:
        raw = load_example("finance__get-statements.response.json")["data"]["statements"][0]
        statement = models.settlement_from_raw(raw, SHOP_ID)
        assert statement.statement_id == "7238804564097517339"
        assert statement.statement_time == datetime(2023, 5, 31, 16, 0, tzinfo=UTC)
        assert statement.currency == "GBP"
        assert statement.settlement_amount == Decimal("100")
        assert statement.revenue_amount == Decimal("200")
        assert statement.fee_amount == Decimal("-30")
        assert statement.adjustment_amount == Decimal("-70")
        assert statement.shipping_cost_amount == Decimal("-70")
        assert statement.payment_status == "PAID"
        assert statement.payment_id == "3459275187040258849"

    def test_settlement_is_read_not_recomputed(self) -> None:
        raw = {
            "id": "1",
            "statement_time": 1,
            "currency": "USD",
            "settlement_amount": "7",
            "revenue_amount": "100",
            "fee_amount": "-1",
        }
        assert models.settlement_from_raw(raw, SHOP_ID).settlement_amount == Decimal("7")

    def test_optional_amounts_absent(self) -> None:
        raw = {"id": "1", "statement_time": 1, "currency": "USD", "settlement_amount": "7"}
        statement = models.settlement_from_raw(raw, SHOP_ID)
        assert statement.revenue_amount is None and statement.fee_amount is None


class TestSellerAffiliate:
    def test_official_sample(self, load_example: Any) -> None:
        raw = load_example("affiliate-seller__search-seller-affiliate-orders.response.json")
        record = models.seller_affiliate_from_raw(raw["data"]["orders"][0], SHOP_ID)
        assert record.order_id == "579125529499110202"
        assert record.role is AccountRole.SELLER and record.account_id == SHOP_ID
        assert record.status == "COMPLETED"
        assert record.currency == "VND"
        assert record.gross_amount == Decimal("1000")
        assert record.estimated_commission == Decimal("20000")
        assert record.actual_commission == Decimal("10000")
        assert record.settled is True
        assert record.commission_rate == Decimal("0.1")
        assert record.delivered_at == datetime.fromtimestamp(1723748656, tz=UTC)
        assert "exampleTikTokCreatorUsername" not in repr(record)

    def test_sums_skus_and_unsettled_without_actual(self) -> None:
        sku = {
            "price": {"amount": "10.00", "currency": "USD"},
            "quantity": 2,
            "commission_rate": "1550",
            "estimated_paid_commission": {"amount": "3.10", "currency": "USD"},
        }
        raw = {"id": "1", "create_time": 1, "status": "PROCESSING", "skus": [sku, sku]}
        record = models.seller_affiliate_from_raw(raw, SHOP_ID)
        assert record.gross_amount == Decimal("40.00")
        assert record.estimated_commission == Decimal("6.20")
        assert record.actual_commission is None and record.settled is False
        assert record.commission_rate == Decimal("0.155")

    def test_estimate_from_rate_when_amount_missing(self) -> None:
        sku = {
            "price": {"amount": "10.00", "currency": "USD"},
            "quantity": 3,
            "commission_rate": "1000",
        }
        raw = {"id": "1", "create_time": 1, "status": "PROCESSING", "skus": [sku]}
        assert models.seller_affiliate_from_raw(raw, SHOP_ID).estimated_commission == Decimal("3")

    def test_mixed_currencies_bad_record(self) -> None:
        raw = {
            "id": "1",
            "create_time": 1,
            "status": "X",
            "skus": [
                {
                    "price": {"amount": "1", "currency": "USD"},
                    "quantity": 1,
                    "estimated_paid_commission": {"amount": "1", "currency": "GBP"},
                }
            ],
        }
        with pytest.raises(BadRecord):
            models.seller_affiliate_from_raw(raw, SHOP_ID)

    @pytest.mark.parametrize("rate", ["15.5", "abc", 1.5, True, None])
    def test_bad_rate(self, rate: Any) -> None:
        with pytest.raises(BadRecord):
            models.commission_rate(rate)


class TestCreatorAffiliate:
    def test_official_sample_with_formatted_rupiah(self, load_example: Any) -> None:
        raw = load_example("affiliate-creator__search-creator-affiliate-orders.response.json")
        record = models.creator_affiliate_from_raw(raw["data"]["orders"][0], "creator-open-id")
        assert record.order_id == "789078671231123124"
        assert record.role is AccountRole.CREATOR and record.account_id == "creator-open-id"
        assert record.status == "SETTLED"
        assert record.currency == "IDR"
        assert record.gross_amount == Decimal("19800")  # Rp9.900 × 2
        assert record.estimated_commission == Decimal("1980")
        assert record.actual_commission == Decimal("1900")
        assert record.settled is True
        assert record.commission_rate == Decimal("0.1")  # int 1000 = 10.00 %

    def test_ordered_without_actual_and_string_rate(self) -> None:
        sku = {
            "price": {"amount": "25.00", "currency": "USD"},
            "quantity": 1,
            "commission_rate": "2000",
            "estimated_commission": {"amount": "5.00", "currency": "USD"},
        }
        raw = {"id": "9", "create_time": 1, "status": "ORDERED", "skus": [sku]}
        record = models.creator_affiliate_from_raw(raw, "c")
        assert record.settled is False and record.actual_commission is None
        assert record.commission_rate == Decimal("0.2")

    def test_no_skus_is_bad_record(self) -> None:
        with pytest.raises(BadRecord):
            models.creator_affiliate_from_raw({"id": "1", "create_time": 1, "status": "X"}, "c")


class TestReturns:
    def test_official_sample(self, load_example: Any) -> None:
        raw = load_example("return-and-refund__search-returns.response.json")
        record = models.return_from_raw(raw["data"]["return_orders"][0], SHOP_ID)
        assert record.return_id == "4035318504086604100"
        assert record.order_id == "577686530908261117"
        assert record.return_type == "REFUND"
        assert record.status == "RETURN_OR_REFUND_REQUEST_PENDING"
        assert record.currency == "USD" and record.refund_amount == Decimal("1.23")
        assert record.created_at == datetime.fromtimestamp(1690451136, tz=UTC)
        assert "Coleman" not in repr(dataclasses.asdict(record))

    def test_missing_refund_is_bad_record(self) -> None:
        with pytest.raises(BadRecord):
            models.return_from_raw({"return_id": "1", "order_id": "2"}, SHOP_ID)
