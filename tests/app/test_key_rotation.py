"""Lender key rotation, and re-encrypting every stored secret under a new encryption key."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from app.cli import cli
from app.connections.reencrypt import reencrypt_all
from app.connections.token_crypto import read_tokens
from app.db import transaction
from app.kit.crypto import Keyring
from app.lenders.keys import rotate_key
from app.models import BusinessConnection, LenderApiKey
from tests.e2e.test_tiktok_shop_flow import make_lender
from tests.harness import Harness

runner = CliRunner()


class TestLenderKeyRotation:
    async def test_rotated_key_replaces_the_old_one_at_once(self, harness: Harness) -> None:
        headers = await harness.sign_in("seller")
        borrower_id = (await harness.service.get("/api/me", headers=headers)).json()["id"]
        lender_id, old_key = await make_lender(harness, ("scores:read", "reports:read"))
        await harness.service.post("/api/grants", json={"lender_id": lender_id}, headers=headers)
        async with transaction(harness.context.sessions) as session:
            key_id = await session.scalar(
                select(LenderApiKey.id).where(LenderApiKey.lender_id == lender_id)
            )
            assert key_id is not None
            issued = await rotate_key(session, key_id)
        assert issued is not None
        url = f"/v1/borrowers/{borrower_id}/score"
        old = await harness.service.get(url, headers={"Authorization": f"Bearer {old_key}"})
        new = await harness.service.get(
            url, headers={"Authorization": f"Bearer {issued.plaintext}"}
        )
        assert (old.status_code, new.status_code) == (401, 200)
        async with transaction(harness.context.sessions) as session:
            scopes = await session.scalar(
                select(LenderApiKey.scopes).where(LenderApiKey.id == issued.key_id)
            )
            assert await rotate_key(session, key_id) is None  # already revoked
        assert scopes == ["scores:read", "reports:read"]

    def test_cli_rotate(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CS_DATABASE_URL", f"sqlite:///{tmp_path}/k.db")
        runner.invoke(cli, ["db", "upgrade"])
        lender_id = runner.invoke(cli, ["lenders", "create", "Acme"]).output.strip()
        created = runner.invoke(cli, ["keys", "create", lender_id]).output
        key_id = created.splitlines()[0].split(": ", 1)[1]
        rotated = runner.invoke(cli, ["keys", "rotate", key_id])
        assert rotated.exit_code == 0 and "key (shown once): csk_" in rotated.output
        again = runner.invoke(cli, ["keys", "rotate", key_id])
        assert again.exit_code == 1 and f"no active key {key_id}" in again.output


class TestEncryptionKeyRotation:
    async def test_every_secret_moves_to_the_new_key_and_the_old_can_retire(
        self, harness: Harness
    ) -> None:
        for persona in ("steady_us", "gb_seller"):
            await harness.connect(persona, await harness.sign_in(persona))
        old = harness.context.keyring
        new_key = os.urandom(32)
        rotated = Keyring({"k2": new_key, old.primary_id: _raw(harness, old.primary_id)})

        async with transaction(harness.context.sessions) as session:
            rows = list(await session.scalars(select(BusinessConnection)))
            before = {row.id: read_tokens(old, row) for row in rows}

        done, left = await reencrypt_all(harness.context.sessions, rotated, batch=1)
        assert done == len(before) == 2
        assert left == {}
        again, _ = await reencrypt_all(harness.context.sessions, rotated, batch=1)
        assert again == 0  # resumable: nothing left to do

        retired = Keyring({"k2": new_key})  # the old key is gone
        async with transaction(harness.context.sessions) as session:
            rows = list(await session.scalars(select(BusinessConnection)))
            after = {row.id: read_tokens(retired, row) for row in rows}
        assert {k: v.access_token for k, v in after.items()} == {
            k: v.access_token for k, v in before.items()
        }
        assert all(row.access_token_enc.startswith("v1:k2:") for row in rows)  # type: ignore[union-attr]


def _raw(harness: Harness, key_id: str) -> bytes:
    return base64.b64decode(harness.context.settings.encryption_keys[key_id].get_secret_value())
