"""Shopify GraphQL objects → canonical records; status folding; shop info; the visible window.

Only the fields a record needs are read. Orders are queried with ``customer { id }`` and nothing
else personal, and the customer id becomes ``buyer_ref`` through ``pseudonymous_ref`` salted
with the shop domain. Amounts are ``shopMoney`` (the shop's currency; ``presentmentMoney`` is
the buyer's and is never used). Test orders yield nothing. Each refund becomes a
``ReturnRecord`` yielded with its order. Errors are ``BadRecord`` naming fields, never values.

Record ids are Shopify GIDs (``gid://shopify/Order/450789469``) and the records' ``shop_id`` is
the shop's myshopify domain, whichever path (GraphQL pull or REST webhook) produced them, so an
order upserted from a webhook and re-read by a sync is the same row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from connectors.core.errors import BadRecord
from connectors.core.money import parse_amount
from connectors.core.pii import pseudonymous_ref
from connectors.core.records import OrderRecord, OrderStatus, Platform, Record, ReturnRecord
from connectors.core.timestamps import from_iso8601, time_field

Raw = Mapping[str, Any]

DEFAULT_VISIBLE_DAYS = 60
"""Without ``read_all_orders`` an app sees only orders of the last 60 days (reference 0.1)."""

READ_ALL_ORDERS = "read_all_orders"

# OrderDisplayFinancialStatus values for which no money was (or will be) collected.
_NOT_COLLECTED = frozenset({"VOIDED", "EXPIRED"})
_AWAITING_PAYMENT = frozenset({"PENDING"})
FINANCIAL_STATUSES = frozenset(
    {
        "AUTHORIZED",
        "EXPIRED",
        "PAID",
        "PARTIALLY_PAID",
        "PARTIALLY_REFUNDED",
        "PENDING",
        "REFUNDED",
        "VOIDED",
    }
)
# OrderDisplayFulfillmentStatus → canonical state of a paid (or authorized) order.
FULFILLMENT_STATUS: dict[str, OrderStatus] = {
    "UNFULFILLED": OrderStatus.AWAITING_FULFILLMENT,
    "OPEN": OrderStatus.AWAITING_FULFILLMENT,
    "PENDING_FULFILLMENT": OrderStatus.AWAITING_FULFILLMENT,
    "SCHEDULED": OrderStatus.AWAITING_FULFILLMENT,
    "IN_PROGRESS": OrderStatus.AWAITING_FULFILLMENT,
    "PARTIALLY_FULFILLED": OrderStatus.AWAITING_FULFILLMENT,
    "REQUEST_DECLINED": OrderStatus.AWAITING_FULFILLMENT,
    "ON_HOLD": OrderStatus.ON_HOLD,
    # Shopify's order-level fulfilment ends at "fulfilled" (handed to the carrier or delivered
    # digitally); it does not track delivery, so this is the order's terminal state here.
    "FULFILLED": OrderStatus.COMPLETED,
    "RESTOCKED": OrderStatus.COMPLETED,  # items came back: the refunds carry the money
}
# cancelReason (OrderCancelReason) → who cancelled, in the canonical SELLER/BUYER/SYSTEM terms.
CANCEL_INITIATOR = {
    "CUSTOMER": "BUYER",
    "DECLINED": "SYSTEM",  # the payment was declined
    "FRAUD": "SELLER",
    "INVENTORY": "SELLER",
    "STAFF": "SELLER",
    "OTHER": "SELLER",  # chosen by the merchant's staff when cancelling
}


def visible_days(scopes: Iterable[str]) -> int | None:
    """How many days of order history the granted ``scopes`` show; ``None`` means all of it.

    The app stores this with the connection: days before the window were *not visible*, never
    days without sales.
    """
    return None if READ_ALL_ORDERS in set(scopes) else DEFAULT_VISIBLE_DAYS


def visible_since(scopes: Iterable[str], now: datetime) -> datetime | None:
    """The earliest order creation time the scopes show at ``now`` (``None``: no limit)."""
    days = visible_days(scopes)
    return None if days is None else now - timedelta(days=days)


def canonical_status(financial: str, fulfillment: str, *, cancelled: bool) -> OrderStatus:
    """Fold Shopify's two display statuses (GraphQL enum spelling) into one canonical state."""
    if financial not in FINANCIAL_STATUSES:
        raise BadRecord(f"unknown financial status {financial[:40]!r}")
    if cancelled or financial in _NOT_COLLECTED:
        return OrderStatus.CANCELLED
    if financial in _AWAITING_PAYMENT:
        return OrderStatus.UNPAID
    status = FULFILLMENT_STATUS.get(fulfillment)
    if status is None:
        raise BadRecord(f"unknown fulfillment status {fulfillment[:40]!r}")
    return status


def gid(kind: str, value: Any) -> str:
    """A GID for ``kind``: GIDs pass through (checked), REST integer ids are wrapped."""
    prefix = f"gid://shopify/{kind}/"
    if isinstance(value, str) and value.startswith(prefix) and value[len(prefix) :].isdigit():
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return f"{prefix}{value}"
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return f"{prefix}{int(value)}"
    raise BadRecord(f"{kind} id is not a Shopify id")


def buyer_ref(shop_id: str, customer: Any) -> str | None:
    """The pseudonymous buyer of an order whose ``customer`` object is ``customer`` (or null)."""
    if customer is None:
        return None
    if not isinstance(customer, Mapping):
        raise BadRecord("customer is not an object")
    if customer.get("id") in (None, ""):
        return None
    return pseudonymous_ref(shop_id, gid("Customer", customer["id"]))


@dataclass(frozen=True, slots=True)
class ShopInfo:
    """The shop facts the scoring model uses (age, currency, plan) and, once asked, its scopes."""

    shop_id: str
    domain: str
    name: str
    created_at: datetime
    currency: str
    plan: str | None
    partner_development: bool = False
    shopify_plus: bool = False
    scopes: tuple[str, ...] = ()


def shop_from_graphql(raw: Raw, domain: str) -> ShopInfo:
    """``data.shop`` of the shop query."""
    plan = raw.get("plan")
    if plan is not None and not isinstance(plan, Mapping):
        raise BadRecord("shop.plan is not an object")
    plan = plan or {}
    return ShopInfo(
        shop_id=gid("Shop", raw.get("id")),
        domain=domain,
        name=text(raw, "name"),
        created_at=from_iso8601(raw.get("createdAt")),
        currency=currency_code(raw.get("currencyCode"), "currencyCode"),
        plan=opt_text(plan, "displayName"),
        partner_development=plan.get("partnerDevelopment") is True,
        shopify_plus=plan.get("shopifyPlus") is True,
    )


def records_from_graphql(node: Raw, shop_id: str) -> list[Record]:
    """An order node → its ``OrderRecord`` then one ``ReturnRecord`` per refund; [] if a test."""
    if _flag(node, "test"):
        return []
    order = order_from_graphql(node, shop_id)
    refunds = node.get("refunds")
    refunds = [] if refunds is None else refunds
    if not isinstance(refunds, list):
        raise BadRecord("refunds is not a list")
    return [order, *(refund_from_graphql(r, order) for r in refunds)]


def order_from_graphql(node: Raw, shop_id: str) -> OrderRecord:
    currency = currency_code(node.get("currencyCode"), "currencyCode")
    financial = text(node, "displayFinancialStatus")
    fulfillment = text(node, "displayFulfillmentStatus")
    cancelled_at = opt_time(node, "cancelledAt")
    cancel_reason = opt_text(node, "cancelReason")
    return OrderRecord(
        platform=Platform.SHOPIFY,
        shop_id=shop_id,
        order_id=gid("Order", node.get("id")),
        created_at=time_field(node, "createdAt", from_iso8601),
        updated_at=time_field(node, "updatedAt", from_iso8601),
        status=canonical_status(financial, fulfillment, cancelled=cancelled_at is not None),
        platform_status=financial,
        fulfillment_status=fulfillment,
        currency=currency,
        total_amount=shop_money(node, "totalPriceSet", currency),
        subtotal_amount=shop_money(node, "subtotalPriceSet", currency, default=Decimal(0)),
        shipping_amount=shop_money(node, "totalShippingPriceSet", currency, default=Decimal(0)),
        tax_amount=shop_money(node, "totalTaxSet", currency, default=Decimal(0)),
        # the agreed query asks for no line items: the unit count is unknown here, not zero sales
        item_count=0,
        cancelled_at=cancelled_at,
        cancellation_initiator=CANCEL_INITIATOR.get(cancel_reason or "") if cancelled_at else None,
        buyer_ref=buyer_ref(shop_id, node.get("customer")),
    )


def refund_from_graphql(raw: Any, order: OrderRecord) -> ReturnRecord:
    if not isinstance(raw, Mapping):
        raise BadRecord("refund is not an object")
    created = from_iso8601(raw.get("createdAt"))
    return ReturnRecord(
        platform=Platform.SHOPIFY,
        shop_id=order.shop_id,
        return_id=gid("Refund", raw.get("id")),
        order_id=order.order_id,
        return_type="REFUND",
        status="REFUNDED",
        created_at=created,
        updated_at=created,
        currency=order.currency,
        refund_amount=shop_money(raw, "totalRefundedSet", order.currency),
    )


# -- field helpers (shared with ``rest``) -----------------------------------------------------


def shop_money(raw: Raw, key: str, currency: str, *, default: Decimal | None = None) -> Decimal:
    """``raw[key].shopMoney.amount`` in ``currency`` (a mismatch is a bad record, not a guess)."""
    bag = raw.get(key)
    if bag is None and default is not None:
        return default
    if not isinstance(bag, Mapping) or not isinstance(bag.get("shopMoney"), Mapping):
        raise BadRecord(f"{key}.shopMoney is missing")
    money = bag["shopMoney"]
    own = currency_code(money.get("currencyCode"), f"{key}.shopMoney.currencyCode")
    if own != currency:
        raise BadRecord(f"{key} is in {own!r}, the order in {currency!r}")
    return amount(money.get("amount"), own, f"{key}.shopMoney.amount")


def amount(value: Any, currency: str, name: str) -> Decimal:
    if value is None or value == "":
        raise BadRecord(f"missing amount {name}")
    try:
        return parse_amount(value, currency)
    except BadRecord as exc:
        raise BadRecord(f"{name}: {exc.message}") from exc


def currency_code(value: Any, name: str) -> str:
    if not isinstance(value, str) or len(value) != 3 or not value.isalpha() or not value.isascii():
        raise BadRecord(f"{name} is not an ISO 4217 code")
    return value.upper()


def text(raw: Raw, key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        raise BadRecord(f"missing field {key!r}")
    return value


def opt_text(raw: Raw, key: str) -> str | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRecord(f"{key} is not a string")
    return value


def opt_time(raw: Raw, key: str) -> datetime | None:
    value = raw.get(key)
    return None if value in (None, "") else from_iso8601(value)


def _flag(raw: Raw, key: str) -> bool:
    value = raw.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise BadRecord(f"{key} is not a boolean")
    return value
