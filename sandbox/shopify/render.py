"""Orders, refunds and the shop as the REST Admin API shows them (reference 2 and 6, shaped like
the 2026-07 docs examples), with money as decimal strings and times in the shop's offset.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.money import fmt
from sandbox.shopify.data import Customer, LineItem, Order, Refund, ShopifyData


@functools.lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_time(ts: int | None, timezone: str) -> str | None:
    """``2008-01-10T11:00:00-05:00``: REST times carry the shop's UTC offset."""
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, _zone(timezone)).isoformat()


def utc_time(ts: int | None) -> str | None:
    """``2026-01-10T16:00:00Z``: GraphQL times are UTC."""
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def money_set(amount: Decimal, currency: str) -> dict[str, Any]:
    value = {"amount": fmt(amount, currency), "currency_code": currency}
    return {"shop_money": value, "presentment_money": dict(value)}


def _address(c: Customer) -> dict[str, Any]:
    return {
        "first_name": c.first_name,
        "address1": c.address1,
        "phone": c.phone,
        "city": c.city,
        "zip": c.zip,
        "province": c.province,
        "country": c.country,
        "last_name": c.last_name,
        "address2": c.address2,
        "company": None,
        "latitude": None,
        "longitude": None,
        "name": c.name,
        "country_code": c.country_code,
        "province_code": c.province_code,
    }


def _customer(c: Customer, tz: str, currency: str) -> dict[str, Any]:
    return {
        "id": c.id,
        "email": c.email,
        "created_at": local_time(c.created_at, tz),
        "updated_at": local_time(c.created_at, tz),
        "first_name": c.first_name,
        "last_name": c.last_name,
        "state": "disabled",
        "note": None,
        "verified_email": True,
        "tax_exempt": False,
        "phone": c.phone,
        "currency": currency,
        "admin_graphql_api_id": f"gid://shopify/Customer/{c.id}",
        "default_address": {
            "id": c.id + 1,
            "customer_id": c.id,
            **_address(c),
            "country_name": c.country,
            "default": True,
        },
    }


def _line_item(li: LineItem, currency: str, vat: bool) -> dict[str, Any]:
    rate = 0.19 if vat else None
    return {
        "id": li.id,
        "admin_graphql_api_id": f"gid://shopify/LineItem/{li.id}",
        "current_quantity": li.quantity,
        "fulfillable_quantity": 0,
        "gift_card": False,
        "name": li.title,
        "price": fmt(li.price, currency),
        "price_set": money_set(li.price, currency),
        "product_exists": True,
        "product_id": li.product_id,
        "quantity": li.quantity,
        "requires_shipping": True,
        "sku": li.sku,
        "taxable": True,
        "title": li.title,
        "total_discount": fmt(li.discount, currency),
        "total_discount_set": money_set(li.discount, currency),
        "variant_id": li.variant_id,
        "variant_title": None,
        "vendor": None,
        "tax_lines": [
            {
                "price": fmt(li.tax, currency),
                "rate": rate,
                "title": "VAT" if vat else "State Tax",
                "price_set": money_set(li.tax, currency),
                "channel_liable": False,
            }
        ]
        if li.tax
        else [],
    }


def refund_json(order: Order, refund: Refund, tz: str, currency: str) -> dict[str, Any]:
    items = [li for li in order.line_items if li.id == refund.line_item_id]
    when = local_time(refund.created_at, tz)
    return {
        "id": refund.id,
        "admin_graphql_api_id": f"gid://shopify/Refund/{refund.id}",
        "created_at": when,
        "note": refund.note,
        "order_id": order.id,
        "processed_at": when,
        "restock": bool(items),
        "total_duties_set": money_set(Decimal(0), currency),
        "user_id": None,
        "order_adjustments": [],
        "transactions": [
            {
                "id": refund.transaction_id,
                "admin_graphql_api_id": f"gid://shopify/OrderTransaction/{refund.transaction_id}",
                "amount": fmt(refund.amount, currency),
                "created_at": when,
                "currency": currency,
                "gateway": order.gateway,
                "kind": "refund",
                "order_id": order.id,
                "processed_at": when,
                "source_name": "web",
                "status": "success",
                "test": order.test,
            }
        ],
        "refund_line_items": [
            {
                "id": refund.id + 7,
                "line_item_id": li.id,
                "quantity": 1,
                "restock_type": "return",
                "subtotal_set": money_set(li.price, currency),
                "line_item": _line_item(li, currency, False),
            }
            for li in items
        ],
    }


def order_json(data: ShopifyData, order: Order) -> dict[str, Any]:
    persona = data.persona
    tz, cur = persona.region.timezone, persona.currency
    current_total = order.total - order.refunded
    discounts = order.total_discounts
    shipping_line = {
        "id": order.id + 3,
        "code": "Standard",
        "title": "Standard Shipping",
        "price": fmt(order.shipping, cur),
        "price_set": money_set(order.shipping, cur),
        "discounted_price": fmt(order.shipping, cur),
        "source": "shopify",
    }
    body: dict[str, Any] = {
        "id": order.id,
        "admin_graphql_api_id": order.gid,
        "app_id": 580111,
        "browser_ip": order.browser_ip,
        "buyer_accepts_marketing": False,
        "cancel_reason": order.cancel_reason,
        "cancelled_at": local_time(order.cancelled_at, tz),
        "closed_at": local_time(order.closed_at, tz),
        "confirmed": True,
        "contact_email": order.email,
        "created_at": local_time(order.created_at, tz),
        "currency": cur,
        "current_subtotal_price": fmt(max(Decimal(0), order.subtotal - order.refunded), cur),
        "current_total_discounts": fmt(discounts, cur),
        "current_total_price": fmt(current_total, cur),
        "current_total_price_set": money_set(current_total, cur),
        "current_total_tax": fmt(order.total_tax * current_total / order.total, cur),
        "customer_locale": "de" if persona.region.country_code == "DE" else "en",
        "discount_codes": [
            {"code": order.discount_code, "amount": fmt(discounts, cur), "type": "percentage"}
        ]
        if order.discount_code
        else [],
        "email": order.email,
        "financial_status": order.financial_status,
        "fulfillment_status": order.fulfillment_status,
        "name": order.name,
        "note": None,
        "number": order.number - 1000,
        "order_number": order.number,
        "payment_gateway_names": [order.gateway],
        "phone": order.phone,
        "presentment_currency": cur,
        "processed_at": local_time(order.created_at, tz),
        "source_name": "web",
        "subtotal_price": fmt(order.subtotal, cur),
        "subtotal_price_set": money_set(order.subtotal, cur),
        "tags": "",
        "tax_lines": [],
        "taxes_included": persona.taxes_included,
        "test": order.test,
        "token": order.token,
        "total_discounts": fmt(discounts, cur),
        "total_discounts_set": money_set(discounts, cur),
        "total_line_items_price": fmt(order.line_items_price, cur),
        "total_line_items_price_set": money_set(order.line_items_price, cur),
        "total_outstanding": fmt(
            order.total if order.financial_status == "pending" else Decimal(0), cur
        ),
        "total_price": fmt(order.total, cur),
        "total_price_set": money_set(order.total, cur),
        "total_shipping_price_set": money_set(order.shipping, cur),
        "total_tax": fmt(order.total_tax, cur),
        "total_tax_set": money_set(order.total_tax, cur),
        "total_tip_received": fmt(Decimal(0), cur),
        "updated_at": local_time(order.updated_at, tz),
        "billing_address": _address(order.ship_to),
        "shipping_address": _address(order.ship_to),
        "line_items": [_line_item(li, cur, persona.taxes_included) for li in order.line_items],
        "shipping_lines": [shipping_line],
        "refunds": [refund_json(order, r, tz, cur) for r in order.refunds],
    }
    if order.customer is not None:
        body["customer"] = _customer(order.customer, tz, cur)
    return body


def shop_json(data: ShopifyData) -> dict[str, Any]:
    persona = data.persona
    region = persona.region
    city, province, province_code, postal = region.places[0]
    symbol = "€" if persona.currency == "EUR" else "$"
    money_format = (
        f"{{{{amount_with_comma_separator}}}} {symbol}" if symbol == "€" else "${{amount}}"
    )
    tz = region.timezone
    return {
        "id": data.shop_id,
        "name": persona.name,
        "email": data.shop_email,
        "domain": persona.shop,
        "province": province,
        "country": region.country_code,
        "address1": "1 Merchant Row",
        "zip": postal,
        "city": city,
        "source": None,
        "phone": None,
        "latitude": None,
        "longitude": None,
        "primary_locale": "de" if region.country_code == "DE" else "en",
        "address2": "",
        "created_at": local_time(data.shop_created_at, tz),
        "updated_at": local_time(data.shop_updated_at, tz),
        "country_code": region.country_code,
        "country_name": region.country,
        "currency": persona.currency,
        "customer_email": data.shop_email,
        "timezone": region.timezone_label,
        "iana_timezone": tz,
        "shop_owner": data.shop_owner,
        "money_format": money_format,
        "money_with_currency_format": f"{money_format} {persona.currency}",
        "weight_unit": "kg" if region.country_code == "DE" else "lb",
        "province_code": province_code,
        "taxes_included": persona.taxes_included,
        "plan_display_name": persona.plan_display_name,
        "plan_name": persona.plan_name,
        "has_discounts": True,
        "has_gift_cards": False,
        "myshopify_domain": persona.shop,
        "eligible_for_payments": True,
        "password_enabled": False,
        "has_storefront": True,
        "finances": True,
        "checkout_api_supported": True,
        "multi_location_enabled": True,
        "setup_required": False,
        "pre_launch_enabled": False,
        "enabled_presentment_currencies": [persona.currency],
    }


def fields_projection(body: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    if not fields:
        return body
    return {k: v for k, v in body.items() if k in fields}
