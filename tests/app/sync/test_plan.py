"""The windows a pull asks for, as properties over any cursor, time, window and lag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.sync.plan import Cursor, Incremental, Window, windows

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
DAYS = 90

offsets = st.integers(min_value=0, max_value=400 * 24 * 3600).map(lambda s: timedelta(seconds=s))
lags = st.integers(min_value=0, max_value=3 * 24 * 60).map(lambda m: timedelta(minutes=m))


@st.composite
def cursors(draw: st.DrawFn) -> Cursor:
    through = draw(st.none() | offsets.map(lambda o: NOW - o))
    run = None
    if draw(st.booleans()):
        end = NOW - draw(offsets)
        start = end - draw(offsets)
        run = Window(draw(st.sampled_from(["created", "updated"])), start, end, {"page": 3})
    return Cursor(through, run)


class TestWindows:
    @settings(max_examples=300, deadline=None)
    @given(
        cursor=cursors(),
        lag=lags,
        incremental=st.sampled_from(["updated", "trailing"]),
        reread=st.integers(0, 120).map(lambda d: timedelta(days=d)),
    )
    def test_everything_changed_since_the_cursor_is_asked_for(
        self, cursor: Cursor, lag: timedelta, incremental: Incremental, reread: timedelta
    ) -> None:
        planned = windows(
            cursor, now=NOW, days=DAYS, lag=lag, incremental=incremental, reread=reread
        )
        assert all(w.start <= w.end <= NOW for w in planned)
        through = cursor.updated_through
        if cursor.run is not None:
            through = cursor.run.end if through is None else max(through, cursor.run.end)
        oldest = NOW - timedelta(days=DAYS)
        fresh = [w for w in planned if w is not cursor.run]
        if through is None or through - lag <= oldest:
            assert fresh == [Window("created", oldest, NOW)]
            return
        if incremental == "updated":
            start, mode = through - lag, "updated"
        else:  # by its own time, reaching back the re-read span too, never past the window
            start, mode = max(oldest, through - lag - reread), "created"
        assert fresh == ([Window(mode, start, NOW)] if start < NOW else [])

    @settings(max_examples=200, deadline=None)
    @given(cursor=cursors(), lag=lags)
    def test_a_cut_off_pull_is_resumed_first_at_its_checkpoint(
        self, cursor: Cursor, lag: timedelta
    ) -> None:
        planned = windows(cursor, now=NOW, days=DAYS, lag=lag, incremental="updated")
        if cursor.run is not None:
            assert planned[0] == cursor.run and planned[0].resume == {"page": 3}
        else:
            assert all(w.resume is None for w in planned)

    @given(cursor=cursors(), lag=lags)
    def test_full_is_one_backfill(self, cursor: Cursor, lag: timedelta) -> None:
        planned = windows(cursor, now=NOW, days=DAYS, lag=lag, incremental="updated", full=True)
        assert planned == [Window("created", NOW - timedelta(days=DAYS), NOW)]

    def test_a_new_stream_is_backfilled_by_creation_time(self) -> None:
        planned = windows(
            Cursor(None, None), now=NOW, days=DAYS, lag=timedelta(hours=6), incremental="updated"
        )
        assert planned == [Window("created", NOW - timedelta(days=DAYS), NOW)]

    def test_an_up_to_date_stream_reads_the_lag_by_update_time(self) -> None:
        through = NOW - timedelta(hours=24)
        planned = windows(
            Cursor(through, None), now=NOW, days=DAYS, lag=timedelta(hours=6), incremental="updated"
        )
        assert planned == [Window("updated", through - timedelta(hours=6), NOW)]

    def test_data_older_than_the_window_is_backfilled_again(self) -> None:
        through = NOW - timedelta(days=DAYS + 1)
        planned = windows(
            Cursor(through, None), now=NOW, days=DAYS, lag=timedelta(0), incremental="updated"
        )
        assert planned == [Window("created", NOW - timedelta(days=DAYS), NOW)]


class TestCursorParsing:
    def test_round_trip(self) -> None:
        window = Window("updated", NOW - timedelta(days=1), NOW)
        raw = {"updated_through": NOW.isoformat(), "run": window.run_cursor({"page_token": "t"})}
        cursor = Cursor.parse(raw)
        assert cursor.updated_through == NOW
        assert cursor.run == Window("updated", window.start, window.end, {"page_token": "t"})

    @given(st.none() | st.text() | st.integers() | st.dictionaries(st.text(), st.text()))
    def test_anything_unreadable_means_start_over(self, raw: object) -> None:
        cursor = Cursor.parse(raw)
        assert cursor.updated_through is None and cursor.run is None

    def test_an_older_format_means_start_over(self) -> None:
        old = {"state": {"page_token": "x"}, "done": True, "at": NOW.isoformat()}
        assert Cursor.parse(old) == Cursor(None, None)

    def test_naive_times_are_refused(self) -> None:
        assert Cursor.parse({"updated_through": "2026-06-01T12:00:00"}).updated_through is None
