"""The sandbox personas: who they are, how much they sell, and their fake buyers.

Everything here is deterministic: a persona's random stream is seeded from the sandbox seed and
the persona id (never the wall clock), so the same seed and anchor always give the same data.
Buyer PII is fake but distinctive (``Avery Quill-4821``) so a test can search a database for it.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Persona:
    """A platform account the sandbox can authorize as; ``volume(f)`` is orders per day at the
    fraction ``f`` of the history window (0 = oldest day, 1 = the day before the anchor)."""

    id: str
    name: str
    role: str  # "seller" | "creator"
    region: str
    currency: str
    story: str
    volume: Callable[[float], float]
    shop_age_days: int = 720
    return_share: float = 0.03
    affiliate_share: float = 0.3
    price_points: tuple[Decimal, ...] = field(default_factory=tuple)
    order_count: int | None = None
    """Exactly this many orders (a scale persona) instead of ``volume``'s random daily counts."""

    def public(self) -> dict[str, str]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "region": self.region,
            "currency": self.currency,
            "story": self.story,
        }


def _d(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


USD_PRICES = _d("9.99", "12.50", "14.99", "19.99", "24.00", "29.99", "34.95", "39.99", "49.99")
GBP_PRICES = _d("7.99", "9.50", "12.99", "15.00", "18.99", "24.99", "32.00")
IDR_PRICES = _d("39000", "59000", "79000", "99000", "149000", "199000", "249000")

PERSONAS: tuple[Persona, ...] = (
    Persona(
        "steady_us", "Steady Goods Co", "seller", "US", "USD",
        "A US home-goods shop selling about 8 orders a day, every day, for two years.",
        lambda f: 8.0, price_points=USD_PRICES,
    ),
    Persona(
        "growing_us", "Rising Tide Apparel", "seller", "US", "USD",
        "A US apparel shop whose orders climb from about 3 to about 15 a day over six months.",
        lambda f: 3.0 + 12.0 * f, shop_age_days=400, price_points=USD_PRICES,
    ),
    Persona(
        "declining_us", "Fading Trends Boutique", "seller", "US", "USD",
        "A US accessories shop whose orders fall from about 15 to about 3 a day.",
        lambda f: 15.0 - 12.0 * f, price_points=USD_PRICES,
    ),
    Persona(
        "new_shop", "Fresh Start Studio", "seller", "US", "USD",
        "A US shop created five days ago that has not sold anything yet.",
        lambda f: 0.0, shop_age_days=5, price_points=USD_PRICES,
    ),
    Persona(
        "high_returns", "Bounce Back Gadgets", "seller", "US", "USD",
        "A US gadgets shop with about 6 orders a day, a quarter of them returned or refunded.",
        lambda f: 6.0, return_share=0.3, price_points=USD_PRICES,
    ),
    Persona(
        "creator_affiliate", "Marisol Vega Creates", "creator", "US", "USD",
        "A US creator with no shop, earning commissions on about 6 affiliate orders a day.",
        lambda f: 6.0,
    ),
    Persona(
        "gb_seller", "Thames Tea Traders", "seller", "GB", "GBP",
        "A UK tea and kitchen shop selling about 5 orders a day in GBP.",
        lambda f: 5.0, price_points=GBP_PRICES,
    ),
    Persona(
        "id_seller", "Toko Batik Nusantara", "seller", "ID", "IDR",
        "An Indonesian batik shop selling about 10 orders a day in whole-rupiah IDR.",
        lambda f: 10.0, price_points=IDR_PRICES,
    ),
)  # fmt: skip

PERSONAS_BY_ID: dict[str, Persona] = {p.id: p for p in PERSONAS}

SCALE_PATTERN = re.compile(r"scale_([1-9][0-9]{0,6})")
SCALE_DAYS = 89
"""Scale personas place their orders in the 89 days before the anchor: a 90-day window taken at
any moment of the anchor's day (the default anchor is today) holds every one of them."""


def scale_persona(order_count: int) -> Persona:
    """A US seller with exactly ``order_count`` orders, spread evenly over ``SCALE_DAYS`` days
    (benchmarks of shop size: persona id ``scale_<order_count>``, 1 to 9,999,999 orders)."""
    return Persona(
        f"scale_{order_count}", f"Scale Shop {order_count}", "seller", "US", "USD",
        f"A US shop with exactly {order_count} orders over the {SCALE_DAYS} days before the "
        "anchor, for ingestion benchmarks.",
        lambda f: order_count / SCALE_DAYS, price_points=USD_PRICES, order_count=order_count,
    )  # fmt: skip


def persona_by_id(persona_id: str) -> Persona | None:
    """A named persona, or a scale persona (``scale_<n>``), or None."""
    named = PERSONAS_BY_ID.get(persona_id)
    if named is not None:
        return named
    match = SCALE_PATTERN.fullmatch(persona_id)
    return scale_persona(int(match.group(1))) if match else None


def persona_rng(seed: int, persona_id: str, stream: str) -> random.Random:
    """A random stream for one persona and one purpose (string seeds hash deterministically)."""
    return random.Random(f"{seed}:{persona_id}:{stream}")


def digits(rng: random.Random, prefix: str, length: int) -> str:
    """A numeric id string of ``length`` characters starting with ``prefix``."""
    return prefix + "".join(rng.choices(string.digits, k=length - len(prefix)))


FIRST_NAMES = (
    "Avery", "Briony", "Caspian", "Delphine", "Ember", "Fenwick", "Galen", "Hollis", "Isolde",
    "Jasper", "Kestrel", "Linnea", "Marlowe", "Niamh", "Oberon", "Petra", "Quinlan", "Rosalind",
    "Soren", "Tamsin", "Ulric", "Vesper", "Wren", "Xanthe", "Yardley", "Zephyrine",
)  # fmt: skip
LAST_NAMES = (
    "Quill", "Thornbury", "Ashdown", "Larkmoor", "Brightwater", "Fennimore", "Greywell",
    "Holloway", "Ivesdale", "Juniperson", "Kettleby", "Lowenthal", "Merriweather", "Nettlefold",
    "Oakhurst", "Pembersley", "Quartermain", "Ravensdale", "Silverthorn", "Tillingham",
)  # fmt: skip
STREETS = (
    "Larkspur Way", "Marigold Terrace", "Copperleaf Lane", "Wintergreen Road", "Foxglove Court",
    "Bramblewood Drive", "Heronsgate Avenue", "Saffron Hill Street",
)  # fmt: skip


@dataclass(frozen=True)
class Region:
    """Address conventions of one region for fake buyers."""

    country: str
    phone_prefix: str
    places: tuple[tuple[str, str, str], ...]  # (city, state or county, postal code)


REGIONS: dict[str, Region] = {
    "US": Region("United States", "(+1)", (
        ("Springfield", "OR", "97477"), ("Denver", "CO", "80203"), ("Austin", "TX", "78701"),
        ("Columbus", "OH", "43215"), ("Tampa", "FL", "33602"), ("Boise", "ID", "83702"),
    )),
    "GB": Region("United Kingdom", "(+44)", (
        ("London", "Greater London", "SE1 7PB"), ("Leeds", "West Yorkshire", "LS1 4AP"),
        ("Bristol", "Bristol", "BS1 5TR"), ("Preston", "Lancashire", "PR1 2HE"),
    )),
    "ID": Region("Indonesia", "(+62)", (
        ("Jakarta Selatan", "DKI Jakarta", "12190"), ("Bandung", "Jawa Barat", "40115"),
        ("Surabaya", "Jawa Timur", "60271"), ("Yogyakarta", "DI Yogyakarta", "55213"),
    )),
}  # fmt: skip

MESSAGES = (
    "Please leave the parcel behind the blue gate",
    "It is a gift, please no price tag",
    "Ring twice, the doorbell is quiet",
    "Could you wrap it in plain paper",
    "Deliver after 5pm if possible",
)


@dataclass(frozen=True)
class Buyer:
    """One fake buyer and the PII fields the Orders API would carry for them."""

    user_id: str
    first_name: str
    last_name: str
    nickname: str
    email: str
    phone: str
    address_line1: str
    address_line2: str
    city: str
    state: str
    postal_code: str
    region_code: str
    country: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_address(self) -> str:
        parts = [
            self.address_line1,
            self.address_line2,
            self.city,
            f"{self.state} {self.postal_code}",
        ]
        return ", ".join(p for p in parts if p)


def make_buyers(rng: random.Random, region_code: str, count: int) -> list[Buyer]:
    """``count`` distinct fake buyers for a region."""
    region = REGIONS[region_code]
    buyers: list[Buyer] = []
    for _ in range(count):
        tag = rng.randrange(1000, 10000)
        first = rng.choice(FIRST_NAMES)
        last = f"{rng.choice(LAST_NAMES)}-{tag}"
        city, state, postal = rng.choice(region.places)
        local = "".join(rng.choices(string.digits, k=3))
        line2 = f"Apt {rng.randrange(1, 40)}" if rng.random() < 0.4 else ""
        email_user = "".join(rng.choices(string.ascii_letters + string.digits, k=10))
        buyers.append(
            Buyer(
                user_id=digits(rng, "70", 19),
                first_name=first,
                last_name=last,
                nickname=f"{first.lower()}{last[0].lower()}{tag}",
                email=f"{email_user}@chat.seller.tiktok.com",
                phone=f"{region.phone_prefix}{local}-***-{tag}",
                address_line1=f"{rng.randrange(10, 9999)} {rng.choice(STREETS)}",
                address_line2=line2,
                city=city,
                state=state,
                postal_code=postal,
                region_code=region_code,
                country=region.country,
            )
        )
    return buyers


def buyer_message(rng: random.Random) -> str:
    """A buyer note carrying a reference number, so each one is searchable."""
    return f"{rng.choice(MESSAGES)} (ref {rng.randrange(10000, 100000)})"
