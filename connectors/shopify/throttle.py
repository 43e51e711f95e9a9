"""The GraphQL cost bucket, as the client sees it (reference 3, "Cost and throttle").

Every response reports ``extensions.cost``: the query's requested cost and the bucket's
``throttleStatus`` (maximum, currently available, restore rate per second). ``CostBucket``
remembers the last report and, before the next query of the same kind, waits until the bucket
has refilled enough for that query's requested cost; after a ``THROTTLED`` answer it waits
``(requested - available) / restoreRate``. Waiting goes through an injected ``sleep`` and
``clock`` so tests never really wait.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from connectors.core.errors import Fatal
from connectors.core.timestamps import Clock

Sleep = Callable[[float], Awaitable[None]]

_MARGIN_S = 0.05  # absorbs rounding between our clock and Shopify's


@dataclass(frozen=True, slots=True)
class Cost:
    """One response's ``extensions.cost``."""

    requested: float
    maximum: float
    available: float
    restore_rate: float

    @classmethod
    def from_extensions(cls, extensions: Any) -> Cost | None:
        cost = extensions.get("cost") if isinstance(extensions, Mapping) else None
        status = cost.get("throttleStatus") if isinstance(cost, Mapping) else None
        if not isinstance(cost, Mapping) or not isinstance(status, Mapping):
            return None
        try:
            return cls(
                requested=_number(cost.get("requestedQueryCost")),
                maximum=_number(status.get("maximumAvailable")),
                available=_number(status.get("currentlyAvailable")),
                restore_rate=_number(status.get("restoreRate")),
            )
        except (TypeError, ValueError):
            return None

    def wait_for(self, needed: float) -> float:
        """Seconds until ``needed`` points are available, from this report."""
        if needed > self.maximum:
            raise Fatal(
                f"a Shopify query costs {needed:g} points but the bucket holds "
                f"{self.maximum:g}: lower page_size",
                platform="shopify",
            )
        missing = needed - self.available
        if missing <= 0:
            return 0.0
        if self.restore_rate <= 0:
            raise Fatal("Shopify reported a restore rate of zero", platform="shopify")
        return missing / self.restore_rate + _MARGIN_S


class CostBucket:
    """The last known state of one shop's bucket, per query kind's last requested cost."""

    def __init__(self, clock: Clock, sleep: Sleep) -> None:
        self._clock = clock
        self._sleep = sleep
        self._last: Cost | None = None
        self._seen_at = 0.0
        self._requested: dict[str, float] = {}
        self.waited_s = 0.0
        """Total seconds spent waiting for the bucket (for tests and metrics)."""

    def _now(self) -> float:
        return self._clock().timestamp()

    def estimate(self) -> Cost | None:
        """The last report, with the points restored since then added."""
        if self._last is None:
            return None
        last = self._last
        restored = max(0.0, self._now() - self._seen_at) * last.restore_rate
        available = min(last.maximum, last.available + restored)
        return Cost(last.requested, last.maximum, available, last.restore_rate)

    async def before(self, kind: str) -> float:
        """Wait, if needed, until a query of ``kind`` (its last requested cost) can run."""
        needed = self._requested.get(kind)
        estimate = self.estimate()
        if needed is None or estimate is None:
            return 0.0
        delay = estimate.wait_for(needed)
        await self.wait(delay)
        return delay

    def observe(self, kind: str, cost: Cost | None) -> None:
        if cost is None:
            return
        self._last = cost
        self._seen_at = self._now()
        self._requested[kind] = cost.requested

    async def wait(self, seconds: float) -> None:
        if seconds > 0:
            self.waited_s += seconds
            await self._sleep(seconds)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("not a number")
    return float(value)
