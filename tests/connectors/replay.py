"""Replays incremental syncs against a sandbox whose clock moves between pulls, and compares
the rows they end with to a single backfill (shared by the connector tests of each platform).

A platform under test supplies three callables: ``move(t)`` sets the sandbox (and connector)
clock, ``backfill(t)`` pulls by create time over ``[t - 90 days, t)``, and ``updates(start, t)``
pulls by update time over ``[start, t)``. Records are upserted by key keeping the newest update
time, as the app does.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

BACKFILL = timedelta(days=90)
HOUR, DAY = 3600, 86400
Rows = dict[str, Any]
"""Key -> canonical record (a frozen dataclass with ``created_at`` and ``updated_at``)."""


def key_of(record: Any) -> str:
    for name in ("return_id", "order_id", "statement_id"):
        value = getattr(record, name, None)
        if value is not None:
            return f"{type(record).__name__}:{value}"
    raise TypeError(f"no key for {type(record).__name__}")


def upsert(rows: Rows, records: Iterable[Any]) -> None:
    """Insert or replace by key, never replacing a record with an older version."""
    for record in records:
        key = key_of(record)
        old = rows.get(key)
        if old is None or record.updated_at >= old.updated_at:
            rows[key] = record


def at(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, tz=UTC)


@dataclass
class Platform:
    move: Callable[[int], Awaitable[None]]
    backfill: Callable[[int], Awaitable[list[Any]]]
    updates: Callable[[int, int], Awaitable[list[Any]]]


async def incremental(platform: Platform, times: Sequence[int], lag: int) -> Rows:
    """A backfill at ``times[0]``, then a pull by update time over ``[previous - lag, t)`` at
    each later time, upserted."""
    rows: Rows = {}
    await platform.move(times[0])
    upsert(rows, await platform.backfill(times[0]))
    for previous, now in itertools.pairwise(times):
        await platform.move(now)
        upsert(rows, await platform.updates(previous - lag, now))
    return rows


def in_window(rows: Rows, start: datetime, end: datetime, *, by_order: bool) -> Rows:
    """The rows created in ``[start, end)``; with ``by_order``, returns count by their order's
    creation (Shopify refunds come with the order that a create-time window selects)."""

    def created(record: Any) -> datetime:
        order = rows.get(f"OrderRecord:{record.order_id}") if by_order else None
        if by_order and key_of(record).startswith("ReturnRecord"):
            assert order is not None, f"refund {key_of(record)} without its order"
            return order.created_at  # type: ignore[no-any-return]
        return record.created_at  # type: ignore[no-any-return]

    return {k: r for k, r in rows.items() if start <= created(r) < end}


@dataclass(frozen=True)
class Comparison:
    """How the incremental rows differ from a backfill's at the same instant ``end``."""

    missing: list[str]
    """Keys the backfill has and the incremental sync does not."""
    stale: list[str]
    """Keys both have, the incremental sync in an older version."""
    extra: list[str]
    """Keys only the incremental sync has (must never happen)."""
    newer: list[str]
    """Keys where the incremental sync is not older yet differs (must never happen)."""

    def unsettled(self, full: Rows, since: datetime) -> list[str]:
        """Missing or stale keys whose backfill version changed before ``since``: a change
        the incremental sync had time to see and did not."""
        return [k for k in self.missing + self.stale if full[k].updated_at < since]


def compare(sync: Rows, full: Rows) -> Comparison:
    missing = sorted(set(full) - set(sync))
    extra = sorted(set(sync) - set(full))
    stale, newer = [], []
    for key in sorted(set(full) & set(sync)):
        if sync[key] == full[key]:
            continue
        (stale if sync[key].updated_at < full[key].updated_at else newer).append(key)
    return Comparison(missing, stale, extra, newer)


async def replay_and_compare(
    platform: Platform, times: Sequence[int], lag: int, *, margin: int = 0, by_order: bool = False
) -> tuple[Comparison, Rows]:
    """Incremental pulls at ``times``, then a backfill at the last one; both restricted to the
    backfill's create window ``[tn - 90 days, tn - margin)`` (``margin``: how far before the
    clock the connector ends every window, e.g. Amazon's 2 minutes)."""
    sync = await incremental(platform, times, lag)
    end = times[-1]
    full = await platform.backfill(end)
    start, stop = at(end) - BACKFILL, at(end - margin)
    full_rows: Rows = {}
    upsert(full_rows, full)
    return (
        compare(
            in_window(sync, start, stop, by_order=by_order),
            in_window(full_rows, start, stop, by_order=by_order),
        ),
        full_rows,
    )


def sync_plans(min_gap: int) -> dict[str, st.SearchStrategy[Any]]:
    """The ``@given`` arguments of an incremental-equals-backfill property: how long before the
    anchor the first pull is, the gaps to the next ones, the index lag, what the lag window
    adds to it, and whether a last pull comes after everything has settled."""
    return {
        "back": st.integers(min_value=HOUR, max_value=20 * DAY),
        "gaps": st.lists(st.integers(min_value=min_gap, max_value=3 * DAY), min_size=1, max_size=4),
        "index_lag": st.sampled_from((0, 600, 3 * HOUR)),
        "spare": st.sampled_from((0, 1, 900)),
        "settle": st.booleans(),
    }


def schedule(t0: int, gaps: Sequence[int]) -> list[int]:
    """Pull times: ``t0``, then one after each gap."""
    times = [t0]
    for gap in gaps:
        times.append(times[-1] + gap)
    return times


def sync_times(
    anchor_ts: int, back: int, gaps: Sequence[int], index_lag: int, settle: bool
) -> list[int]:
    """The pull times of one drawn plan; with ``settle`` a last pull after every change has
    reached the index."""
    times = schedule(anchor_ts - back, gaps)
    if settle:
        times.append(max(times[-1], anchor_ts) + index_lag + HOUR)
    return times
