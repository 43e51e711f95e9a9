"""Brute-force protection: sign-in endpoints answer 429 with Retry-After past the limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.app.identity.conftest import identity_settings
from tests.harness import Harness, running_service


@pytest.fixture
async def strict(database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    settings = identity_settings(sign_in_rate_limit="3/minute")
    async with running_service(database_url, tmp_path, identity=settings) as running:
        yield running


class TestSignInRateLimit:
    @pytest.mark.parametrize(
        ("path", "body"),
        [
            ("/api/dev/sign-in", {"name": "mallory"}),
            ("/api/siwe/nonce", None),
            ("/api/siwe/verify", {"message": "guess", "signature": "0x00"}),
        ],
    )
    async def test_the_fourth_attempt_in_a_minute_is_refused(
        self, strict: Harness, path: str, body: dict[str, str] | None
    ) -> None:
        statuses = [(await strict.service.post(path, json=body)).status_code for _ in range(3)]
        assert 429 not in statuses
        refused = await strict.service.post(path, json=body)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.json()["error"]["code"] == "rate_limited"

    async def test_each_endpoint_counts_on_its_own(self, strict: Harness) -> None:
        for _ in range(3):
            await strict.service.post("/api/siwe/nonce")
        assert (await strict.service.post("/api/siwe/nonce")).status_code == 429
        signed_in = await strict.service.post("/api/dev/sign-in", json={"name": "alice"})
        assert signed_in.status_code == 200

    async def test_the_default_in_test_mode_leaves_the_suite_alone(self, harness: Harness) -> None:
        for _ in range(50):
            response = await harness.service.post("/api/dev/sign-in", json={"name": "alice"})
            assert response.status_code == 200


class TestSettings:
    def test_a_malformed_limit_is_refused(self) -> None:
        with pytest.raises(ValueError, match="not a rate limit"):
            identity_settings(sign_in_rate_limit="lots")
