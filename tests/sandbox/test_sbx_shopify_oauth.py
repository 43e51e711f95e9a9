"""The install flow (reference 1): consent page, signed callback, single-use codes, the token
endpoint with form and JSON bodies, expiring tokens and rotating refresh tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from shopify_client import (
    CLIENT_ID,
    CLIENT_SECRET,
    PERSONAS,
    REDIRECT,
    Clock,
    Shopify,
    callback_hmac,
    client_for,
    make_config,
    query_of,
)

STEADY = PERSONAS["shopify_steady"]
AUTHORIZE = f"/shopify/{STEADY}/admin/oauth/authorize"
SHOP_QUERY = "{ shop { name } }"


@pytest.fixture
async def shopify(clock: Clock) -> AsyncIterator[Shopify]:
    async with client_for(make_config(clock)) as client:
        yield Shopify(client, clock)


def install_params(**overrides: str) -> dict[str, str]:
    params = {
        "client_id": CLIENT_ID,
        "scope": "read_orders,read_products,read_all_orders",
        "redirect_uri": REDIRECT,
        "state": "nonce-123",
    }
    params.update(overrides)
    return params


class TestReferenceHmacExample:
    def test_documented_worked_example_verifies(self) -> None:
        params = {
            "code": "0907a61c0c8d55e99db179b68161bc00",
            "shop": "some-shop.myshopify.com",
            "state": "0.6784241404160823",
            "timestamp": "1337178173",
        }
        expected = "700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf"
        assert callback_hmac("hush", params) == expected
        assert callback_hmac("hush", {**params, "hmac": expected}) == expected


class TestConsentPage:
    async def test_renders_the_app_shop_scopes_and_both_buttons(self, shopify: Shopify) -> None:
        response = await shopify.client.get(AUTHORIZE, params=install_params())
        assert response.status_code == 200
        page = response.text
        assert "creditscore (sandbox)" in page and "Steady Goods Co" in page
        for scope in ("read_orders", "read_products", "read_all_orders"):
            assert f"<code>{scope}</code>" in page
        assert 'value="approve"' in page and 'value="deny"' in page and 'lang="en"' in page

    async def test_approve_redirects_to_a_signed_callback_with_a_working_code(
        self, shopify: Shopify
    ) -> None:
        response = await shopify.client.post(
            AUTHORIZE, data={**install_params(), "decision": "approve"}
        )
        assert response.status_code == 302
        location = response.headers["location"]
        assert location.startswith(REDIRECT + "?")
        params = query_of(location)
        assert set(params) == {"code", "hmac", "host", "shop", "state", "timestamp"}
        assert params["hmac"] == callback_hmac(CLIENT_SECRET, params)
        assert params["shop"] == STEADY and params["state"] == "nonce-123"
        assert params["timestamp"] == str(int(shopify.clock.now))
        assert params["host"].isalnum()  # unpadded base64: invariant under URL encoding
        token = await shopify.exchange(
            STEADY,
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": params["code"]},
        )
        assert token.status_code == 200
        assert token.json()["scope"] == "read_orders,read_products,read_all_orders"

    async def test_deny_redirects_with_access_denied_and_the_state(self, shopify: Shopify) -> None:
        response = await shopify.client.post(
            AUTHORIZE, data={**install_params(), "decision": "deny"}
        )
        assert response.status_code == 302
        location = response.headers["location"]
        assert urlsplit(location)._replace(query="").geturl() == REDIRECT
        assert query_of(location) == {"error": "access_denied", "state": "nonce-123"}

    @pytest.mark.parametrize(
        "override",
        [
            {"redirect_uri": "http://127.0.0.1:8000/api/shopify/callback/evil"},
            {"redirect_uri": "https://evil.example/callback"},
            {"client_id": "someone_else"},
            {"scope": "read_orders,read_everything"},
        ],
    )
    async def test_refuses_unregistered_redirects_unknown_apps_and_scopes(
        self, shopify: Shopify, override: dict[str, str]
    ) -> None:
        for method in ("GET", "POST"):
            params = install_params(**override)
            if method == "GET":
                response = await shopify.client.get(AUTHORIZE, params=params)
            else:
                response = await shopify.client.post(
                    AUTHORIZE, data={**params, "decision": "approve"}
                )
            assert response.status_code == 400
            assert "location" not in response.headers

    async def test_extra_registered_redirect_is_accepted(self, clock: Clock) -> None:
        other = "http://localhost:9000/cb"
        async with client_for(make_config(clock, extra_redirect_urls=(other,))) as client:
            response = await client.post(
                AUTHORIZE, data={**install_params(redirect_uri=other), "decision": "approve"}
            )
        assert response.headers["location"].startswith(other + "?code=")

    async def test_unknown_shop_is_404(self, shopify: Shopify) -> None:
        response = await shopify.client.get(
            "/shopify/nobody.myshopify.com/admin/oauth/authorize", params=install_params()
        )
        assert response.status_code == 404


class TestCallbackSignature:
    async def _callback(self, shopify: Shopify) -> dict[str, str]:
        response = await shopify.client.post(
            "/_sandbox/shopify/authorize", json={"persona": "shopify_eu", "state": "s-1"}
        )
        params: dict[str, str] = query_of(response.json()["callback_url"])
        return params

    async def test_control_callback_round_trips(self, shopify: Shopify) -> None:
        params = await self._callback(shopify)
        assert params["hmac"] == callback_hmac(CLIENT_SECRET, params)
        assert params["shop"] == PERSONAS["shopify_eu"]

    async def test_every_mutation_breaks_the_signature(self, shopify: Shopify) -> None:
        params = await self._callback(shopify)
        for key in ("code", "host", "shop", "state", "timestamp"):
            mutated = {**params, key: params[key] + "x"}
            assert callback_hmac(CLIENT_SECRET, mutated) != params["hmac"], key
            dropped = {k: v for k, v in params.items() if k != key}
            assert callback_hmac(CLIENT_SECRET, dropped) != params["hmac"], key
        added = {**params, "extra": "1"}
        assert callback_hmac(CLIENT_SECRET, added) != params["hmac"]
        assert callback_hmac(CLIENT_SECRET + "x", params) != params["hmac"]

    async def test_matches_the_consent_page_redirect(self, shopify: Shopify) -> None:
        params = await self._callback(shopify)
        assert set(params) == {"code", "hmac", "host", "shop", "state", "timestamp"}


class TestTokenExchange:
    async def test_json_body_gives_a_non_expiring_offline_token(self, shopify: Shopify) -> None:
        code = await shopify.code("shopify_steady")
        response = await shopify.exchange(
            STEADY, {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": code}
        )
        body = response.json()
        assert set(body) == {"access_token", "scope"}
        assert body["access_token"].startswith("shpat_") and len(body["access_token"]) == 38
        shopify.clock.advance(400 * 86400)
        ok = await shopify.graphql(STEADY, body["access_token"], SHOP_QUERY)
        assert ok.json()["data"]["shop"]["name"] == "Steady Goods Co"

    async def test_form_body_works_too(self, shopify: Shopify) -> None:
        code = await shopify.code("shopify_steady")
        response = await shopify.exchange(
            STEADY,
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": code, "expiring": "1"},
            form=True,
        )
        assert response.status_code == 200
        assert response.json()["expires_in"] == 3600

    async def test_code_is_single_use(self, shopify: Shopify) -> None:
        code = await shopify.code("shopify_steady")
        body = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": code}
        assert (await shopify.exchange(STEADY, body)).status_code == 200
        again = await shopify.exchange(STEADY, body)
        assert again.status_code == 400
        assert again.json() == {
            "error": "invalid_request",
            "error_description": "The authorization code was not found or was already used",
        }

    async def test_code_expires_after_ten_minutes(self, shopify: Shopify) -> None:
        code = await shopify.code("shopify_steady")
        shopify.clock.advance(601)
        body = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": code}
        assert (await shopify.exchange(STEADY, body)).json()["error"] == "invalid_request"

    async def test_code_is_bound_to_its_shop(self, shopify: Shopify) -> None:
        code = await shopify.code("shopify_steady")
        body = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": code}
        other = await shopify.exchange(PERSONAS["shopify_eu"], body)
        assert other.status_code == 400
        assert (await shopify.exchange(STEADY, body)).status_code == 200

    async def test_wrong_secret_is_invalid_client_and_keeps_the_code(
        self, shopify: Shopify
    ) -> None:
        code = await shopify.code("shopify_steady")
        bad = await shopify.exchange(
            STEADY, {"client_id": CLIENT_ID, "client_secret": "nope", "code": code}
        )
        assert bad.status_code == 400 and bad.json()["error"] == "invalid_client"
        good = await shopify.exchange(
            STEADY, {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": code}
        )
        assert good.status_code == 200

    async def test_granted_scopes_are_those_approved(self, shopify: Shopify) -> None:
        token = await shopify.token("shopify_steady", ["read_orders"])
        assert token["scope"] == "read_orders"
        scopes = await shopify.client.get(
            f"/shopify/{STEADY}/admin/oauth/access_scopes.json",
            headers={"X-Shopify-Access-Token": token["access_token"]},
        )
        assert scopes.json() == {"access_scopes": [{"handle": "read_orders"}]}

    async def test_online_access_mode_gives_a_user_token(self, shopify: Shopify) -> None:
        response = await shopify.client.post(
            AUTHORIZE,
            data={**install_params(), "grant_options[]": "per-user", "decision": "approve"},
        )
        code = query_of(response.headers["location"])["code"]
        token = await shopify.exchange(
            STEADY, {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": code}
        )
        body = token.json()
        assert body["expires_in"] == 86399 and body["associated_user"]["account_owner"] is True


class TestExpiringTokens:
    async def test_expiring_response_shape(self, shopify: Shopify) -> None:
        token = await shopify.token("shopify_steady", expiring=True)
        assert set(token) == {
            "access_token",
            "scope",
            "expires_in",
            "refresh_token",
            "refresh_token_expires_in",
        }
        assert token["expires_in"] == 3600 and token["refresh_token_expires_in"] == 90 * 86400

    async def test_refresh_across_expiry_and_rotation(self, shopify: Shopify) -> None:
        first = await shopify.token("shopify_steady", expiring=True)
        assert (await shopify.graphql(STEADY, first["access_token"], SHOP_QUERY)).status_code == 200
        shopify.clock.advance(3601)
        expired = await shopify.graphql(STEADY, first["access_token"], SHOP_QUERY)
        assert expired.status_code == 401
        refresh = {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
        }
        second = (await shopify.exchange(STEADY, refresh)).json()
        assert second["refresh_token"] != first["refresh_token"]
        assert second["access_token"] != first["access_token"]
        assert second["refresh_token_expires_in"] < first["refresh_token_expires_in"]
        ok = await shopify.graphql(STEADY, second["access_token"], SHOP_QUERY)
        assert ok.json()["data"]["shop"]["name"] == "Steady Goods Co"
        reused = await shopify.exchange(STEADY, refresh)
        assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
        third = await shopify.exchange(
            STEADY, {**refresh, "refresh_token": second["refresh_token"]}, form=True
        )
        assert third.status_code == 200

    async def test_recovery_window_keeps_the_old_token_until_the_new_pair_is_used(
        self, clock: Clock
    ) -> None:
        async with client_for(make_config(clock, refresh_token_recovery=True)) as client:
            shopify = Shopify(client, clock)
            first = await shopify.token("shopify_steady", expiring=True)
            refresh = {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "grant_type": "refresh_token",
                "refresh_token": first["refresh_token"],
            }
            assert (await shopify.exchange(STEADY, refresh)).status_code == 200
            retry = (await shopify.exchange(STEADY, refresh)).json()  # the answer was lost
            assert "access_token" in retry
            await shopify.graphql(STEADY, retry["access_token"], SHOP_QUERY)
            late = await shopify.exchange(STEADY, refresh)
            assert late.json()["error"] == "invalid_grant"

    async def test_expire_tokens_control(self, shopify: Shopify) -> None:
        token = await shopify.token("shopify_steady", expiring=True)
        expired = await shopify.client.post(
            "/_sandbox/shopify/expire-tokens", json={"persona": "shopify_steady"}
        )
        assert expired.json() == {"expired": 1}
        response = await shopify.graphql(STEADY, token["access_token"], SHOP_QUERY)
        assert response.status_code == 401

    async def test_uninstall_kills_access_and_refresh(self, shopify: Shopify) -> None:
        token = await shopify.token("shopify_steady", expiring=True)
        revoked = await shopify.client.post(
            "/_sandbox/shopify/revoke", json={"persona": "shopify_steady"}
        )
        assert revoked.status_code == 200
        api = await shopify.graphql(STEADY, token["access_token"], SHOP_QUERY)
        assert api.status_code == 401
        refresh = await shopify.exchange(
            STEADY,
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "grant_type": "refresh_token",
                "refresh_token": token["refresh_token"],
            },
        )
        assert refresh.json()["error"] == "invalid_grant"

    async def test_migrating_a_non_expiring_token(self, shopify: Shopify) -> None:
        old = await shopify.access_token("shopify_steady")
        offline = "urn:shopify:params:oauth:token-type:offline-access-token"
        response = await shopify.exchange(
            STEADY,
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
                "subject_token": old,
                "subject_token_type": offline,
                "requested_token_type": offline,
                "expiring": "1",
            },
        )
        assert response.json()["expires_in"] == 3600
        assert (await shopify.graphql(STEADY, old, SHOP_QUERY)).status_code == 401
