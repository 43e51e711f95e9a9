"""The Amazon sandbox personas and the marketplaces they sell in.

Ids are stable (protocol notes); the data depend on the sandbox seed and anchor. Marketplace ids
and currencies follow reference section 2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Marketplace:
    id: str
    country: str
    currency: str
    name: str
    domain: str
    language: str
    region: str


MARKETPLACES = {
    m.id: m
    for m in (
        Marketplace("ATVPDKIKX0DER", "US", "USD", "Amazon.com", "www.amazon.com", "en_US", "NA"),
        Marketplace("A1PA6795UKMFR9", "DE", "EUR", "Amazon.de", "www.amazon.de", "de_DE", "EU"),
        Marketplace("A13V1IB3VIYZZH", "FR", "EUR", "Amazon.fr", "www.amazon.fr", "fr_FR", "EU"),
        Marketplace(
            "A1F83G8C2ARO7P", "UK", "GBP", "Amazon.co.uk", "www.amazon.co.uk", "en_GB", "EU"
        ),
    )
}


@dataclass(frozen=True)
class AmazonPersona:
    """A seller the sandbox can authorize; ``volume(f)`` is orders per day at the fraction ``f`` of
    the history window (0 = oldest day, 1 = the day before the anchor); ``weights`` split the
    orders across ``marketplaces``."""

    id: str
    name: str
    selling_partner_id: str
    region: str
    marketplaces: tuple[str, ...]
    weights: tuple[float, ...]
    story: str
    volume: Callable[[float], float]
    age_days: int = 720
    cancel_share: float = 0.03
    refund_share: float = 0.04

    def public(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "selling_partner_id": self.selling_partner_id,
            "region": self.region,
            "marketplaces": [
                {"id": m, "country": MARKETPLACES[m].country, "currency": MARKETPLACES[m].currency}
                for m in self.marketplaces
            ],
            "story": self.story,
        }


AMAZON_PERSONAS = (
    AmazonPersona(
        "amazon_us", "Lakeside Home Goods", "A1SBXUSSELLER01", "NA", ("ATVPDKIKX0DER",), (1.0,),
        "Steady US seller, about 10 orders a day on Amazon.com.",
        lambda f: 10.0,
    ),
    AmazonPersona(
        "amazon_eu", "Rheinwerk Kitchen", "A2SBXEUSELLER02", "EU",
        ("A1PA6795UKMFR9", "A13V1IB3VIYZZH", "A1F83G8C2ARO7P"), (0.5, 0.25, 0.25),
        "EU seller across Germany, France (EUR) and the UK (GBP), about 9 orders a day.",
        lambda f: 9.0,
    ),
    AmazonPersona(
        "amazon_declining", "Summit Outdoor Supply", "A3SBXDECLINE03", "NA", ("ATVPDKIKX0DER",),
        (1.0,), "US seller whose sales fall from about 14 to about 3 orders a day.",
        lambda f: 14.0 - 11.0 * f, cancel_share=0.06, refund_share=0.08,
    ),
    AmazonPersona(
        "amazon_new", "Fresh Start Crafts", "A4SBXNEWSELL04", "NA", ("ATVPDKIKX0DER",), (1.0,),
        "Brand-new US seller registered a few days ago, no orders yet.",
        lambda f: 0.0, age_days=4,
    ),
)  # fmt: skip
AMAZON_PERSONAS_BY_ID = {p.id: p for p in AMAZON_PERSONAS}
AMAZON_PERSONAS_BY_SELLER = {p.selling_partner_id: p for p in AMAZON_PERSONAS}
