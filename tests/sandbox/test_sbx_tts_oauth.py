"""Consent page, auth codes and the token endpoints (reference 2)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tts_client import ANCHOR_TS, DAY, Clock, Tts, client_for, make_config

REDIRECT = "http://127.0.0.1:8000/api/tiktokshop/callback"
SERVICE_ID = "7312000000000000001"


def callback_params(location: str) -> dict[str, str]:
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == REDIRECT
    return {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}


class TestConsentPage:
    async def test_renders_app_personas_scopes_and_buttons(self, tts: Tts) -> None:
        response = await tts.client.get(
            "/tiktok-shop/authorize", params={"service_id": SERVICE_ID, "state": "s1"}
        )
        assert response.status_code == 200
        page = response.text
        assert "creditscore (sandbox)" in page
        assert '<option value="steady_us" selected>' in page
        assert 'value="creator_affiliate"' in page
        assert "seller.order.info" in page
        assert 'value="approve"' in page and 'value="deny"' in page
        assert '<label for="persona">' in page and 'lang="en"' in page

    async def test_creator_link_with_app_key_defaults_to_the_creator(self, tts: Tts) -> None:
        response = await tts.client.get(
            "/tiktok-shop/authorize", params={"app_key": tts.app_key, "state": "s1"}
        )
        assert '<option value="creator_affiliate" selected>' in response.text

    async def test_unknown_service_id(self, tts: Tts) -> None:
        response = await tts.client.get("/tiktok-shop/authorize", params={"service_id": "1"})
        assert response.status_code == 400

    async def test_approve_redirects_with_a_working_code(self, tts: Tts) -> None:
        response = await tts.client.post(
            "/tiktok-shop/authorize",
            data={
                "service_id": SERVICE_ID,
                "state": "xyz",
                "persona": "gb_seller",
                "decision": "approve",
            },
        )
        assert response.status_code == 303
        params = callback_params(response.headers["location"])
        assert params["state"] == "xyz"
        token = await tts.token_get(params["code"])
        assert token["code"] == 0
        assert token["data"]["seller_base_region"] == "GB"

    async def test_deny_redirects_with_auth_denied(self, tts: Tts) -> None:
        response = await tts.client.post(
            "/tiktok-shop/authorize",
            data={
                "service_id": SERVICE_ID,
                "state": "xyz",
                "persona": "steady_us",
                "decision": "deny",
            },
        )
        assert response.status_code == 303
        params = callback_params(response.headers["location"])
        assert params == {"code": "null", "error": "auth_denied", "state": "xyz"}


class TestControlAuthorize:
    async def test_callback_url_matches_the_consent_redirect(self, tts: Tts) -> None:
        response = await tts.client.post(
            "/_sandbox/tiktok_shop/authorize", json={"persona": "steady_us", "state": "abc"}
        )
        body = response.json()
        assert callback_params(body["callback_url"]) == {"code": body["code"], "state": "abc"}

    async def test_custom_redirect_and_unknown_persona(self, tts: Tts) -> None:
        body = {"persona": "steady_us", "state": "a", "redirect_uri": "http://x.test/cb"}
        response = await tts.client.post("/_sandbox/tiktok_shop/authorize", json=body)
        assert response.json()["callback_url"].startswith("http://x.test/cb?code=")
        missing = await tts.client.post("/_sandbox/tiktok_shop/authorize", json={"persona": "no"})
        assert missing.status_code == 404


class TestTokenGet:
    async def test_seller_token_fields(self, tts: Tts, clock: Clock) -> None:
        body = await tts.authorize("steady_us")
        assert body["code"] == 0 and body["message"] == "success"
        data = body["data"]
        now = int(clock.now)
        assert data["access_token_expire_in"] == now + 7 * DAY
        assert data["refresh_token_expire_in"] == now + 365 * DAY
        assert data["user_type"] == 0
        assert data["seller_name"] == "Steady Goods Co"
        assert data["seller_base_region"] == "US"
        assert data["open_id"].isdigit()
        assert "seller.order.info" in data["granted_scopes"]

    async def test_creator_token(self, tts: Tts) -> None:
        data = (await tts.authorize("creator_affiliate"))["data"]
        assert data["user_type"] == 1
        assert data["granted_scopes"] == ["creator.affiliate_collaboration.read"]

    async def test_code_is_single_use(self, tts: Tts) -> None:
        code = (
            await tts.client.post("/_sandbox/tiktok_shop/authorize", json={"persona": "steady_us"})
        ).json()["code"]
        assert (await tts.token_get(code))["code"] == 0
        reused = await tts.token_get(code)
        assert reused["code"] == 36004005 and reused["data"] is None

    async def test_code_expires_after_30_minutes(self, tts: Tts, clock: Clock) -> None:
        codes = []
        for _ in range(2):
            response = await tts.client.post(
                "/_sandbox/tiktok_shop/authorize", json={"persona": "steady_us"}
            )
            codes.append(response.json()["code"])
        clock.advance(30 * 60 - 1)
        assert (await tts.token_get(codes[0]))["code"] == 0
        clock.advance(1)
        assert (await tts.token_get(codes[1]))["code"] == 36004005

    async def test_wrong_secret_and_unknown_code(self, tts: Tts) -> None:
        code = (
            await tts.client.post("/_sandbox/tiktok_shop/authorize", json={"persona": "steady_us"})
        ).json()["code"]
        assert (await tts.token_get(code, secret="wrong"))["code"] != 0
        assert (await tts.token_get("nope"))["code"] == 36004005


class TestTokenRefresh:
    async def test_without_rotation_the_refresh_token_stays(self, tts: Tts, clock: Clock) -> None:
        first = (await tts.authorize("steady_us"))["data"]
        clock.advance(DAY)
        refreshed = await tts.refresh(first["refresh_token"])
        assert refreshed["code"] == 0
        data = refreshed["data"]
        assert data["refresh_token"] == first["refresh_token"]
        assert data["refresh_token_expire_in"] == first["refresh_token_expire_in"]
        assert data["access_token"] != first["access_token"]
        assert data["access_token_expire_in"] == int(clock.now) + 7 * DAY
        assert (await tts.refresh(first["refresh_token"]))["code"] == 0

    async def test_with_rotation_the_old_refresh_token_dies(self) -> None:
        clock = Clock(ANCHOR_TS + 3600.0)
        config = make_config(clock, rotate_refresh_tokens=True)
        async with client_for(config) as client:
            tts = Tts(client, clock, config.tiktok.app_key, config.tiktok.app_secret)
            first = (await tts.authorize("steady_us"))["data"]
            refreshed = (await tts.refresh(first["refresh_token"]))["data"]
            assert refreshed["refresh_token"] != first["refresh_token"]
            assert (await tts.refresh(first["refresh_token"]))["code"] == 36004005
            assert (await tts.refresh(refreshed["refresh_token"]))["code"] == 0

    async def test_expired_refresh_token(self, tts: Tts, clock: Clock) -> None:
        first = (await tts.authorize("steady_us"))["data"]
        clock.advance(365 * DAY)
        expired = await tts.refresh(first["refresh_token"])
        assert expired["code"] == 36004001

    async def test_refreshed_token_works_after_expiry(self, tts: Tts, clock: Clock) -> None:
        first = (await tts.authorize("steady_us"))["data"]
        clock.advance(8 * DAY)
        path = "/authorization/202309/shops"
        assert (await tts.call("GET", path, first["access_token"])).json()["code"] == 105002
        fresh = (await tts.refresh(first["refresh_token"]))["data"]["access_token"]
        assert (await tts.call("GET", path, fresh)).json()["code"] == 0
