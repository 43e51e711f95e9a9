"""What one pull of one stream asks the platform for: the windows, their order, and where to resume.

Every stream keeps a cursor in ``business_connections.sync_cursors[<stream>]``::

    {"updated_through": "<iso>" | None,       # every change before this is stored
     "run": {"mode": "created" | "updated",   # the window being pulled, if a pull was cut off
             "start": "<iso>", "end": "<iso>",
             "state": {...}} | None}          # the connector's checkpoint (page token)

A pull first finishes a cut-off window from its checkpoint (so a killed sync resumes where it
stopped instead of starting over), then:

- with no ``updated_through`` (a new connection, a full refresh, or data older than the sync
  window), a **backfill** by creation time over ``[now - days, now)``;
- otherwise an **incremental** window from ``updated_through - lag`` to ``now``: by update time
  for streams the platform can filter by update time (orders change after refunds and
  cancellations), by their own time for the rest (``trailing``: statements, payouts and
  commissions), reaching back at least the stream's ``reread`` span, the time its records keep
  changing after they are posted (the connectors' ``INCREMENTAL`` rules say how long).

The lag re-reads a margin before the cursor because platforms index changes with a delay; reading
a record twice is harmless (upserts by platform id keep the newest version).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

Mode = Literal["created", "updated"]
Incremental = Literal["updated", "trailing"]


@dataclass(frozen=True, slots=True)
class Window:
    """One window of one stream to pull, and the checkpoint to resume it at."""

    mode: Mode
    start: datetime
    end: datetime
    resume: Mapping[str, Any] | None = None

    def run_cursor(self, state: Mapping[str, Any] | None) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "state": dict(state) if state else None,
        }


@dataclass(frozen=True, slots=True)
class Cursor:
    updated_through: datetime | None
    run: Window | None

    @classmethod
    def parse(cls, raw: Any) -> Cursor:
        """A stored cursor; anything unreadable (an older format) means "start over"."""
        if not isinstance(raw, Mapping):
            return cls(None, None)
        return cls(_time(raw.get("updated_through")), _run(raw.get("run")))


def windows(
    cursor: Cursor,
    *,
    now: datetime,
    days: int,
    lag: timedelta,
    incremental: Incremental,
    reread: timedelta = timedelta(0),
    full: bool = False,
) -> list[Window]:
    """The windows to pull, in order, for one stream at ``now``."""
    oldest = now - timedelta(days=days)
    if full:
        return [Window("created", oldest, now)]
    planned: list[Window] = []
    through = cursor.updated_through
    if cursor.run is not None and cursor.run.end <= now:
        planned.append(cursor.run)
        through = cursor.run.end if through is None else max(through, cursor.run.end)
    if through is None or through - lag <= oldest:
        planned.append(Window("created", oldest, now))
    elif incremental == "updated":
        if through - lag < now:
            planned.append(Window("updated", through - lag, now))
    else:
        # A record posted just before the last pull may still change for ``reread``: reach back
        # that far behind the cursor (not behind now, or a long gap between pulls misses it).
        start = max(oldest, through - lag - reread)
        if start < now:
            planned.append(Window("created", start, now))
    return planned


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _run(raw: Any) -> Window | None:
    if not isinstance(raw, Mapping) or raw.get("mode") not in ("created", "updated"):
        return None
    start, end = _time(raw.get("start")), _time(raw.get("end"))
    if start is None or end is None or end < start:
        return None
    state = raw.get("state")
    return Window(raw["mode"], start, end, state if isinstance(state, Mapping) else None)
