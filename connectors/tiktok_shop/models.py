"""Raw TikTok Shop objects → canonical records.

Every function reads only the fields a record needs, so buyer PII (recipient address, email,
message, names, phone, CPF, nickname, avatar) is never copied: records have no field for it and
the buyer is reduced to ``buyer_ref``. Malformed input raises ``BadRecord`` with a reason that
names fields, never their values.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from connectors.core.errors import BadRecord
from connectors.core.money import parse_amount
from connectors.core.pii import pseudonymous_ref
from connectors.core.records import (
    AccountRole,
    AffiliateCommissionRecord,
    OrderRecord,
    OrderStatus,
    Platform,
    ReturnRecord,
    SettlementRecord,
    ShopRecord,
)
from connectors.core.timestamps import from_unix, time_field
from connectors.tiktok_shop.config import REGION_CURRENCY

Raw = Mapping[str, Any]

ORDER_STATUS: dict[str, OrderStatus] = {
    "UNPAID": OrderStatus.UNPAID,
    "ON_HOLD": OrderStatus.ON_HOLD,
    "AWAITING_SHIPMENT": OrderStatus.AWAITING_FULFILLMENT,
    "PARTIALLY_SHIPPING": OrderStatus.AWAITING_FULFILLMENT,
    "AWAITING_COLLECTION": OrderStatus.AWAITING_FULFILLMENT,
    "IN_TRANSIT": OrderStatus.IN_TRANSIT,
    "DELIVERED": OrderStatus.DELIVERED,
    "COMPLETED": OrderStatus.COMPLETED,
    "CANCELLED": OrderStatus.CANCELLED,
    "CANCEL": OrderStatus.CANCELLED,  # the order-status webhook spells it this way
}


def shop_from_raw(raw: Raw) -> ShopRecord:
    region = _str(raw, "region").upper()
    return ShopRecord(
        platform=Platform.TIKTOK_SHOP,
        shop_id=_str(raw, "id"),
        name=_str(raw, "name"),
        region=region,
        currency=REGION_CURRENCY.get(region),
        seller_type=_opt_str(raw, "seller_type"),
        cipher=_opt_str(raw, "cipher"),
        code=_opt_str(raw, "code"),
    )


def order_from_raw(raw: Raw, shop_id: str) -> OrderRecord:
    payment = _obj(raw, "payment")
    currency = _str(payment, "currency")
    platform_status = _str(raw, "status")
    status = ORDER_STATUS.get(platform_status)
    if status is None:
        raise BadRecord(f"unknown order status {platform_status[:40]!r}")
    user_id = raw.get("user_id")
    return OrderRecord(
        platform=Platform.TIKTOK_SHOP,
        shop_id=shop_id,
        order_id=_str(raw, "id"),
        created_at=time_field(raw, "create_time", from_unix),
        updated_at=time_field(raw, "update_time", from_unix),
        status=status,
        platform_status=platform_status,
        currency=currency,
        total_amount=_amount(payment, "total_amount", currency),
        subtotal_amount=_amount(payment, "sub_total", currency, default=Decimal(0)),
        shipping_amount=_amount(payment, "shipping_fee", currency, default=Decimal(0)),
        tax_amount=_amount(payment, "tax", currency, default=Decimal(0)),
        item_count=item_count(raw.get("line_items")),
        paid_at=_opt_time(raw, "paid_time"),
        delivered_at=_opt_time(raw, "delivery_time"),
        cancelled_at=_opt_time(raw, "cancel_time"),
        cancellation_initiator=_opt_str(raw, "cancellation_initiator"),
        is_sample=raw.get("is_sample_order") is True,
        fulfillment_type=_opt_str(raw, "fulfillment_type"),
        buyer_ref=pseudonymous_ref(shop_id, str(user_id)) if user_id else None,
    )


def item_count(line_items: Any) -> int:
    """Units in an order: one line item per unit, a combined listing counts its ``sku_count``s."""
    if line_items is None:
        return 0
    if not isinstance(line_items, list):
        raise BadRecord("line_items is not a list")
    count = 0
    for item in line_items:
        combined = item.get("combined_listing_skus") if isinstance(item, Mapping) else None
        if combined:
            for sku in combined:
                sku_count = sku.get("sku_count", 1) if isinstance(sku, Mapping) else 1
                if isinstance(sku_count, bool) or not isinstance(sku_count, int) or sku_count < 0:
                    raise BadRecord("combined_listing_skus.sku_count is not a count")
                count += sku_count
        else:
            count += 1
    return count


def settlement_from_raw(raw: Raw, shop_id: str) -> SettlementRecord:
    currency = _str(raw, "currency")
    return SettlementRecord(
        platform=Platform.TIKTOK_SHOP,
        shop_id=shop_id,
        statement_id=_str(raw, "id"),
        statement_time=from_unix(_req(raw, "statement_time")),
        currency=currency,
        settlement_amount=_amount(raw, "settlement_amount", currency),
        revenue_amount=_opt_amount(raw, "revenue_amount", currency),
        fee_amount=_opt_amount(raw, "fee_amount", currency),
        adjustment_amount=_opt_amount(raw, "adjustment_amount", currency),
        shipping_cost_amount=_opt_amount(raw, "shipping_cost_amount", currency),
        payment_status=_opt_str(raw, "payment_status"),
        payment_id=_opt_str(raw, "payment_id"),
    )


def seller_affiliate_from_raw(raw: Raw, shop_id: str) -> AffiliateCommissionRecord:
    return _affiliate(
        raw,
        account_id=shop_id,
        role=AccountRole.SELLER,
        estimated_field="estimated_paid_commission",
        actual_field="actual_paid_commission",
    )


def creator_affiliate_from_raw(raw: Raw, account_id: str) -> AffiliateCommissionRecord:
    return _affiliate(
        raw,
        account_id=account_id,
        role=AccountRole.CREATOR,
        estimated_field="estimated_commission",
        actual_field="actual_commission",
        # reference 6.2: the creator samples show "Rp9.900" where others send "9900"
        formatted=True,
    )


def commission_rate(value: Any) -> Decimal:
    """A rate in hundredths of a percent (``"1550"`` or ``1550``) as a fraction (``0.155``)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadRecord("commission_rate is not an int or a string")
    text = str(value).strip()
    if not text.isdigit():
        raise BadRecord("commission_rate is not a whole number of basis points")
    return Decimal(text) / Decimal(10000)


def _affiliate(
    raw: Raw,
    *,
    account_id: str,
    role: AccountRole,
    estimated_field: str,
    actual_field: str,
    formatted: bool = False,
) -> AffiliateCommissionRecord:
    skus = raw.get("skus")
    if not isinstance(skus, list) or not skus:
        raise BadRecord("affiliate order has no skus")
    currency: str | None = None
    gross = estimated = Decimal(0)
    actual: Decimal | None = None
    rates: set[Decimal] = set()
    for sku in skus:
        if not isinstance(sku, Mapping):
            raise BadRecord("affiliate sku is not an object")
        price, currency = _money(sku, "price", currency, formatted=formatted)
        quantity = sku.get("quantity", 1)
        if isinstance(quantity, str) and quantity.isdigit():
            quantity = int(quantity)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            raise BadRecord("affiliate sku quantity is not a count")
        gross += price * quantity
        rate = commission_rate(sku["commission_rate"]) if "commission_rate" in sku else None
        if rate is not None:
            rates.add(rate)
        if sku.get(estimated_field) is not None:
            amount, currency = _money(sku, estimated_field, currency, formatted=formatted)
        elif rate is not None:
            amount = price * quantity * rate  # reference 6.1: estimated base × rate
        else:
            raise BadRecord(f"affiliate sku has neither {estimated_field} nor commission_rate")
        estimated += amount
        if sku.get(actual_field) is not None:
            amount, currency = _money(sku, actual_field, currency, formatted=formatted)
            actual = (actual or Decimal(0)) + amount
    assert currency is not None  # set by the first sku's price
    return AffiliateCommissionRecord(
        platform=Platform.TIKTOK_SHOP,
        account_id=account_id,
        role=role,
        order_id=_str(raw, "id"),
        created_at=time_field(raw, "create_time", from_unix),
        status=_str(raw, "status"),
        currency=currency,
        gross_amount=gross,
        estimated_commission=estimated,
        actual_commission=actual,
        settled=actual is not None,
        delivered_at=_opt_time(raw, "delivery_time"),
        commission_rate=rates.pop() if len(rates) == 1 else None,
    )


def return_from_raw(raw: Raw, shop_id: str) -> ReturnRecord:
    refund = _obj(raw, "refund_amount")
    currency = _str(refund, "currency")
    return ReturnRecord(
        platform=Platform.TIKTOK_SHOP,
        shop_id=shop_id,
        return_id=_str(raw, "return_id"),
        order_id=_str(raw, "order_id"),
        return_type=_str(raw, "return_type"),
        status=_str(raw, "return_status"),
        created_at=time_field(raw, "create_time", from_unix),
        updated_at=time_field(raw, "update_time", from_unix),
        currency=currency,
        refund_amount=_amount(refund, "refund_total", currency),
    )


# -- field helpers: errors name the field, never the value --------------------------------


def _req(raw: Raw, key: str) -> Any:
    value = raw.get(key)
    if value is None or value == "":
        raise BadRecord(f"missing field {key!r}")
    return value


def _str(raw: Raw, key: str) -> str:
    value = raw.get(key)
    if type(value) is str and value:  # the usual case, before the general checks
        return value
    value = _req(raw, key)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BadRecord(f"field {key!r} is not a string")
    return str(value)


def _opt_str(raw: Raw, key: str) -> str | None:
    value = raw.get(key)
    return None if value is None or value == "" else str(value)


def _obj(raw: Raw, key: str) -> Raw:
    value = raw.get(key)
    if not isinstance(value, Mapping):
        raise BadRecord(f"missing object {key!r}")
    return value


def _opt_time(raw: Raw, key: str) -> datetime | None:
    value = raw.get(key)
    return None if value in (None, "", 0) else from_unix(value)


def _amount(
    raw: Raw,
    key: str,
    currency: str,
    *,
    default: Decimal | None = None,
    formatted: bool = False,
) -> Decimal:
    value = raw.get(key)
    if value is None or value == "":
        if default is None:
            raise BadRecord(f"missing amount {key!r}")
        return default
    try:
        return parse_amount(value, currency, formatted=formatted)
    except BadRecord as exc:
        raise BadRecord(f"{key}: {exc.message}") from exc


def _opt_amount(raw: Raw, key: str, currency: str) -> Decimal | None:
    if raw.get(key) in (None, ""):
        return None
    return _amount(raw, key, currency)


def _money(
    raw: Raw, key: str, currency: str | None, *, formatted: bool = False
) -> tuple[Decimal, str]:
    """An ``{amount, currency}`` object, checked against the currency seen so far."""
    obj = _obj(raw, key)
    own = _str(obj, "currency")
    if currency is not None and own != currency:
        raise BadRecord(f"{key} is in {own[:3]!r}, other amounts of the order in {currency!r}")
    return _amount(obj, "amount", own, formatted=formatted), own
