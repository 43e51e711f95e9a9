"""Configuration of the sandbox server: seed, anchor date, clock, app credentials, lifetimes."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx


def today_utc() -> dt.date:
    """Today's date in UTC: the default anchor, so data end at the last UTC midnight."""
    return dt.datetime.now(dt.UTC).date()


@dataclass(frozen=True)
class TikTokAppConfig:
    """The one Partner Center app the sandbox knows (protocol defaults)."""

    app_key: str = "sbx_tts_app_29a39d"
    app_secret: str = "sbx_tts_secret_e59af819cc4b"
    service_id: str = "7312000000000000001"
    app_name: str = "creditscore (sandbox)"
    # TikTok has no redirect_uri parameter: the URL is registered in Partner Center.
    redirect_url: str = "http://127.0.0.1:8000/api/tiktokshop/callback"


SHOPIFY_API_VERSIONS = ("2025-07", "2025-10", "2026-01", "2026-04", "2026-07")


@dataclass(frozen=True)
class ShopifyAppConfig:
    """The one public Shopify app the sandbox knows, and the shop-side limits (protocol notes).

    Lifetimes follow reference 1.8 (3600 s access, 90-day rotating refresh). The reference names
    no authorization-code lifetime: ten minutes is our choice. Rate limits are the Standard plan
    (reference 4): REST bucket 40 leaking 2/s, GraphQL bucket 2000 restoring 100 points/s.
    """

    client_id: str = "sbx_shopify_client_7d41c0"
    client_secret: str = "sbx_shopify_secret_9a2e5b1f"
    app_name: str = "creditscore (sandbox)"
    redirect_url: str = "http://127.0.0.1:8000/api/shopify/callback"
    # Shopify allows several redirection URLs per app; the first is the one published.
    extra_redirect_urls: tuple[str, ...] = ()
    api_versions: tuple[str, ...] = SHOPIFY_API_VERSIONS
    default_api_version: str = "2026-07"
    auth_code_ttl: int = 10 * 60
    access_token_ttl: int = 3600
    refresh_token_ttl: int = 90 * 86400
    online_token_ttl: int = 86399
    # Reference 1.8 (2026-08-28 changelog): a rotated-out refresh token stays usable until the
    # replacement is first used, within 30 days. Off by default: a used refresh token is refused
    # at once, which is the stricter behaviour a connector must survive anyway.
    refresh_token_recovery: bool = False
    refresh_recovery_window: int = 30 * 86400
    visible_days_without_read_all_orders: int = 60
    rest_bucket_size: int = 40
    rest_leak_per_second: float = 2.0
    graphql_bucket_size: float = 2000.0
    graphql_restore_per_second: float = 100.0
    graphql_max_query_cost: int = 1000
    webhook_attempts: int = 9  # the first try plus Shopify's 8 retries (reference 5)
    webhook_retry_delay: float = 0.0
    webhook_timeout: float = 5.0


@dataclass(frozen=True)
class AmazonAppConfig:
    """The one SP-API public app the sandbox knows (protocol defaults) and its platform limits.

    Lifetimes follow reference 1.2-1.4 (5-minute authorization codes, 3600 s access tokens;
    refresh tokens never rotate). ``time_scale`` multiplies every documented refill rate so
    tests need not wait minutes while benchmarks keep the real rates (1.0). ``reference_dir``
    is where Amazon's static sandbox cases are read from (None: ``CS_REFERENCE_DIR`` or
    ``<repo>/../shared/reference``); the cases are Amazon's, so they are never copied here.
    """

    application_id: str = "amzn1.sellerapps.app.sbx-creditscore-0001"
    lwa_client_id: str = "amzn1.application-oa2-client.sbxcreditscore01"
    lwa_client_secret: str = "sbx_lwa_secret_3c9d71e2"
    app_name: str = "creditscore (sandbox)"
    redirect_url: str = "http://127.0.0.1:8000/api/amazon/callback"
    extra_redirect_urls: tuple[str, ...] = ()
    auth_code_ttl: int = 5 * 60
    access_token_ttl: int = 3600
    time_scale: float = 1.0
    reference_dir: str | None = None


@dataclass
class SandboxConfig:
    """Everything that makes one sandbox instance behave the way a test needs.

    ``clock`` returns unix seconds; tests pass a controllable callable to steer token expiry,
    timestamp windows and the rate limiter. Data generation never reads the clock: it depends
    on ``seed`` and ``anchor`` only (the data cover ``history_days`` before the anchor's UTC
    midnight). The APIs serve the data as they were at the clock (``sandbox.asof``): before
    the anchor, later records are invisible and later changes not yet made.

    ``index_lag_seconds`` maps a platform name to how long its update-time search lags behind
    (absent: 0). No reference documents the real lag of any platform's search index: the
    setting exists so incremental syncs can be tested against eventual consistency.

    ``latency_ms`` and ``rate_limit_per_second`` can also be changed on a running server
    (``POST /_sandbox/tiktok_shop/settings``), for benchmarks of a pull at platform speed.
    """

    seed: int = 20240601
    anchor: dt.date = field(default_factory=today_utc)
    clock: Callable[[], float] = time.time
    tiktok: TikTokAppConfig = field(default_factory=TikTokAppConfig)
    shopify: ShopifyAppConfig = field(default_factory=ShopifyAppConfig)
    amazon: AmazonAppConfig = field(default_factory=AmazonAppConfig)
    # Where the Shopify webhook sender posts; tests route deliveries in-process with
    # ``httpx.ASGITransport`` (None: the default network transport).
    webhook_transport: httpx.AsyncBaseTransport | None = None
    access_token_ttl: int = 7 * 86400
    refresh_token_ttl: int = 365 * 86400
    # The reference (2.3) says rotation is undocumented: off by default, switchable for tests.
    rotate_refresh_tokens: bool = False
    rate_limit_per_second: int = 50
    auth_code_ttl: int = 30 * 60
    history_days: int = 180
    timestamp_past_tolerance: int = 300
    timestamp_future_tolerance: int = 30
    index_lag_seconds: dict[str, int] = field(default_factory=dict)
    latency_ms: int = 0
    """Simulated platform latency added to every TikTok Shop open-API request (an async sleep
    before the request is handled, so the server keeps serving others meanwhile)."""

    def index_lag(self, platform: str) -> int:
        """Seconds an update-time search of ``platform`` lags behind the data (default 0)."""
        return self.index_lag_seconds.get(platform, 0)

    @property
    def anchor_ts(self) -> int:
        """Unix seconds of the anchor date's UTC midnight: every generated event is before it."""
        return int(dt.datetime.combine(self.anchor, dt.time(0, 0), tzinfo=dt.UTC).timestamp())
