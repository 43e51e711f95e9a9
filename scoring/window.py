"""The scoring window: the half-open period [as_of - days, as_of) whose facts a score uses.

Weeks and months are counted *back* from ``as_of``: week 0 is the last 7 days before it, month 0
the last 30. With 90 days and 13 weeks the oldest week has only 6 days inside the window; series
that compare weeks scale that week by 7/6 (:attr:`ScoringWindow.week_scale`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from scoring.fx import NS_PER_DAY
from scoring.params import WindowParams

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
    params: WindowParams

    @classmethod
    def ending_at(cls, as_of: pd.Timestamp | datetime, params: WindowParams) -> ScoringWindow:
        """The ``params.days``-day window ending (exclusively) at ``as_of``."""
        end = utc_timestamp(as_of)
        return cls(start=end - pd.Timedelta(days=params.days), end=end, params=params)

    @property
    def start_ns(self) -> int:
        return int(self.start.value)

    @property
    def end_ns(self) -> int:
        return int(self.end.value)

    @property
    def first_day(self) -> int:
        """UTC day number (days since 1970-01-01) of the window's first instant."""
        return self.start_ns // NS_PER_DAY

    @property
    def n_days(self) -> int:
        """Number of UTC calendar days the window touches."""
        return (self.end_ns - 1) // NS_PER_DAY - self.first_day + 1

    def contains(self, ns: np.ndarray) -> np.ndarray:
        """Which ns-since-epoch instants fall in ``[start, end)``."""
        return (ns >= self.start_ns) & (ns < self.end_ns)

    def week_back(self, ns: np.ndarray) -> np.ndarray:
        """Week number counted back from as-of (0 = the last ``week_days`` days), int64."""
        span = self.params.week_days * NS_PER_DAY
        return (self.end_ns - 1 - ns) // span

    def month_back(self, ns: np.ndarray) -> np.ndarray:
        """Month number counted back from as-of (0 = the last ``days_per_month`` days), int64.

        Instants older than ``months`` months get ``months`` (outside every month).
        """
        span = int(self.params.days_per_month * NS_PER_DAY)
        return np.asarray(np.minimum((self.end_ns - 1 - ns) // span, self.params.months))

    @property
    def week_scale(self) -> np.ndarray:
        """Per week (index = weeks back), 7 / days of that week inside the window."""
        p = self.params
        inside = np.clip(p.days - np.arange(p.weeks) * p.week_days, 0, p.week_days)
        return p.week_days / np.maximum(inside, 1)
