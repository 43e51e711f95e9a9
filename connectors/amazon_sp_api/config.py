"""Configuration of the Amazon SP-API connector: app credentials, hosts, API choice, rate plans.

Only base URLs and credentials differ between Amazon and the sandbox (``<root>/amazon/...``).
Rates are the documented defaults (reference 3a-4b); ``rate_overrides`` replaces any of them,
and a response's ``x-amzn-RateLimit-Limit`` adjusts the rate at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

OrdersApi = Literal["2026-01-01", "v0"]
Region = Literal["NA", "EU", "FE"]
REGIONS: tuple[Region, ...] = ("NA", "EU", "FE")

CONSENT_URL = "https://sellercentral.amazon.com"
LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"  # noqa: S105 - a URL, not a secret
SP_API_BASE_URLS: Mapping[str, str] = MappingProxyType(
    {
        "NA": "https://sellingpartnerapi-na.amazon.com",
        "EU": "https://sellingpartnerapi-eu.amazon.com",
        "FE": "https://sellingpartnerapi-fe.amazon.com",
    }
)


@dataclass(frozen=True, slots=True)
class MarketplaceInfo:
    """What a marketplace id stands for (reference section 2; currencies are [M])."""

    marketplace_id: str
    country: str
    currency: str
    region: Region


def _table() -> Mapping[str, MarketplaceInfo]:
    rows: tuple[tuple[str, str, str, Region], ...] = (
        ("ATVPDKIKX0DER", "US", "USD", "NA"),
        ("A2EUQ1WTGCTBG2", "CA", "CAD", "NA"),
        ("A1AM78C64UM0Y8", "MX", "MXN", "NA"),
        ("A2Q3Y263D00KWC", "BR", "BRL", "NA"),
        ("A1F83G8C2ARO7P", "GB", "GBP", "EU"),
        ("A1PA6795UKMFR9", "DE", "EUR", "EU"),
        ("A13V1IB3VIYZZH", "FR", "EUR", "EU"),
        ("APJ6JRA9NG5V4", "IT", "EUR", "EU"),
        ("A1RKKUPIHCS9HS", "ES", "EUR", "EU"),
        ("A1805IZSGTT6HS", "NL", "EUR", "EU"),
        ("AMEN7PMS3EDWL", "BE", "EUR", "EU"),
        ("A28R8C7NBKEWEA", "IE", "EUR", "EU"),
        ("A2NODRKZP88ZB9", "SE", "SEK", "EU"),
        ("A1C3SOZRARQ6R3", "PL", "PLN", "EU"),
        ("A33AVAJ2PDY3EV", "TR", "TRY", "EU"),
        ("A2VIGQ35RCS4UG", "AE", "AED", "EU"),
        ("A17E79C6D8DWNP", "SA", "SAR", "EU"),
        ("ARBP9OOSHTCHU", "EG", "EGP", "EU"),
        ("A21TJRUUN4KGV", "IN", "INR", "EU"),
        ("AE08WJ6YKNBMC", "ZA", "ZAR", "EU"),
        ("A1VC38T7YXB528", "JP", "JPY", "FE"),
        ("A39IBJ37TRP1C6", "AU", "AUD", "FE"),
        ("A19VAU5U5O7RUS", "SG", "SGD", "FE"),
    )
    return MappingProxyType({row[0]: MarketplaceInfo(*row) for row in rows})


MARKETPLACES: Mapping[str, MarketplaceInfo] = _table()
"""Marketplace id → country, currency, region."""


@dataclass(frozen=True, slots=True)
class RatePlan:
    """A token bucket: ``rate`` requests per second refill, ``burst`` bucket size."""

    rate: float
    burst: int

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError("a rate plan needs rate > 0 and burst >= 1")


DEFAULT_RATES: Mapping[str, RatePlan] = MappingProxyType(
    {
        "getOrders": RatePlan(0.0167, 20),
        "searchOrders": RatePlan(0.0056, 20),
        "getOrder": RatePlan(0.5, 30),
        "getOrderV0": RatePlan(0.5, 30),
        "listTransactions": RatePlan(0.5, 10),
        "listFinancialEventGroups": RatePlan(0.5, 30),
        # MEDIUM: the Sellers API is not among the reference's models; public docs say 0.016/15
        "getMarketplaceParticipations": RatePlan(0.016, 15),
    }
)


@dataclass(frozen=True, slots=True)
class AmazonConfig:
    """One SP-API application. ``repr`` never shows the client secret."""

    application_id: str
    lwa_client_id: str
    lwa_client_secret: str
    consent_url: str = CONSENT_URL
    """Seller Central base; the consent page is ``{consent_url}/apps/authorize/consent``."""
    lwa_token_url: str = LWA_TOKEN_URL
    sp_api_base_urls: Mapping[str, str] = field(default_factory=lambda: dict(SP_API_BASE_URLS))
    orders_api: OrdersApi = "2026-01-01"
    orders_page_size: int = 100
    rate_overrides: Mapping[str, RatePlan] = field(default_factory=dict)
    max_throttle_wait_s: float = 1800.0
    """Longest total backoff after 429s for one request before giving up with ``RateLimited``."""
    timeout_s: float = 30.0
    user_agent: str = "creditscore/1.0 (Language=Python/3.11)"

    def __post_init__(self) -> None:
        if self.orders_api not in ("2026-01-01", "v0"):
            raise ValueError("orders_api must be '2026-01-01' or 'v0'")
        if not 1 <= self.orders_page_size <= 100:
            raise ValueError("orders_page_size must be within 1..100")
        missing = [region for region in REGIONS if region not in self.sp_api_base_urls]
        if missing:
            raise ValueError(f"sp_api_base_urls lacks {', '.join(missing)}")

    def rate(self, operation: str) -> RatePlan:
        return self.rate_overrides.get(operation) or DEFAULT_RATES[operation]

    def base_url(self, region: str) -> str:
        try:
            return self.sp_api_base_urls[region.upper()].rstrip("/")
        except KeyError:
            raise ValueError(f"unknown SP-API region {region!r}") from None

    def __repr__(self) -> str:
        return (
            f"AmazonConfig(application_id={self.application_id!r}, "
            f"lwa_client_id={self.lwa_client_id!r}, lwa_client_secret='***', "
            f"consent_url={self.consent_url!r}, lwa_token_url={self.lwa_token_url!r}, "
            f"orders_api={self.orders_api!r})"
        )

    __str__ = __repr__

    @classmethod
    def for_sandbox(
        cls,
        base_url: str,
        *,
        application_id: str = "amzn1.sellerapps.app.sbx-creditscore-0001",
        lwa_client_id: str = "amzn1.application-oa2-client.sbxcreditscore01",
        lwa_client_secret: str = "sbx_lwa_secret_3c9d71e2",  # noqa: S107 - public sandbox default
        orders_api: OrdersApi = "2026-01-01",
        prefix: str = "/amazon",
    ) -> AmazonConfig:
        """Config pointing at a sandbox server (one host serves every region)."""
        root = base_url.rstrip("/") + prefix
        return cls(
            application_id=application_id,
            lwa_client_id=lwa_client_id,
            lwa_client_secret=lwa_client_secret,
            consent_url=f"{root}/seller-central",
            lwa_token_url=f"{root}/lwa/auth/o2/token",
            sp_api_base_urls={region: f"{root}/sp-api" for region in REGIONS},
            orders_api=orders_api,
        )
