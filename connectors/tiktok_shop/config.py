"""Configuration of the TikTok Shop connector: app credentials, hosts, API versions, budgets.

Only the base URLs and credentials differ between the real platform and the sandbox
(``http://127.0.0.1:8100/tiktok-shop/{auth,api}``, consent page ``.../tiktok-shop/authorize``).
"""

from __future__ import annotations

from dataclasses import dataclass

AUTHORIZE_URL = "https://services.tiktokshop.com/open/authorize"
# US sellers: sources disagree between these two hosts (reference 2.1); both may redirect.
AUTHORIZE_URL_US = "https://services.us.tiktokshop.com/open/authorize"
AUTHORIZE_URL_US_ALT = "https://services.tiktokshops.us/open/authorize"
CREATOR_AUTHORIZE_URL = "https://shop.tiktok.com/alliance/creator/auth"
AUTH_BASE_URL = "https://auth.tiktok-shops.com"
API_BASE_URL = "https://open-api.tiktokglobalshop.com"

# Region → currency (reference section 10).
REGION_CURRENCY: dict[str, str] = {
    "BR": "BRL",
    "FR": "EUR",
    "DE": "EUR",
    "IE": "EUR",
    "IT": "EUR",
    "ES": "EUR",
    "GB": "GBP",
    "ID": "IDR",
    "JP": "JPY",
    "MX": "MXN",
    "MY": "MYR",
    "PH": "PHP",
    "SG": "SGD",
    "TH": "THB",
    "US": "USD",
    "VN": "VND",
}


@dataclass(frozen=True, slots=True)
class TikTokShopConfig:
    """One TikTok Shop app. ``repr`` never shows the secret.

    Versions are fields because the reference marks some as uncertain or superseded
    (e.g. order detail 202309 vs 202507); change them without touching code.
    """

    app_key: str
    app_secret: str
    service_id: str
    authorize_url: str = AUTHORIZE_URL
    creator_authorize_url: str = CREATOR_AUTHORIZE_URL
    auth_base_url: str = AUTH_BASE_URL
    api_base_url: str = API_BASE_URL
    page_size: int = 100
    requests_per_second: float = 50.0
    """The platform's limit per shop (reference 8: 50 QPS per API per app and shop)."""
    rate_headroom: float = 0.02
    """Share of the limit left unused (``connectors.core.http.RateBudget``): paced at exactly
    50 a second, a backfill met a 429 or two from the sandbox's sliding window, each costing a
    backoff of 0.5 s or more; at 49 a second it met none and finished sooner."""
    timeout_s: float = 30.0
    slice_days: float = 7.0
    """A window longer than this is paged as slices of at most this many days side by side
    (``connectors.core.streams.run_sliced``): at 200 ms a page one cursor makes 5 requests a
    second, a 90-day backfill in 13 slices can use the whole budget of 50."""
    shops_version: str = "202309"
    orders_version: str = "202309"
    order_detail_version: str = "202309"
    statements_version: str = "202309"
    affiliate_seller_version: str = "202410"
    affiliate_creator_version: str = "202410"
    returns_version: str = "202309"

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= 100:
            raise ValueError("page_size must be within 1..100")
        if self.slice_days <= 0:
            raise ValueError("slice_days must be positive")

    def __repr__(self) -> str:
        return (
            f"TikTokShopConfig(app_key={self.app_key!r}, app_secret='***', "
            f"service_id={self.service_id!r}, authorize_url={self.authorize_url!r}, "
            f"auth_base_url={self.auth_base_url!r}, api_base_url={self.api_base_url!r})"
        )

    __str__ = __repr__

    @classmethod
    def for_sandbox(
        cls,
        base_url: str,
        *,
        app_key: str = "sbx_tts_app_29a39d",
        app_secret: str = "sbx_tts_secret_e59af819cc4b",  # noqa: S107 - public sandbox default
        service_id: str = "7312000000000000001",
        prefix: str = "/tiktok-shop",
    ) -> TikTokShopConfig:
        """Config pointing at a sandbox server (``base_url`` like ``http://127.0.0.1:8100``)."""
        root = base_url.rstrip("/") + prefix
        return cls(
            app_key=app_key,
            app_secret=app_secret,
            service_id=service_id,
            authorize_url=f"{root}/authorize",
            creator_authorize_url=f"{root}/authorize",
            auth_base_url=f"{root}/auth",
            api_base_url=f"{root}/api",
        )
