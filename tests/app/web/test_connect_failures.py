"""The platforms' real failure cases end on the dashboard as a plain sentence, per platform."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.web.messages import ERROR_PARAMS, FALLBACK, PLATFORM_NAMES, connect_error
from tests.harness import Harness, running_service

# Every code a callback or connect form can put on the dashboard URL, by platform.
CALLBACK_CODES = {
    "tiktok_shop": (
        "auth_denied",
        "authorization_failed",
        "invalid_state",
        "missing_code",
        "platform_error",
        "no_active_shop",
        "no_account",
        "permission_missing",
        "region_not_supported",
    ),
    "shopify": (
        "auth_denied",
        "invalid_callback",
        "invalid_state",
        "invalid_shop",
        "invalid_token",
        "platform_error",
        "permission_missing",
        "region_not_supported",
    ),
    "amazon": (
        "auth_denied",
        "invalid_callback",
        "invalid_state",
        "invalid_region",
        "no_marketplace",
        "platform_error",
        "permission_missing",
        "region_not_supported",
    ),
}


def error_code(response_location: str, platform: str) -> str:
    return parse_qs(urlsplit(response_location).query)[ERROR_PARAMS[platform]][0]


class TestMessages:
    @pytest.mark.parametrize(
        ("platform", "code"),
        [(platform, code) for platform, codes in CALLBACK_CODES.items() for code in codes],
    )
    def test_every_known_failure_has_its_own_sentence(self, platform: str, code: str) -> None:
        text = connect_error(platform, code)
        assert text != FALLBACK.format(platform=PLATFORM_NAMES[platform])
        assert "{" not in text and text.endswith(".")

    def test_region_and_permission_name_the_platform(self) -> None:
        for platform, name in PLATFORM_NAMES.items():
            assert name in connect_error(platform, "region_not_supported")
        assert "permission" in connect_error("tiktok_shop", "permission_missing")
        assert "read_orders" in connect_error("shopify", "permission_missing")

    def test_an_unknown_code_gets_the_general_sentence(self) -> None:
        assert connect_error("amazon", "something_new") == FALLBACK.format(platform="Amazon")


class TestTikTokShopFailures:
    async def test_consent_without_the_shop_permission_is_permission_missing(
        self, harness: Harness
    ) -> None:
        headers = await harness.sign_in("alice")
        landing = await harness.connect(
            "steady_us", headers, scopes=["seller.order.info", "seller.finance.info"]
        )
        assert error_code(landing.headers["location"], "tiktok_shop") == "permission_missing"
        assert (await harness.service.get("/api/connections", headers=headers)).json() == []
        page = await harness.service.get(landing.headers["location"], headers=headers)
        assert connect_error("tiktok_shop", "permission_missing") in page.text.replace("&#39;", "'")


class TestShopifyFailures:
    async def test_install_without_read_orders_is_permission_missing(
        self, harness: Harness
    ) -> None:
        headers = await harness.sign_in("alice")
        landing = await harness.connect("shopify_steady", headers, scopes=["read_products"])
        assert error_code(landing.headers["location"], "shopify") == "permission_missing"
        assert (await harness.service.get("/api/connections", headers=headers)).json() == []


class RegionRewrite(httpx.AsyncBaseTransport):
    """The platform as seen from a shop in a market TikTok Shop's documentation does not list:
    Get Authorized Shops answers with that region."""

    def __init__(self, inner: httpx.AsyncBaseTransport, region: str) -> None:
        self.inner, self.region = inner, region

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if not request.url.path.endswith("/authorization/202309/shops"):
            return response
        body = json.loads(await response.aread())
        for shop in body["data"]["shops"]:
            shop["region"] = self.region
        return httpx.Response(response.status_code, json=body)


class TestTikTokShopRegion:
    async def test_a_shop_outside_the_supported_markets_is_region_not_supported(
        self, database_url: str, tmp_path: Path
    ) -> None:
        async with running_service(
            database_url, tmp_path, wrap_platform=lambda inner: RegionRewrite(inner, "KR")
        ) as harness:
            headers = await harness.sign_in("alice")
            landing = await harness.connect("steady_us", headers)
            location = landing.headers["location"]
            assert error_code(location, "tiktok_shop") == "region_not_supported"
            assert (await harness.service.get("/api/connections", headers=headers)).json() == []
            page = await harness.service.get(location, headers=headers)
            assert "in a region we cannot score yet" in page.text

    async def test_a_documented_market_connects(self, database_url: str, tmp_path: Path) -> None:
        async with running_service(
            database_url, tmp_path, wrap_platform=lambda inner: RegionRewrite(inner, "MY")
        ) as harness:
            headers = await harness.sign_in("alice")
            landing = await harness.connect("steady_us", headers)
            assert landing.headers["location"].endswith("tiktokshop_connected=true")
