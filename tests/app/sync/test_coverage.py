"""The data window from completed pulls: the contiguous union ending at the newest pull."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.sync.coverage import Span, covered_span

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


spans = st.lists(
    st.tuples(st.integers(0, 400), st.integers(0, 120)).map(
        lambda pair: (day(pair[0]), day(pair[0] + pair[1]))
    ),
    max_size=12,
)


class TestCoveredSpan:
    def test_no_pulls_cover_nothing(self) -> None:
        assert covered_span([]) is None

    def test_daily_incremental_pulls_extend_the_backfill(self) -> None:
        backfill = (day(0), day(90))
        daily = [(day(89 + n), day(90 + n)) for n in range(1, 11)]
        assert covered_span([backfill, *daily]) == (day(0), day(100))

    def test_a_gap_starts_coverage_again_at_the_newer_pull(self) -> None:
        assert covered_span([(day(0), day(90)), (day(120), day(210))]) == (day(120), day(210))

    def test_touching_pulls_join(self) -> None:
        assert covered_span([(day(0), day(90)), (day(90), day(91))]) == (day(0), day(91))

    @given(spans)
    def test_it_is_the_contiguous_union_ending_at_the_newest_pull(self, pulls: list[Span]) -> None:
        result = covered_span(pulls)
        if not pulls:
            assert result is None
            return
        assert result is not None
        start, end = result
        assert end == max(e for _, e in pulls)
        # Every day of the result is inside some pull (no gap is bridged)...
        for n in range((end - start).days):
            moment = start + timedelta(days=n, hours=12)
            assert any(s <= moment <= e for s, e in pulls)
        # ...and no pull touching it reaches further back (it is as long as it can be).
        assert all(s >= start for s, e in pulls if e >= start)
        # The order the pulls are listed in does not matter.
        assert covered_span(list(reversed(pulls))) == result
