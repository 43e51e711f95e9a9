"""A running service with Supabase Auth and SIWE configured, and a clock the tests move."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from app.config import IdentitySettings
from tests.app.identity.tokens import ISSUER, JWT_SECRET, RSA_KEY
from tests.harness import Harness, running_service


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def identity_settings(**overrides: object) -> IdentitySettings:
    values: dict[str, object] = {
        "supabase_jwt_secret": SecretStr(JWT_SECRET),
        "supabase_jwks": {"keys": [RSA_KEY.public_jwk]},
        "supabase_issuer": ISSUER,
        "siwe_chain_ids": [1, 8453],
        "siwe_nonce_ttl_s": 300,
        **overrides,
    }
    return IdentitySettings.model_validate(values)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def service(database_url: str, tmp_path: Path, clock: Clock) -> AsyncIterator[Harness]:
    async with running_service(
        database_url, tmp_path, clock=clock, identity=identity_settings()
    ) as running:
        yield running
