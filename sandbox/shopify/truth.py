"""Ground truth of a persona's store: what a correct pull of ``[start, end)`` must find."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from sandbox.money import fmt
from sandbox.shopify.data import Order, ShopifyData
from sandbox.shopify.render import shop_json


def pii_values(orders: list[Order]) -> list[str]:
    """Every distinct non-empty customer PII string the order payloads carry."""
    values: set[str] = set()
    for order in orders:
        values.update((order.email, order.phone))
        values.update(order.ship_to.pii())
        if order.customer is not None:
            values.update(order.customer.pii())
    return sorted(v for v in values if v.strip())


def ground_truth(data: ShopifyData, start: int, end: int) -> dict[str, Any]:
    cur = data.persona.currency
    window = [o for o in data.orders if start <= o.created_at < end]
    orders = [o for o in window if not o.test]
    refunds = [r for o in orders for r in o.refunds]
    return {
        "persona": data.persona.id,
        "shop_domain": data.persona.shop,
        "currency": cur,
        "window": {"start": start, "end": end},
        "orders": {
            "count": len(orders),
            "count_by_financial_status": dict(
                sorted(Counter(o.financial_status for o in orders).items())
            ),
            "total_price": fmt(sum((o.total for o in orders), Decimal(0)), cur),
            "currency": cur,
        },
        "order_ids": [o.gid for o in sorted(orders, key=lambda o: o.id)],
        "test_order_ids": [o.gid for o in sorted(window, key=lambda o: o.id) if o.test],
        "refunds": {
            "count": len(refunds),
            "amount": fmt(sum((r.amount for r in refunds), Decimal(0)), cur),
        },
        "cancelled": sum(1 for o in orders if o.cancelled_at is not None),
        "customers": len({o.customer.id for o in orders if o.customer is not None}),
        "shop": shop_json(data),
        "product_count": data.product_count,
        "custom_app_token": data.custom_app_token,
        "pii_values": pii_values(window),
    }
