"""Client-side token buckets mirroring SP-API usage plans, one per (seller, operation).

Amazon limits each application–seller pair per operation with a token bucket (reference 3d).
Waiting before a call is cheaper than collecting 429s. The bucket keeps its own timeline:
after ``sleep(wait)`` it assumes the time has passed even if the injected clock did not move,
so a fake ``sleep`` in tests (or a scaled one against a fast sandbox) stays consistent.
``x-amzn-RateLimit-Limit`` replaces the rate when Amazon sends it (dynamic plans).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from connectors.amazon_sp_api.config import RatePlan
from connectors.core.timestamps import Clock

Sleep = Callable[[float], Awaitable[None]]


@dataclass(slots=True)
class TokenBucket:
    """``burst`` tokens, refilled at ``rate`` per second; starts full."""

    rate: float
    burst: int
    tokens: float = field(init=False)
    at: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.tokens = float(self.burst)

    def _refill(self, now: float) -> None:
        if self.at is None:
            self.at = now
        elif now > self.at:
            self.tokens = min(float(self.burst), self.tokens + (now - self.at) * self.rate)
            self.at = now

    def reserve(self, now: float) -> float:
        """Take one token; the seconds to wait before using it (0 when one was available)."""
        self._refill(now)
        assert self.at is not None
        start = max(now, self.at)
        if self.tokens >= 1:
            self.tokens -= 1
            return start - now
        wait_more = (1 - self.tokens) / self.rate
        # the token is spent the moment it exists: the bucket's timeline moves to that moment
        self.tokens = 0.0
        self.at = start + wait_more
        return self.at - now

    def drain(self, now: float) -> None:
        """Amazon said 429: its bucket is empty whatever ours thought."""
        self._refill(now)
        self.tokens = 0.0


class Throttle:
    """Buckets keyed by (seller, operation), waiting through an injected ``sleep``."""

    def __init__(self, clock: Clock, sleep: Sleep) -> None:
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self.waited_s = 0.0
        """Total seconds waited for buckets and backoffs (tests, progress, metrics)."""

    def _now(self) -> float:
        return self._clock().timestamp()

    def bucket(self, seller_id: str, operation: str, plan: RatePlan) -> TokenBucket:
        key = (seller_id, operation)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = TokenBucket(plan.rate, plan.burst)
            self._buckets[key] = bucket
        return bucket

    async def acquire(self, seller_id: str, operation: str, plan: RatePlan) -> float:
        wait = self.bucket(seller_id, operation, plan).reserve(self._now())
        await self.wait(wait)
        return wait

    def observe_limit(
        self, seller_id: str, operation: str, plan: RatePlan, header: str | None
    ) -> None:
        """Adopt the rate Amazon reports in ``x-amzn-RateLimit-Limit``, when it is sane."""
        if header is None:
            return
        try:
            rate = float(header)
        except ValueError:
            return
        if rate > 0 and rate == rate and rate != float("inf"):
            self.bucket(seller_id, operation, plan).rate = rate

    def throttled(self, seller_id: str, operation: str, plan: RatePlan) -> float:
        """After a 429: empty the bucket; the seconds until it has one token again."""
        bucket = self.bucket(seller_id, operation, plan)
        bucket.drain(self._now())
        return 1 / bucket.rate

    async def wait(self, seconds: float) -> None:
        if seconds > 0:
            self.waited_s += seconds
            await self._sleep(seconds)
