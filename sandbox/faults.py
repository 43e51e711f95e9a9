"""Fault injection shared by the platform emulators: the catalogue, its settings and its report.

Configured through the control API (``POST /_sandbox/faults``, one platform per call) and read
back with ``GET /_sandbox/faults``. Every draw comes from one random stream seeded by ``seed``,
so a plan replays exactly for a client that sends the same requests in the same order.

Per request (at most one of these; rates add up to at most 1):

* ``error``: a 5xx answer (``status``) in the platform's own error shape;
* ``rate_limit``: the platform's usual throttling answer (kept as it was before the catalogue);
* ``rate_limit_retry_after`` / ``rate_limit_no_retry_after``: HTTP 429 in the platform's shape
  with or without a ``Retry-After`` header (``retry_after_s`` seconds);
* ``slow``: the answer waits ``slow_ms`` first (past a client's deadline when that is larger);
* ``drop``: the connection is closed mid-body (``sandbox.fault_answers``);
* ``malformed``: a 200 whose JSON body is cut in half.

Per page of a paged list (``sandbox.fault_pages``): ``page_repeat`` (the previous page's body is
served again, once per token) and ``records_repeat`` (some records of the previous page appear
again at the top of this one). Per record: ``missing_field``, ``wrong_type`` and
``locale_amount``, chosen by a seeded hash of the record id (``corrupt_rate``), so a corrupted
record is corrupted every time it is served.

Transport and page faults apply only to successful data API answers (not to the control API,
not to the OAuth token endpoints, whose failures the clients treat separately).
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

REQUEST_KINDS = (
    "error",
    "rate_limit",
    "rate_limit_retry_after",
    "rate_limit_no_retry_after",
    "slow",
    "drop",
    "malformed",
)
PAGE_KINDS = ("page_repeat", "records_repeat")
RECORD_KINDS = ("missing_field", "wrong_type", "locale_amount")
RATE_LIMIT_KINDS = frozenset({"rate_limit_retry_after", "rate_limit_no_retry_after"})

# setting name -> the request kind it is the rate of, in draw order (the legacy two first, so a
# plan written before the catalogue draws the same sequence)
_REQUEST_RATES = {
    "error_rate": "error",
    "rate_limit_rate": "rate_limit",
    "retry_after_rate": "rate_limit_retry_after",
    "no_retry_after_rate": "rate_limit_no_retry_after",
    "slow_rate": "slow",
    "drop_rate": "drop",
    "malformed_rate": "malformed",
}
_OTHER_RATES = ("page_repeat_rate", "records_repeat_rate", "corrupt_rate")
# these only break successful answers, so ``fault_answers.broken`` counts them when it does
_COUNTED_WHEN_APPLIED = frozenset({"drop", "malformed"})


class FaultConfigError(ValueError):
    """The fault settings are out of range."""


@dataclass
class PageMemory:
    """What one paged list served last: its body, records and next token (``fault_pages``)."""

    next_token: str | None = None
    body: dict[str, Any] | None = None
    records: list[Any] = field(default_factory=list)
    repeated: set[str] = field(default_factory=set)


@dataclass
class Faults:
    """The fault settings of one platform, its random stream and what it injected so far."""

    error_rate: float = 0.0
    status: int = 503
    rate_limit_rate: float = 0.0
    latency_ms: int = 0
    seed: int = 0
    retry_after_rate: float = 0.0
    no_retry_after_rate: float = 0.0
    retry_after_s: float = 1.0
    slow_rate: float = 0.0
    slow_ms: int = 0
    drop_rate: float = 0.0
    malformed_rate: float = 0.0
    page_repeat_rate: float = 0.0
    records_repeat_rate: float = 0.0
    corrupt_rate: float = 0.0
    corrupt_kinds: tuple[str, ...] = RECORD_KINDS
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    injected: Counter[str] = field(default_factory=Counter)
    corrupted: dict[str, str] = field(default_factory=dict)
    pages: dict[str, PageMemory] = field(default_factory=dict)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Faults:
        try:
            rates = {name: float(body.get(name, 0.0)) for name in (*_REQUEST_RATES, *_OTHER_RATES)}
            kinds = body.get("corrupt_kinds", list(RECORD_KINDS))
            if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
                raise FaultConfigError("corrupt_kinds must be a list of record fault kinds")
            faults = cls(
                status=int(body.get("status", 503)),
                latency_ms=int(body.get("latency_ms", 0)),
                seed=int(body.get("seed", 0)),
                retry_after_s=float(body.get("retry_after_s", 1.0)),
                slow_ms=int(body.get("slow_ms", 0)),
                corrupt_kinds=tuple(kinds),
            )
        except (TypeError, ValueError) as exc:
            raise FaultConfigError(str(exc)) from exc
        for name, rate in rates.items():
            setattr(faults, name, rate)
        faults._check()
        faults.rng = random.Random(faults.seed)
        return faults

    def _check(self) -> None:
        rates = [getattr(self, name) for name in (*_REQUEST_RATES, *_OTHER_RATES)]
        if not all(0.0 <= rate <= 1.0 for rate in rates):
            raise FaultConfigError("every *_rate must be within [0, 1]")
        if sum(getattr(self, name) for name in _REQUEST_RATES) > 1.0:
            raise FaultConfigError("the per-request rates must add up to at most 1")
        if self.status not in (500, 502, 503, 504):
            raise FaultConfigError("status must be 500, 502, 503 or 504")
        if self.latency_ms < 0 or self.slow_ms < 0 or self.retry_after_s < 0:
            raise FaultConfigError("latency_ms, slow_ms and retry_after_s must not be negative")
        unknown = set(self.corrupt_kinds) - set(RECORD_KINDS)
        if unknown or not self.corrupt_kinds:
            raise FaultConfigError(f"corrupt_kinds must be a non-empty subset of {RECORD_KINDS}")

    def public(self) -> dict[str, Any]:
        """The settings, as posted (defaults filled in)."""
        settings: dict[str, Any] = {
            name: getattr(self, name) for name in (*_REQUEST_RATES, *_OTHER_RATES)
        }
        settings.update(
            status=self.status,
            latency_ms=self.latency_ms,
            seed=self.seed,
            retry_after_s=self.retry_after_s,
            slow_ms=self.slow_ms,
            corrupt_kinds=list(self.corrupt_kinds),
        )
        return settings

    def report(self) -> dict[str, Any]:
        """The settings plus what was injected: request and page faults count events, record
        faults count distinct records; ``corrupted`` maps each corrupted record id to its kind."""
        return {
            **self.public(),
            "injected": {kind: self.injected[kind] for kind in self.injected},
            "corrupted": dict(sorted(self.corrupted.items())),
        }

    def draw(self) -> str | None:
        """The request fault kind for the next request, or None; counted in the report (drop
        and malformed once they are applied)."""
        roll = self.rng.random()
        bound = 0.0
        for name, kind in _REQUEST_RATES.items():
            bound += getattr(self, name)
            if roll < bound:
                if kind not in _COUNTED_WHEN_APPLIED:
                    self.injected[kind] += 1
                return kind
        return None

    async def before(self) -> str | None:
        """Draw the request's fault, then wait the configured latency (and ``slow_ms`` when the
        draw says ``slow``); the caller answers errors and throttling in its platform's shape."""
        kind = self.draw()
        delay_ms = self.latency_ms + (self.slow_ms if kind == "slow" else 0)
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        return kind

    def roll(self, rate: float, kind: str) -> bool:
        """A page-level draw (no draw at all when ``rate`` is zero, so plans without page faults
        keep their request sequence)."""
        if rate <= 0.0 or self.rng.random() >= rate:
            return False
        self.injected[kind] += 1
        return True

    def record_fault(self, platform: str, record_id: str) -> str | None:
        """The corruption of this record, a pure function of seed, platform and id."""
        if self.corrupt_rate <= 0.0:
            return None
        digest = hashlib.sha256(f"{self.seed}:{platform}:{record_id}".encode()).digest()
        if int.from_bytes(digest[:8], "big") / 2**64 >= self.corrupt_rate:
            return None
        return self.corrupt_kinds[digest[8] % len(self.corrupt_kinds)]

    def note_corrupted(self, record_id: str, kind: str) -> None:
        if record_id not in self.corrupted:
            self.corrupted[record_id] = kind
            self.injected[kind] += 1


@dataclass
class FaultRegistry:
    """Active faults per platform id (``tiktok_shop``, ...)."""

    active: dict[str, Faults] = field(default_factory=dict)

    def get(self, platform: str) -> Faults | None:
        return self.active.get(platform)
