"""Affiliate commissions: the seller side (orders attributed to creators) and the creator side.

Commission arithmetic follows reference 6.1: rates are hundredths of a percent (``"1000"`` =
10.00 %), commission = base x rate / 10000 rounded to the currency's minor unit, and the actual
base excludes returned and refunded units.
"""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal
from typing import Any

from sandbox.money import fmt, q
from sandbox.personas import Persona, digits

DAY = 86400
RATES = (800, 1000, 1200, 1500, 2000)
CONTENT_TYPES = ("VIDEO", "LIVE", "SHOP", "LINKSHARE")
CREATOR_SHOPS = (
    "Glow Theory Beauty",
    "Northside Fitness Gear",
    "Pantry Pals",
    "Little Sprout Kids",
)
CREATOR_PRODUCTS = (
    ("Vitamin C Serum 30ml", "24.99"),
    ("Resistance Band Set", "19.99"),
    ("Silicone Baking Mats", "15.50"),
    ("Toddler Snack Cups", "12.00"),
    ("Hydrating Lip Oil", "14.00"),
    ("Adjustable Dumbbell 20lb", "59.99"),
)


def _amount(value: Decimal, currency: str) -> dict[str, str]:
    return {"amount": fmt(value, currency), "currency": currency}


def commission(base: Decimal, rate: int, currency: str) -> Decimal:
    return q(base * rate / Decimal(10000), currency)


def seller_affiliate_order(
    rng: random.Random,
    order: dict[str, Any],
    returns: list[dict[str, Any]],
    creators: list[str],
    currency: str,
) -> dict[str, Any]:
    """The affiliate view of one shop order: one sku entry per sku, with quantities."""
    status = {"CANCELLED": "CANCELLED", "COMPLETED": "COMPLETED"}.get(order["status"], "PROCESSING")
    returned: Counter[str] = Counter()
    refunded: Counter[str] = Counter()
    items_by_id = {item["id"]: item for item in order["line_items"]}
    for ret in returns:
        if ret["return_status"] != "RETURN_OR_REFUND_REQUEST_COMPLETE":
            continue
        bucket = returned if ret["return_type"] == "RETURN_AND_REFUND" else refunded
        for line in ret["return_line_items"]:
            bucket[items_by_id[line["order_line_item_id"]]["sku_id"]] += 1
    creator = rng.choice(creators)
    content_type = rng.choice(CONTENT_TYPES)
    content_id = digits(rng, "749", 19)
    rate = rng.choice(RATES)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for item in order["line_items"]:
        grouped.setdefault(item["sku_id"], []).append(item)
    skus = []
    for sku_id, items in grouped.items():
        price = Decimal(items[0]["sale_price"])
        quantity = len(items)
        base = price * quantity
        sku: dict[str, Any] = {
            "product_id": items[0]["product_id"],
            "sku_id": sku_id,
            "creator_username": creator,
            "open_collaboration_id": digits(rng, "7366", 11),
            "price": _amount(price, currency),
            "quantity": quantity,
            "content_type": content_type,
            "content_id": content_id,
            "commission_model": "Standard",
            "commission_rate": str(rate),
            "estimated_commission_base": _amount(base, currency),
            "estimated_paid_commission": _amount(commission(base, rate, currency), currency),
            "returned_quantity": returned[sku_id],
            "refunded_quantity": refunded[sku_id],
        }
        if status == "COMPLETED":
            kept = quantity - returned[sku_id] - refunded[sku_id]
            actual_base = price * kept
            sku["actual_commission_base"] = _amount(actual_base, currency)
            sku["actual_paid_commission"] = _amount(
                commission(actual_base, rate, currency), currency
            )
        skus.append(sku)
    result: dict[str, Any] = {
        "id": order["id"],
        "create_time": order["create_time"],
        "status": status,
        "skus": skus,
    }
    if "delivery_time" in order:
        result["delivery_time"] = order["delivery_time"]
    return result


def creator_orders(
    rng: random.Random, persona: Persona, anchor_ts: int, days: int
) -> list[dict[str, Any]]:
    """A creator's commission orders: ORDERED (estimated only), SETTLED or REFUNDED."""
    cur = persona.currency
    start = anchor_ts - days * DAY
    products = [(digits(rng, "1729", 19), name, Decimal(price)) for name, price in CREATOR_PRODUCTS]
    orders: list[dict[str, Any]] = []
    seen: set[str] = set()
    for day in range(days):
        mean = persona.volume(day / max(days - 1, 1))
        count = max(0, round(rng.gauss(mean, mean**0.5))) if mean > 0 else 0
        for offset in sorted(rng.randrange(DAY) for _ in range(count)):
            create = start + day * DAY + offset
            age = (anchor_ts - create) / DAY
            if age < 15:
                status = "REFUNDED" if rng.random() < 0.03 else "ORDERED"
            else:
                status = rng.choices(("SETTLED", "REFUNDED"), (93, 7))[0]
            order_id = digits(rng, "789", 18)
            while order_id in seen:
                order_id = digits(rng, "789", 18)
            seen.add(order_id)
            skus = []
            for product_id, name, price in rng.sample(products, k=rng.choices((1, 2), (6, 1))[0]):
                quantity = rng.choices((1, 2, 3), (7, 2, 1))[0]
                rate = rng.choice(RATES)
                base = price * quantity
                sku: dict[str, Any] = {
                    "id": digits(rng, "1729", 19),
                    "product_id": product_id,
                    "product_name": name,
                    "shop_name": rng.choice(CREATOR_SHOPS),
                    "open_collaboration_id": digits(rng, "7366", 11),
                    "price": _amount(price, cur),
                    "quantity": quantity,
                    "content_type": rng.choice(CONTENT_TYPES[:2]),
                    "content_id": digits(rng, "749", 19),
                    "commission_model": "Standard",
                    "commission_rate": rate,
                    "estimated_commission_base": _amount(base, cur),
                    "estimated_commission": _amount(commission(base, rate, cur), cur),
                    "returned_quantity": 0,
                    "refunded_quantity": 0,
                }
                if status == "SETTLED":
                    returned = 1 if quantity > 1 and rng.random() < 0.1 else 0
                    sku["returned_quantity"] = returned
                    actual_base = price * (quantity - returned)
                    sku["actual_commission_base"] = _amount(actual_base, cur)
                    sku["actual_commission"] = _amount(commission(actual_base, rate, cur), cur)
                elif status == "REFUNDED":
                    sku["refunded_quantity"] = quantity
                    sku["actual_commission_base"] = _amount(Decimal(0), cur)
                    sku["actual_commission"] = _amount(Decimal(0), cur)
                skus.append(sku)
            order: dict[str, Any] = {
                "id": order_id,
                "create_time": create,
                "status": status,
                "skus": skus,
            }
            delivery = create + rng.randrange(2 * DAY, 5 * DAY)
            if delivery < anchor_ts and status != "ORDERED":
                order["delivery_time"] = delivery
            orders.append(order)
    return orders
