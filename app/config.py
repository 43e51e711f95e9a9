"""Settings, read from the environment with the prefix ``CS_`` and ``__`` between sections.

``CS_TIKTOK_SHOP__APP_KEY`` sets ``settings.tiktok_shop.app_key``. In development and test the
defaults run everything against the sandbox mounted in the service; any other environment
refuses to start while a sandbox endpoint or a default secret is still configured.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.db import PING_AFTER_IDLE_S

# Development defaults. They are public (they are in this file), so `Settings` refuses them
# outside development and test.
DEV_SECRET_KEY = "dev-only-session-signing-key-change-me-0123456789"  # noqa: S105
DEV_ENCRYPTION_KEYS = {"dev1": base64.b64encode(b"dev-only-aes-256-gcm-key-32bytes").decode()}
# The credentials the TikTok Shop sandbox accepts out of the box (GET /_sandbox/apps).
SANDBOX_TIKTOK_APP_KEY = "sbx_tts_app_29a39d"
SANDBOX_TIKTOK_APP_SECRET = "sbx_tts_secret_e59af819cc4b"  # noqa: S105
SANDBOX_TIKTOK_SERVICE_ID = "7312000000000000001"
# The Shopify app the sandbox accepts out of the box.
SANDBOX_SHOPIFY_CLIENT_ID = "sbx_shopify_client_7d41c0"
SANDBOX_SHOPIFY_CLIENT_SECRET = "sbx_shopify_secret_9a2e5b1f"  # noqa: S105
# The Amazon SP-API app the sandbox accepts out of the box.
SANDBOX_AMAZON_APPLICATION_ID = "amzn1.sellerapps.app.sbx-creditscore-0001"
SANDBOX_AMAZON_LWA_CLIENT_ID = "amzn1.application-oa2-client.sbxcreditscore01"
SANDBOX_AMAZON_LWA_CLIENT_SECRET = "sbx_lwa_secret_3c9d71e2"  # noqa: S105
SANDBOX_MOUNT = "/sandbox"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class TikTokShopSettings(BaseModel):
    """TikTok Shop Partner app. Empty URLs mean "the sandbox mounted in this service"."""

    app_key: str = SANDBOX_TIKTOK_APP_KEY
    app_secret: SecretStr = SecretStr(SANDBOX_TIKTOK_APP_SECRET)
    service_id: str = SANDBOX_TIKTOK_SERVICE_ID
    # Real platform: https://services.tiktokshop.com/open/authorize (US sellers may need
    # services.us.tiktokshop.com or services.tiktokshops.us: the reference is unsure).
    authorize_url: str = ""
    # Real platform: https://shop.tiktok.com/alliance/creator/auth (creator accounts).
    creator_authorize_url: str = ""
    # Real platform: https://auth.tiktok-shops.com
    auth_base_url: str = ""
    # Real platform: https://open-api.tiktokglobalshop.com
    api_base_url: str = ""
    requests_per_second: float = Field(default=50.0, gt=0)
    # Share of that limit left unused, so jitter does not turn pacing into 429s.
    rate_headroom: float = Field(default=0.02, ge=0, lt=1)
    page_size: int = Field(default=100, ge=1, le=100)
    timeout_s: float = Field(default=30.0, gt=0)
    # Windows longer than this are paged as slices side by side under the one rate budget.
    slice_days: float = Field(default=7.0, gt=0)


class ShopifySettings(BaseModel):
    """Shopify public app. An empty admin URL template means the mounted sandbox."""

    client_id: str = SANDBOX_SHOPIFY_CLIENT_ID
    client_secret: SecretStr = SecretStr(SANDBOX_SHOPIFY_CLIENT_SECRET)
    # Real platform: https://{shop} (the shop's myshopify.com domain, checked before use).
    admin_base_url_template: str = ""
    api_version: str = "2026-07"
    # Expiring offline tokens (1-hour access token, rotating refresh token).
    expiring_tokens: bool = True
    timeout_s: float = Field(default=30.0, gt=0)


class AmazonSettings(BaseModel):
    """Amazon SP-API public app. Empty URLs mean the mounted sandbox."""

    application_id: str = SANDBOX_AMAZON_APPLICATION_ID
    lwa_client_id: str = SANDBOX_AMAZON_LWA_CLIENT_ID
    lwa_client_secret: SecretStr = SecretStr(SANDBOX_AMAZON_LWA_CLIENT_SECRET)
    # Real platform: https://sellercentral.amazon.com (EU: https://sellercentral-europe.amazon.com)
    consent_url: str = ""
    # Real platform: https://api.amazon.com/auth/o2/token
    lwa_token_url: str = ""
    # Real platform: {"NA": "https://sellingpartnerapi-na.amazon.com", "EU": "...-eu...",
    # "FE": "...-fe..."}; set one with CS_AMAZON__SP_API_BASE_URL__EU=...
    sp_api_base_url: dict[str, str] = Field(default_factory=dict)
    # Orders API: the current "2026-01-01" (searchOrders) or the deprecated "v0" (getOrders).
    orders_api: Literal["2026-01-01", "v0"] = "2026-01-01"
    # An authorization lasts a year; flag a connection this many days before it ends.
    reauthorize_warning_days: int = Field(default=30, ge=1, le=180)
    timeout_s: float = Field(default=30.0, gt=0)

    @field_validator("sp_api_base_url")
    @classmethod
    def _regions(cls, urls: dict[str, str]) -> dict[str, str]:
        # Environment variable names are case-insensitive, so keys arrive lower-cased.
        upper = {region.upper(): url for region, url in urls.items()}
        unknown = set(upper) - {"NA", "EU", "FE"}
        if unknown:
            raise ValueError(f"unknown SP-API regions {sorted(unknown)}: use NA, EU or FE")
        return upper


class SandboxSettings(BaseModel):
    enabled: bool = True
    seed: int = 20_261_123
    # The sandbox's data end at this date's UTC midnight; empty means today (so a fresh
    # `make run` always has the last 90 days). Tests pin it to get the same data every day.
    anchor: date | None = None
    # Whether TikTok Shop's sandbox rotates refresh tokens on refresh. The reference does not
    # say whether the real platform does, so the connector assumes it may and tests both.
    rotate_refresh_tokens: bool = False


class IdentitySettings(BaseModel):
    """How borrowers prove who they are besides the development sign-in.

    Supabase Auth is on when a JWT secret (HS256) or a JWKS (inline JSON or a URL, RS256/ES256)
    is set, together with the issuer (``https://<project>.supabase.co/auth/v1``).
    """

    supabase_jwt_secret: SecretStr | None = None
    # The project's JSON Web Key Set, inline: {"keys": [...]}; or where to fetch it once.
    supabase_jwks: dict[str, Any] | None = None
    supabase_jwks_url: str = ""
    supabase_issuer: str = ""
    supabase_audience: str = "authenticated"
    # Email sign-in from the borrower pages (a Supabase magic link) also needs the project's URL
    # (https://<project>.supabase.co) and its anon key. The anon key is public by design, but it
    # stays out of logs like every key.
    supabase_url: str = ""
    supabase_anon_key: SecretStr | None = None
    # Sign-In with Ethereum: empty domain means the host of CS_PUBLIC_BASE_URL.
    siwe_domain: str = ""
    siwe_chain_ids: list[int] = Field(default_factory=lambda: [1], min_length=1)
    siwe_nonce_ttl_s: int = Field(default=600, ge=30, le=86_400)
    # Sign-in attempts per client address, in `limits` notation ("10/minute", "100/hour").
    # Empty means 10/minute, or 1000/minute in development and test.
    sign_in_rate_limit: str = ""
    # Where the attempts are counted, as a `limits` storage URI. "memory://" counts in each
    # process; with several service processes (behind a load balancer) set a shared store, e.g.
    # "redis://127.0.0.1:6379/0" (`pip install 'creditscore[redis]'`), or each process grants
    # its own attempts and an attacker gets as many times the limit as there are processes.
    rate_limit_storage: str = "memory://"
    # What the keys in a shared store start with: deployments sharing one Redis need their own.
    rate_limit_key_prefix: str = Field(default="creditscore-sign-in", min_length=1, max_length=64)

    @field_validator("sign_in_rate_limit")
    @classmethod
    def _limit_parses(cls, value: str) -> str:
        from limits import parse

        if value:
            try:
                parse(value)
            except ValueError:
                raise ValueError(f"{value!r} is not a rate limit such as 10/minute") from None
        return value

    @field_validator("rate_limit_storage")
    @classmethod
    def _storage_known(cls, value: str) -> str:
        from limits.errors import ConfigurationError
        from limits.storage import storage_from_string

        problem = f"{value!r} is not a limits storage URI such as memory:// or redis://host:6379/0"
        if value.startswith("async+"):
            raise ValueError(problem)
        try:
            # Builds the client (Redis connects lazily): an unknown scheme or a missing driver
            # package is said at start-up, not at the first sign-in.
            storage_from_string(value)
        except ConfigurationError as exc:
            raise ValueError(f"{problem} ({exc})") from None
        return value

    @property
    def supabase_enabled(self) -> bool:
        has_key = self.supabase_jwt_secret is not None or bool(
            self.supabase_jwks or self.supabase_jwks_url
        )
        return has_key and bool(self.supabase_issuer)

    @property
    def supabase_email_enabled(self) -> bool:
        return (
            self.supabase_enabled and bool(self.supabase_url) and self.supabase_anon_key is not None
        )


class PlatformRetrySettings(BaseModel):
    """How a connector retries one platform request that failed transiently (5xx, 429,
    timeouts, dropped connections) before the pull gives up and the job is retried later."""

    attempts: int = Field(default=5, ge=1, le=50)
    wait_initial_s: float = Field(default=0.5, ge=0)
    wait_max_s: float = Field(default=30.0, ge=0)
    wait_jitter_s: float = Field(default=1.0, ge=0)
    # One request, connect to last byte: a platform that answers a byte at a time is cut off
    # (httpx's own timeouts apply per read, so they would not).
    request_deadline_s: float = Field(default=120.0, gt=0)


class JobSettings(BaseModel):
    """Background work: the queue, retries, the sync lease and the scheduled refresh."""

    # "auto": procrastinate's durable queue on PostgreSQL (run by `creditscore worker`), the
    # same tasks in-process on SQLite. "in_process" forces the latter (a single process).
    backend: Literal["auto", "in_process", "procrastinate"] = "auto"
    # On PostgreSQL, also run a worker inside `creditscore run` (one-machine deployments).
    worker_in_api: bool = False
    worker_concurrency: int = Field(default=4, ge=1, le=64)
    # A sync that failed for a transient reason is tried again this many times in all, with
    # exponential backoff starting at retry_wait_s.
    max_attempts: int = Field(default=5, ge=1, le=20)
    retry_wait_s: int = Field(default=30, ge=0, le=3600)
    # Every active connection is refreshed (incrementally) when its data are older than this.
    refresh_every_hours: float = Field(default=24, gt=0, le=24 * 30)
    # How often the refresh scheduler looks for connections that are due (a cron expression);
    # `schedule` off leaves refreshes to whoever calls `creditscore sync --all`.
    refresh_cron: str = "*/15 * * * *"
    schedule: bool = True
    # Incremental pulls re-read this margin before their cursor: platforms index changes late.
    sync_lag_minutes: int = Field(default=360, ge=0, le=7 * 24 * 60)
    # A pull holds its connection's lease this long past its last checkpoint.
    sync_lease_seconds: int = Field(default=900, ge=5, le=24 * 3600)


class LenderWebhookSettings(BaseModel):
    """Webhooks to lenders: where they may point, how they are sent and retried."""

    # Plain http:// and loopback targets (127.0.0.0/8, ::1, localhost); None: only in
    # development and test.
    allow_http_loopback: bool | None = None
    # Targets on private, link-local, shared or reserved networks (an on-premises receiver);
    # None: only in development and test. Loopback follows allow_http_loopback.
    allow_private_networks: bool | None = None
    # One delivery, connect to last byte read; the receiver should answer at once and work later.
    timeout_s: float = Field(default=10.0, gt=0, le=60)
    # Retries: exponential backoff with jitter from retry_wait_s, capped at retry_wait_max_s,
    # until max_attempts or max_age_hours, whichever comes first; then the delivery is failed.
    max_attempts: int = Field(default=10, ge=1, le=50)
    max_age_hours: float = Field(default=72, gt=0, le=24 * 30)
    retry_wait_s: float = Field(default=30, ge=0, le=3600)
    retry_wait_max_s: float = Field(default=6 * 3600, ge=0, le=48 * 3600)
    retry_jitter_s: float = Field(default=30, ge=0, le=3600)
    # After a rotation the previous secret still signs (a second v1=) this long by default.
    previous_secret_hours: int = Field(default=24, ge=0, le=168)
    # How many deliveries one job sends (in parallel, at most `concurrency` at once).
    batch_size: int = Field(default=100, ge=1, le=1000)
    concurrency: int = Field(default=8, ge=1, le=64)
    # How often workers look for deliveries that are due (retries, and any a crash left behind).
    sweep_cron: str = "* * * * *"
    max_endpoints_per_lender: int = Field(default=10, ge=1, le=100)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CS_", env_nested_delimiter="__", extra="ignore", env_file=None
    )

    env: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path("data")
    # Empty means a SQLite file in data_dir.
    database_url: str = ""
    # Database connections each process keeps open, and how many more it may open under a
    # burst. Requests beyond them wait for a free connection: size them for the concurrency one
    # process serves, and on PostgreSQL keep processes x (size + overflow) under the server's
    # max_connections (or put PgBouncer in front). No overflow by default: the pool closes an
    # extra connection as soon as it comes back to a full pool, so a load above the pool's size
    # opened and closed a PostgreSQL connection (a server process) for many of its requests;
    # that churn halved the lender API's throughput.
    database_pool_size: int = Field(default=20, ge=1, le=500)
    database_max_overflow: int = Field(default=0, ge=0, le=500)
    # A pooled connection idle this long is pinged before use (see app.db.PING_AFTER_IDLE_S).
    database_ping_after_idle_seconds: float = Field(default=PING_AFTER_IDLE_S, ge=0, le=3600)
    public_base_url: str = "http://127.0.0.1:8000"
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    # key id -> base64 of a 32-byte key, as JSON: {"k2": "...", "k1": "..."}; the first encrypts.
    encryption_keys: dict[str, SecretStr] = Field(
        default_factory=lambda: {k: SecretStr(v) for k, v in DEV_ENCRYPTION_KEYS.items()}
    )
    sync_window_days: int = Field(default=90, ge=1, le=365)
    # Every HTTP request is answered within this many seconds (504 past it). Above the platform
    # clients' own timeouts (30 s), since an OAuth callback waits for a token exchange.
    request_timeout_seconds: float = Field(default=60.0, gt=0, le=3600)
    log_level: str = "INFO"
    tiktok_shop: TikTokShopSettings = TikTokShopSettings()
    shopify: ShopifySettings = ShopifySettings()
    amazon: AmazonSettings = AmazonSettings()
    sandbox: SandboxSettings = SandboxSettings()
    jobs: JobSettings = JobSettings()
    platform_retries: PlatformRetrySettings = PlatformRetrySettings()
    identity: IdentitySettings = IdentitySettings()
    lender_webhooks: LenderWebhookSettings = LenderWebhookSettings()
    # The origins a browser may be sent back to after sign-in (open-redirect guard).
    dashboard_path: str = "/dashboard"
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["*"])

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        return value.split(",") if isinstance(value, str) else value

    @field_validator("encryption_keys")
    @classmethod
    def _keys_are_aes256(cls, keys: dict[str, SecretStr]) -> dict[str, SecretStr]:
        if not keys:
            raise ValueError("CS_ENCRYPTION_KEYS needs at least one key")
        for key_id, value in keys.items():
            if not key_id or ":" in key_id:
                raise ValueError(f"encryption key id {key_id!r} must be non-empty without ':'")
            try:
                raw = base64.b64decode(value.get_secret_value(), validate=True)
            except (binascii.Error, ValueError):
                raise ValueError(f"encryption key {key_id!r} is not valid base64") from None
            if len(raw) != 32:
                raise ValueError(f"encryption key {key_id!r} must decode to 32 bytes for AES-256")
        return keys

    @model_validator(mode="after")
    def _refuse_defaults_outside_development(self) -> Self:
        if self.env in (Environment.DEVELOPMENT, Environment.TEST):
            return self
        problems = []
        if self.secret_key.get_secret_value() == DEV_SECRET_KEY:
            problems.append("CS_SECRET_KEY is the development default")
        if any(k in DEV_ENCRYPTION_KEYS for k in self.encryption_keys):
            problems.append("CS_ENCRYPTION_KEYS still holds the development key")
        if self.sandbox.enabled:
            problems.append("CS_SANDBOX__ENABLED must be false")
        tts = self.tiktok_shop
        if tts.app_key == SANDBOX_TIKTOK_APP_KEY or (
            tts.app_secret.get_secret_value() == SANDBOX_TIKTOK_APP_SECRET
        ):
            problems.append("CS_TIKTOK_SHOP__APP_KEY/APP_SECRET are the sandbox credentials")
        for name in ("authorize_url", "auth_base_url", "api_base_url"):
            url = getattr(tts, name)
            if not url or SANDBOX_MOUNT + "/" in url:
                problems.append(f"CS_TIKTOK_SHOP__{name.upper()} must point at TikTok Shop")
        shopify = self.shopify
        if shopify.client_id == SANDBOX_SHOPIFY_CLIENT_ID or (
            shopify.client_secret.get_secret_value() == SANDBOX_SHOPIFY_CLIENT_SECRET
        ):
            problems.append("CS_SHOPIFY__CLIENT_ID/CLIENT_SECRET are the sandbox credentials")
        template = shopify.admin_base_url_template
        if not template or SANDBOX_MOUNT + "/" in template or "{shop}" not in template:
            problems.append("CS_SHOPIFY__ADMIN_BASE_URL_TEMPLATE must be https://{shop}")
        amazon = self.amazon
        if amazon.application_id == SANDBOX_AMAZON_APPLICATION_ID or (
            amazon.lwa_client_secret.get_secret_value() == SANDBOX_AMAZON_LWA_CLIENT_SECRET
        ):
            problems.append("CS_AMAZON__APPLICATION_ID/LWA_CLIENT_SECRET are the sandbox's")
        for name in ("consent_url", "lwa_token_url"):
            url = getattr(amazon, name)
            if not url or SANDBOX_MOUNT + "/" in url:
                problems.append(f"CS_AMAZON__{name.upper()} must point at Amazon")
        if not amazon.sp_api_base_url or any(
            SANDBOX_MOUNT + "/" in url for url in amazon.sp_api_base_url.values()
        ):
            problems.append("CS_AMAZON__SP_API_BASE_URL__<REGION> must point at Amazon")
        if problems:
            raise ValueError(f"refusing to start in {self.env.value} mode: " + "; ".join(problems))
        return self

    @property
    def is_development(self) -> bool:
        return self.env in (Environment.DEVELOPMENT, Environment.TEST)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'creditscore.db').as_posix()}"

    def sandbox_url(self, path: str) -> str:
        return f"{self.public_base_url.rstrip('/')}{SANDBOX_MOUNT}{path}"

    @property
    def tiktok_urls(self) -> tuple[str, str, str]:
        """(authorize, auth host, API host), defaulting to the mounted sandbox."""
        tts = self.tiktok_shop
        return (
            tts.authorize_url or self.sandbox_url("/tiktok-shop/authorize"),
            tts.auth_base_url or self.sandbox_url("/tiktok-shop/auth"),
            tts.api_base_url or self.sandbox_url("/tiktok-shop/api"),
        )

    @property
    def amazon_urls(self) -> tuple[str, str, dict[str, str]]:
        """(Seller Central, LWA token URL, SP-API base URL per region), sandbox by default."""
        amazon = self.amazon
        sandbox_api = self.sandbox_url("/amazon/sp-api")
        return (
            amazon.consent_url or self.sandbox_url("/amazon/seller-central"),
            amazon.lwa_token_url or self.sandbox_url("/amazon/lwa/auth/o2/token"),
            amazon.sp_api_base_url or {region: sandbox_api for region in ("NA", "EU", "FE")},
        )

    @property
    def amazon_redirect_url(self) -> str:
        return f"{self.public_base_url.rstrip('/')}/api/amazon/callback"

    @property
    def shopify_admin_template(self) -> str:
        return self.shopify.admin_base_url_template or self.sandbox_url("/shopify/{shop}")

    @property
    def shopify_redirect_url(self) -> str:
        return f"{self.public_base_url.rstrip('/')}/api/shopify/callback"

    @property
    def tiktok_redirect_url(self) -> str:
        return f"{self.public_base_url.rstrip('/')}/api/tiktokshop/callback"
