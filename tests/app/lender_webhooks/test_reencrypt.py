"""Encryption key rotation reaches the endpoints' signing secrets (current and previous)."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from app.cli import cli
from app.db import transaction
from app.kit.crypto import Keyring
from app.lender_webhooks.reencrypt import reencrypt_endpoint_secrets
from app.lender_webhooks.secrets import endpoint_secrets
from app.models import LenderWebhookEndpoint
from tests.app.lender_webhooks.moves import bearer, lender, register
from tests.harness import Harness


class TestEndpointSecretReencryption:
    async def test_secrets_move_to_the_new_key_and_the_old_can_retire(
        self, harness: Harness
    ) -> None:
        _, key = await lender(harness)
        plain = await register(harness, key)
        rotating = await register(harness, key)
        rotated = await harness.service.post(
            f"/v1/webhook-endpoints/{rotating['id']}/rotate-secret", headers=bearer(key)
        )
        expected = {
            plain["id"]: (plain["secret"],),
            rotating["id"]: (rotated.json()["secret"], rotating["secret"]),
        }
        old = harness.context.keyring
        raw_old = base64.b64decode(
            harness.context.settings.encryption_keys[old.primary_id].get_secret_value()
        )
        new_key = os.urandom(32)
        both = Keyring({"k2": new_key, old.primary_id: raw_old})

        done, left = await reencrypt_endpoint_secrets(harness.context.sessions, both, batch=1)
        assert (done, left) == (2, {})
        assert (await reencrypt_endpoint_secrets(harness.context.sessions, both))[0] == 0

        retired = Keyring({"k2": new_key})
        now = harness.context.clock()
        async with transaction(harness.context.sessions) as session:
            rows = list(await session.scalars(select(LenderWebhookEndpoint)))
            assert {row.id: endpoint_secrets(retired, row, now) for row in rows} == expected


def test_the_cli_reports_endpoint_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CS_DATABASE_URL", f"sqlite:///{tmp_path}/k.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(cli, ["keys", "rotate-encryption"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted 0 lender webhook endpoint secret(s)" in result.output
    assert "secrets still under older keys: none" in result.output
