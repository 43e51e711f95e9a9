"""The Shopify sandbox personas: the TikTok set's stories told by Shopify stores, plus one in EUR.

Ids and shop domains are stable (protocol notes); the data depend on the sandbox seed and anchor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Region:
    """Where a store and its customers are: address conventions and the shop's time zone."""

    country_code: str
    country: str
    phone_prefix: str
    timezone: str
    timezone_label: str
    # (city, province, province code, zip)
    places: tuple[tuple[str, str, str, str], ...]


US = Region(
    "US", "United States", "+1", "America/New_York", "(GMT-05:00) Eastern Time (US & Canada)",
    (
        ("Springfield", "Oregon", "OR", "97477"), ("Denver", "Colorado", "CO", "80203"),
        ("Austin", "Texas", "TX", "78701"), ("Columbus", "Ohio", "OH", "43215"),
        ("Tampa", "Florida", "FL", "33602"), ("Boise", "Idaho", "ID", "83702"),
    ),
)  # fmt: skip
DE = Region(
    "DE", "Germany", "+49", "Europe/Berlin", "(GMT+01:00) Europe/Berlin",
    (
        ("Berlin", "Berlin", "BE", "10115"), ("Hamburg", "Hamburg", "HH", "20095"),
        ("München", "Bayern", "BY", "80331"), ("Köln", "Nordrhein-Westfalen", "NW", "50667"),
        ("Leipzig", "Sachsen", "SN", "04109"),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class ShopifyPersona:
    """A Shopify store the sandbox can install the app on; ``volume(f)`` is orders per day at the
    fraction ``f`` of the history window (0 = oldest day, 1 = the day before the anchor)."""

    id: str
    name: str
    shop: str
    currency: str
    story: str
    volume: Callable[[float], float]
    region: Region
    products: tuple[tuple[str, Decimal], ...]
    product_count: int
    shop_age_days: int = 720
    refund_share: float = 0.04
    cancel_share: float = 0.03
    plan_name: str = "basic"
    plan_display_name: str = "Basic"
    taxes_included: bool = False

    @property
    def handle(self) -> str:
        return self.shop.removesuffix(".myshopify.com")

    def public(self) -> dict[str, str]:
        return {
            "id": self.id,
            "name": self.name,
            "shop": self.shop,
            "currency": self.currency,
            "story": self.story,
        }


def _p(*items: tuple[str, str]) -> tuple[tuple[str, Decimal], ...]:
    return tuple((name, Decimal(price)) for name, price in items)


SHOPIFY_PERSONAS: tuple[ShopifyPersona, ...] = (
    ShopifyPersona(
        "shopify_steady", "Steady Goods Co", "steady-goods.myshopify.com", "USD",
        "A US home-goods store selling about 8 orders a day, every day, for two years.",
        lambda f: 8.0, US,
        _p(("Bamboo Cutting Board", "24.00"), ("Ceramic Pour-Over Set", "34.95"),
           ("Linen Tea Towels", "14.99"), ("Cast Iron Trivet", "19.99"),
           ("Beeswax Food Wraps", "12.50"), ("Olive Wood Spoon Set", "29.99")),
        product_count=48,
    ),
    ShopifyPersona(
        "shopify_growing", "Rising Tide Apparel", "rising-tide.myshopify.com", "USD",
        "A US apparel store whose orders climb from about 3 to about 15 a day over six months.",
        lambda f: 3.0 + 12.0 * f, US,
        _p(("Ribbed Cotton Tee", "19.99"), ("Wide-Leg Linen Pants", "49.99"),
           ("Cropped Denim Jacket", "39.99"), ("Merino Crew Socks", "9.99"),
           ("Canvas Tote Bag", "14.99"), ("Oversized Hoodie", "34.95")),
        product_count=35, shop_age_days=400, plan_name="professional",
        plan_display_name="Shopify",
    ),
    ShopifyPersona(
        "shopify_declining", "Fading Trends Boutique", "fading-trends.myshopify.com", "USD",
        "A US accessories store whose orders fall from about 15 to about 3 a day.",
        lambda f: 15.0 - 12.0 * f, US,
        _p(("Beaded Phone Charm", "9.99"), ("Claw Hair Clip Set", "12.50"),
           ("Chunky Resin Ring", "14.99"), ("Butterfly Hair Pins", "9.99"),
           ("Holographic Bucket Hat", "24.00"), ("Smiley Keychain", "9.99")),
        product_count=22,
    ),
    ShopifyPersona(
        "shopify_new", "Fresh Start Studio", "fresh-start.myshopify.com", "USD",
        "A US store created five days ago that has not sold anything yet.",
        lambda f: 0.0, US,
        _p(("Hand-Poured Soy Candle", "24.00"), ("Pressed Flower Bookmark", "9.99")),
        product_count=2, shop_age_days=5,
    ),
    ShopifyPersona(
        "shopify_high_refunds", "Bounce Back Gadgets", "bounce-back.myshopify.com", "USD",
        "A US gadgets store with about 6 orders a day, a quarter of them refunded.",
        lambda f: 6.0, US,
        _p(("Wireless Earbuds Pro", "49.99"), ("Mini Projector", "39.99"),
           ("Smart LED Strip 5m", "24.00"), ("Magnetic Phone Mount", "19.99"),
           ("Portable Blender", "34.95"), ("Ring Light Kit", "29.99")),
        product_count=30, refund_share=0.25,
    ),
    ShopifyPersona(
        "shopify_eu", "Berlin Brew Supply", "berlin-brew.myshopify.com", "EUR",
        "A German coffee-gear store selling about 6 orders a day in EUR, prices including VAT.",
        lambda f: 6.0, DE,
        _p(("Handfilter Keramik", "24.90"), ("Espressotassen 2er-Set", "19.50"),
           ("Bohnen Hausmischung 500 g", "14.90"), ("Milchkännchen Edelstahl", "17.90"),
           ("Handmühle Pro", "59.00"), ("Filterpapier 100 Stk", "5.90")),
        product_count=18, taxes_included=True, plan_name="basic", plan_display_name="Basic",
    ),
)  # fmt: skip

SHOPIFY_PERSONAS_BY_ID: dict[str, ShopifyPersona] = {p.id: p for p in SHOPIFY_PERSONAS}
SHOPIFY_PERSONAS_BY_SHOP: dict[str, ShopifyPersona] = {p.shop: p for p in SHOPIFY_PERSONAS}
