"""Shops and product catalogues of the sandbox personas (TikTok Shop shapes)."""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sandbox.personas import Persona, digits

PRODUCT_NAMES: dict[str, tuple[str, ...]] = {
    "steady_us": ("Bamboo Cutting Board", "Ceramic Pour-Over Set", "Linen Tea Towels",
                  "Cast Iron Trivet", "Beeswax Food Wraps", "Olive Wood Spoon Set"),
    "growing_us": ("Ribbed Cotton Tee", "Wide-Leg Linen Pants", "Cropped Denim Jacket",
                   "Merino Crew Socks", "Canvas Tote Bag", "Oversized Hoodie"),
    "declining_us": ("Beaded Phone Charm", "Claw Hair Clip Set", "Chunky Resin Ring",
                     "Butterfly Hair Pins", "Holographic Bucket Hat", "Smiley Keychain"),
    "new_shop": ("Hand-Poured Soy Candle", "Pressed Flower Bookmark"),
    "high_returns": ("Wireless Earbuds Pro", "Mini Projector", "Smart LED Strip 5m",
                     "Magnetic Phone Mount", "Portable Blender", "Ring Light Kit"),
    "gb_seller": ("Earl Grey Loose Leaf 250g", "Stoneware Teapot", "Assam Breakfast Tin",
                  "Bone China Mug", "Tea Infuser Ball", "Shortbread Gift Box"),
    "id_seller": ("Kemeja Batik Pria", "Kain Batik Tulis", "Dress Batik Wanita",
                  "Selendang Sutra", "Tas Anyaman Pandan", "Masker Batik 3 Lapis"),
}  # fmt: skip


@dataclass(frozen=True)
class Product:
    product_id: str
    sku_id: str
    name: str
    sku_name: str
    seller_sku: str
    price: Decimal
    image: str


def make_shop(rng: random.Random, persona: Persona, anchor_ts: int) -> dict[str, Any]:
    """The shop object of Get Authorized Shops, plus its creation time (sandbox-only field)."""
    cipher = base64.urlsafe_b64encode(rng.randbytes(24)).decode().rstrip("=")
    return {
        "id": digits(rng, "74", 19),
        "name": persona.name,
        "region": persona.region,
        "seller_type": "LOCAL",
        "cipher": f"GCP_{cipher}",
        "code": f"{persona.region}LC{rng.randrange(1000, 9999)}{rng.choice('ABCDEFGHJK')}",
        "create_time": anchor_ts - persona.shop_age_days * 86400 + rng.randrange(3600, 80000),
    }


def make_catalog(rng: random.Random, persona: Persona) -> list[Product]:
    products = []
    initials = "".join(word[0] for word in persona.name.split()).upper()
    # scale personas (no names of their own) sell the steady shop's products
    names = PRODUCT_NAMES.get(persona.id) or PRODUCT_NAMES["steady_us"]
    for index, name in enumerate(names):
        product_id = digits(rng, "1729", 19)
        products.append(
            Product(
                product_id=product_id,
                sku_id=digits(rng, "172", 19),
                name=name,
                sku_name=rng.choice(("Default", "Standard", "One Size", "Natural", "Black")),
                seller_sku=f"{persona.region}-{initials}-{index + 1:03d}",
                price=rng.choice(persona.price_points),
                image=f"https://p16-oec-va.ibyteimg.com/tos-maliva-i-o3syd03w52-us/{product_id}.jpeg",
            )
        )
    return products
