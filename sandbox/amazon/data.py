"""Deterministic Amazon seller data: orders, finance transactions and settlement groups.

Generated from the sandbox seed, anchor and persona only (never the clock) and cached, so every
request and the ground truth see the same world.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from dataclasses import dataclass, field
from decimal import Decimal

from sandbox.amazon.personas import AMAZON_PERSONAS_BY_ID, MARKETPLACES, AmazonPersona
from sandbox.money import q

DAY = 86400
GROUP_DAYS = 14
COMMISSION = Decimal("0.15")

_FIRST = (
    "Avery",
    "Jordan",
    "Morgan",
    "Riley",
    "Casey",
    "Taylor",
    "Jamie",
    "Quinn",
    "Rowan",
    "Skyler",
)
_LAST = ("Hartley", "Okafor", "Lindqvist", "Moreau", "Brennan", "Castillo", "Nakamura", "Schulz")
_STREETS = (
    "Maple Street",
    "Harbor Road",
    "Lindenallee",
    "Rue des Lilas",
    "King's Avenue",
    "Elm Court",
)
_CITIES = {
    "US": (("Portland", "OR", "97201"), ("Madison", "WI", "53703"), ("Raleigh", "NC", "27601")),
    "DE": (("Berlin", "BE", "10115"), ("Hamburg", "HH", "20095"), ("Köln", "NW", "50667")),
    "FR": (("Lyon", "ARA", "69001"), ("Nantes", "PDL", "44000"), ("Lille", "HDF", "59000")),
    "UK": (("Leeds", "West Yorkshire", "LS1 4AP"), ("Bristol", "Bristol", "BS1 5TR")),
}
_PRODUCTS = (
    ("Enamel Cast Iron Dutch Oven 5qt", "42.90"), ("Bamboo Cutting Board Set", "24.50"),
    ("Stainless Steel Water Bottle", "18.99"), ("Linen Table Runner", "15.75"),
    ("Ceramic Pour-Over Coffee Dripper", "21.00"), ("Silicone Baking Mat (2-pack)", "12.40"),
)  # fmt: skip


@dataclass(frozen=True)
class Item:
    item_id: str
    asin: str
    sku: str
    title: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class Address:
    name: str
    line1: str
    city: str
    state: str
    postal: str
    country: str

    def pii(self) -> tuple[str, ...]:
        return (self.name, self.line1)


@dataclass(frozen=True)
class Order:
    """One order; ``status`` uses the v0 vocabulary (Pending, Unshipped, Shipped, Canceled)."""

    id: str
    seller_order_id: str
    marketplace: str
    currency: str
    created: int
    updated: int
    status: str
    channel: str  # AFN or MFN
    items: tuple[Item, ...]
    buyer_name: str
    buyer_email: str
    ship_to: Address
    prime: bool
    business: bool
    refunded: bool

    @property
    def total(self) -> Decimal:
        return q(sum((i.unit_price * i.quantity for i in self.items), Decimal(0)), self.currency)

    def pii(self) -> tuple[str, ...]:
        return (self.buyer_name, self.buyer_email, *self.ship_to.pii())


@dataclass(frozen=True)
class Transaction:
    """A 2024-06-19 transaction; ``amount`` is the signed net total, ``principal`` and ``fee``
    its breakdown (``principal + fee == amount``)."""

    id: str
    kind: str  # Shipment or Refund
    order_id: str
    marketplace: str
    currency: str
    posted: int
    principal: Decimal
    fee: Decimal
    group_id: str
    order: Order

    @property
    def amount(self) -> Decimal:
        return self.principal + self.fee


@dataclass(frozen=True)
class EventGroup:
    id: str
    currency: str
    start: int
    end: int
    closed: bool
    total: Decimal
    transactions: tuple[Transaction, ...]


@dataclass
class AmazonData:
    persona: AmazonPersona
    anchor_ts: int
    orders: list[Order] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)
    groups: list[EventGroup] = field(default_factory=list)

    @functools.cached_property
    def by_id(self) -> dict[str, Order]:
        return {o.id: o for o in self.orders}

    @property
    def registered(self) -> int:
        return self.anchor_ts - self.persona.age_days * DAY


def _order_id(rng: random.Random, region: str) -> str:
    head = rng.choice(("111", "112", "113", "114") if region == "NA" else ("028", "302", "305"))
    return f"{head}-{rng.randint(0, 9999999):07d}-{rng.randint(0, 9999999):07d}"


def _status(rng: random.Random, age: int, persona: AmazonPersona) -> str:
    if rng.random() < persona.cancel_share:
        return "Canceled"
    if age < DAY // 2:
        return "Pending" if rng.random() < 0.6 else "Unshipped"
    if age < 2 * DAY:
        return "Unshipped" if rng.random() < 0.7 else "Shipped"
    return "Shipped"


def _order(
    rng: random.Random, persona: AmazonPersona, created: int, anchor_ts: int, seen: set[str]
) -> Order:
    market = MARKETPLACES[rng.choices(persona.marketplaces, persona.weights)[0]]
    oid = _order_id(rng, persona.region)
    while oid in seen:
        oid = _order_id(rng, persona.region)
    seen.add(oid)
    items = []
    for n in range(1 if rng.random() < 0.75 else 2):
        title, price = rng.choice(_PRODUCTS)
        factor = Decimal("0.92") if market.currency == "GBP" else Decimal(1)
        items.append(
            Item(
                f"{rng.randint(10**13, 10**14 - 1)}",
                f"B0{rng.randint(10**7, 10**8 - 1)}",
                f"SBX-{_PRODUCTS.index((title, price)):02d}-{n}",
                title,
                rng.choice((1, 1, 1, 2, 3)),
                q(Decimal(price) * factor, market.currency),
            )
        )
    status = _status(rng, anchor_ts - created, persona)
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    city, state, postal = rng.choice(_CITIES[market.country])
    number = rng.randint(1, 980)
    ship_to = Address(f"{first} {last}", f"{number} {rng.choice(_STREETS)}", city, state, postal,
                      "GB" if market.country == "UK" else market.country)  # fmt: skip
    updated = min(created + rng.randint(600, 2 * DAY), anchor_ts - 1)
    return Order(
        id=oid,
        seller_order_id=f"SO-{oid[-7:]}",
        marketplace=market.id,
        currency=market.currency,
        created=created,
        updated=updated if status != "Pending" else created,
        status=status,
        channel="AFN" if rng.random() < 0.6 else "MFN",
        items=tuple(items),
        buyer_name=f"{first} {last}",
        buyer_email=f"{first.lower()}{rng.randint(100, 999)}@marketplace.amazon.com",
        ship_to=ship_to,
        prime=rng.random() < 0.5,
        business=rng.random() < 0.1,
        refunded=status == "Shipped" and rng.random() < persona.refund_share,
    )


def _orders(rng: random.Random, persona: AmazonPersona, anchor_ts: int, days: int) -> list[Order]:
    first_day = max(anchor_ts - days * DAY, anchor_ts - persona.age_days * DAY)
    total_days = (anchor_ts - first_day) // DAY
    seen: set[str] = set()
    orders: list[Order] = []
    for d in range(total_days):
        start = first_day + d * DAY
        mean = persona.volume(d / max(total_days - 1, 1))
        count = max(0, round(rng.gauss(mean, mean**0.5))) if mean > 0 else 0
        times = sorted(start + rng.randrange(DAY) for _ in range(count))
        orders.extend(_order(rng, persona, t, anchor_ts, seen) for t in times)
    orders.sort(key=lambda o: (o.created, o.id))
    return orders


def _group_id(persona: AmazonPersona, currency: str, posted: int, start: int) -> str:
    """Settlements run every ``GROUP_DAYS`` days per currency; the id ends with the period index."""
    return f"{persona.selling_partner_id[-6:]}{currency}{(posted - start) // (GROUP_DAYS * DAY)}"


def _transactions(
    rng: random.Random, persona: AmazonPersona, orders: list[Order], anchor_ts: int, start: int
) -> list[Transaction]:
    out = []
    for o in orders:
        if o.status != "Shipped":
            continue
        posted = o.created + rng.randint(DAY // 2, 2 * DAY)
        if posted >= anchor_ts:
            continue
        fee = -q(o.total * COMMISSION, o.currency)
        group = _group_id(persona, o.currency, posted, start)
        out.append(Transaction(f"T{o.id.replace('-', '')}S", "Shipment", o.id, o.marketplace,
                               o.currency, posted, o.total, fee, group, o))  # fmt: skip
        if o.refunded:
            back = posted + rng.randint(DAY, 10 * DAY)
            if back < anchor_ts:
                gid = _group_id(persona, o.currency, back, start)
                # Amazon keeps a fifth of the commission on a refund (the administration fee).
                returned = q(-fee * Decimal("0.8"), o.currency)
                out.append(Transaction(f"T{o.id.replace('-', '')}R", "Refund", o.id, o.marketplace,
                                       o.currency, back, -o.total, returned, gid, o))  # fmt: skip
    out.sort(key=lambda t: (t.posted, t.id))
    return out


def _groups(transactions: list[Transaction], start: int, anchor_ts: int) -> list[EventGroup]:
    by_id: dict[str, list[Transaction]] = {}
    for t in transactions:
        by_id.setdefault(t.group_id, []).append(t)
    groups = []
    for gid, members in by_id.items():
        index = int(gid[9:])
        g_start = start + index * GROUP_DAYS * DAY
        g_end = g_start + GROUP_DAYS * DAY
        total = sum((t.amount for t in members), Decimal(0))
        groups.append(EventGroup(gid, members[0].currency, g_start, g_end, g_end <= anchor_ts,
                                 total, tuple(members)))  # fmt: skip
    groups.sort(key=lambda g: (g.start, g.id))
    return groups


@functools.lru_cache(maxsize=64)
def dataset(seed: int, anchor: dt.date, persona_id: str, history_days: int) -> AmazonData:
    persona = AMAZON_PERSONAS_BY_ID[persona_id]
    anchor_ts = int(dt.datetime.combine(anchor, dt.time(0, 0), tzinfo=dt.UTC).timestamp())
    rng = random.Random(f"amazon:{seed}:{anchor.isoformat()}:{persona_id}")
    orders = _orders(rng, persona, anchor_ts, history_days)
    start = anchor_ts - history_days * DAY
    transactions = _transactions(rng, persona, orders, anchor_ts, start)
    return AmazonData(
        persona, anchor_ts, orders, transactions, _groups(transactions, start, anchor_ts)
    )
