"""Mapping Shopify objects to canonical records, parsed from the reference's example files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from shopify_fakes import NOW, SHOP, order_node

from connectors.core.errors import BadRecord
from connectors.core.pii import pseudonymous_ref
from connectors.core.records import NEVER_EXPIRES, OrderRecord, OrderStatus, Platform, ReturnRecord
from connectors.shopify import (
    parse_token_response,
    records_from_graphql,
    records_from_rest_order,
    refund_from_rest,
    visible_since,
)
from connectors.shopify.client import check_graphql, is_throttled
from connectors.shopify.models import canonical_status, gid
from connectors.shopify.rest import shop_from_rest
from connectors.shopify.throttle import Cost

Load = Callable[[str], Any]
BUYER = pseudonymous_ref(SHOP, "gid://shopify/Customer/207119551")
PII_KEYS = {
    "email", "contact_email", "customer_email", "first_name", "last_name", "name", "phone",
    "address1", "address2", "city", "zip", "company", "browser_ip", "latitude", "longitude",
    "note", "shop_owner", "province", "user_agent",
}  # fmt: skip


def pii_values(node: Any) -> Iterator[str]:
    """Every PII-keyed value of a payload, recursively (objects under them included)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in PII_KEYS and isinstance(value, str | int | float) and str(value).strip():
                yield str(value)
            yield from pii_values(value)
    elif isinstance(node, list):
        for item in node:
            yield from pii_values(item)


class TestGraphqlExamples:
    def test_documented_order_node(self, load_shopify_example: Load) -> None:
        example = load_shopify_example("graphql_orders_examples.json")
        check_graphql(example["response_ok"], scope="read_orders", secrets=())
        edge = example["response_ok"]["data"]["orders"]["edges"][0]
        [order] = records_from_graphql(edge["node"], SHOP)
        assert isinstance(order, OrderRecord)
        assert order.platform is Platform.SHOPIFY and order.shop_id == SHOP
        assert order.order_id == "gid://shopify/Order/450789469"
        assert order.created_at == datetime(2026, 1, 10, 16, tzinfo=UTC)
        assert order.updated_at == datetime(2026, 1, 11, 9, tzinfo=UTC)
        assert (order.currency, order.total_amount) == ("USD", Decimal("598.94"))
        assert order.subtotal_amount == Decimal("597.0")
        assert order.tax_amount == Decimal("11.94")
        assert order.shipping_amount == Decimal(0)  # not in this query: absent, not guessed
        assert order.platform_status == "PARTIALLY_REFUNDED"
        assert order.fulfillment_status == "FULFILLED"
        assert order.status is OrderStatus.COMPLETED
        assert order.buyer_ref == BUYER
        assert order.cancelled_at is None and order.cancellation_initiator is None

    def test_documented_costs(self, load_shopify_example: Load) -> None:
        example = load_shopify_example("graphql_orders_examples.json")
        ok = Cost.from_extensions(example["response_ok"]["extensions"])
        assert ok == Cost(252.0, 2000.0, 1988.0, 100.0)
        assert ok.wait_for(252) == 0.0
        throttled = next(v for k, v in example.items() if k.startswith("response_throttled"))
        assert is_throttled(throttled) and not is_throttled(example["response_ok"])
        cost = Cost.from_extensions(throttled["extensions"])
        assert cost is not None
        assert cost.wait_for(cost.requested) == pytest.approx((752 - 666) / 50 + 0.05)


class TestRestExamples:
    def test_2026_07_order_with_refund(self, load_shopify_example: Load) -> None:
        raw = load_shopify_example("rest_2026-07_orders_list_status_any.json")["orders"][0]
        order, refund = records_from_rest_order(raw, SHOP)
        assert isinstance(order, OrderRecord) and isinstance(refund, ReturnRecord)
        assert order.order_id == "gid://shopify/Order/450789469"
        assert order.created_at == datetime(2008, 1, 10, 16, tzinfo=UTC)  # -05:00 → UTC
        assert order.total_amount == Decimal("598.94")
        assert order.subtotal_amount == Decimal("597.00")
        assert order.tax_amount == Decimal("11.94")
        assert order.shipping_amount == Decimal("0.00")
        assert order.item_count == sum(line["quantity"] for line in raw["line_items"])
        assert (order.platform_status, order.fulfillment_status) == (
            "PARTIALLY_REFUNDED",
            "UNFULFILLED",
        )
        assert order.status is OrderStatus.AWAITING_FULFILLMENT
        assert order.buyer_ref == BUYER  # the same buyer as through GraphQL
        assert refund.return_id == "gid://shopify/Refund/509562969"
        assert refund.order_id == order.order_id
        assert (refund.currency, refund.refund_amount) == ("USD", Decimal("209.00"))
        rendered = repr([order, refund])
        leaked = [value for value in pii_values(raw) if value in rendered]
        assert leaked == []

    def test_legacy_fixtures(self, load_shopify_example: Load) -> None:
        [order] = records_from_rest_order(
            load_shopify_example("legacy-rest-fixtures/order.json")["order"], SHOP
        )
        assert isinstance(order, OrderRecord)
        assert (order.total_amount, order.subtotal_amount) == (Decimal("409.94"), Decimal("398.00"))
        assert order.shipping_amount == Decimal("0.00")  # from shipping_lines
        assert order.platform_status == "AUTHORIZED"
        assert order.status is OrderStatus.AWAITING_FULFILLMENT
        orders = load_shopify_example("legacy-rest-fixtures/orders.json")["orders"]
        mapped = [r for raw in orders for r in records_from_rest_order(raw, SHOP)]
        assert [r.total_amount for r in mapped] == [Decimal(o["total_price"]) for o in orders]
        refund = refund_from_rest(
            load_shopify_example("legacy-rest-fixtures/refund.json")["refund"], SHOP, "USD"
        )
        assert refund.refund_amount == Decimal("209.00")
        assert refund.order_id == "gid://shopify/Order/450789469"

    @pytest.mark.parametrize(
        ("name", "domain", "plan"),
        [
            ("rest_2026-07_shop.json", "jsmith.myshopify.com", "Shopify Plus"),
            ("legacy-rest-fixtures/shop.json", "apple.myshopify.com", "enterprise"),
            ("legacy-rest-fixtures/graphql.json", "apple.myshopify.com", "enterprise"),
        ],
    )
    def test_shop_examples(
        self, load_shopify_example: Load, name: str, domain: str, plan: str
    ) -> None:
        raw = load_shopify_example(name)["shop"]
        info = shop_from_rest(raw)
        assert info.domain == domain and info.plan == plan and info.currency == "USD"
        assert info.created_at == datetime(2008, 1, 1, 0, tzinfo=UTC)
        assert info.shop_id == f"gid://shopify/Shop/{raw['id']}"

    def test_test_orders_yield_nothing(self, load_shopify_example: Load) -> None:
        raw = load_shopify_example("rest_2026-07_orders_list_status_any.json")["orders"][0]
        assert records_from_rest_order({**raw, "test": True}, SHOP) == []
        assert records_from_graphql(order_node(1, NOW, test=True), SHOP) == []

    def test_presentment_currency_refund_is_quarantined_not_converted(self) -> None:
        raw = {"id": 5, "order_id": 7, "created_at": "2026-01-01T00:00:00Z",
               "transactions": [{"kind": "refund", "status": "success", "amount": "9.00",
                                 "currency": "CAD"}]}  # fmt: skip
        with pytest.raises(BadRecord, match="CAD"):
            refund_from_rest(raw, SHOP, "USD")

    def test_failed_refund_transactions_do_not_count(self) -> None:
        raw = {"id": 5, "order_id": 7, "created_at": "2026-01-01T00:00:00Z",
               "transactions": [
                   {"kind": "refund", "status": "failure", "amount": "9.00"},
                   {"kind": "refund", "status": "success", "amount": "4.50"},
                   {"kind": "sale", "status": "success", "amount": "100.00"}]}  # fmt: skip
        assert refund_from_rest(raw, SHOP, "USD").refund_amount == Decimal("4.50")


class TestTokenExamples:
    def test_every_token_response_shape(self, load_shopify_example: Load) -> None:
        example = load_shopify_example("oauth_examples.json")
        clock = lambda: NOW  # noqa: E731
        plain = parse_token_response(
            example["token_response_offline_non_expiring"], SHOP, clock=clock
        )
        assert plain.access_expires_at == NEVER_EXPIRES and plain.refresh_token is None
        assert plain.scopes == ("write_orders", "read_customers")
        expiring = parse_token_response(
            example["token_response_offline_expiring"], SHOP, clock=clock
        )
        assert expiring.access_expires_at == NOW + timedelta(hours=1)
        assert expiring.refresh_expires_at == NOW + timedelta(days=90)
        online = parse_token_response(example["token_response_online"], SHOP, clock=clock)
        assert online.access_expires_at == NOW + timedelta(seconds=86399)
        assert online.account_name is None  # the associated user's name and email are dropped
        creds = parse_token_response(example["client_credentials_response"], SHOP, clock=clock)
        assert creds.refresh_token is None


class TestStatusFolding:
    @pytest.mark.parametrize(
        ("financial", "fulfillment", "cancelled", "expected"),
        [
            ("PAID", "FULFILLED", False, OrderStatus.COMPLETED),
            ("PAID", "UNFULFILLED", False, OrderStatus.AWAITING_FULFILLMENT),
            ("PAID", "PARTIALLY_FULFILLED", False, OrderStatus.AWAITING_FULFILLMENT),
            ("PAID", "ON_HOLD", False, OrderStatus.ON_HOLD),
            ("AUTHORIZED", "UNFULFILLED", False, OrderStatus.AWAITING_FULFILLMENT),
            ("PENDING", "UNFULFILLED", False, OrderStatus.UNPAID),
            ("PARTIALLY_REFUNDED", "FULFILLED", False, OrderStatus.COMPLETED),
            ("REFUNDED", "RESTOCKED", False, OrderStatus.COMPLETED),
            ("VOIDED", "UNFULFILLED", False, OrderStatus.CANCELLED),
            ("EXPIRED", "UNFULFILLED", False, OrderStatus.CANCELLED),
            ("REFUNDED", "UNFULFILLED", True, OrderStatus.CANCELLED),
            ("PAID", "FULFILLED", True, OrderStatus.CANCELLED),
        ],
    )
    def test_table(
        self, financial: str, fulfillment: str, cancelled: bool, expected: OrderStatus
    ) -> None:
        assert canonical_status(financial, fulfillment, cancelled=cancelled) is expected

    @pytest.mark.parametrize(("financial", "fulfillment"), [("PAID", "TELEPORTED"), ("GIFTED", "")])
    def test_unknown_values_are_bad_records(self, financial: str, fulfillment: str) -> None:
        with pytest.raises(BadRecord, match="unknown"):
            canonical_status(financial, fulfillment, cancelled=False)

    def test_cancellation(self) -> None:
        node = order_node(1, NOW, cancelledAt="2026-05-02T00:00:00Z", cancelReason="CUSTOMER",
                          displayFinancialStatus="REFUNDED")  # fmt: skip
        [order] = records_from_graphql(node, SHOP)
        assert isinstance(order, OrderRecord)
        assert order.status is OrderStatus.CANCELLED and order.cancellation_initiator == "BUYER"
        assert order.cancelled_at == datetime(2026, 5, 2, tzinfo=UTC)


class TestBadRecords:
    @pytest.mark.parametrize(
        ("overrides", "match"),
        [
            ({"totalPriceSet": {"shopMoney": {"amount": "1.00", "currencyCode": "EUR"}}}, "EUR"),
            ({"totalPriceSet": {"shopMoney": {"amount": 1.5, "currencyCode": "USD"}}}, "float"),
            ({"currencyCode": None}, "currencyCode"),
            ({"createdAt": "2026-01-01T00:00:00"}, "offset"),
            ({"id": "gid://shopify/Product/1"}, "Order id"),
            ({"customer": "someone"}, "customer"),
            ({"refunds": {}}, "refunds"),
            ({"test": "no"}, "test"),
        ],
    )
    def test_reasons_name_fields_not_values(self, overrides: dict[str, Any], match: str) -> None:
        with pytest.raises(BadRecord, match=match):
            records_from_graphql(order_node(1, NOW, **overrides), SHOP)

    def test_gid(self) -> None:
        assert gid("Order", 5) == gid("Order", "5") == "gid://shopify/Order/5"
        for bad in (True, 0, -1, "x", "gid://shopify/Order/x", None):
            with pytest.raises(BadRecord):
                gid("Order", bad)


class TestVisibleWindow:
    def test_without_read_all_orders_sixty_days(self) -> None:
        assert visible_since(["read_orders"], NOW) == NOW - timedelta(days=60)
        assert visible_since(["read_orders", "read_all_orders"], NOW) is None
