"""Tests of TikTok Shop authorization: consent URLs, token get/refresh, token errors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from tts_fakes import CONFIG, envelope

from connectors.core.errors import Fatal, NeedsReauth, Retriable
from connectors.core.records import AccountRole
from connectors.tiktok_shop import (
    AUTH_BASE_URL,
    AUTHORIZE_URL,
    TikTokShopConfig,
    authorization_url,
    exchange_code,
    parse_token_data,
    refresh,
)


def client_for(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


class TestConfig:
    def test_real_platform_defaults(self) -> None:
        config = TikTokShopConfig(app_key="k", app_secret="s", service_id="1")
        assert (
            config.authorize_url
            == AUTHORIZE_URL
            == "https://services.tiktokshop.com/open/authorize"
        )
        assert config.auth_base_url == AUTH_BASE_URL == "https://auth.tiktok-shops.com"
        assert config.api_base_url == "https://open-api.tiktokglobalshop.com"
        assert (config.page_size, config.requests_per_second, config.timeout_s) == (100, 50.0, 30.0)

    def test_repr_hides_secret(self) -> None:
        config = TikTokShopConfig(app_key="k", app_secret="very-secret", service_id="1")
        assert "very-secret" not in repr(config) and "very-secret" not in str(config)

    def test_sandbox_helper(self) -> None:
        config = TikTokShopConfig.for_sandbox("http://127.0.0.1:8100/")
        assert config.api_base_url == "http://127.0.0.1:8100/tiktok-shop/api"
        assert config.auth_base_url == "http://127.0.0.1:8100/tiktok-shop/auth"
        assert config.authorize_url == "http://127.0.0.1:8100/tiktok-shop/authorize"

    def test_page_size_bounds(self) -> None:
        with pytest.raises(ValueError):
            TikTokShopConfig(app_key="k", app_secret="s", service_id="1", page_size=101)


class TestAuthorizationUrl:
    def test_seller_url_has_service_id_and_state(self) -> None:
        url = authorization_url(CONFIG, "st/ate+1")
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CONFIG.authorize_url
        assert parse_qs(parts.query) == {"service_id": ["svc1"], "state": ["st/ate+1"]}

    def test_creator_url_has_app_key(self) -> None:
        url = authorization_url(
            TikTokShopConfig(app_key="k", app_secret="s", service_id="1"), "x", creator=True
        )
        assert url.startswith("https://shop.tiktok.com/alliance/creator/auth?")
        assert parse_qs(urlsplit(url).query) == {"app_key": ["k"], "state": ["x"]}


class TestExchangeCode:
    async def test_doc_sample_response(self, load_example: Any) -> None:
        seen: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return httpx.Response(200, json=load_example("auth__token_get.response.doc202407.json"))

        async with client_for(handler) as http:
            tokens = await exchange_code(http, CONFIG, "CODE123")
        request = seen[0]
        assert request.method == "GET"
        assert str(request.url).startswith("https://auth.test/api/v2/token/get?")
        assert dict(request.url.params) == {
            "app_key": "test_key",
            "app_secret": "test_secret_value",
            "auth_code": "CODE123",
            "grant_type": "authorized_code",
        }
        assert tokens.access_token.startswith("TTP_Fw8r")
        assert tokens.access_expires_at == datetime.fromtimestamp(1660556783, tz=UTC)
        assert tokens.refresh_expires_at == datetime.fromtimestamp(1691487031, tz=UTC)
        assert tokens.account_id == "7010736057180325637"
        assert tokens.account_name == "Jjj test shop"
        assert tokens.region == "ID"
        assert tokens.role is AccountRole.SELLER
        assert tokens.scopes == (
            "seller.affiliate_collaboration.read",
            "seller.affiliate_collaboration.write",
        )

    async def test_bad_code_needs_reauth_without_leaking(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            return envelope(code=36004005, message="can not find related auth record")

        async with client_for(handler) as http:
            with pytest.raises(NeedsReauth) as info:
                await exchange_code(http, CONFIG, "CODE123")
        assert info.value.code == 36004005
        assert "CODE123" not in str(info.value) and "test_secret_value" not in str(info.value)

    async def test_server_error_is_retriable(self) -> None:
        async with client_for(lambda r: httpx.Response(502, text="bad gateway")) as http:
            with pytest.raises(Retriable):
                await exchange_code(http, CONFIG, "c")

    async def test_other_error_is_fatal_and_redacted(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            return envelope(code=36004999, message="bad app_secret test_secret_value", status=400)

        async with client_for(handler) as http:
            with pytest.raises(Fatal) as info:
                await exchange_code(http, CONFIG, "c")
        assert "test_secret_value" not in str(info.value)
        assert "36004999" in str(info.value)


class TestRefresh:
    async def test_realistic_refresh_sample(self, load_example: Any) -> None:
        seen: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return httpx.Response(
                200, json=load_example("auth__token_refresh.response.realistic_chilkat.json")
            )

        async with client_for(handler) as http:
            tokens = await refresh(http, CONFIG, "RT_OLD")
        assert seen[0].url.path == "/api/v2/token/refresh"
        assert seen[0].url.params["grant_type"] == "refresh_token"
        assert seen[0].url.params["refresh_token"] == "RT_OLD"
        assert tokens.access_expires_at == datetime(2024, 7, 30, 12, 20, 11, tzinfo=UTC)
        assert tokens.refresh_expires_at is not None and tokens.refresh_expires_at.year == 2123
        assert tokens.region == "GB"
        assert "seller.order.info" in tokens.scopes

    async def test_expired_refresh_token_needs_reauth(self) -> None:
        async with client_for(lambda r: envelope(code=36004001, message="rt has expired")) as http:
            with pytest.raises(NeedsReauth, match="expired") as info:
                await refresh(http, CONFIG, "RT_OLD")
        assert "RT_OLD" not in str(info.value)


class TestParseTokenData:
    def test_creator_user_type(self) -> None:
        data = {"access_token": "a", "access_token_expire_in": 1, "user_type": 1}
        tokens = parse_token_data(data)
        assert tokens.role is AccountRole.CREATOR
        assert tokens.refresh_token is None and tokens.scopes == ()

    @pytest.mark.parametrize(
        "data",
        [
            None,
            {},
            {"access_token": "a"},
            {"access_token": "a", "access_token_expire_in": 1, "user_type": 3},
        ],
    )
    def test_malformed_is_fatal(self, data: Any) -> None:
        with pytest.raises(Fatal):
            parse_token_data(data)


class TestNoSecretsInLogs:
    async def test_httpx_request_log_is_redacted(
        self, load_example: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        sample = load_example("auth__token_get.response.doc202407.json")
        with caplog.at_level(logging.DEBUG, logger="httpx"):
            async with client_for(lambda r: httpx.Response(200, json=sample)) as http:
                await exchange_code(http, CONFIG, "CODE123")
                await refresh(http, CONFIG, "RT_SECRET_1")
        assert "HTTP Request" in caplog.text  # httpx did log the URLs...
        for secret in ("test_secret_value", "CODE123", "RT_SECRET_1"):
            assert secret not in caplog.text  # ...without the secrets
