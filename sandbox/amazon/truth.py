"""Ground truth of an Amazon persona: what a correct pull of ``[start, end)`` must find."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from sandbox.amazon.data import AmazonData
from sandbox.amazon.personas import MARKETPLACES
from sandbox.money import fmt


def _totals(pairs: list[tuple[str, Decimal]]) -> dict[str, str]:
    sums: dict[str, Decimal] = {}
    for currency, amount in pairs:
        sums[currency] = sums.get(currency, Decimal(0)) + amount
    return {c: fmt(v, c) for c, v in sorted(sums.items())}


def ground_truth(data: AmazonData, start: int, end: int) -> dict[str, Any]:
    orders = [o for o in data.orders if start <= o.created < end]
    counted = [o for o in orders if o.status not in ("Pending", "Canceled")]
    transactions = [t for t in data.transactions if start <= t.posted < end]
    return {
        "persona": data.persona.id,
        "selling_partner_id": data.persona.selling_partner_id,
        "window": {"start": start, "end": end},
        "orders": {
            "count": len(orders),
            "count_by_status": dict(sorted(Counter(o.status for o in orders).items())),
            "total_by_currency": _totals([(o.currency, o.total) for o in counted]),
        },
        "order_ids": [o.id for o in orders],
        "pending_order_ids": [o.id for o in orders if o.status == "Pending"],
        "canceled_order_ids": [o.id for o in orders if o.status == "Canceled"],
        "transactions": {
            "count": len(transactions),
            "total_by_currency": _totals([(t.currency, t.amount) for t in transactions]),
        },
        "marketplaces": [
            {"id": m, "country": MARKETPLACES[m].country, "currency": MARKETPLACES[m].currency}
            for m in data.persona.marketplaces
        ],
        "pii_values": sorted({v for o in orders for v in o.pii() if v.strip()}),
    }
