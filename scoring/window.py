"""The scoring window: the half-open period [as_of - days, as_of) whose facts a score uses.

Facts created at or after ``as_of`` never count, so a score as of a past date is reproducible
however much data arrived later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

__all__ = ["ScoringWindow", "utc_timestamp"]


def utc_timestamp(value: pd.Timestamp | datetime) -> pd.Timestamp:
    """``value`` as a ns-resolution UTC timestamp.

    Raises
    ------
    ValueError
        If ``value`` is naive: a score's as-of must name an instant, not a wall-clock time.
    """
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        raise ValueError(f"as_of must be timezone-aware, got naive {ts.isoformat()}")
    return ts.tz_convert("UTC").as_unit("ns")


@dataclass(frozen=True, slots=True)
class ScoringWindow:
    """Half-open window ``[start, end)`` in UTC; ``end`` is the score's as-of."""

    start: pd.Timestamp
    end: pd.Timestamp

    @classmethod
    def ending_at(cls, as_of: pd.Timestamp | datetime, days: int) -> ScoringWindow:
        """The ``days``-day window ending (exclusively) at ``as_of``."""
        end = utc_timestamp(as_of)
        return cls(start=end - pd.Timedelta(days=days), end=end)

    @property
    def days(self) -> float:
        """Window length in days."""
        return float((self.end - self.start) / pd.Timedelta(days=1))

    @property
    def midpoint(self) -> pd.Timestamp:
        """The instant splitting the window into two equal halves."""
        return self.start + (self.end - self.start) / 2

    def contains(self, times: pd.Series) -> pd.Series:
        """Boolean mask: which ``times`` fall in ``[start, end)``."""
        return (times >= self.start) & (times < self.end)

    def week_count(self, week_days: int) -> int:
        """Number of (possibly partial, last) weeks of ``week_days`` days in the window."""
        return int(np.ceil(self.days / week_days))

    def week_of(self, times: pd.Series, week_days: int) -> pd.Series:
        """0-based week number of each time, counted from ``start`` (int64)."""
        elapsed = (times - self.start) / pd.Timedelta(days=week_days)
        return pd.Series(np.floor(elapsed), index=times.index).astype("int64")
