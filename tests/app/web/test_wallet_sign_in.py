"""The sign-in page's wallet flow: the server writes the message, a real signature signs in."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct

from tests.harness import Harness


def sign(message: str, account: Any) -> str:
    """What a wallet's personal_sign answers for ``message``."""
    signed = Account.sign_message(encode_defunct(text=message), private_key=account.key)
    return "0x" + signed.signature.hex().removeprefix("0x")


async def message_for(harness: Harness, address: str, chain: int = 1, **headers: str) -> str:
    response = await harness.service.post(
        "/sign-in/wallet/message", json={"address": address, "chainId": chain}, headers=headers
    )
    assert response.status_code == 200, response.text
    message: str = response.json()["message"]
    return message


class TestWalletSignIn:
    async def test_the_signed_message_opens_the_dashboard(self, harness: Harness) -> None:
        account = Account.create()
        message = await message_for(harness, account.address.lower())
        assert account.address in message.splitlines()[1]  # EIP-55, as EIP-4361 wants
        assert message.startswith("creditscore.demo wants you to sign in")

        proven = await harness.service.post(
            "/api/siwe/verify", json={"message": message, "signature": sign(message, account)}
        )
        assert proven.status_code == 200, proven.text
        page = await harness.service.get("/dashboard")  # the client keeps the session cookie
        assert f"Hello, {account.address}" in page.text

    async def test_each_message_has_its_own_nonce(self, harness: Harness) -> None:
        address = Account.create().address
        first, second = await message_for(harness, address), await message_for(harness, address)
        assert first != second

    async def test_not_an_address(self, harness: Harness) -> None:
        response = await harness.service.post(
            "/sign-in/wallet/message", json={"address": "0x1234", "chainId": 1}
        )
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "invalid_address"

    async def test_a_chain_not_accepted_names_the_accepted_one(self, harness: Harness) -> None:
        response = await harness.service.post(
            "/sign-in/wallet/message", json={"address": Account.create().address, "chainId": 137}
        )
        assert response.status_code == 422
        assert "chain id 1" in response.json()["error"]["message"]

    async def test_from_another_site_is_refused(self, harness: Harness) -> None:
        response = await harness.service.post(
            "/sign-in/wallet/message",
            json={"address": Account.create().address, "chainId": 1},
            headers={"Origin": "https://attacker.example"},
        )
        assert response.status_code == 403
