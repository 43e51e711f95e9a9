"""Sign-In with Ethereum: a real wallet signature gives a session; replays and forgeries fail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from eth_account import Account

from tests.app.identity.conftest import Clock
from tests.app.identity.tokens import sign, siwe_message
from tests.harness import Harness


async def nonce(service: Harness) -> str:
    response = await service.service.post("/api/siwe/nonce")
    body = response.raise_for_status().json()
    assert body["domain"] == "creditscore.demo"
    value: str = body["nonce"]
    return value


async def verify(service: Harness, message: str, signature: str) -> httpx.Response:
    return await service.service.post(
        "/api/siwe/verify", json={"message": message, "signature": signature}
    )


async def signed_in(service: Harness, clock: Clock, account: Any, **extra: Any) -> httpx.Response:
    message = siwe_message(account.address, await nonce(service), clock.now, **extra)
    return await verify(service, message, sign(message, account))


def assert_error(response: httpx.Response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert words in response.json()["error"]["message"]
    assert "session_token" not in response.text


class TestSignIn:
    async def test_a_signed_message_gives_a_working_session(
        self, service: Harness, clock: Clock
    ) -> None:
        account = Account.create()
        response = await signed_in(service, clock, account)
        assert response.status_code == 200, response.text
        body = response.json()
        assert response.cookies.get("cs_session") == body["session_token"]
        me = await service.service.get(
            "/api/me", headers={"Authorization": f"Bearer {body['session_token']}"}
        )
        assert me.status_code == 200
        assert me.json() == {"id": body["borrower_id"], "display_name": account.address}

    async def test_the_same_wallet_is_the_same_borrower(
        self, service: Harness, clock: Clock
    ) -> None:
        account = Account.create()
        first = (await signed_in(service, clock, account)).json()
        second = (await signed_in(service, clock, account, chain_id=8453)).json()
        assert first["borrower_id"] == second["borrower_id"]

    async def test_the_session_opens_a_connect_flow(self, service: Harness, clock: Clock) -> None:
        token = (await signed_in(service, clock, Account.create())).json()["session_token"]
        response = await service.service.get(
            "/api/tiktokshop/auth", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.text

    async def test_no_connect_flow_without_a_proven_identity(self, service: Harness) -> None:
        response = await service.service.get("/api/tiktokshop/auth")
        assert response.status_code == 401


class TestNonces:
    async def test_replayed_nonce(self, service: Harness, clock: Clock) -> None:
        account = Account.create()
        message = siwe_message(account.address, await nonce(service), clock.now)
        signature = sign(message, account)
        assert (await verify(service, message, signature)).status_code == 200
        assert_error(await verify(service, message, signature), 401, "already used")

    async def test_unknown_nonce(self, service: Harness, clock: Clock) -> None:
        account = Account.create()
        message = siwe_message(account.address, "a1b2c3d4e5f60718", clock.now)
        assert_error(await verify(service, message, sign(message, account)), 401, "not issued")

    async def test_expired_nonce(self, service: Harness, clock: Clock) -> None:
        account = Account.create()
        issued = await nonce(service)
        clock.advance(seconds=301)
        message = siwe_message(account.address, issued, clock.now)
        assert_error(await verify(service, message, sign(message, account)), 401, "expired")

    async def test_a_failed_signature_does_not_spend_the_nonce(
        self, service: Harness, clock: Clock
    ) -> None:
        account, intruder = Account.create(), Account.create()
        message = siwe_message(account.address, await nonce(service), clock.now)
        assert (await verify(service, message, sign(message, intruder))).status_code == 401
        assert (await verify(service, message, sign(message, account))).status_code == 200


class TestForgeries:
    async def test_wrong_domain(self, service: Harness, clock: Clock) -> None:
        response = await signed_in(service, clock, Account.create(), domain="evil.example")
        assert_error(response, 401, "another site")

    async def test_wrong_chain(self, service: Harness, clock: Clock) -> None:
        response = await signed_in(service, clock, Account.create(), chain_id=137)
        assert_error(response, 401, "chain id 137")

    async def test_tampered_message(self, service: Harness, clock: Clock) -> None:
        account, victim = Account.create(), Account.create()
        message = siwe_message(account.address, await nonce(service), clock.now)
        signature = sign(message, account)
        tampered = message.replace(account.address, victim.address)
        assert_error(await verify(service, tampered, signature), 401, "signature does not match")

    async def test_signature_by_another_key(self, service: Harness, clock: Clock) -> None:
        account, intruder = Account.create(), Account.create()
        message = siwe_message(account.address, await nonce(service), clock.now)
        response = await verify(service, message, sign(message, intruder))
        assert_error(response, 401, "signature does not match")

    async def test_expired_message(self, service: Harness, clock: Clock) -> None:
        response = await signed_in(
            service,
            clock,
            Account.create(),
            expiration=clock.now - timedelta(seconds=1),
        )
        assert_error(response, 401, "expired")

    async def test_issued_in_the_future(self, service: Harness, clock: Clock) -> None:
        account = Account.create()
        message = siwe_message(
            account.address, await nonce(service), clock.now + timedelta(hours=1)
        )
        assert_error(await verify(service, message, sign(message, account)), 401, "future")

    async def test_malformed_message(self, service: Harness) -> None:
        response = await verify(service, "hello, let me in", "0x" + "00" * 65)
        assert_error(response, 400, "not an EIP-4361")

    async def test_garbage_signature(self, service: Harness, clock: Clock) -> None:
        account = Account.create()
        message = siwe_message(account.address, await nonce(service), clock.now)
        assert_error(await verify(service, message, "0xzz"), 401, "signature does not match")

    async def test_oversized_body(self, service: Harness) -> None:
        response = await verify(service, "x" * 10_000, "0x00")
        assert response.status_code == 422
