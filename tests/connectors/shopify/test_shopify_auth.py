"""Authorize URL, code exchange (expiring or not), refresh with rotation, error mapping."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from shopify_fakes import CONFIG, NOW, SHOP, FakeShopify, make_client, token_set

from connectors.core.errors import Fatal, NeedsReauth, RateLimited, Retriable
from connectors.core.records import NEVER_EXPIRES
from connectors.shopify import authorization_url, exchange_code, refresh


class TestAuthorizationUrl:
    def test_offline_consent_url_on_the_shop_admin(self) -> None:
        url = authorization_url(
            CONFIG, "Steady-Goods.myshopify.com", "st-1", "https://a.example/cb"
        )
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc, parts.path) == ("https", SHOP, "/admin/oauth/authorize")
        assert parse_qs(parts.query) == {
            "client_id": ["cid_123"],
            "scope": ["read_orders,read_products,read_all_orders"],
            "redirect_uri": ["https://a.example/cb"],
            "state": ["st-1"],
        }

    def test_state_is_required(self) -> None:
        with pytest.raises(ValueError, match="state"):
            authorization_url(CONFIG, SHOP, "", "https://a.example/cb")


class TestExchangeCode:
    async def test_expiring_offline_token(self, fake: FakeShopify, http: httpx.AsyncClient) -> None:
        tokens = await exchange_code(http, CONFIG, SHOP, "code-1", expiring=True, clock=fake.clock)
        request = fake.requests[-1]
        assert request.url == f"https://{SHOP}/admin/oauth/access_token"
        assert json.loads(request.content) == {
            "client_id": "cid_123",
            "client_secret": "csecret_456",
            "code": "code-1",
            "expiring": "1",
        }
        assert tokens.access_token == "shpat_access_1"
        assert tokens.access_expires_at == NOW + timedelta(seconds=3600)
        assert tokens.refresh_token == "shprt_refresh_1"
        assert tokens.refresh_expires_at == NOW + timedelta(days=90)
        assert tokens.scopes == ("read_orders", "read_products", "read_all_orders")
        assert tokens.account_id == SHOP
        assert "shpat_access_1" not in repr(tokens)

    async def test_non_expiring_offline_token(
        self, fake: FakeShopify, http: httpx.AsyncClient
    ) -> None:
        tokens = await exchange_code(http, CONFIG, SHOP, "code-1", expiring=False, clock=fake.clock)
        assert json.loads(fake.requests[-1].content)["expiring"] == "0"
        assert tokens.access_expires_at == NEVER_EXPIRES
        assert tokens.refresh_token is None and tokens.refresh_expires_at is None

    async def test_used_code_needs_reauth(self, fake: FakeShopify, http: httpx.AsyncClient) -> None:
        await exchange_code(http, CONFIG, SHOP, "code-1", expiring=True)
        with pytest.raises(NeedsReauth, match="already used") as caught:
            await exchange_code(http, CONFIG, SHOP, "code-1", expiring=True)
        assert caught.value.code == "invalid_request"


class TestRefresh:
    async def test_refresh_rotates_the_refresh_token(
        self, fake: FakeShopify, http: httpx.AsyncClient
    ) -> None:
        tokens = await refresh(http, CONFIG, SHOP, "shprt_refresh_0", clock=fake.clock)
        assert json.loads(fake.requests[-1].content) == {
            "client_id": "cid_123",
            "client_secret": "csecret_456",
            "grant_type": "refresh_token",
            "refresh_token": "shprt_refresh_0",
        }
        assert tokens.refresh_token == "shprt_refresh_1"
        assert tokens.access_expires_at == NOW + timedelta(hours=1)
        with pytest.raises(NeedsReauth, match="connect the store again") as caught:
            await refresh(http, CONFIG, SHOP, "shprt_refresh_0")  # the old one was rotated away
        assert caught.value.code == "invalid_grant"

    async def test_client_refreshes_across_expiry_and_persists_first(
        self, fake: FakeShopify, http: httpx.AsyncClient
    ) -> None:
        client, store = make_client(fake, http, token_set(expiring=True))
        await client.shop_info()
        assert client.refresh_count == 0
        fake.clock.now += timedelta(minutes=59, seconds=30)  # within the 60 s skew of expiry
        fake.valid_tokens.discard("shpat_access_0")
        await client.shop_info()
        assert client.refresh_count == 1
        assert [t.refresh_token for t in store.history] == ["shprt_refresh_0", "shprt_refresh_1"]
        token_call, api_call = fake.requests[-2:]
        assert token_call.url.path == "/admin/oauth/access_token"
        assert api_call.headers["x-shopify-access-token"] == "shpat_access_1"
        fake.clock.now += timedelta(hours=2)
        await client.shop_info()
        assert [t.refresh_token for t in store.history][-1] == "shprt_refresh_2"

    async def test_expired_refresh_token_needs_reauth_without_a_call(
        self, fake: FakeShopify, http: httpx.AsyncClient
    ) -> None:
        client, _ = make_client(fake, http, token_set(expiring=True))
        fake.clock.now += timedelta(days=91)
        with pytest.raises(NeedsReauth, match="refresh token expired"):
            await client.shop_info()
        assert fake.requests == []


class TestTokenErrors:
    @pytest.mark.parametrize(
        ("response", "error", "match"),
        [
            (
                httpx.Response(400, json={"error": "invalid_grant"}),
                NeedsReauth,
                "connect the store",
            ),
            (httpx.Response(401, json={"error": "invalid_client"}), NeedsReauth, "uninstalled"),
            (httpx.Response(403, text="Forbidden"), NeedsReauth, "uninstalled"),
            (httpx.Response(502, text="bad gateway"), Retriable, "HTTP 502"),
            (httpx.Response(429, headers={"retry-after": "2.0"}), RateLimited, "rate limited"),
            (
                httpx.Response(400, json={"error": "weird", "error_description": "shprt_secret x"}),
                Fatal,
                "HTTP 400",
            ),
            (httpx.Response(200, text="<html>"), Fatal, "HTTP 200"),
            (httpx.Response(200, json={"scope": "read_orders"}), Fatal, "no access_token"),
            (
                httpx.Response(200, json={"access_token": "a", "expires_in": "soon"}),
                Fatal,
                "expires_in",
            ),
        ],
    )
    async def test_mapping(
        self,
        fake: FakeShopify,
        http: httpx.AsyncClient,
        response: httpx.Response,
        error: type[Exception],
        match: str,
    ) -> None:
        fake.script.append(response)
        with pytest.raises(error, match=match) as caught:
            await refresh(http, CONFIG, SHOP, "shprt_secret")
        assert "shprt_secret" not in str(caught.value)
        assert "csecret_456" not in str(caught.value)

    async def test_retry_after_is_read(self, fake: FakeShopify, http: httpx.AsyncClient) -> None:
        fake.script.append(httpx.Response(429, headers={"retry-after": "2.0"}))
        with pytest.raises(RateLimited) as caught:
            await exchange_code(http, CONFIG, SHOP, "code-1", expiring=True)
        assert caught.value.retry_after == 2.0

    async def test_timeout_is_retriable(self) -> None:
        def boom(request: httpx.Request) -> httpx.Response:
            raise httpx.ReadTimeout("slow", request=request)

        async with httpx.AsyncClient(transport=httpx.MockTransport(boom)) as http:
            with pytest.raises(Retriable, match="timed out"):
                await exchange_code(http, CONFIG, SHOP, "code-1", expiring=True)
