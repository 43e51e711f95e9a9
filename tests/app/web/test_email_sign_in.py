"""Email sign-in from the borrower pages: Supabase emails a magic link, its landing page posts
the access token back, and the service starts the session."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr

from app.config import IdentitySettings
from app.deps import SESSION_COOKIE
from tests.app.identity.tokens import ISSUER, JWT_SECRET, claims, hs256
from tests.app.web.pages import elements
from tests.harness import Harness, running_service

SUPABASE = "https://demo-project.supabase.co"
ANON_KEY = "anon-public-key"
EMAIL = "seller@example.com"


class FakeSupabaseAuth(httpx.AsyncBaseTransport):
    """Supabase Auth's `POST /auth/v1/otp` in front of the sandbox: records what it was asked
    and answers ``status`` (or drops the connection when ``status`` is None)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []
        self.status: int | None = 200

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host != urlsplit(SUPABASE).hostname:
            return await self.inner.handle_async_request(request)
        self.requests.append(request)
        if self.status is None:
            raise httpx.ConnectError("connection refused", request=request)
        body = {} if self.status == 200 else {"code": self.status, "error_code": "x", "msg": "no"}
        return httpx.Response(self.status, json=body, request=request)


@pytest.fixture
async def supabase(
    database_url: str, tmp_path: Path
) -> AsyncIterator[tuple[Harness, FakeSupabaseAuth]]:
    fakes: list[FakeSupabaseAuth] = []

    def wrap(inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        fakes.append(FakeSupabaseAuth(inner))
        return fakes[-1]

    identity = IdentitySettings(
        supabase_jwt_secret=SecretStr(JWT_SECRET),
        supabase_issuer=ISSUER,
        supabase_url=SUPABASE,
        supabase_anon_key=SecretStr(ANON_KEY),
    )
    async with running_service(
        database_url, tmp_path, wrap_platform=wrap, identity=identity
    ) as harness:
        yield harness, fakes[0]


class TestAskingForALink:
    async def test_the_form_shows_only_when_email_sign_in_is_set_up(
        self, harness: Harness, supabase: tuple[Harness, FakeSupabaseAuth]
    ) -> None:
        assert 'action="/sign-in/email"' not in (await harness.service.get("/sign-in")).text
        page = elements((await supabase[0].service.get("/sign-in")).text)
        assert page.labels["email"].startswith("Email address")
        assert "/sign-in/email" in {form["action"] for form in page.all("form")}

    async def test_supabase_emails_a_link_back_to_the_landing_page(
        self, supabase: tuple[Harness, FakeSupabaseAuth]
    ) -> None:
        harness, auth = supabase
        response = await harness.service.post("/sign-in/email", data={"email": f" {EMAIL} "})
        assert response.status_code == 200
        assert f"We sent a sign-in link to {EMAIL}" in response.text
        (sent,) = auth.requests
        assert sent.method == "POST" and sent.url.path == "/auth/v1/otp"
        assert parse_qs(sent.url.query.decode())["redirect_to"] == [
            "http://creditscore.demo/sign-in/supabase"
        ]
        assert json.loads(sent.content) == {"email": EMAIL, "create_user": True}
        assert sent.headers["apikey"] == ANON_KEY
        assert sent.headers["authorization"] == f"Bearer {ANON_KEY}"

    @pytest.mark.parametrize(
        ("status", "shown", "message"),
        [
            (422, 422, "That email address was not accepted"),
            (429, 429, "Too many sign-in emails"),
            (500, 502, "could not be sent just now"),
            (None, 502, "could not be sent just now"),
        ],
    )
    async def test_a_refusal_is_said_in_words(
        self,
        supabase: tuple[Harness, FakeSupabaseAuth],
        status: int | None,
        shown: int,
        message: str,
    ) -> None:
        harness, auth = supabase
        auth.status = status
        response = await harness.service.post("/sign-in/email", data={"email": EMAIL})
        assert response.status_code == shown
        assert message in response.text
        assert f'value="{EMAIL}"' in response.text  # kept in the field for another try

    async def test_not_an_email_address_asks_nothing_of_supabase(
        self, supabase: tuple[Harness, FakeSupabaseAuth]
    ) -> None:
        harness, auth = supabase
        response = await harness.service.post("/sign-in/email", data={"email": "seller@"})
        assert response.status_code == 422
        assert "Enter your email address" in response.text
        assert auth.requests == []

    async def test_without_email_sign_in_set_up(self, harness: Harness) -> None:
        response = await harness.service.post("/sign-in/email", data={"email": EMAIL})
        assert response.status_code == 404
        assert "not set up here" in response.text

    async def test_from_another_site_is_refused(
        self, supabase: tuple[Harness, FakeSupabaseAuth]
    ) -> None:
        harness, auth = supabase
        response = await harness.service.post(
            "/sign-in/email", data={"email": EMAIL}, headers={"Origin": "https://attacker.example"}
        )
        assert response.status_code == 403
        assert auth.requests == []


class TestFollowingTheLink:
    async def test_the_landing_page_carries_the_form_its_script_sends(
        self, supabase: tuple[Harness, FakeSupabaseAuth]
    ) -> None:
        page = (await supabase[0].service.get("/sign-in/supabase")).text
        (form,) = [f for f in elements(page).all("form") if f.get("id") == "email-sign-in-finish"]
        assert form["action"] == "/sign-in/supabase" and form["method"] == "post"
        assert 'name="access_token"' in page and 'role="status"' in page

    async def test_a_valid_token_signs_the_borrower_in(
        self, supabase: tuple[Harness, FakeSupabaseAuth]
    ) -> None:
        harness, _ = supabase
        token = hs256(claims(datetime.now(UTC)))
        response = await harness.service.post("/sign-in/supabase", data={"access_token": token})
        assert response.status_code == 303 and response.headers["location"] == "/dashboard"
        assert SESSION_COOKIE in response.cookies
        dashboard = await harness.service.get("/dashboard")  # the client keeps the cookie
        assert "Hello, 8f7c0d3e-1b2a-4c5d-9e8f-0a1b2c3d4e5f" in dashboard.text
        first = (await harness.service.get("/api/me")).json()["id"]
        harness.service.cookies.clear()
        # The same Supabase user signing in again is the same borrower.
        await harness.service.post("/sign-in/supabase", data={"access_token": token})
        assert (await harness.service.get("/api/me")).json()["id"] == first

    @pytest.mark.parametrize(
        "token",
        [
            hs256(claims(datetime.now(UTC) - timedelta(hours=3))),  # expired
            hs256(claims(datetime.now(UTC)), secret="another-project-secret-of-32-chars!!"),
            hs256(claims(datetime.now(UTC), iss="https://other.supabase.co/auth/v1")),
            "",
            "not-a-jwt",
        ],
        ids=["expired", "forged", "other-project", "empty", "garbage"],
    )
    async def test_a_bad_token_is_refused_without_a_session(
        self, supabase: tuple[Harness, FakeSupabaseAuth], token: str
    ) -> None:
        harness, _ = supabase
        response = await harness.service.post("/sign-in/supabase", data={"access_token": token})
        assert response.status_code == 401
        assert "invalid or has expired" in response.text
        assert SESSION_COOKIE not in response.cookies

    async def test_from_another_site_is_refused(
        self, supabase: tuple[Harness, FakeSupabaseAuth]
    ) -> None:
        harness, _ = supabase
        token = hs256(claims(datetime.now(UTC)))
        response = await harness.service.post(
            "/sign-in/supabase",
            data={"access_token": token},
            headers={"Origin": "https://attacker.example"},
        )
        assert response.status_code == 403
        assert SESSION_COOKIE not in response.cookies
