"""Seller Central consent and Login with Amazon: codes, refresh without rotation, revocation."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from amazon_client import ANCHOR_TS, TOKEN_URL, Clock, amazon_sandbox

CONSENT = "/amazon/seller-central/apps/authorize/consent"
CONFIRM = "/amazon/seller-central/apps/authorize/confirm"
APP_ID = "amzn1.sellerapps.app.sbx-creditscore-0001"
REDIRECT = "http://127.0.0.1:8000/api/amazon/callback"
BAD_CODE = {
    "error_description": "The request has an invalid grant parameter : code",
    "error": "invalid_grant",
}
BAD_REFRESH = {
    "error_description": "The request has an invalid grant parameter : refresh_token. "
    "User may have revoked or didn't grant the permission.",
    "error": "invalid_grant",
}


def clock() -> Clock:
    return Clock(ANCHOR_TS + 3600.0)


class TestConsentPage:
    async def test_approve_redirects_with_code_and_seller(self) -> None:
        async with amazon_sandbox(clock()) as amz:
            page = await amz.client.get(CONSENT, params={"application_id": APP_ID, "state": "s1"})
            assert page.status_code == 200 and "amazon_eu" in page.text
            form = {
                "persona": "amazon_eu",
                "state": "s1",
                "redirect_uri": REDIRECT,
                "decision": "approve",
            }
            response = await amz.client.post(CONFIRM, data=form)
            assert response.status_code == 302
            url = urlsplit(response.headers["location"])
            query = parse_qs(url.query)
            assert f"{url.scheme}://{url.netloc}{url.path}" == REDIRECT
            assert query["state"] == ["s1"] and query["selling_partner_id"] == ["A2SBXEUSELLER02"]
            assert (await amz.exchange(query["spapi_oauth_code"][0])).status_code == 200

    async def test_deny_redirects_without_code(self) -> None:
        async with amazon_sandbox(clock()) as amz:
            form = {"persona": "amazon_us", "state": "s2", "decision": "deny"}
            response = await amz.client.post(CONFIRM, data=form)
            query = parse_qs(urlsplit(response.headers["location"]).query)
            assert query == {"state": ["s2"], "error": ["access_denied"]}

    async def test_unknown_app_and_foreign_redirect_are_refused(self) -> None:
        async with amazon_sandbox(clock()) as amz:
            unknown = await amz.client.get(CONSENT, params={"application_id": "x", "state": "s"})
            assert unknown.status_code == 404
            params = {
                "application_id": APP_ID,
                "state": "s",
                "redirect_uri": "https://evil.example",
            }
            foreign = await amz.client.get(CONSENT, params=params)
            assert foreign.status_code == 400 and "MD5101" in foreign.text


class TestCodeExchange:
    async def test_form_body_gives_bearer_tokens(self) -> None:
        async with amazon_sandbox(clock()) as amz:
            response = await amz.exchange(await amz.code("amazon_us"))
            body = response.json()
            assert body["token_type"] == "bearer" and body["expires_in"] == 3600
            assert body["access_token"].startswith("Atza|") and body["refresh_token"].startswith(
                "Atzr|"
            )
            assert response.headers["cache-control"] == "no-store"

    async def test_json_body_is_accepted(self) -> None:
        async with amazon_sandbox(clock()) as amz:
            body = {"grant_type": "authorization_code", "code": await amz.code("amazon_us"),
                    "redirect_uri": REDIRECT, **amz.creds()}  # fmt: skip
            assert (await amz.client.post(TOKEN_URL, json=body)).status_code == 200

    async def test_code_is_single_use(self) -> None:
        async with amazon_sandbox(clock()) as amz:
            code = await amz.code("amazon_us")
            assert (await amz.exchange(code)).status_code == 200
            again = await amz.exchange(code)
            assert again.status_code == 400 and again.json() == BAD_CODE

    async def test_code_expires_after_five_minutes(self) -> None:
        c = clock()
        async with amazon_sandbox(c) as amz:
            code, fresh = await amz.code("amazon_us"), await amz.code("amazon_us")
            c.advance(299)
            assert (await amz.exchange(fresh)).status_code == 200
            c.advance(2)
            late = await amz.exchange(code)
            assert late.status_code == 400 and late.json() == BAD_CODE

    async def test_redirect_mismatch_and_bad_client(self) -> None:
        async with amazon_sandbox(clock()) as amz:
            form = {"grant_type": "authorization_code", "code": await amz.code("amazon_us"),
                    "redirect_uri": "https://other.example/cb", **amz.creds()}  # fmt: skip
            assert (await amz.client.post(TOKEN_URL, data=form)).json() == BAD_CODE
            form = {**form, "client_secret": "wrong"}
            response = await amz.client.post(TOKEN_URL, data=form)
            assert response.status_code == 401
            assert response.json() == {
                "error_description": "Client authentication failed",
                "error": "invalid_client",
            }


class TestRefreshAndRevoke:
    async def test_refresh_does_not_rotate(self) -> None:
        async with amazon_sandbox(clock()) as amz:
            first = await amz.login("amazon_us")
            form = {
                "grant_type": "refresh_token",
                "refresh_token": first["refresh_token"],
                **amz.creds(),
            }
            body = (await amz.client.post(TOKEN_URL, data=form)).json()
            assert body["refresh_token"] == first["refresh_token"]
            assert body["access_token"] != first["access_token"]
            again = (await amz.client.post(TOKEN_URL, data=form)).json()
            assert again["refresh_token"] == first["refresh_token"]

    async def test_revoke_blocks_refresh_and_api(self) -> None:
        async with amazon_sandbox(clock()) as amz:
            tokens = await amz.login("amazon_us")
            await amz.client.post("/_sandbox/amazon/revoke", json={"persona": "amazon_us"})
            form = {
                "grant_type": "refresh_token",
                "refresh_token": tokens["refresh_token"],
                **amz.creds(),
            }
            refused = await amz.client.post(TOKEN_URL, data=form)
            assert refused.status_code == 400 and refused.json() == BAD_REFRESH
            api = await amz.get(tokens["access_token"], "/sellers/v1/marketplaceParticipations")
            assert api.status_code == 403 and api.json()["errors"][0]["code"] == "Unauthorized"
            assert "x-amzn-RateLimit-Limit" not in api.headers

    async def test_expired_and_missing_access_tokens(self) -> None:
        c = clock()
        async with amazon_sandbox(c) as amz:
            tokens = await amz.login("amazon_us")
            await amz.client.post("/_sandbox/amazon/expire-tokens", json={"persona": "amazon_us"})
            expired = await amz.get(tokens["access_token"], "/sellers/v1/marketplaceParticipations")
            assert (
                expired.json()["errors"][0]["details"]
                == "The access token you provided has expired."
            )
            missing = await amz.client.get("/amazon/sp-api/sellers/v1/marketplaceParticipations")
            assert missing.status_code == 403
            assert (
                missing.json()["errors"][0]["details"]
                == "Access token is missing in the request header."
            )
            fresh = await amz.login("amazon_us")
            c.advance(3601)
            late = await amz.get(fresh["access_token"], "/sellers/v1/marketplaceParticipations")
            assert late.status_code == 403
