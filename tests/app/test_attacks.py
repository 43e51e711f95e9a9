"""What an attacker tries against the API: oversized and malformed bodies, open redirects
through return URLs, guessing lender keys. Each gets a clear 4xx, never a 500 or a redirect off
the site."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.kit.signed import SIGN_IN_LINK
from tests.e2e.test_tiktok_shop_flow import make_lender
from tests.harness import Harness, running_service

JSON_POSTS = [
    "/api/dev/sign-in",
    "/api/grants",
    "/api/shopify/connect",
    "/api/amazon/orders/verify",
    "/api/tiktokshop/orders/verify",
    "/api/siwe/verify",
]


class TestBodies:
    @pytest.mark.parametrize("path", [*JSON_POSTS, "/webhooks/shopify"])
    async def test_oversized_body_is_413(self, harness: Harness, path: str) -> None:
        headers = await harness.sign_in("a")
        response = await harness.service.post(path, content=b"x" * 1_100_000, headers=headers)
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "too_large"

    async def test_streamed_oversized_body_is_413(self, harness: Harness) -> None:
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(40):
                yield b"y" * 65_536  # 2.6 MB with no Content-Length

        headers = await harness.sign_in("a")
        response = await harness.service.post("/api/grants", content=chunks(), headers=headers)
        assert response.status_code == 413

    @pytest.mark.parametrize("path", JSON_POSTS)
    @pytest.mark.parametrize(
        "body", [b"{", b"[]", b'{"lender_id": 5, "name": [], "orderNumber": {}}', b"\xff\xfe"]
    )
    async def test_malformed_body_is_a_clear_4xx(
        self, harness: Harness, path: str, body: bytes
    ) -> None:
        headers = {**await harness.sign_in("a"), "content-type": "application/json"}
        response = await harness.service.post(path, content=body, headers=headers)
        assert 400 <= response.status_code < 500, (path, body, response.text)


class TestOpenRedirects:
    async def test_sign_in_link_ignores_return_urls(self, harness: Harness) -> None:
        borrower = (await harness.service.post("/api/dev/sign-in", json={"name": "r"})).json()
        token = harness.context.signer.dumps(borrower["borrower_id"], SIGN_IN_LINK)
        for extra in ("next=https://evil.example", "redirect_uri=//evil.example", "return_to=/x"):
            response = await harness.service.get(f"/dev/sign-in?token={token}&{extra}")
            assert response.headers["location"] == "/dashboard"

    @pytest.mark.parametrize(
        "path", ["/api/tiktokshop/callback", "/api/shopify/callback", "/api/amazon/callback"]
    )
    async def test_callbacks_only_ever_go_to_the_dashboard(
        self, harness: Harness, path: str
    ) -> None:
        headers = await harness.sign_in("a")
        for query in (
            "state=x&code=y&redirect_uri=https://evil.example",
            "error=access_denied&return_to=https://evil.example",
            "next=//evil.example",
        ):
            response = await harness.service.get(f"{path}?{query}", headers=headers)
            assert response.status_code == 303
            assert response.headers["location"].startswith("/dashboard?")


class TestKeyGuessing:
    @pytest.fixture
    async def strict(self, database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
        from app.config import IdentitySettings

        identity = IdentitySettings(sign_in_rate_limit="3/minute")
        async with running_service(database_url, tmp_path, identity=identity) as running:
            yield running

    async def test_failed_keys_are_rate_limited_but_good_keys_still_work(
        self, strict: Harness
    ) -> None:
        headers = await strict.sign_in("a")
        borrower_id = (await strict.service.get("/api/me", headers=headers)).json()["id"]
        lender_id, key = await make_lender(strict)
        await strict.service.post("/api/grants", json={"lender_id": lender_id}, headers=headers)
        url = f"/v1/borrowers/{borrower_id}/score"
        statuses = [
            (
                await strict.service.get(url, headers={"Authorization": f"Bearer csk_x_{n}"})
            ).status_code
            for n in range(4)
        ]
        assert statuses == [401, 401, 401, 429]
        good = await strict.service.get(url, headers={"Authorization": f"Bearer {key}"})
        assert good.status_code == 200
