"""Daily finance statements of a seller persona (Get Statements shape).

Signed amounts that add up (reference 5, "keep signed amounts that add up"):
``settlement_amount = revenue_amount + fee_amount + adjustment_amount``; fees and refund
deductions are negative. A statement at 00:00 UTC covers the previous day: orders delivered that
day (revenue and fees, including affiliate commission) and returns completed that day
(adjustments).
"""

from __future__ import annotations

import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sandbox.money import fmt, q
from sandbox.personas import digits

DAY = 86400
PLATFORM_FEE_RATE = Decimal("0.08")
ZERO = Decimal(0)


def statements(
    rng: random.Random,
    orders: list[dict[str, Any]],
    returns: list[dict[str, Any]],
    commissions: dict[str, Decimal],
    currency: str,
    anchor_ts: int,
) -> list[dict[str, Any]]:
    revenue: dict[int, Decimal] = defaultdict(lambda: ZERO)
    fees: dict[int, Decimal] = defaultdict(lambda: ZERO)
    adjustments: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for order in orders:
        if "delivery_time" not in order or order["status"] == "CANCELLED":
            continue
        day = order["delivery_time"] // DAY * DAY + DAY
        # The seller earns the product price after its own discounts; the platform funds its own.
        earned = Decimal(order["payment"]["sub_total"]) + Decimal(
            order["payment"]["platform_discount"]
        )
        revenue[day] += earned
        fees[day] -= q(earned * PLATFORM_FEE_RATE, currency) + commissions.get(order["id"], ZERO)
    for ret in returns:
        if ret["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE":
            day = ret["update_time"] // DAY * DAY + DAY
            adjustments[day] -= Decimal(ret["refund_amount"]["refund_subtotal"])
    result = []
    for day in sorted(set(revenue) | set(adjustments)):
        rev, fee, adj = revenue[day], fees[day], adjustments[day]
        result.append(
            {
                "id": digits(rng, "7238", 19),
                "statement_time": day,
                "settlement_amount": fmt(rev + fee + adj, currency),
                "currency": currency,
                "revenue_amount": fmt(rev, currency),
                "fee_amount": fmt(fee, currency),
                "adjustment_amount": fmt(adj, currency),
                "payment_status": "PAID" if day <= anchor_ts - 2 * DAY else "PROCESSING",
                "payment_id": digits(rng, "3459", 19),
                "net_sales_amount": fmt(rev + adj, currency),
                "shipping_cost_amount": fmt(ZERO, currency),
            }
        )
    return result
