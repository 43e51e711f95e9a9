"""Everything a Shopify store holds for one persona, generated once per (seed, anchor, persona).

Orders are kept as small immutable records; the REST and GraphQL layers render them on demand in
their own shapes. Amounts follow the REST order example: ``subtotal = line items - discounts``,
``total = subtotal + shipping + tax`` (tax excluded from prices) or ``subtotal + shipping`` when
the store's prices include VAT; refunds carry their amounts and ``current_total = total -
refunded``. Nothing here reads the clock.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import random
import string
from dataclasses import dataclass
from decimal import Decimal

from sandbox.money import q
from sandbox.personas import FIRST_NAMES, LAST_NAMES, persona_rng
from sandbox.shopify.personas import SHOPIFY_PERSONAS_BY_ID, ShopifyPersona

DAY = 86400
ZERO = Decimal(0)
US_TAX_RATES = {
    "OR": Decimal("0"),
    "CO": Decimal("0.0881"),
    "TX": Decimal("0.0825"),
    "OH": Decimal("0.0575"),
    "FL": Decimal("0.075"),
    "ID": Decimal("0.06"),
}
DE_VAT = Decimal("0.19")
SHIPPING = {"USD": (Decimal("5.99"), Decimal("50")), "EUR": (Decimal("4.90"), Decimal("40"))}
STREETS = {
    "US": ("Larkspur Way", "Marigold Terrace", "Copperleaf Lane", "Wintergreen Road",
           "Foxglove Court", "Bramblewood Drive", "Heronsgate Avenue"),
    "DE": ("Kastanienallee", "Lindenstraße", "Am Kupfergraben", "Holunderweg",
           "Schwalbenstraße", "Birkenhain"),
}  # fmt: skip
CANCEL_REASONS = ("customer", "inventory", "declined", "fraud", "other")
REFUND_NOTES = ("Arrived damaged", "Wrong size", "Customer changed their mind", "Late delivery")
GATEWAYS = {"US": ("shopify_payments", "paypal"), "DE": ("shopify_payments", "paypal", "klarna")}


@dataclass(frozen=True)
class Customer:
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    address1: str
    address2: str
    city: str
    province: str
    province_code: str
    zip: str
    country: str
    country_code: str
    created_at: int

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def pii(self) -> tuple[str, ...]:
        values = (self.first_name, self.last_name, self.name, self.email, self.phone)
        return (*values, self.address1, self.address2)


@dataclass(frozen=True)
class LineItem:
    id: int
    product_id: int
    variant_id: int
    title: str
    sku: str
    price: Decimal
    quantity: int
    discount: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Refund:
    id: int
    created_at: int
    amount: Decimal
    note: str
    line_item_id: int | None  # None: a full refund of the order
    transaction_id: int


@dataclass(frozen=True)
class Order:
    id: int
    number: int
    created_at: int
    updated_at: int
    cancelled_at: int | None
    cancel_reason: str | None
    closed_at: int | None
    fulfilled_at: int | None
    test: bool
    financial_status: str  # REST lowercase: paid, pending, refunded, partially_refunded, voided
    fulfillment_status: str | None  # REST: None (unfulfilled), "fulfilled", "partial"
    customer: Customer | None
    email: str
    phone: str
    ship_to: Customer
    line_items: tuple[LineItem, ...]
    discount_code: str | None
    subtotal: Decimal
    total_discounts: Decimal
    total_tax: Decimal
    shipping: Decimal
    total: Decimal
    refunds: tuple[Refund, ...]
    gateway: str
    browser_ip: str
    token: str

    @property
    def name(self) -> str:
        return f"#{self.number}"

    @property
    def gid(self) -> str:
        return f"gid://shopify/Order/{self.id}"

    @property
    def refunded(self) -> Decimal:
        return sum((r.amount for r in self.refunds), ZERO)

    @property
    def line_items_price(self) -> Decimal:
        return sum((li.price * li.quantity for li in self.line_items), ZERO)


@dataclass(frozen=True)
class ShopifyData:
    """A persona's store: shop record, product count and orders sorted by (created_at, id)."""

    persona: ShopifyPersona
    shop_id: int
    shop_created_at: int
    shop_updated_at: int
    shop_email: str
    shop_owner: str
    custom_app_token: str
    product_count: int
    orders: tuple[Order, ...]
    customers: tuple[Customer, ...]

    @functools.cached_property
    def orders_by_id(self) -> dict[int, Order]:
        return {o.id: o for o in self.orders}


class _Ids:
    """Ascending int64-style ids with random gaps, like Shopify's."""

    def __init__(self, rng: random.Random, start: int) -> None:
        self.rng, self.value = rng, start

    def next(self) -> int:
        self.value += self.rng.randrange(1_000, 60_000)
        return self.value


def _customers(
    rng: random.Random, persona: ShopifyPersona, count: int, ids: _Ids
) -> list[Customer]:
    region = persona.region
    domain = "example.de" if region.country_code == "DE" else "example.com"
    customers = []
    for _ in range(count):
        tag = rng.randrange(1000, 10000)
        first = rng.choice(FIRST_NAMES)
        last = f"{rng.choice(LAST_NAMES)}-{tag}"
        city, province, code, postal = rng.choice(region.places)
        local = "".join(rng.choices(string.digits, k=3))
        customers.append(
            Customer(
                id=ids.next(),
                first_name=first,
                last_name=last,
                email=f"{first.lower()}.{last.lower()}@mail.{domain}",
                phone=f"{region.phone_prefix}555{local}{tag}",
                address1=f"{rng.randrange(10, 9999)} {rng.choice(STREETS[region.country_code])}",
                address2=f"Apt {rng.randrange(1, 40)}-{tag}" if rng.random() < 0.4 else "",
                city=city,
                province=province,
                province_code=code,
                zip=postal,
                country=region.country,
                country_code=region.country_code,
                created_at=0,
            )
        )
    return customers


def _daily_count(rng: random.Random, mean: float) -> int:
    return max(0, round(rng.gauss(mean, mean**0.5))) if mean > 0 else 0


class _OrderFactory:
    def __init__(
        self, rng: random.Random, persona: ShopifyPersona, customers: list[Customer], anchor_ts: int
    ) -> None:
        self.rng, self.persona, self.customers, self.anchor_ts = rng, persona, customers, anchor_ts
        self.cur = persona.currency
        self.order_ids = _Ids(rng, 5_400_000_000 + rng.randrange(10**8))
        self.item_ids = _Ids(rng, 13_800_000_000 + rng.randrange(10**8))
        self.refund_ids = _Ids(rng, 880_000_000 + rng.randrange(10**7))
        self.number = 1000
        catalogue_rng = random.Random(f"{persona.id}:catalogue")
        prefix = persona.handle[:3].upper()
        self.products = [
            (name, price, 8_100_000_000 + catalogue_rng.randrange(10**8),
             44_000_000_000 + catalogue_rng.randrange(10**9), f"{prefix}-{i:03d}")
            for i, (name, price) in enumerate(persona.products, start=1)
        ]  # fmt: skip

    def _tax(self, amount: Decimal, ship_to: Customer) -> Decimal:
        if self.persona.taxes_included:
            return q(amount - amount / (1 + DE_VAT), self.cur)
        return q(amount * US_TAX_RATES.get(ship_to.province_code, ZERO), self.cur)

    def build(self, created: int, *, test: bool) -> Order:
        rng, cur, anchor = self.rng, self.cur, self.anchor_ts
        self.number += 1
        guest = rng.random() < 0.03
        buyer = rng.choice(self.customers)
        discount_rate = Decimal("0.10") if rng.random() < 0.15 else ZERO
        chosen = rng.sample(
            self.products, k=min(len(self.products), rng.choice((1, 1, 1, 2, 2, 3)))
        )
        items = []
        for name, price, product_id, variant_id, sku in chosen:
            quantity = rng.choice((1, 1, 1, 2))
            discount = q(price * quantity * discount_rate, cur)
            tax = self._tax(price * quantity - discount, buyer)
            items.append(
                LineItem(self.item_ids.next(), product_id, variant_id, name, sku, price, quantity,
                         discount, tax)
            )  # fmt: skip
        line_total = sum((li.price * li.quantity for li in items), ZERO)
        discounts = sum((li.discount for li in items), ZERO)
        subtotal = line_total - discounts
        fee, free_from = SHIPPING[cur]
        shipping = ZERO if subtotal >= free_from else fee
        tax = sum((li.tax for li in items), ZERO)
        total = subtotal + shipping + (ZERO if self.persona.taxes_included else tax)

        age_days = (anchor - created) / DAY
        pending = age_days < 1 and rng.random() < 0.05
        cancelled_at = cancel_reason = None
        if rng.random() < self.persona.cancel_share:
            cancelled_at = min(created + rng.randrange(600, 2 * DAY), anchor - 1)
            cancel_reason = rng.choice(CANCEL_REASONS)
        fulfilled_at = None
        if cancelled_at is None and not pending and age_days > 1.5:
            fulfilled_at = created + rng.randrange(4 * 3600, DAY + DAY // 2)
        partial_fulfilment = fulfilled_at is not None and len(items) > 1 and rng.random() < 0.03

        refunds: list[Refund] = []
        if cancelled_at is not None and not pending:
            refunds.append(
                Refund(self.refund_ids.next(), cancelled_at, total, "Order cancelled", None,
                       self.refund_ids.next())
            )  # fmt: skip
        elif fulfilled_at is not None and rng.random() < self.persona.refund_share:
            when = fulfilled_at + rng.randrange(2 * DAY, 20 * DAY)
            if when < anchor:
                item = items[0]
                partial = item.price - q(item.price * discount_rate, cur)
                if not self.persona.taxes_included:
                    partial += self._tax(partial, buyer)
                full = rng.random() < 0.4 or partial >= total
                refunds.append(
                    Refund(self.refund_ids.next(), when, total if full else partial,
                           rng.choice(REFUND_NOTES), None if full else item.id,
                           self.refund_ids.next())
                )  # fmt: skip
        refunded = sum((r.amount for r in refunds), ZERO)
        if pending:
            financial = "voided" if cancelled_at is not None else "pending"
        elif refunded >= total and refunds:
            financial = "refunded"
        elif refunds:
            financial = "partially_refunded"
        else:
            financial = "paid"
        fulfillment = None
        if fulfilled_at is not None:
            fulfillment = "partial" if partial_fulfilment else "fulfilled"
        closed_at = cancelled_at if cancelled_at is not None else None
        if fulfillment == "fulfilled" and not pending:
            closed_at = fulfilled_at
        times = [created, *(t for t in (cancelled_at, fulfilled_at) if t is not None)]
        times += [r.created_at for r in refunds]
        token = hashlib.md5(f"{self.persona.id}:{self.number}".encode(), usedforsecurity=False)
        return Order(
            id=self.order_ids.next(),
            number=self.number,
            created_at=created,
            updated_at=max(times) + rng.randrange(1, 120),
            cancelled_at=cancelled_at,
            cancel_reason=cancel_reason,
            closed_at=closed_at,
            fulfilled_at=fulfilled_at,
            test=test,
            financial_status=financial,
            fulfillment_status=fulfillment,
            customer=None if guest else buyer,
            email=buyer.email,
            phone=buyer.phone,
            ship_to=buyer,
            line_items=tuple(items),
            discount_code="WELCOME10" if discount_rate else None,
            subtotal=subtotal,
            total_discounts=discounts,
            total_tax=tax,
            shipping=shipping,
            total=total,
            refunds=tuple(refunds),
            gateway="bogus" if test else rng.choice(GATEWAYS[self.persona.region.country_code]),
            browser_ip=f"203.0.113.{rng.randrange(1, 255)}",
            token=token.hexdigest(),
        )


def anchor_timestamp(anchor: dt.date) -> int:
    return int(dt.datetime.combine(anchor, dt.time(0, 0), tzinfo=dt.UTC).timestamp())


def custom_app_token(seed: int, persona_id: str) -> str:
    """The persona's admin-created custom app token: ``shpat_`` + 32 hex, stable per seed."""
    return (
        "shpat_"
        + hashlib.sha256(f"shopify-custom-app:{seed}:{persona_id}".encode()).hexdigest()[:32]
    )


@functools.lru_cache(maxsize=64)
def dataset(seed: int, anchor: dt.date, persona_id: str, history_days: int = 180) -> ShopifyData:
    """Generate (once) the store of ``persona_id``; KeyError if the persona does not exist."""
    persona = SHOPIFY_PERSONAS_BY_ID[persona_id]
    anchor_ts = anchor_timestamp(anchor)
    ident = persona_rng(seed, persona_id, "shopify-identity")
    shop_created = anchor_ts - persona.shop_age_days * DAY + ident.randrange(3600, 80000)
    expected = sum(persona.volume(d / max(1, history_days - 1)) for d in range(history_days))
    customer_ids = _Ids(ident, 6_900_000_000 + ident.randrange(10**8))
    customers = _customers(
        persona_rng(seed, persona_id, "shopify-customers"), persona, max(10, int(expected / 3)),
        customer_ids,
    )  # fmt: skip
    rng = persona_rng(seed, persona_id, "shopify-orders")
    factory = _OrderFactory(rng, persona, customers, anchor_ts)
    start = max(anchor_ts - history_days * DAY, shop_created)
    test_days = set(rng.sample(range(history_days), k=min(5, history_days))) if expected else set()
    orders: list[Order] = []
    for day in range(history_days):
        day_start = anchor_ts - (history_days - day) * DAY
        count = _daily_count(rng, persona.volume(day / max(1, history_days - 1)))
        tests = {rng.randrange(DAY)} if day in test_days else set()
        moments = sorted([(t, False) for t in (rng.randrange(DAY) for _ in range(count))]
                         + [(t, True) for t in tests])  # fmt: skip
        for offset, is_test in moments:
            if day_start + offset >= start:
                orders.append(factory.build(day_start + offset, test=is_test))
    first_seen: dict[int, int] = {}
    for order in orders:
        if order.customer is not None:
            first_seen.setdefault(order.customer.id, order.created_at)
    dated = tuple(
        Customer(**{**c.__dict__, "created_at": first_seen.get(c.id, shop_created)})
        for c in customers
    )
    by_id = {c.id: c for c in dated}
    orders = [
        Order(
            **{
                **o.__dict__,
                "customer": by_id[o.customer.id] if o.customer else None,
                "ship_to": by_id[o.ship_to.id],
            }
        )
        for o in orders
    ]
    owner_first, owner_last = ident.choice(FIRST_NAMES), ident.choice(LAST_NAMES)
    return ShopifyData(
        persona=persona,
        shop_id=60_000_000_000 + ident.randrange(10**9),
        shop_created_at=shop_created,
        shop_updated_at=max(shop_created, anchor_ts - ident.randrange(DAY, 20 * DAY)),
        shop_email=f"owner@{persona.handle}.example",
        shop_owner=f"{owner_first} {owner_last}",
        custom_app_token=custom_app_token(seed, persona_id),
        product_count=persona.product_count,
        orders=tuple(orders),
        customers=dated,
    )
