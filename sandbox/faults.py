"""Fault injection shared by the platform emulators: random errors, throttling and latency.

Configured through the control API (``POST /_sandbox/faults``); draws come from a seeded random
stream so a failing test replays the same sequence of faults.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any


class FaultConfigError(ValueError):
    """The fault settings are out of range."""


@dataclass
class Faults:
    """The fault settings of one platform."""

    error_rate: float = 0.0
    status: int = 503
    rate_limit_rate: float = 0.0
    latency_ms: int = 0
    seed: int = 0
    rng: random.Random = field(default_factory=lambda: random.Random(0))

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Faults:
        try:
            faults = cls(
                error_rate=float(body.get("error_rate", 0.0)),
                status=int(body.get("status", 503)),
                rate_limit_rate=float(body.get("rate_limit_rate", 0.0)),
                latency_ms=int(body.get("latency_ms", 0)),
                seed=int(body.get("seed", 0)),
            )
        except (TypeError, ValueError) as exc:
            raise FaultConfigError(str(exc)) from exc
        if not (0.0 <= faults.error_rate <= 1.0 and 0.0 <= faults.rate_limit_rate <= 1.0):
            raise FaultConfigError("error_rate and rate_limit_rate must be within [0, 1]")
        if faults.status not in (500, 502, 503, 504):
            raise FaultConfigError("status must be 500, 502, 503 or 504")
        if faults.latency_ms < 0:
            raise FaultConfigError("latency_ms must not be negative")
        faults.rng = random.Random(faults.seed)
        return faults

    def public(self) -> dict[str, Any]:
        return {
            "error_rate": self.error_rate,
            "status": self.status,
            "rate_limit_rate": self.rate_limit_rate,
            "latency_ms": self.latency_ms,
            "seed": self.seed,
        }

    def draw(self) -> str | None:
        """``"error"``, ``"rate_limit"`` or None for the next request."""
        roll = self.rng.random()
        if roll < self.error_rate:
            return "error"
        if roll < self.error_rate + self.rate_limit_rate:
            return "rate_limit"
        return None


@dataclass
class FaultRegistry:
    """Active faults per platform id (``tiktok_shop``, ...)."""

    active: dict[str, Faults] = field(default_factory=dict)

    def get(self, platform: str) -> Faults | None:
        return self.active.get(platform)
