"""REST Admin API JSON (webhook payloads: ``orders/*`` send the REST Order, ``refunds/create``
the REST Refund) → the same canonical records the GraphQL pull yields.

The two paths must agree, because the app upserts webhook orders and synced orders into one
row: ids become GIDs, statuses take the GraphQL enum spelling (``partially_refunded`` →
``PARTIALLY_REFUNDED``; a null fulfilment status is ``UNFULFILLED``), amounts come from the
``*_set.shop_money`` twins (the shop's currency) with the plain strings plus ``currency`` as the
fallback older payloads need. The payload is full of PII (customer, addresses, emails, phones,
browser IP, notes): none of it is read, except ``customer.id`` for ``buyer_ref``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from connectors.core.errors import BadRecord
from connectors.core.records import OrderRecord, Platform, Record, ReturnRecord
from connectors.core.timestamps import from_iso8601
from connectors.shopify.models import (
    CANCEL_INITIATOR,
    Raw,
    ShopInfo,
    amount,
    buyer_ref,
    canonical_status,
    currency_code,
    gid,
    opt_text,
    opt_time,
    text,
)

_FULFILLMENT = {
    None: "UNFULFILLED",
    "": "UNFULFILLED",
    "fulfilled": "FULFILLED",
    "partial": "PARTIALLY_FULFILLED",
    "restocked": "RESTOCKED",
    "unfulfilled": "UNFULFILLED",
}


def records_from_rest_order(raw: Raw, shop_id: str) -> list[Record]:
    """A REST order → its ``OrderRecord`` and one ``ReturnRecord`` per refund; [] for a test order.

    ``shop_id`` must be the shop's myshopify domain (what the GraphQL pull uses).
    """
    if raw.get("test") is True:
        return []
    order = order_from_rest(raw, shop_id)
    refunds = raw.get("refunds")
    refunds = [] if refunds is None else refunds
    if not isinstance(refunds, list):
        raise BadRecord("refunds is not a list")
    return [order, *(refund_from_rest(r, shop_id, order.currency) for r in refunds)]


def order_from_rest(raw: Raw, shop_id: str) -> OrderRecord:
    currency = currency_code(raw.get("currency"), "currency")
    financial = text(raw, "financial_status").upper()
    fulfillment = _fulfillment_status(raw.get("fulfillment_status"))
    cancelled_at = opt_time(raw, "cancelled_at")
    cancel_reason = (opt_text(raw, "cancel_reason") or "").upper()
    order_id = gid("Order", raw.get("admin_graphql_api_id") or raw.get("id"))
    return OrderRecord(
        platform=Platform.SHOPIFY,
        shop_id=shop_id,
        order_id=order_id,
        created_at=from_iso8601(raw.get("created_at")),
        updated_at=from_iso8601(raw.get("updated_at") or raw.get("created_at")),
        status=canonical_status(financial, fulfillment, cancelled=cancelled_at is not None),
        platform_status=financial,
        fulfillment_status=fulfillment,
        currency=currency,
        total_amount=rest_money(raw, "total_price", currency),
        subtotal_amount=rest_money(raw, "subtotal_price", currency, default=Decimal(0)),
        shipping_amount=_shipping(raw, currency),
        tax_amount=rest_money(raw, "total_tax", currency, default=Decimal(0)),
        item_count=_item_count(raw.get("line_items")),
        cancelled_at=cancelled_at,
        cancellation_initiator=CANCEL_INITIATOR.get(cancel_reason) if cancelled_at else None,
        buyer_ref=buyer_ref(shop_id, raw.get("customer")),
    )


def refund_from_rest(raw: Any, shop_id: str, currency: str) -> ReturnRecord:
    """A REST Refund (in an order, or a ``refunds/create`` payload) in the shop's ``currency``.

    The amount is the sum of its successful ``refund`` transactions (a refund that only
    restocked has none: zero). A transaction in another currency (the buyer's presentment
    currency) is a bad record rather than a wrong number.
    """
    if not isinstance(raw, Mapping):
        raise BadRecord("refund is not an object")
    created = from_iso8601(raw.get("created_at"))
    processed = opt_time(raw, "processed_at")
    return ReturnRecord(
        platform=Platform.SHOPIFY,
        shop_id=shop_id,
        return_id=gid("Refund", raw.get("admin_graphql_api_id") or raw.get("id")),
        order_id=gid("Order", raw.get("order_id")),
        return_type="REFUND",
        status="REFUNDED",
        created_at=created,
        updated_at=processed or created,
        currency=currency,
        refund_amount=_refunded(raw.get("transactions"), currency),
    )


def shop_from_rest(raw: Raw, domain: str | None = None) -> ShopInfo:
    """A REST Shop (``shop.json``'s ``shop``, the ``app/uninstalled`` payload) → ``ShopInfo``.

    ``domain`` defaults to the payload's ``myshopify_domain``. Development stores show plan
    names like ``affiliate`` or ``partner_test`` (reference 6, low confidence).
    """
    plan_name = opt_text(raw, "plan_name")
    display = opt_text(raw, "plan_display_name")
    return ShopInfo(
        shop_id=gid("Shop", raw.get("id")),
        domain=domain or text(raw, "myshopify_domain"),
        name=text(raw, "name"),
        created_at=from_iso8601(raw.get("created_at")),
        currency=currency_code(raw.get("currency"), "currency"),
        plan=display or plan_name,
        partner_development=plan_name in ("affiliate", "partner_test"),
        shopify_plus=display == "Shopify Plus",
    )


def rest_money(raw: Raw, key: str, currency: str, *, default: Decimal | None = None) -> Decimal:
    """``raw[key + "_set"].shop_money`` or else ``raw[key]`` (shop currency)."""
    bag = raw.get(f"{key}_set")
    if isinstance(bag, Mapping) and isinstance(bag.get("shop_money"), Mapping):
        money = bag["shop_money"]
        own = currency_code(money.get("currency_code"), f"{key}_set.shop_money.currency_code")
        if own != currency:
            raise BadRecord(f"{key}_set is in {own!r}, the order in {currency!r}")
        return amount(money.get("amount"), own, f"{key}_set.shop_money.amount")
    if raw.get(key) in (None, "") and default is not None:
        return default
    return amount(raw.get(key), currency, key)


def _shipping(raw: Raw, currency: str) -> Decimal:
    if isinstance(raw.get("total_shipping_price_set"), Mapping):
        return rest_money(raw, "total_shipping_price", currency)
    lines = raw.get("shipping_lines") or []  # older payloads: sum the shipping lines
    if not isinstance(lines, list):
        raise BadRecord("shipping_lines is not a list")
    total = Decimal(0)
    for line in lines:
        if not isinstance(line, Mapping):
            raise BadRecord("shipping line is not an object")
        total += rest_money(line, "price", currency, default=Decimal(0))
    return total


def _refunded(transactions: Any, currency: str) -> Decimal:
    if transactions is None:
        return Decimal(0)
    if not isinstance(transactions, list):
        raise BadRecord("refund transactions is not a list")
    total = Decimal(0)
    for tx in transactions:
        if not isinstance(tx, Mapping):
            raise BadRecord("refund transaction is not an object")
        if tx.get("kind") != "refund" or tx.get("status") not in ("success", None):
            continue
        own = tx.get("currency")
        if own is not None and currency_code(own, "transaction currency") != currency:
            raise BadRecord(f"refund transaction is in {own!r}, the shop in {currency!r}")
        total += amount(tx.get("amount"), currency, "transaction amount")
    return total


def _fulfillment_status(value: Any) -> str:
    if value is not None and not isinstance(value, str):
        raise BadRecord("fulfillment_status is not a string")
    mapped = _FULFILLMENT.get(value)
    return mapped if mapped is not None else str(value).upper()


def _item_count(lines: Any) -> int:
    if lines is None:
        return 0
    if not isinstance(lines, list):
        raise BadRecord("line_items is not a list")
    count = 0
    for line in lines:
        quantity = line.get("quantity") if isinstance(line, Mapping) else None
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            raise BadRecord("line_items.quantity is not a count")
        count += quantity
    return count
