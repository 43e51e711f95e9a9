"""Amazon SP-API shapes → canonical records (orders v0 and v2026-01-01, transactions, marketplaces).

Buyer data (``BuyerInfo``, ``ShippingAddress``, v2026 ``buyer``/``recipient``, tax
registrations) is never read: records have no field for it and no ``buyer_ref`` is derived.

Pending orders: Amazon sends no order total until payment is authorized (reference 3a). They
are recorded, not quarantined, with status ``UNPAID`` and totals of zero in the marketplace's
currency, so order counts stay complete while revenue counts only what Amazon priced; when a
Pending order does carry a total it is kept.

Amounts: v0 orders and v2026 orders send decimal strings; finances send JSON numbers, which the
client decodes as ``Decimal`` (never ``float``); both go through ``parse_amount``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from connectors.amazon_sp_api.config import MARKETPLACES
from connectors.core.errors import BadRecord
from connectors.core.money import parse_amount
from connectors.core.records import OrderRecord, OrderStatus, Platform, SettlementRecord
from connectors.core.timestamps import from_iso8601, time_field

ZERO = Decimal(0)

V0_STATUS: Mapping[str, OrderStatus] = {
    "PendingAvailability": OrderStatus.UNPAID,
    "Pending": OrderStatus.UNPAID,
    "Unshipped": OrderStatus.AWAITING_FULFILLMENT,
    "PartiallyShipped": OrderStatus.AWAITING_FULFILLMENT,
    "InvoiceUnconfirmed": OrderStatus.IN_TRANSIT,
    "Shipped": OrderStatus.IN_TRANSIT,
    "Delivered": OrderStatus.DELIVERED,  # not in the v0 enum; the sandbox personas use it
    "Canceled": OrderStatus.CANCELLED,
    "Unfulfillable": OrderStatus.CANCELLED,
}

V2026_STATUS: Mapping[str, OrderStatus] = {
    "PENDING_AVAILABILITY": OrderStatus.UNPAID,
    "PENDING": OrderStatus.UNPAID,
    "UNSHIPPED": OrderStatus.AWAITING_FULFILLMENT,
    "PARTIALLY_SHIPPED": OrderStatus.AWAITING_FULFILLMENT,
    "SHIPPED": OrderStatus.IN_TRANSIT,
    "DELIVERED": OrderStatus.DELIVERED,  # not in the enum; accepted for symmetry with v0
    "CANCELLED": OrderStatus.CANCELLED,
    "UNFULFILLABLE": OrderStatus.CANCELLED,
}


@dataclass(frozen=True, slots=True)
class Marketplace:
    """A marketplace the seller participates in."""

    marketplace_id: str
    country: str
    currency: str
    name: str
    region: str | None


def marketplaces_from_participations(body: Mapping[str, Any]) -> list[Marketplace]:
    """Participating marketplaces from a Sellers API v1 ``marketplaceParticipations`` body.

    MEDIUM: the Sellers API is not among the reference's models; shape per the public docs.
    """
    out: list[Marketplace] = []
    for entry in body.get("payload") or []:
        if not isinstance(entry, Mapping):
            continue
        market = entry.get("marketplace") or {}
        participation = entry.get("participation") or {}
        if not isinstance(market, Mapping) or participation.get("isParticipating") is not True:
            continue
        marketplace_id = str(market.get("id") or "")
        if not marketplace_id:
            continue
        known = MARKETPLACES.get(marketplace_id)
        currency = str(market.get("defaultCurrencyCode") or (known.currency if known else ""))
        if not currency:
            continue
        out.append(
            Marketplace(
                marketplace_id=marketplace_id,
                country=str(market.get("countryCode") or (known.country if known else "")),
                currency=currency,
                name=str(market.get("name") or ""),
                region=known.region if known else None,
            )
        )
    return out


def _money(node: Any, *, field: str) -> tuple[Decimal, str]:
    """``(amount, currency)`` of a ``{Amount|amount|currencyAmount|CurrencyAmount, ...}`` node."""
    if not isinstance(node, Mapping):
        raise BadRecord(f"{field} is not a money object")
    currency = node.get("CurrencyCode") or node.get("currencyCode")
    if not isinstance(currency, str) or len(currency) != 3:
        raise BadRecord(f"{field} has no currency code")
    for key in ("Amount", "amount", "CurrencyAmount", "currencyAmount"):
        if key in node:
            try:
                return parse_amount(node[key], currency), currency.upper()
            except BadRecord as exc:
                raise BadRecord(f"{field}: {exc.message}") from exc
    raise BadRecord(f"{field} has no amount")


def _marketplace_currency(marketplace_id: Any) -> str:
    known = MARKETPLACES.get(str(marketplace_id)) if marketplace_id else None
    if known is None:
        raise BadRecord(f"unknown marketplace {str(marketplace_id)[:20]!r} and no order total")
    return known.currency


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def order_from_v0(raw: Mapping[str, Any], seller_id: str) -> OrderRecord:
    """Map a v0 ``Order``."""
    order_id = raw["AmazonOrderId"]
    platform_status = str(raw["OrderStatus"])
    status = V0_STATUS.get(platform_status)
    if status is None:
        raise BadRecord(f"unknown order status {platform_status[:30]!r}")
    if raw.get("OrderTotal") is not None:
        total, currency = _money(raw["OrderTotal"], field="OrderTotal")
    elif status is OrderStatus.UNPAID or status is OrderStatus.CANCELLED:
        total, currency = ZERO, _marketplace_currency(raw.get("MarketplaceId"))
    else:
        raise BadRecord(f"{platform_status} order without OrderTotal")
    created = time_field(raw, "PurchaseDate", from_iso8601)
    return OrderRecord(
        platform=Platform.AMAZON,
        shop_id=seller_id,
        order_id=str(order_id),
        created_at=created,
        updated_at=time_field(raw, "LastUpdateDate", from_iso8601),
        status=status,
        platform_status=platform_status,
        currency=currency,
        total_amount=total,
        subtotal_amount=total,
        shipping_amount=ZERO,
        tax_amount=ZERO,
        item_count=_int(raw.get("NumberOfItemsShipped")) + _int(raw.get("NumberOfItemsUnshipped")),
        paid_at=None if status is OrderStatus.UNPAID else created,
        fulfillment_type=_opt(raw.get("FulfillmentChannel")),
    )


def order_from_v2026(raw: Mapping[str, Any], seller_id: str) -> OrderRecord:
    """Map a v2026-01-01 ``Order`` (needs ``includedData`` FULFILLMENT and PROCEEDS)."""
    order_id = raw["orderId"]
    fulfillment = raw.get("fulfillment") or {}
    platform_status = (
        fulfillment.get("fulfillmentStatus") if isinstance(fulfillment, Mapping) else None
    )
    if not isinstance(platform_status, str):
        raise BadRecord("order has no fulfillment status (includedData FULFILLMENT missing?)")
    status = V2026_STATUS.get(platform_status)
    if status is None:
        raise BadRecord(f"unknown fulfillment status {platform_status[:30]!r}")
    sales_channel = raw.get("salesChannel") or {}
    marketplace_id = (
        sales_channel.get("marketplaceId") if isinstance(sales_channel, Mapping) else None
    )
    proceeds = raw.get("proceeds") or {}
    grand_total = proceeds.get("grandTotal") if isinstance(proceeds, Mapping) else None
    if grand_total is not None:
        total, currency = _money(grand_total, field="proceeds.grandTotal")
    elif status is OrderStatus.UNPAID or status is OrderStatus.CANCELLED:
        total, currency = ZERO, _marketplace_currency(marketplace_id)
    else:
        raise BadRecord(f"{platform_status} order without proceeds.grandTotal")
    by_type = _proceeds_by_type(raw, currency)
    items = raw.get("orderItems") or []
    created = time_field(raw, "createdTime", from_iso8601)
    return OrderRecord(
        platform=Platform.AMAZON,
        shop_id=seller_id,
        order_id=str(order_id),
        created_at=created,
        updated_at=time_field(raw, "lastUpdatedTime", from_iso8601),
        status=status,
        platform_status=platform_status,
        currency=currency,
        total_amount=total,
        subtotal_amount=by_type.get("ITEM", total),
        shipping_amount=by_type.get("SHIPPING", ZERO),
        tax_amount=by_type.get("TAX", ZERO),
        item_count=sum(
            _int(item.get("quantityOrdered")) for item in items if isinstance(item, Mapping)
        ),
        paid_at=None if status is OrderStatus.UNPAID else created,
        fulfillment_type=_opt(fulfillment.get("fulfilledBy")),
        fulfillment_status=platform_status,
    )


def _proceeds_by_type(raw: Mapping[str, Any], currency: str) -> dict[str, Decimal]:
    """Order-level proceeds breakdowns, else the items' breakdowns summed, by category."""
    proceeds = raw.get("proceeds") or {}
    found: dict[str, Decimal] = {}
    order_level = proceeds.get("breakdowns") if isinstance(proceeds, Mapping) else None
    sources: list[Any] = []
    if order_level:
        sources = list(order_level)
    else:
        for item in raw.get("orderItems") or []:
            item_proceeds = item.get("proceeds") if isinstance(item, Mapping) else None
            if isinstance(item_proceeds, Mapping):
                sources.extend(item_proceeds.get("breakdowns") or [])
    for entry in sources:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("type"), str):
            continue
        amount, entry_currency = _money(entry.get("subtotal"), field="proceeds breakdown")
        if entry_currency != currency:
            continue
        found[entry["type"]] = found.get(entry["type"], ZERO) + amount
    return found


def transaction_to_record(raw: Mapping[str, Any], seller_id: str) -> SettlementRecord:
    """Map a Finances 2024-06-19 ``Transaction`` (a payment, refund or fee posting)."""
    total, currency = _money(raw["totalAmount"], field="totalAmount")
    fees = ZERO
    revenue = ZERO
    has_breakdowns = False
    for breakdown in raw.get("breakdowns") or []:
        if not isinstance(breakdown, Mapping) or breakdown.get("breakdownAmount") is None:
            continue
        has_breakdowns = True
        amount, _ = _money(breakdown["breakdownAmount"], field="breakdownAmount")
        kind = str(breakdown.get("breakdownType") or "")
        if "fee" in kind.lower():
            fees += amount
        elif kind in ("ProductCharges", "Sales", "Principal"):
            revenue += amount
    related = _related(raw)
    return SettlementRecord(
        platform=Platform.AMAZON,
        shop_id=seller_id,
        statement_id=_transaction_id(raw, related),
        statement_time=from_iso8601(raw["postedDate"]),
        currency=currency,
        settlement_amount=total,
        revenue_amount=revenue if has_breakdowns else None,
        fee_amount=fees if has_breakdowns else None,
        adjustment_amount=None,
        shipping_cost_amount=None,
        payment_status=_opt(raw.get("transactionStatus")),
        payment_id=related.get("FINANCIAL_EVENT_GROUP_ID"),
    )


def event_group_to_record(raw: Mapping[str, Any], seller_id: str) -> SettlementRecord:
    """Map a Finances v0 ``FinancialEventGroup`` (one payout / settlement period)."""
    total, currency = _money(raw["OriginalTotal"], field="OriginalTotal")
    when = raw.get("FundTransferDate") or raw.get("FinancialEventGroupEnd")
    when = when or raw["FinancialEventGroupStart"]
    return SettlementRecord(
        platform=Platform.AMAZON,
        shop_id=seller_id,
        statement_id=str(raw["FinancialEventGroupId"]),
        statement_time=from_iso8601(when),
        currency=currency,
        settlement_amount=total,
        revenue_amount=None,
        fee_amount=None,
        adjustment_amount=None,
        shipping_cost_amount=None,
        payment_status=_opt(raw.get("FundTransferStatus")) or _opt(raw.get("ProcessingStatus")),
        payment_id=_opt(raw.get("TraceId")),
    )


def _related(raw: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for entry in raw.get("relatedIdentifiers") or []:
        if isinstance(entry, Mapping):
            name, value = entry.get("relatedIdentifierName"), entry.get("relatedIdentifierValue")
            if isinstance(name, str) and isinstance(value, str):
                out.setdefault(name, value)
    return out


def _transaction_id(raw: Mapping[str, Any], related: Mapping[str, str]) -> str:
    """``transactionId``; the model makes it optional (Amazon's own example lacks it), so
    otherwise a stable digest of what identifies the posting."""
    value = raw.get("transactionId")
    if isinstance(value, str) and value:
        return value
    total = raw.get("totalAmount") or {}
    material = "|".join(
        [
            str(raw.get("transactionType")),
            str(raw.get("postedDate")),
            str(total.get("currencyAmount") if isinstance(total, Mapping) else ""),
            *(f"{key}={related[key]}" for key in sorted(related)),
        ]
    )
    return "derived:" + hashlib.sha256(material.encode()).hexdigest()[:32]


def _opt(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
