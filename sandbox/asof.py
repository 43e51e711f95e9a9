"""As-of time in the sandboxes: which instant a view of the data is taken at, and the search
index lag.

The generators build every record in its final state (as it is at the anchor). The platforms'
APIs serve each record as it was at the sandbox clock: a view at ``cut`` holds every event whose
time is strictly before ``cut`` (``cut`` = the clock floored to whole seconds). Half-open like
the search windows (``[start, end)``): an event stamped at second ``e`` has happened once the
clock reaches ``e + 1``, so a pull ending at ``now`` and the view at ``now`` agree on it.

Update-time searches read a search index that lags ``index_lag_seconds`` behind (eventual
consistency): they match against the view at ``cut - lag`` while the records they return, and
every read by id or by create time, come from the view at ``cut``.
"""

from __future__ import annotations

import math

END_OF_TIME = 2**62


def cut_at(now: float) -> int:
    """The as-of instant of a view taken at clock ``now``: events before it have happened."""
    return math.floor(now)


def happened(moment: int | None, cut: int) -> bool:
    """Whether an event at ``moment`` (None: never) is part of the view at ``cut``."""
    return moment is not None and moment < cut


def parse_as_of(raw: str | None, now: float) -> int:
    """The ``as_of`` of a ground-truth request (unix seconds; default: the clock)."""
    if raw is None or raw == "":
        return cut_at(now)
    return int(raw)
