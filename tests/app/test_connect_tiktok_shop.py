"""The connect flow refuses every state it did not issue to this borrower, once, recently."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import time_machine
from sqlalchemy import func, select

from app.db import transaction
from app.models import BusinessConnection
from tests.harness import Harness, state_of


async def connection_count(harness: Harness) -> int:
    async with transaction(harness.context.sessions) as session:
        return int(await session.scalar(select(func.count()).select_from(BusinessConnection)) or 0)


def error_of(response: object) -> str:
    location: str = response.headers["location"]  # type: ignore[attr-defined]
    return (
        location.split("tiktokshop_error=", 1)[1] if "tiktokshop_error=" in location else location
    )


class TestAuthUrl:
    async def test_requires_a_signed_in_borrower(self, harness: Harness) -> None:
        response = await harness.service.get("/api/tiktokshop/auth")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"

    async def test_points_at_the_consent_page_with_service_id_and_state(
        self, harness: Harness
    ) -> None:
        url = await harness.auth_url(await harness.sign_in("a"))
        assert url.startswith("http://sandbox.demo/tiktok-shop/authorize?service_id=")
        assert len(state_of(url)) > 40


class TestCallbackState:
    async def test_tampered_state_is_rejected(self, harness: Harness) -> None:
        headers = await harness.sign_in("a")
        state = state_of(await harness.auth_url(headers))
        tampered = state[:-3] + ("AAA" if not state.endswith("AAA") else "BBB")
        callback = await harness.consent("steady_us", tampered)
        response = await harness.follow_callback(callback, headers)
        assert error_of(response) == "invalid_state"
        assert await connection_count(harness) == 0

    async def test_replayed_callback_is_rejected(self, harness: Harness) -> None:
        headers = await harness.sign_in("a")
        state = state_of(await harness.auth_url(headers))
        callback = await harness.consent("steady_us", state)
        first = await harness.follow_callback(callback, headers)
        await harness.context.jobs.drain()
        assert first.headers["location"].endswith("tiktokshop_connected=true")
        second = await harness.follow_callback(callback, headers)
        assert error_of(second) == "invalid_state"

    async def test_expired_state_is_rejected(self, harness: Harness) -> None:
        headers = await harness.sign_in("a")
        state = state_of(await harness.auth_url(headers))
        callback = await harness.consent("steady_us", state)
        with time_machine.travel(timedelta(minutes=11), tick=True):
            response = await harness.follow_callback(callback, headers)
        assert error_of(response) == "invalid_state"
        assert await connection_count(harness) == 0

    async def test_state_of_another_borrower_is_rejected(self, harness: Harness) -> None:
        alice = await harness.sign_in("alice")
        mallory = await harness.sign_in("mallory")
        state = state_of(await harness.auth_url(alice))
        callback = await harness.consent("steady_us", state)
        response = await harness.follow_callback(callback, mallory)
        assert error_of(response) == "invalid_state"
        assert await connection_count(harness) == 0

    async def test_missing_state_is_rejected(self, harness: Harness) -> None:
        headers = await harness.sign_in("a")
        response = await harness.service.get("/api/tiktokshop/callback?code=abc", headers=headers)
        assert error_of(response) == "invalid_state"

    async def test_denied_consent_shows_a_clear_reason(self, harness: Harness) -> None:
        headers = await harness.sign_in("a")
        state = state_of(await harness.auth_url(headers))
        query = urlencode({"code": "null", "error": "auth_denied", "state": state})
        response = await harness.service.get(f"/api/tiktokshop/callback?{query}", headers=headers)
        assert error_of(response) == "auth_denied"
        assert await connection_count(harness) == 0

    async def test_used_code_is_a_platform_error_and_stores_nothing(self, harness: Harness) -> None:
        headers = await harness.sign_in("a")
        state = state_of(await harness.auth_url(headers))
        callback = await harness.consent("steady_us", state)
        first = await harness.follow_callback(callback, headers)
        await harness.context.jobs.drain()
        assert first.headers["location"].endswith("tiktokshop_connected=true")
        # A fresh state with the already-exchanged code: TikTok refuses the code.
        state2 = state_of(await harness.auth_url(headers))
        code = callback.split("code=")[1].split("&")[0]
        query = urlencode({"code": code, "state": state2})
        response = await harness.service.get(f"/api/tiktokshop/callback?{query}", headers=headers)
        assert error_of(response) == "platform_error"

    async def test_callback_needs_the_borrower_session(self, harness: Harness) -> None:
        headers = await harness.sign_in("a")
        callback = await harness.consent("steady_us", state_of(await harness.auth_url(headers)))
        response = await harness.follow_callback(callback, {})
        assert response.status_code == 401
