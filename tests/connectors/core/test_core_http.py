"""Tests of connectors.core.http: bounded retries, retry_after, transport errors, rate budget."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.core.errors import Fatal, NeedsReauth, RateLimited, Retriable
from connectors.core.http import RateBudget, RetryPolicy, send, with_retries

TOLERANCE = 0.002  # seconds: the event loop's timer may fire a hair early


class Flaky:
    def __init__(self, errors: list[Exception]) -> None:
        self.errors = errors
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


class TestRetryPolicy:
    def test_attempts_must_be_positive(self) -> None:
        with pytest.raises(ValueError):
            RetryPolicy(attempts=0)

    def test_hook_honours_retry_after_capped(self) -> None:
        policy = RetryPolicy(wait_max=10.0)
        assert policy.backoff_hook(RateLimited("x", retry_after=3.0)) == 3.0
        assert policy.backoff_hook(RateLimited("x", retry_after=99.0)) == 10.0
        assert policy.backoff_hook(RateLimited("x")) is True
        assert policy.backoff_hook(Retriable("x")) is True
        assert policy.backoff_hook(Fatal("x")) is False
        assert policy.backoff_hook(NeedsReauth("x")) is False

    def test_immediate_waits_nothing(self) -> None:
        policy = RetryPolicy.immediate()
        assert policy.backoff_hook(RateLimited("x", retry_after=30.0)) == 0.0


class TestWithRetries:
    async def test_retriable_then_success(self) -> None:
        op = Flaky([Retriable("a"), RateLimited("b", retry_after=5.0)])
        started = time.monotonic()
        assert await with_retries(op, RetryPolicy.immediate(attempts=3)) == "ok"
        assert op.calls == 3
        assert time.monotonic() - started < 1.0

    async def test_bounded_attempts_reraise_last(self) -> None:
        op = Flaky([Retriable("1"), Retriable("2"), Retriable("3"), Retriable("4")])
        with pytest.raises(Retriable, match="3"):
            await with_retries(op, RetryPolicy.immediate(attempts=3))
        assert op.calls == 3

    async def test_fatal_not_retried(self) -> None:
        op = Flaky([Fatal("no")])
        with pytest.raises(Fatal):
            await with_retries(op, RetryPolicy.immediate(attempts=5))
        assert op.calls == 1

    async def test_retry_after_is_waited(self) -> None:
        op = Flaky([RateLimited("slow down", retry_after=0.2)])
        started = time.monotonic()
        await with_retries(op, RetryPolicy(attempts=2, wait_initial=0, wait_jitter=0, wait_max=1))
        assert time.monotonic() - started >= 0.19


class TestSend:
    @pytest.mark.parametrize(
        "error",
        [
            httpx.ConnectError("refused"),
            httpx.ReadTimeout("slow"),
            httpx.RemoteProtocolError("peer closed connection"),
            httpx.ReadError("reset"),
        ],
    )
    async def test_transport_errors_are_retriable(self, error: Exception) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            raise error

        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            request = http.build_request("GET", "https://x.test/?app_secret=SECRET")
            with pytest.raises(Retriable) as info:
                await send(http, request)
        assert "SECRET" not in str(info.value)

    async def test_an_answer_past_the_deadline_is_retriable(self) -> None:
        never = asyncio.Event()  # the server never answers: only the deadline can end this

        async def handler(request: httpx.Request) -> httpx.Response:
            await never.wait()
            return httpx.Response(200)  # pragma: no cover - never reached

        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            request = http.build_request("GET", "https://x.test/?app_secret=SECRET")
            with pytest.raises(Retriable, match="deadline") as info:
                await send(http, request, platform="p", deadline=0.01)
        assert info.value.platform == "p" and "SECRET" not in str(info.value)

    async def test_a_slow_answer_is_retried_until_one_comes_in_time(self) -> None:
        calls = 0
        never = asyncio.Event()

        async def handler(request: httpx.Request) -> httpx.Response:
            nonlocal calls
            calls += 1
            if calls < 3:
                await never.wait()
            return httpx.Response(204)

        policy = RetryPolicy.immediate(5, deadline=0.01)
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            request = http.build_request("GET", "https://x.test/")
            response = await with_retries(
                lambda: send(http, request, deadline=policy.deadline), policy
            )
        assert response.status_code == 204 and calls == 3

    def test_deadline_must_be_positive(self) -> None:
        with pytest.raises(ValueError):
            RetryPolicy(deadline=0)
        assert RetryPolicy(deadline=None).deadline is None

    async def test_response_passes_through(self) -> None:
        async with httpx.AsyncClient(
            transport=httpx.MockTransport(lambda r: httpx.Response(503))
        ) as http:
            response = await send(http, http.build_request("GET", "https://x.test/"))
        assert response.status_code == 503


class TestRateBudget:
    def test_rejects_non_positive(self) -> None:
        with pytest.raises(ValueError):
            RateBudget(0)

    @pytest.mark.parametrize("headroom", [-0.1, 1.0])
    def test_rejects_headroom_outside_zero_to_one(self, headroom: float) -> None:
        with pytest.raises(ValueError, match="headroom"):
            RateBudget(5, headroom=headroom)

    async def test_headroom_paces_below_the_limit(self) -> None:
        # 20 a second less half: 10 a second, so 4 acquisitions span at least 0.3 s
        budget = RateBudget(20, headroom=0.5)
        started = time.monotonic()
        for _ in range(4):
            await budget.acquire("shop")
        assert time.monotonic() - started >= 3 * 0.1 - TOLERANCE

    def test_one_limiter_per_key(self) -> None:
        budget = RateBudget(5)
        assert budget.limiter("a") is budget.limiter("a")
        assert budget.limiter("a") is not budget.limiter("b")

    async def test_limits_rate_per_key_not_across_keys(self) -> None:
        budget = RateBudget(10)
        started = time.monotonic()
        for _ in range(5):
            await budget.acquire("shop-a")
            await budget.acquire("shop-b")
        elapsed = time.monotonic() - started
        # each shop's 5 calls are 0.1 s apart (0.4 s); the other shop's calls fit between them
        assert 0.4 - TOLERANCE <= elapsed < 0.7

    async def test_no_burst_after_a_pause(self) -> None:
        budget = RateBudget(20)
        await budget.acquire("shop")
        await asyncio.sleep(0.3)  # a token bucket would have refilled a burst by now
        started = time.monotonic()
        for _ in range(4):
            await budget.acquire("shop")
        assert time.monotonic() - started >= 3 * 0.05 - TOLERANCE

    @settings(max_examples=15, deadline=None)
    @given(
        rate=st.floats(min_value=50.0, max_value=400.0),
        count=st.integers(min_value=2, max_value=12),
        concurrent=st.booleans(),
    )
    def test_n_acquisitions_take_at_least_n_minus_one_intervals(
        self, rate: float, count: int, concurrent: bool
    ) -> None:
        async def run() -> float:
            budget = RateBudget(rate)
            started = asyncio.get_running_loop().time()
            if concurrent:
                await asyncio.gather(*(budget.acquire("shop") for _ in range(count)))
            else:
                for _ in range(count):
                    await budget.acquire("shop")
            return asyncio.get_running_loop().time() - started

        assert asyncio.run(run()) >= (count - 1) / rate - TOLERANCE
