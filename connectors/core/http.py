"""Request execution shared by connectors: bounded retries, per-account rate budgets, timeouts.

``RetryPolicy`` says how often and how long to back off on ``Retriable`` and ``RateLimited``
(stamina: exponential backoff with jitter; a platform's ``retry_after`` overrides the backoff,
capped at ``wait_max``). ``RetryPolicy.immediate()`` makes every wait zero for tests.
``send`` turns httpx transport failures (connect errors, timeouts, dropped connections) into
``Retriable``, and enforces a total deadline per request (``RetryPolicy.deadline``): httpx's
timeouts are per phase (a server trickling bytes never trips them, and ``ASGITransport`` ignores
them altogether), so a slow answer is cut off as a whole and retried.
``RateBudget`` spaces each account's requests evenly, ``1 / per_second`` apart.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

import httpx
import stamina

from connectors.core.errors import RateLimited, Retriable

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries. ``attempts`` counts the first try; times are seconds.

    ``timeout`` bounds all attempts of one operation together; ``deadline`` bounds one request,
    from sending it to the last byte of its answer (``None``: only httpx's own timeouts).
    """

    attempts: int = 5
    wait_initial: float = 0.5
    wait_max: float = 30.0
    wait_jitter: float = 1.0
    wait_exp_base: float = 2.0
    timeout: float | None = 300.0
    deadline: float | None = 120.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.deadline is not None and self.deadline <= 0:
            raise ValueError("deadline must be positive")

    @classmethod
    def immediate(cls, attempts: int = 5, *, deadline: float | None = 120.0) -> RetryPolicy:
        """No waiting at all between attempts (tests); ``deadline`` as given."""
        return cls(
            attempts=attempts, wait_initial=0.0, wait_max=0.0, wait_jitter=0.0, deadline=deadline
        )

    def backoff_hook(self, exc: Exception) -> bool | float:
        """stamina hook: retry transient errors, honouring ``retry_after`` up to ``wait_max``."""
        if isinstance(exc, RateLimited):
            if exc.retry_after is not None:
                return max(0.0, min(exc.retry_after, self.wait_max))
            return True
        return isinstance(exc, Retriable)


async def with_retries(operation: Callable[[], Awaitable[T]], policy: RetryPolicy) -> T:
    """Run ``operation``, retrying it on ``Retriable``/``RateLimited`` as ``policy`` allows.

    After the last attempt the last error propagates unchanged.
    """
    async for attempt in stamina.retry_context(
        on=policy.backoff_hook,
        attempts=policy.attempts,
        timeout=policy.timeout,
        wait_initial=policy.wait_initial,
        wait_max=policy.wait_max,
        wait_jitter=policy.wait_jitter,
        wait_exp_base=policy.wait_exp_base,
    ):
        with attempt:
            return await operation()
    raise AssertionError("unreachable: stamina re-raises the last error")  # pragma: no cover


async def send(
    http: httpx.AsyncClient,
    request: httpx.Request,
    *,
    auth: httpx.Auth | None = None,
    platform: str = "",
    deadline: float | None = None,
) -> httpx.Response:
    """Send ``request`` and read its whole answer within ``deadline`` seconds; transport
    failures and a missed deadline become ``Retriable`` (messages carry no URL)."""
    try:
        async with asyncio.timeout(deadline):
            if auth is None:
                return await http.send(request)
            return await http.send(request, auth=auth)
    except TimeoutError as exc:
        raise Retriable(
            f"no complete answer within the request deadline ({deadline} s)", platform=platform
        ) from exc
    except httpx.TimeoutException as exc:
        raise Retriable(f"timed out ({type(exc).__name__})", platform=platform) from exc
    except httpx.TransportError as exc:
        # the exception text can quote the URL, whose query may hold secrets: keep the type only
        raise Retriable(f"transport error ({type(exc).__name__})", platform=platform) from exc


class Spacer:
    """Request slots ``1 / per_second`` apart, first come first served: never a burst.

    A token bucket holding a whole second's budget (``aiolimiter.AsyncLimiter(rate, 1)``)
    lets ``rate`` requests out at once after any pause; a platform counting requests in a
    sliding one-second window (TikTok Shop answers 429 past 50) refuses the next ones when
    the burst lands close to the previous second's requests. Even spacing never exceeds the
    rate in any window and, with enough requests in flight, still reaches it.
    """

    def __init__(self, per_second: float) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.interval = 1.0 / per_second
        self._next = -math.inf

    async def acquire(self) -> None:
        """Wait for this caller's slot. The slot is taken before waiting (no await between the
        read and the write), so concurrent callers line up one interval apart; a cancelled
        caller's slot is simply left unused."""
        now = asyncio.get_running_loop().time()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


class RateBudget:
    """One ``Spacer`` per account key, ``per_second`` requests each, less ``headroom``.

    ``headroom`` is the share of the platform's limit left unused. Requests paced exactly at
    the limit reach the platform exactly one second apart every ``per_second`` requests;
    network and scheduling jitter then puts one more than the limit in some one-second window
    and the platform answers 429, which costs a backoff far longer than the headroom does.
    """

    def __init__(self, per_second: float, *, headroom: float = 0.0) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        if not 0.0 <= headroom < 1.0:
            raise ValueError("headroom must be at least 0 and less than 1")
        self._per_second = per_second * (1.0 - headroom)
        self._limiters: dict[Hashable, Spacer] = {}

    def limiter(self, key: Hashable) -> Spacer:
        limiter = self._limiters.get(key)
        if limiter is None:
            limiter = Spacer(self._per_second)
            self._limiters[key] = limiter
        return limiter

    async def acquire(self, key: Hashable) -> None:
        await self.limiter(key).acquire()
