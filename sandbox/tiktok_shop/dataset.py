"""Everything TikTok Shop holds for one persona, generated once per (seed, anchor, persona).

The data are immutable (callers must not mutate the dicts), so paging is stable and a pull can
be compared with the ground truth at any time.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sandbox.money import total
from sandbox.personas import SCALE_DAYS, Persona, digits, make_buyers, persona_by_id, persona_rng
from sandbox.tiktok_shop.catalog import make_catalog, make_shop
from sandbox.tiktok_shop.data_affiliate import creator_orders, seller_affiliate_order
from sandbox.tiktok_shop.data_finance import statements
from sandbox.tiktok_shop.data_orders import DAY, OrderFactory


@dataclass(frozen=True)
class Dataset:
    """A persona's platform data, each list sorted by (time, id) ascending."""

    persona: Persona
    open_id: str
    shop: dict[str, Any] | None
    orders: list[dict[str, Any]]
    statements: list[dict[str, Any]]
    seller_affiliate_orders: list[dict[str, Any]]
    creator_affiliate_orders: list[dict[str, Any]]
    returns: list[dict[str, Any]]

    def public_shop(self) -> dict[str, Any] | None:
        """The shop as Get Authorized Shops shows it (without the sandbox-only create_time)."""
        if self.shop is None:
            return None
        return {k: v for k, v in self.shop.items() if k != "create_time"}


def _daily_count(rng: random.Random, mean: float) -> int:
    return max(0, round(rng.gauss(mean, mean**0.5))) if mean > 0 else 0


def _scale_count(order_count: int, days_back: int) -> int:
    """Orders of a scale persona on the day ``days_back`` days before the anchor: the total
    spread evenly over the last ``SCALE_DAYS`` days (earlier days get the remainder first)."""
    if not 1 <= days_back <= SCALE_DAYS:
        return 0
    base, extra = divmod(order_count, SCALE_DAYS)
    return base + (1 if SCALE_DAYS - days_back < extra else 0)


@functools.lru_cache(maxsize=64)
def dataset(seed: int, anchor: dt.date, persona_id: str, history_days: int = 180) -> Dataset:
    """Generate (once) the data of ``persona_id``; KeyError if the persona does not exist."""
    persona = persona_by_id(persona_id)
    if persona is None:
        raise KeyError(persona_id)
    anchor_ts = int(dt.datetime.combine(anchor, dt.time(0, 0), tzinfo=dt.UTC).timestamp())
    ident = persona_rng(seed, persona_id, "identity")
    open_id = digits(ident, "70", 19)
    if persona.role == "creator":
        rng = persona_rng(seed, persona_id, "creator")
        return Dataset(
            persona,
            open_id,
            None,
            [],
            [],
            [],
            creator_orders(rng, persona, anchor_ts, history_days),
            [],
        )

    shop = make_shop(ident, persona, anchor_ts)
    products = make_catalog(ident, persona)
    expected = sum(persona.volume(d / (history_days - 1)) for d in range(history_days))
    buyers = make_buyers(
        persona_rng(seed, persona_id, "buyers"), persona.region, max(10, int(expected / 3))
    )
    rng = persona_rng(seed, persona_id, "orders")
    factory = OrderFactory(rng, persona, products, buyers, anchor_ts, digits(ident, "69", 19))
    start = max(anchor_ts - history_days * DAY, shop["create_time"])
    orders: list[dict[str, Any]] = []
    for day in range(history_days):
        day_start = anchor_ts - (history_days - day) * DAY
        count = _daily_count(rng, persona.volume(day / (history_days - 1)))
        if persona.order_count is not None:
            count = _scale_count(persona.order_count, history_days - day)
        for offset in sorted(rng.randrange(DAY) for _ in range(count)):
            if day_start + offset >= start:
                orders.append(factory.build(day_start + offset))

    returns_rng = persona_rng(seed, persona_id, "returns")
    factory.rng = returns_rng
    returns: list[dict[str, Any]] = []
    returns_by_order: dict[str, list[dict[str, Any]]] = {}
    for order in orders:
        if "delivery_time" in order and returns_rng.random() < persona.return_share:
            ret = factory.build_return(order)
            if ret is not None:
                returns.append(ret)
                returns_by_order.setdefault(order["id"], []).append(ret)

    aff_rng = persona_rng(seed, persona_id, "affiliate")
    creators = [
        f"{name.lower()}.{aff_rng.randrange(100, 999)}creates"
        for name in aff_rng.sample(("sunny", "kai", "mo", "juno", "bea", "rio"), 4)
    ]
    affiliate: list[dict[str, Any]] = []
    commissions: dict[str, Decimal] = {}
    for order in orders:
        if order["status"] == "UNPAID" or order["is_sample_order"]:
            continue
        if aff_rng.random() < persona.affiliate_share:
            aff = seller_affiliate_order(
                aff_rng, order, returns_by_order.get(order["id"], []), creators, persona.currency
            )
            affiliate.append(aff)
            key = (
                "actual_paid_commission"
                if aff["status"] == "COMPLETED"
                else "estimated_paid_commission"
            )
            commissions[order["id"]] = sum(
                (Decimal(s[key]["amount"]) for s in aff["skus"]), Decimal(0)
            )

    finance = statements(
        persona_rng(seed, persona_id, "finance"),
        orders,
        returns,
        commissions,
        persona.currency,
        anchor_ts,
    )
    returns.sort(key=lambda r: (r["create_time"], r["return_id"]))
    return Dataset(persona, open_id, shop, orders, finance, affiliate, [], returns)


def _in(value: int, start: int, end: int) -> bool:
    return start <= value < end


def pii_values(orders: list[dict[str, Any]]) -> list[str]:
    """Every distinct non-empty buyer PII string the order payloads contain."""
    values: set[str] = set()
    for order in orders:
        values.update((order["buyer_email"], order["buyer_nickname"], order["buyer_message"]))
        address = order.get("recipient_address")
        if address:
            for key in (
                "name",
                "first_name",
                "last_name",
                "phone_number",
                "full_address",
                "address_detail",
                "address_line1",
                "address_line2",
                "address_line3",
                "address_line4",
            ):
                values.add(address[key])
    return sorted(v for v in values if v.strip())


def ground_truth(data: Dataset, start: int, end: int) -> dict[str, Any]:
    """Counts and sums of what the platform holds with create (statement) time in [start, end)."""
    cur = data.persona.currency
    orders = [o for o in data.orders if _in(o["create_time"], start, end)]
    stmts = [s for s in data.statements if _in(s["statement_time"], start, end)]
    seller_aff = [o for o in data.seller_affiliate_orders if _in(o["create_time"], start, end)]
    creator_aff = [o for o in data.creator_affiliate_orders if _in(o["create_time"], start, end)]
    returns = [r for r in data.returns if _in(r["create_time"], start, end)]

    def sku_sum(rows: list[dict[str, Any]], key: str) -> str:
        return total((s[key]["amount"] for o in rows for s in o["skus"] if key in s), cur)

    return {
        "persona": data.persona.id,
        "currency": cur,
        "window": {"start": start, "end": end},
        "orders": {
            "count": len(orders),
            "count_by_status": dict(sorted(Counter(o["status"] for o in orders).items())),
            "total_amount": total((o["payment"]["total_amount"] for o in orders), cur),
            "currency": cur,
            "sample_order_count": sum(1 for o in orders if o["is_sample_order"]),
        },
        "order_ids": sorted(o["id"] for o in orders),
        "statements": {
            "count": len(stmts),
            "settlement_amount": total((s["settlement_amount"] for s in stmts), cur),
            "ids": sorted(s["id"] for s in stmts),
        },
        "seller_affiliate_orders": {
            "count": len(seller_aff),
            "estimated_commission": sku_sum(seller_aff, "estimated_paid_commission"),
            "actual_commission": sku_sum(seller_aff, "actual_paid_commission"),
            "ids": sorted(o["id"] for o in seller_aff),
        },
        "creator_affiliate_orders": {
            "count": len(creator_aff),
            "estimated_commission": sku_sum(creator_aff, "estimated_commission"),
            "actual_commission": sku_sum(creator_aff, "actual_commission"),
            "ids": sorted(o["id"] for o in creator_aff),
        },
        "returns": {
            "count": len(returns),
            "refund_total": total((r["refund_amount"]["refund_total"] for r in returns), cur),
            "ids": sorted(r["return_id"] for r in returns),
        },
        "shop": data.shop,
        "open_id": data.open_id,
        "pii_values": pii_values(orders),
    }
