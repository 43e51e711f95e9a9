"""Development sign-in: signed links and sessions, and nothing of it outside development."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from app.kit.signed import SIGN_IN_LINK
from app.main import create_app
from tests.harness import Harness


class TestDevSignIn:
    async def test_link_sets_a_session_and_opens_the_dashboard(self, harness: Harness) -> None:
        borrower_id = (
            await harness.service.post("/api/dev/sign-in", json={"name": "link-user"})
        ).json()["borrower_id"]
        token = harness.context.signer.dumps(borrower_id, SIGN_IN_LINK)
        response = await harness.service.get(f"/dev/sign-in?token={token}")
        assert response.status_code == 303
        assert response.headers["location"] == "/dashboard"
        cookie = response.cookies["cs_session"]
        assert "httponly" in response.headers["set-cookie"].lower()
        me = await harness.service.get("/api/me", headers={"Cookie": f"cs_session={cookie}"})
        assert me.json()["id"] == borrower_id
        page = await harness.service.get("/dashboard", headers={"Cookie": f"cs_session={cookie}"})
        assert "Connect TikTok Shop" in page.text

    async def test_tampered_link_and_session_are_refused(self, harness: Harness) -> None:
        response = await harness.service.get("/dev/sign-in?token=forged.token.value")
        assert response.status_code == 401
        me = await harness.service.get("/api/me", headers={"Authorization": "Bearer forged"})
        assert me.status_code == 401

    async def test_a_session_token_is_not_a_sign_in_link(self, harness: Harness) -> None:
        session = (await harness.service.post("/api/dev/sign-in", json={"name": "x"})).json()
        response = await harness.service.get(f"/dev/sign-in?token={session['session_token']}")
        assert response.status_code == 401

    async def test_names_are_validated(self, harness: Harness) -> None:
        for name in ("", "a b", "x" * 65, "<script>"):
            response = await harness.service.post("/api/dev/sign-in", json={"name": name})
            assert response.status_code == 422


class TestOutsideDevelopment:
    async def test_dev_sign_in_does_not_exist(self, tmp_path: Path) -> None:
        settings = Settings(
            env="production",
            database_url=f"sqlite:///{(tmp_path / 'p.db').as_posix()}",
            secret_key="a-production-secret-0123456789abcdefghij",
            encryption_keys={"p1": base64.b64encode(b"p" * 32).decode()},
            sandbox={"enabled": False},
            tiktok_shop={
                "app_key": "real",
                "app_secret": "real-secret",
                "authorize_url": "https://services.tiktokshop.com/open/authorize",
                "auth_base_url": "https://auth.tiktok-shops.com",
                "api_base_url": "https://open-api.tiktokglobalshop.com",
            },
            shopify={
                "client_id": "real",
                "client_secret": "real-secret",
                "admin_base_url_template": "https://{shop}",
            },
            amazon={
                "application_id": "real",
                "lwa_client_id": "real",
                "lwa_client_secret": "real-secret",
                "consent_url": "https://sellercentral.amazon.com",
                "lwa_token_url": "https://api.amazon.com/auth/o2/token",
                "sp_api_base_url": {"NA": "https://sellingpartnerapi-na.amazon.com"},
            },
        )
        app = create_app(settings)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://x"
            ) as client,
        ):
            response = await client.post("/api/dev/sign-in", json={"name": "demo"})
            assert response.status_code == 404
            assert (await client.get("/dev/sign-in?token=abc")).status_code == 404
            assert (await client.get("/sandbox/_sandbox/apps")).status_code == 404

    @pytest.mark.parametrize("path", ["/api/connections", "/api/score", "/api/grants"])
    async def test_borrower_endpoints_need_a_session(self, harness: Harness, path: str) -> None:
        assert (await harness.service.get(path)).status_code == 401
