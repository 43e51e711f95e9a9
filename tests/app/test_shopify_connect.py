"""Shopify connect paths: the OAuth callback is verified before anything else, no request goes
to a host a user typed, and a pasted Admin API token is checked before it is stored."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from sqlalchemy import func, select

from app.db import transaction
from app.models import BusinessConnection
from tests.harness import Harness, state_of

SSRF = [
    "evil.com",
    "x.myshopify.com.evil.com",
    "https://x.myshopify.com@evil.com",
    "127.0.0.1",
    "[::1]",
    "x.myshopify.com:8080",
    "x.myshopify.com/admin",
    "http://169.254.169.254",
    "",
]


async def connection_count(harness: Harness) -> int:
    async with transaction(harness.context.sessions) as session:
        return int(await session.scalar(select(func.count()).select_from(BusinessConnection)) or 0)


def error_of(response: object) -> str:
    location: str = response.headers["location"]  # type: ignore[attr-defined]
    return dict(parse_qsl(urlsplit(location).query)).get("shopify_error", location)


class TestShopDomain:
    @pytest.mark.parametrize("shop", SSRF)
    async def test_auth_refuses_anything_but_a_myshopify_domain(
        self, harness: Harness, shop: str
    ) -> None:
        headers = await harness.sign_in("a")
        response = await harness.shopify_auth_url(headers, shop)
        assert response.status_code in (400, 422)

    @pytest.mark.parametrize("shop", SSRF[:4])
    async def test_token_connect_refuses_before_any_request(
        self, harness: Harness, shop: str
    ) -> None:
        headers = await harness.sign_in("a")
        response = await harness.service.post(
            "/api/shopify/connect",
            json={"shopDomain": shop, "accessToken": "shpat_" + "0" * 32},
            headers=headers,
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_shop"
        assert await connection_count(harness) == 0


class TestOAuthCallback:
    async def callback(self, harness: Harness, headers: dict[str, str]) -> str:
        shop = await harness.shop_of("shopify_steady")
        url = (await harness.shopify_auth_url(headers, shop)).json()["authUrl"]
        return await harness.consent("shopify_steady", state_of(url))

    async def test_connects_and_pulls(self, harness: Harness) -> None:
        headers = await harness.sign_in("a")
        landing = await harness.connect("shopify_steady", headers)
        assert landing.headers["location"] == "/dashboard?shopify_connected=true"
        status = (await harness.service.get("/api/shopify/status", headers=headers)).json()
        assert status["connected"] is True
        assert status["shopDomain"] == await harness.shop_of("shopify_steady")
        assert status["syncState"] == "complete"
        assert status["orderCount"] > 300
        assert status["productCount"] > 0
        assert status["apiVersion"] == "2026-07"
        assert status["visibleDays"] is None

    @pytest.mark.parametrize("name", ["hmac", "code", "shop", "state", "timestamp"])
    async def test_any_tampered_parameter_is_rejected(self, harness: Harness, name: str) -> None:
        headers = await harness.sign_in("a")
        parts = urlsplit(await self.callback(harness, headers))
        query = dict(parse_qsl(parts.query))
        query[name] = {"shop": "other-shop.myshopify.com", "timestamp": "1700000000"}.get(
            name, query[name][:-1] + ("0" if query[name][-1] != "0" else "1")
        )
        response = await harness.service.get(f"{parts.path}?{urlencode(query)}", headers=headers)
        assert error_of(response) in ("invalid_callback", "invalid_state")
        assert await connection_count(harness) == 0

    async def test_state_of_another_borrower_is_rejected(self, harness: Harness) -> None:
        alice = await harness.sign_in("alice")
        mallory = await harness.sign_in("mallory")
        callback = await self.callback(harness, alice)
        response = await harness.follow_callback(callback, mallory)
        assert error_of(response) == "invalid_state"
        assert await connection_count(harness) == 0

    async def test_replayed_callback_is_rejected(self, harness: Harness) -> None:
        headers = await harness.sign_in("a")
        callback = await self.callback(harness, headers)
        first = await harness.follow_callback(callback, headers)
        await harness.context.jobs.drain()
        assert first.headers["location"].endswith("shopify_connected=true")
        assert error_of(await harness.follow_callback(callback, headers)) == "invalid_state"

    async def test_denied_install(self, harness: Harness) -> None:
        headers = await harness.sign_in("a")
        response = await harness.service.get(
            "/api/shopify/callback?error=access_denied&state=x", headers=headers
        )
        assert error_of(response) == "auth_denied"


class TestTokenConnect:
    async def tokens(self, harness: Harness) -> dict[str, dict[str, str]]:
        response = await harness.platform.get("/_sandbox/shopify/custom-app-tokens")
        tokens: dict[str, dict[str, str]] = response.raise_for_status().json()
        return tokens

    async def test_good_token_connects_and_is_never_shown_again(self, harness: Harness) -> None:
        headers = await harness.sign_in("a")
        store = (await self.tokens(harness))["shopify_eu"]
        response = await harness.service.post(
            "/api/shopify/connect",
            json={"shopDomain": store["shop"], "accessToken": store["access_token"]},
            headers=headers,
        )
        assert response.status_code == 200
        assert store["access_token"] not in response.text
        assert response.json()["shopDomain"] == store["shop"]
        await harness.context.jobs.drain()
        status = (await harness.service.get("/api/shopify/status", headers=headers)).json()
        assert status["syncState"] == "complete"
        assert store["access_token"] not in str(status)
        score = (await harness.service.get("/api/score", headers=headers)).json()
        assert score["status"] == "scored"

    async def test_bad_token_is_a_clear_400_and_stores_nothing(self, harness: Harness) -> None:
        headers = await harness.sign_in("a")
        stores = await self.tokens(harness)
        for shop, token in (
            (stores["shopify_eu"]["shop"], "shpat_" + "f" * 32),
            # another store's real token
            (stores["shopify_eu"]["shop"], stores["shopify_steady"]["access_token"]),
        ):
            response = await harness.service.post(
                "/api/shopify/connect",
                json={"shopDomain": shop, "accessToken": token},
                headers=headers,
            )
            assert response.status_code == 400
            assert response.json()["error"]["code"] == "invalid_token"
            assert "did not accept this access token" in response.json()["error"]["message"]
            assert token not in response.text
        assert await connection_count(harness) == 0


class TestSyncAndDisconnect:
    async def test_sync_then_disconnect_removes_everything(self, harness: Harness) -> None:
        headers = await harness.sign_in("a")
        await harness.connect("shopify_steady", headers)
        synced = await harness.service.post("/api/shopify/sync", headers=headers)
        assert synced.status_code == 202
        await harness.context.jobs.drain()
        gone = await harness.service.post("/api/shopify/disconnect", headers=headers)
        assert gone.status_code == 200 and gone.json()["connected"] is False
        await harness.context.jobs.drain()
        from tests.e2e.test_tiktok_shop_flow import database_text

        assert await connection_count(harness) == 0
        shop = await harness.shop_of("shopify_steady")
        assert "gid://shopify/Order/" not in await database_text(harness)
        score = (await harness.service.get("/api/score", headers=headers)).json()
        assert score["status"] == "pending"
        assert shop not in str(score["connections"])

    async def test_nothing_to_sync_or_disconnect(self, harness: Harness) -> None:
        headers = await harness.sign_in("a")
        assert (await harness.service.post("/api/shopify/sync", headers=headers)).status_code == 404
        status = (await harness.service.get("/api/shopify/status", headers=headers)).json()
        assert status == {"connected": False} | {k: None for k in status if k != "connected"}
