"""Sign-in limits counted in Redis hold across the service's processes, not per process.

Runs against the Redis server named by ``CS_TEST_REDIS_URL`` (default: the local one); the test
fails with the reason when it is not reachable. Each test writes under its own key prefix and
deletes only those keys.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
import redis
from pydantic import ValidationError

from app.config import IdentitySettings
from app.identity.ratelimit import RateLimited, SignInLimiter
from tests.app.identity.conftest import identity_settings
from tests.harness import Harness, running_service

REDIS_URL = os.environ.get("CS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(
            f"Redis is required for this test and is not reachable at {REDIS_URL}: {exc}. "
            "Start it (see README, Testing) or set CS_TEST_REDIS_URL.",
            pytrace=False,
        )
    name = f"creditscore-test-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        yield name
    finally:
        keys = list(client.scan_iter(match=f"{name}*"))
        if keys:
            client.delete(*keys)
        client.close()


class TestSharedStore:
    def test_two_limiters_on_one_store_count_together(self, prefix: str) -> None:
        first = SignInLimiter("3/minute", REDIS_URL, prefix)
        second = SignInLimiter("3/minute", REDIS_URL, prefix)
        first.hit("/api/siwe/verify", "203.0.113.9")
        second.hit("/api/siwe/verify", "203.0.113.9")
        first.hit("/api/siwe/verify", "203.0.113.9")
        with pytest.raises(RateLimited) as refused:
            second.hit("/api/siwe/verify", "203.0.113.9")
        assert 1 <= refused.value.retry_after_s <= 60
        # Another address, and another prefix (another deployment), have their own counts.
        second.hit("/api/siwe/verify", "203.0.113.10")
        SignInLimiter("3/minute", REDIS_URL, f"{prefix}-other").hit(
            "/api/siwe/verify", "203.0.113.9"
        )

    async def test_async_hits_count_with_sync_ones(self, prefix: str) -> None:
        limiter = SignInLimiter("2/minute", REDIS_URL, prefix)
        limiter.hit("api-key-failures", "203.0.113.9")
        await limiter.hit_async("api-key-failures", "203.0.113.9")
        with pytest.raises(RateLimited):
            await limiter.hit_async("api-key-failures", "203.0.113.9")

    def test_memory_limiters_count_apart(self) -> None:
        first = SignInLimiter("1/minute")
        second = SignInLimiter("1/minute")
        first.hit("/api/dev/sign-in", "203.0.113.9")
        second.hit("/api/dev/sign-in", "203.0.113.9")  # a process of its own: not shared


@pytest.fixture
async def two_processes(
    prefix: str, database_url: str, tmp_path: Path
) -> AsyncIterator[tuple[Harness, Harness]]:
    """Two instances of the service on one database and one Redis, like two processes."""
    settings = identity_settings(
        sign_in_rate_limit="3/minute", rate_limit_storage=REDIS_URL, rate_limit_key_prefix=prefix
    )
    async with AsyncExitStack() as stack:
        first = await stack.enter_async_context(
            running_service(database_url, tmp_path / "a", identity=settings)
        )
        second = await stack.enter_async_context(
            running_service(database_url, tmp_path / "b", identity=settings)
        )
        yield first, second


class TestBehindALoadBalancer:
    async def test_attempts_spread_over_processes_still_hit_the_limit(
        self, two_processes: tuple[Harness, Harness]
    ) -> None:
        first, second = two_processes
        path, body = "/api/siwe/verify", {"message": "guess", "signature": "0x00"}
        statuses = [
            (await service.post(path, json=body)).status_code
            for service in (first.service, second.service, first.service)
        ]
        assert 429 not in statuses
        refused = await second.service.post(path, json=body)
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "rate_limited"


class TestSetting:
    @pytest.mark.parametrize(
        "value", ["redis", "async+redis://127.0.0.1:6379", "postgres://x", "nosuch://x"]
    )
    def test_an_unknown_store_is_refused(self, value: str) -> None:
        with pytest.raises(ValidationError, match="limits storage URI"):
            IdentitySettings(rate_limit_storage=value)
