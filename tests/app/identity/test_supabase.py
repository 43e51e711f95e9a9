"""Supabase access tokens as the borrower's bearer: verified locally, every forgery refused."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from app.models import Borrower
from tests.app.identity.conftest import Clock
from tests.app.identity.tokens import (
    OTHER_RSA_KEY,
    claims,
    hs256,
    rs256,
    unsigned,
)
from tests.harness import Harness


async def me(service: Harness, token: str) -> httpx.Response:
    return await service.service.get("/api/me", headers={"Authorization": f"Bearer {token}"})


def assert_refused(response: httpx.Response, token: str, reason: str) -> None:
    assert response.status_code == 401, response.text
    message = response.json()["error"]["message"]
    assert reason in message
    assert token not in response.text
    assert token.split(".")[1] not in response.text


class TestValidTokens:
    async def test_hs256_token_creates_the_borrower_once_and_reuses_it(
        self, service: Harness, clock: Clock
    ) -> None:
        first = await me(service, hs256(claims(clock.now)))
        clock.advance(minutes=5)
        second = await me(service, hs256(claims(clock.now)))
        assert first.status_code == 200, first.text
        assert second.json()["id"] == first.json()["id"]
        async with service.context.sessions() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(Borrower)
                .where(Borrower.subject == "supabase:8f7c0d3e-1b2a-4c5d-9e8f-0a1b2c3d4e5f")
            )
        assert count == 1

    async def test_rs256_token_verifies_against_the_inline_jwks(
        self, service: Harness, clock: Clock
    ) -> None:
        response = await me(service, rs256(claims(clock.now, sub="rsa-user")))
        assert response.status_code == 200, response.text
        assert response.json()["display_name"] == "rsa-user"

    async def test_small_clock_skew_is_tolerated(self, service: Harness, clock: Clock) -> None:
        epoch = int(clock.now.timestamp())
        response = await me(service, hs256(claims(clock.now, exp=epoch - 10)))
        assert response.status_code == 200, response.text

    async def test_session_tokens_still_work_alongside(self, service: Harness) -> None:
        headers = await service.sign_in("alice")
        assert (await service.service.get("/api/me", headers=headers)).status_code == 200


class TestForgedTokens:
    async def test_forged_signature(self, service: Harness, clock: Clock) -> None:
        token = hs256(claims(clock.now))
        head, body, signature = token.split(".")
        forged = f"{head}.{body}.{signature[::-1]}"
        assert_refused(await me(service, forged), forged, "signature does not verify")

    async def test_hs256_signed_with_another_secret(self, service: Harness, clock: Clock) -> None:
        token = hs256(claims(clock.now), secret="another-projects-secret-of-32-characters")
        assert_refused(await me(service, token), token, "signature does not verify")

    async def test_rs256_signed_with_another_key(self, service: Harness, clock: Clock) -> None:
        token = rs256(claims(clock.now), key=OTHER_RSA_KEY)
        assert_refused(await me(service, token), token, "signature does not verify")

    async def test_tampered_payload_keeps_no_signature(
        self, service: Harness, clock: Clock
    ) -> None:
        genuine = hs256(claims(clock.now))
        other = hs256(claims(clock.now, sub="victim"), secret="x" * 40)
        head, _, signature = genuine.split(".")
        tampered = f"{head}.{other.split('.')[1]}.{signature}"
        assert_refused(await me(service, tampered), tampered, "signature does not verify")

    async def test_alg_none(self, service: Harness, clock: Clock) -> None:
        token = unsigned(claims(clock.now))
        assert_refused(await me(service, token), token, "algorithm not accepted")

    async def test_garbage_bearer(self, service: Harness) -> None:
        response = await me(service, "not-a-jwt")
        assert response.status_code == 401


class TestClaims:
    async def test_expired(self, service: Harness, clock: Clock) -> None:
        epoch = int(clock.now.timestamp())
        token = hs256(claims(clock.now, iat=epoch - 7200, exp=epoch - 3600))
        assert_refused(await me(service, token), token, "expired")

    async def test_not_yet_valid(self, service: Harness, clock: Clock) -> None:
        epoch = int(clock.now.timestamp())
        token = hs256(claims(clock.now, nbf=epoch + 600))
        assert_refused(await me(service, token), token, "not valid yet")

    async def test_wrong_audience(self, service: Harness, clock: Clock) -> None:
        token = hs256(claims(clock.now, aud="anon"))
        assert_refused(await me(service, token), token, "wrong audience")

    async def test_wrong_issuer(self, service: Harness, clock: Clock) -> None:
        token = rs256(claims(clock.now, iss="https://other.supabase.co/auth/v1"))
        assert_refused(await me(service, token), token, "wrong issuer")

    async def test_missing_sub(self, service: Harness, clock: Clock) -> None:
        token = hs256(claims(clock.now, sub=None))
        assert_refused(await me(service, token), token, "missing claim 'sub'")

    async def test_missing_expiry(self, service: Harness, clock: Clock) -> None:
        token = hs256(claims(clock.now, exp=None))
        assert_refused(await me(service, token), token, "missing claim 'exp'")


class TestNotConfigured:
    async def test_a_valid_looking_jwt_is_refused_when_supabase_is_off(
        self, harness: Harness, clock: Clock
    ) -> None:
        token = hs256(claims(clock.now))
        response = await me(harness, token)
        assert response.status_code == 401
        assert token not in response.text
