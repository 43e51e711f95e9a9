"""Configuration of the sandbox server: seed, anchor date, clock, app credentials, lifetimes."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field


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


@dataclass
class SandboxConfig:
    """Everything that makes one sandbox instance behave the way a test needs.

    ``clock`` returns unix seconds; tests pass a controllable callable to steer token expiry,
    timestamp windows and the rate limiter. Data generation never reads the clock: it depends
    on ``seed`` and ``anchor`` only (the data cover ``history_days`` before the anchor's UTC
    midnight).
    """

    seed: int = 20240601
    anchor: dt.date = field(default_factory=today_utc)
    clock: Callable[[], float] = time.time
    tiktok: TikTokAppConfig = field(default_factory=TikTokAppConfig)
    access_token_ttl: int = 7 * 86400
    refresh_token_ttl: int = 365 * 86400
    # The reference (2.3) says rotation is undocumented: off by default, switchable for tests.
    rotate_refresh_tokens: bool = False
    rate_limit_per_second: int = 50
    auth_code_ttl: int = 30 * 60
    history_days: int = 180
    timestamp_past_tolerance: int = 300
    timestamp_future_tolerance: int = 30

    @property
    def anchor_ts(self) -> int:
        """Unix seconds of the anchor date's UTC midnight: every generated event is before it."""
        return int(dt.datetime.combine(self.anchor, dt.time(0, 0), tzinfo=dt.UTC).timestamp())
