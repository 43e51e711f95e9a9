"""Forms that change something need the borrower's form token and may not come from another site."""

from __future__ import annotations

from tests.app.web.pages import csrf_of, dashboard, post_form
from tests.harness import Harness


class TestConnectForm:
    async def test_with_the_token_goes_to_the_consent_page(self, harness: Harness) -> None:
        headers = await harness.sign_in("alice")
        response = await post_form(harness, "/connect/tiktok-shop", headers, {})
        assert response.status_code == 303
        assert "/tiktok-shop/authorize?" in response.headers["location"]
        assert "state=" in response.headers["location"]

    async def test_without_a_token_is_refused(self, harness: Harness) -> None:
        headers = await harness.sign_in("alice")
        response = await post_form(harness, "/connect/tiktok-shop", headers, {}, form_page=None)
        assert response.status_code == 403
        assert "security token" in response.text
        assert "text/html" in response.headers["content-type"]

    async def test_with_another_borrowers_token_is_refused(self, harness: Harness) -> None:
        alice = await harness.sign_in("alice")
        mallory = await harness.sign_in("mallory")
        token = csrf_of((await dashboard(harness, mallory)).text)
        response = await harness.service.post(
            "/connect/tiktok-shop", data={"csrf_token": token}, headers=alice
        )
        assert response.status_code == 403
        assert "another session" in response.text

    async def test_with_a_forged_token_is_refused(self, harness: Harness) -> None:
        headers = await harness.sign_in("alice")
        response = await harness.service.post(
            "/connect/tiktok-shop", data={"csrf_token": "forged.token.value"}, headers=headers
        )
        assert response.status_code == 403

    async def test_from_another_site_is_refused(self, harness: Harness) -> None:
        headers = await harness.sign_in("alice")
        token = csrf_of((await dashboard(harness, headers)).text)
        response = await harness.service.post(
            "/connect/tiktok-shop",
            data={"csrf_token": token},
            headers={**headers, "Origin": "https://attacker.example"},
        )
        assert response.status_code == 403
        assert "another site" in response.text

    async def test_signed_out_is_asked_to_sign_in(self, harness: Harness) -> None:
        response = await harness.service.post("/connect/tiktok-shop", data={"csrf_token": "x"})
        assert response.status_code == 401
        assert 'href="/sign-in"' in response.text


class TestStateChangingForms:
    async def test_every_form_that_changes_something_refuses_a_missing_token(
        self, harness: Harness
    ) -> None:
        headers = await harness.sign_in("alice")
        for path in (
            "/connect/shopify",
            "/connect/shopify/token",
            "/connect/amazon",
            "/connections/any/disconnect",
            "/sharing/grant",
            "/sharing/any/revoke",
            "/sign-out",
        ):
            response = await harness.service.post(path, data={}, headers=headers)
            assert response.status_code == 403, path


class TestDevSignInForm:
    async def test_sets_the_session_cookie(self, harness: Harness) -> None:
        response = await harness.service.post("/sign-in/dev", data={"name": "bob"})
        assert response.status_code == 303
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("cs_session=")
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie

    async def test_from_another_site_is_refused(self, harness: Harness) -> None:
        response = await harness.service.post(
            "/sign-in/dev", data={"name": "bob"}, headers={"Origin": "https://attacker.example"}
        )
        assert response.status_code == 403
        assert "set-cookie" not in response.headers

    async def test_a_bad_name_is_explained(self, harness: Harness) -> None:
        response = await harness.service.post("/sign-in/dev", data={"name": "no spaces!"})
        assert response.status_code == 422
        assert "letters, digits" in response.text
        assert "set-cookie" not in response.headers
