"""How an incremental sync re-reads each stream: which time its cursor is on and how far back
every pull must reach.

A stream with an update-time filter is pulled over ``[previous_end - lag, now)``: ``lag`` must
be at least the platform's search-index delay, because a change becomes visible to an
update-time filter only some time after it happened (no platform documents that delay). A
stream whose records can change but that can only be filtered by create (or posting) time is
re-read over a trailing window as well, long enough to cover the time its records keep
changing. Upserts keyed by platform id, keeping the newest version, make the overlaps harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from connectors.core.streams import Window

Cursor = Literal["update_time", "create_time", "posted_time"]


@dataclass(frozen=True, slots=True)
class Incremental:
    """The incremental rule of one stream (``stream``: its checkpoint name)."""

    stream: str
    cursor: Cursor
    trailing: timedelta = timedelta(0)
    """How long a record keeps changing after its cursor time, for streams without an update
    filter: every pull re-reads this far behind the previous one; zero for update-time cursors
    and immutable records."""

    def window(self, previous_end: datetime, now: datetime, lag: timedelta) -> Window:
        """The window of the next pull, given where the previous one ended."""
        if lag < timedelta(0):
            raise ValueError("lag must not be negative")
        # A record posted just before the previous pull may still change for ``trailing``:
        # reach back that far behind the previous end (behind ``now`` would miss it after a
        # gap between pulls longer than ``trailing``).
        start = previous_end - lag - self.trailing
        return Window(min(start, now), now)
