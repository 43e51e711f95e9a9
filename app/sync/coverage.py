"""How far back a connection's stored data is complete, worked out from its completed pulls.

Every completed pull records the span it read (``sync_runs.window_start/window_end``): a backfill
reads the whole sync window, an incremental pull reads from a little before the previous pull's
end. Stored facts are never deleted, so the data is complete over the union of those spans that
is contiguous with the newest one. That union, not the newest pull's 90 days, is the data window:

- scoring as of a past date counts only the pulls finished by then, so a score recomputed as of
  its own date sees the coverage it saw when it was computed, not the one later pulls extended;
- a platform that shows fewer days back (Shopify without ``read_all_orders``: 60) gains the
  days it showed earlier, which are really stored.

A gap between pulls wider than what the next pull re-reads breaks the union: days in the gap
may have changed unseen, so coverage starts again at the newer pull.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

Span = tuple[datetime, datetime]


def covered_span(spans: Iterable[Span]) -> Span | None:
    """The contiguous union of ``spans`` that ends at the latest end (None when there is none).

    Spans are ``(start, end)`` with ``start <= end``; touching spans join.
    """
    newest_first = sorted(spans, key=lambda span: span[1], reverse=True)
    if not newest_first:
        return None
    start, end = newest_first[0]
    for other_start, other_end in newest_first[1:]:
        # Every later span ends no later than this one: once one stops short of the union's
        # start, the rest do too.
        if other_end < start:
            break
        start = min(start, other_start)
    return start, end
