"""Helpers for TikTok Shop connector unit tests: a config, tokens and a scripted fake platform.

``FakePlatform`` stands behind ``httpx.MockTransport``: it checks every API request's signature
and access token the way the platform would, records what it saw, and answers from a handler
the test supplies. Token refresh calls go to ``refresh_handler``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from connectors.core.records import Platform, ShopRecord, TokenSet
from connectors.core.tokens import MemoryTokenStore
from connectors.tiktok_shop import TikTokShopClient, TikTokShopConfig, compute_sign

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
CONFIG = TikTokShopConfig(
    app_key="test_key",
    app_secret="test_secret_value",
    service_id="svc1",
    authorize_url="https://consent.test/open/authorize",
    auth_base_url="https://auth.test",
    api_base_url="https://api.test/prefix/api",
    # one cursor per window: these tests script and count the requests of one; windows read as
    # slices side by side are tested against the sandbox and in tests/connectors/core
    slice_days=365.0,
)
SHOP = ShopRecord(
    platform=Platform.TIKTOK_SHOP,
    shop_id="7000714532876273420",
    name="Shop",
    region="US",
    currency="USD",
    cipher="GCP_cipher/+x",
)


def envelope(
    data: Any = None,
    *,
    code: int = 0,
    message: str = "Success",
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    body = {"code": code, "message": message, "request_id": "20250301120000ABCDEF", "data": data}
    return httpx.Response(status, json=body, headers=headers)


def token_data(n: int, *, user_type: int = 0) -> dict[str, Any]:
    return {
        "access_token": f"AT{n}",
        "access_token_expire_in": int((NOW + timedelta(days=7)).timestamp()),
        "refresh_token": f"RT{n}",
        "refresh_token_expire_in": int((NOW + timedelta(days=365)).timestamp()),
        "open_id": "open1",
        "seller_name": "Shop",
        "seller_base_region": "US",
        "user_type": user_type,
        "granted_scopes": ["seller.order.info"],
    }


def token_set(n: int = 1) -> TokenSet:
    return TokenSet(
        access_token=f"AT{n}",
        access_expires_at=NOW + timedelta(days=7),
        refresh_token=f"RT{n}",
        refresh_expires_at=NOW + timedelta(days=365),
        account_id="open1",
    )


Handler = Callable[[httpx.Request], Any]


@dataclass
class FakePlatform:
    api_handler: Handler = lambda request: envelope({})
    refresh_handler: Handler | None = None
    requests: list[httpx.Request] = field(default_factory=list)
    refreshes: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> Any:
        if request.url.host == "auth.test":
            self.refreshes.append(request)
            if self.refresh_handler is None:
                return envelope(token_data(len(self.refreshes) + 1))
            return self.refresh_handler(request)
        self.requests.append(request)
        params = dict(request.url.params)
        sign = params.pop("sign", "")
        path = request.url.path.removeprefix("/prefix/api")
        if compute_sign(CONFIG.app_secret, path, params, request.content) != sign:
            return envelope(code=106001, message="Invalid credentials.", status=401)
        return self.api_handler(request)


@dataclass
class Harness:
    fake: FakePlatform
    store: MemoryTokenStore
    client: TikTokShopClient
