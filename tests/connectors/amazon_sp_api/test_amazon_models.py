"""Mapping Amazon's static sandbox examples (and the constructed finances example) to records."""

from __future__ import annotations

import json
from dataclasses import asdict
from decimal import Decimal
from typing import Any

import pytest
from amazon_fakes import SELLER, amazon_reference, load_sandbox_cases

from connectors.amazon_sp_api import (
    MARKETPLACES,
    event_group_to_record,
    marketplaces_from_participations,
    order_from_v0,
    order_from_v2026,
    transaction_to_record,
)
from connectors.core.errors import BadRecord
from connectors.core.records import OrderStatus, Platform


def ok_cases(name: str) -> list[dict[str, Any]]:
    cases = [case for case in load_sandbox_cases(name) if case["status"] == 200]
    assert cases, f"no 200 examples in {name}"
    return cases


def decoded(case: dict[str, Any]) -> Any:
    """The response as the client decodes it (JSON numbers as Decimal)."""
    return json.loads(json.dumps(case["response"]), parse_float=Decimal)


def pii_strings(node: Any, keys: frozenset[str]) -> set[str]:
    """Every string value under any key in ``keys``, recursively."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in keys:
                found |= all_strings(value)
            else:
                found |= pii_strings(value, keys)
    elif isinstance(node, list):
        for value in node:
            found |= pii_strings(value, keys)
    return found


def all_strings(node: Any) -> set[str]:
    if isinstance(node, str):
        return {node} if len(node) > 3 else set()
    if isinstance(node, dict):
        return set().union(*(all_strings(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(all_strings(v) for v in node)) if node else set()
    return set()


PII_KEYS = frozenset({"buyer", "recipient", "BuyerInfo", "ShippingAddress"})


def record_text(record: Any) -> str:
    return json.dumps(asdict(record), default=str)


class TestV0Orders:
    @pytest.mark.parametrize("case", ok_cases("getOrders_v0.json"), ids=lambda c: str(c["request"]))
    def test_every_get_orders_example_maps(self, case: dict[str, Any]) -> None:
        orders = decoded(case)["payload"]["Orders"]
        records = [order_from_v0(raw, SELLER) for raw in orders]
        assert [r.order_id for r in records] == [raw["AmazonOrderId"] for raw in orders]
        for record, raw in zip(records, orders, strict=True):
            assert record.platform is Platform.AMAZON
            assert record.shop_id == SELLER
            assert record.platform_status == raw["OrderStatus"]
            assert record.created_at.tzinfo is not None

    def test_unshipped_order_total_is_the_string_amount(self) -> None:
        raw = decoded(ok_cases("getOrders_v0.json")[0])["payload"]["Orders"][0]
        record = order_from_v0(raw, SELLER)
        assert record.total_amount == Decimal("11.01")
        assert record.currency == "USD"
        assert record.status is OrderStatus.AWAITING_FULFILLMENT
        assert record.item_count == 1
        assert record.fulfillment_type == "MFN"

    def test_pending_order_without_total_is_unpaid_zero_in_marketplace_currency(self) -> None:
        raw = decoded(ok_cases("getOrders_v0.json")[1])["payload"]["Orders"][0]
        assert raw["OrderStatus"] == "Pending" and "OrderTotal" not in raw
        record = order_from_v0(raw, SELLER)
        assert record.status is OrderStatus.UNPAID
        assert record.total_amount == Decimal(0)
        assert record.currency == "USD"
        assert record.paid_at is None

    @pytest.mark.parametrize("case", ok_cases("getOrder_v0.json"), ids=lambda c: str(c["request"]))
    def test_every_get_order_example_maps(self, case: dict[str, Any]) -> None:
        raw = decoded(case)["payload"]
        record = order_from_v0(raw, SELLER)
        total = raw["OrderTotal"]
        assert record.total_amount == Decimal(total["Amount"])
        assert record.currency == total["CurrencyCode"]

    def test_business_order_in_germany_is_euro_and_in_transit(self) -> None:
        case = next(
            c
            for c in ok_cases("getOrder_v0.json")
            if c["request"]["parameters"]["orderId"]["value"] == "TEST_CASE_IBA_200"
        )
        record = order_from_v0(decoded(case)["payload"], SELLER)
        assert (record.currency, record.total_amount) == ("EUR", Decimal("100.00"))
        assert record.status is OrderStatus.IN_TRANSIT

    @pytest.mark.parametrize(
        ("status", "expected"),
        [
            ("Canceled", OrderStatus.CANCELLED),
            ("Shipped", OrderStatus.IN_TRANSIT),
            ("Delivered", OrderStatus.DELIVERED),
            ("PendingAvailability", OrderStatus.UNPAID),
            ("PartiallyShipped", OrderStatus.AWAITING_FULFILLMENT),
            ("Unfulfillable", OrderStatus.CANCELLED),
        ],
    )
    def test_status_mapping(self, status: str, expected: OrderStatus) -> None:
        raw = dict(decoded(ok_cases("getOrders_v0.json")[0])["payload"]["Orders"][0])
        raw["OrderStatus"] = status
        assert order_from_v0(raw, SELLER).status is expected

    def test_unknown_status_is_a_bad_record(self) -> None:
        raw = dict(decoded(ok_cases("getOrders_v0.json")[0])["payload"]["Orders"][0])
        raw["OrderStatus"] = "Teleported"
        with pytest.raises(BadRecord, match="unknown order status"):
            order_from_v0(raw, SELLER)

    def test_shipped_order_without_total_is_a_bad_record(self) -> None:
        raw = dict(decoded(ok_cases("getOrders_v0.json")[0])["payload"]["Orders"][0])
        raw["OrderStatus"] = "Shipped"
        del raw["OrderTotal"]
        with pytest.raises(BadRecord, match="without OrderTotal"):
            order_from_v0(raw, SELLER)


class TestV2026Orders:
    @pytest.mark.parametrize(
        "case", ok_cases("searchOrders_2026-01-01.json"), ids=lambda c: str(c["request"])[:80]
    )
    def test_every_search_orders_example_maps_without_pii(self, case: dict[str, Any]) -> None:
        body = decoded(case)
        pii = pii_strings(body, PII_KEYS)
        assert pii, "the example should carry buyer data for this test to mean something"
        for raw in body["orders"]:
            record = order_from_v2026(raw, SELLER)
            assert record.order_id == raw["orderId"]
            assert record.total_amount == Decimal(raw["proceeds"]["grandTotal"]["amount"])
            assert record.currency == raw["proceeds"]["grandTotal"]["currencyCode"]
            assert record.item_count == sum(i["quantityOrdered"] for i in raw["orderItems"])
            text = record_text(record)
            assert not [value for value in pii if value in text]
            assert record.buyer_ref is None

    @pytest.mark.parametrize(
        "case", ok_cases("getOrder_2026-01-01.json"), ids=lambda c: str(c["request"])[:80]
    )
    def test_every_get_order_example_maps_without_pii(self, case: dict[str, Any]) -> None:
        body = decoded(case)
        record = order_from_v2026(body["order"], SELLER)
        pii = pii_strings(body, PII_KEYS)
        assert pii
        assert not [value for value in pii if value in record_text(record)]

    def test_yen_amounts_have_no_decimals(self) -> None:
        raw = decoded(ok_cases("searchOrders_2026-01-01.json")[0])["orders"][0]
        record = order_from_v2026(raw, SELLER)
        assert (record.currency, record.total_amount) == ("JPY", Decimal("19940"))
        assert record.status is OrderStatus.IN_TRANSIT
        assert record.fulfillment_type == "AMAZON"

    def test_item_breakdowns_fill_subtotal_and_tax(self) -> None:
        case = next(
            c
            for c in ok_cases("getOrder_2026-01-01.json")
            if c["request"]["parameters"]["orderId"]["value"] == "114-9876543-1234567"
        )
        record = order_from_v2026(decoded(case)["order"], SELLER)
        assert record.total_amount == Decimal("49.99")
        assert record.subtotal_amount == Decimal("39.99")
        assert record.tax_amount == Decimal("10.00")
        assert record.status is OrderStatus.AWAITING_FULFILLMENT

    def test_missing_fulfillment_data_is_a_bad_record(self) -> None:
        raw = dict(decoded(ok_cases("searchOrders_2026-01-01.json")[0])["orders"][0])
        del raw["fulfillment"]
        with pytest.raises(BadRecord, match="FULFILLMENT"):
            order_from_v2026(raw, SELLER)

    def test_pending_without_proceeds_is_unpaid_zero(self) -> None:
        raw = dict(decoded(ok_cases("searchOrders_2026-01-01.json")[0])["orders"][0])
        raw["fulfillment"] = {"fulfillmentStatus": "PENDING"}
        del raw["proceeds"]
        record = order_from_v2026(raw, SELLER)
        assert (record.status, record.total_amount, record.currency) == (
            OrderStatus.UNPAID,
            Decimal(0),
            "JPY",
        )

    def test_cancelled(self) -> None:
        raw = dict(decoded(ok_cases("searchOrders_2026-01-01.json")[0])["orders"][0])
        raw["fulfillment"] = {"fulfillmentStatus": "CANCELLED"}
        assert order_from_v2026(raw, SELLER).status is OrderStatus.CANCELLED


class TestFinances:
    def test_list_transactions_example_maps_number_amounts(self) -> None:
        raw = decoded(ok_cases("listTransactions_2024-06-19.json")[0])["payload"]["transactions"][0]
        record = transaction_to_record(raw, SELLER)
        assert record.settlement_amount == Decimal(10)
        assert isinstance(record.settlement_amount, Decimal)
        assert record.currency == "USD"
        assert record.payment_id == "4MVaHcsAfaYAlwlaPWrXJxrfUiKfYZ2ooWtY7528FUA"
        assert record.statement_id.startswith("derived:")
        assert transaction_to_record(raw, SELLER).statement_id == record.statement_id

    def test_transaction_breakdowns_split_fees_from_revenue(self) -> None:
        raw = {
            "transactionId": "T1",
            "postedDate": "2026-10-01T00:00:00Z",
            "transactionStatus": "RELEASED",
            "totalAmount": {"currencyCode": "EUR", "currencyAmount": Decimal("17.35")},
            "breakdowns": [
                {
                    "breakdownType": "ProductCharges",
                    "breakdownAmount": {"currencyCode": "EUR", "currencyAmount": Decimal("20.00")},
                },
                {
                    "breakdownType": "AmazonFees",
                    "breakdownAmount": {"currencyCode": "EUR", "currencyAmount": Decimal("-2.65")},
                },
            ],
        }
        record = transaction_to_record(raw, SELLER)
        assert (record.statement_id, record.revenue_amount, record.fee_amount) == (
            "T1",
            Decimal("20.00"),
            Decimal("-2.65"),
        )
        assert record.payment_status == "RELEASED"

    def test_float_amount_is_refused(self) -> None:
        raw = {
            "postedDate": "2026-10-01T00:00:00Z",
            "totalAmount": {"currencyCode": "USD", "currencyAmount": 10.5},
        }
        with pytest.raises(BadRecord, match="float"):
            transaction_to_record(raw, SELLER)

    def test_financial_event_group_example_maps(self) -> None:
        raw = decoded(ok_cases("listFinancialEventGroups_v0.json")[0])["payload"][
            "FinancialEventGroupList"
        ][0]
        record = event_group_to_record(raw, SELLER)
        assert (record.statement_id, record.settlement_amount, record.currency) == (
            "1",
            Decimal("10.34"),
            "USD",
        )
        assert record.payment_status == "TRANSFERED"

    def test_constructed_shipment_refund_example_amounts_are_numbers(self) -> None:
        path = (
            amazon_reference() / "examples" / "constructed-listFinancialEvents-shipment-refund.json"
        )
        body = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
        amounts = _currency_amounts(body)
        assert amounts
        assert all(isinstance(amount, Decimal | int) for amount in amounts)


def _currency_amounts(node: Any) -> list[Any]:
    if isinstance(node, dict):
        found = [node["CurrencyAmount"]] if "CurrencyAmount" in node else []
        for value in node.values():
            found += _currency_amounts(value)
        return found
    if isinstance(node, list):
        return [amount for value in node for amount in _currency_amounts(value)]
    return []


class TestMarketplaces:
    def test_only_participating_marketplaces(self) -> None:
        body = {
            "payload": [
                {
                    "marketplace": {
                        "id": "A1PA6795UKMFR9",
                        "countryCode": "DE",
                        "name": "Amazon.de",
                        "defaultCurrencyCode": "EUR",
                    },
                    "participation": {"isParticipating": True, "hasSuspendedListings": False},
                },
                {
                    "marketplace": {"id": "A13V1IB3VIYZZH", "countryCode": "FR"},
                    "participation": {"isParticipating": False},
                },
                {
                    "marketplace": {"id": "A1F83G8C2ARO7P", "countryCode": "GB"},
                    "participation": {"isParticipating": True},
                },
            ]
        }
        found = marketplaces_from_participations(body)
        assert [(m.marketplace_id, m.currency, m.region) for m in found] == [
            ("A1PA6795UKMFR9", "EUR", "EU"),
            ("A1F83G8C2ARO7P", "GBP", "EU"),
        ]

    def test_table_covers_the_reference(self) -> None:
        assert len(MARKETPLACES) == 23
        assert MARKETPLACES["A1VC38T7YXB528"].currency == "JPY"
        assert {info.region for info in MARKETPLACES.values()} == {"NA", "EU", "FE"}
