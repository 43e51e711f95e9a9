"""Tests of connectors.core.timestamps: unix seconds ↔ aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.core.errors import BadRecord
from connectors.core.timestamps import from_unix, to_unix, utc_now


class TestFromUnix:
    def test_int_is_aware_utc(self) -> None:
        moment = from_unix(1623812664)
        assert moment == datetime(2021, 6, 16, 3, 4, 24, tzinfo=UTC)
        assert moment.utcoffset() == timedelta(0)

    def test_digit_string_accepted(self) -> None:
        assert from_unix("1722342011") == from_unix(1722342011)

    @pytest.mark.parametrize("value", [1.5, True, "abc", "", None, 10**20])
    def test_garbage_is_bad_record(self, value: object) -> None:
        with pytest.raises(BadRecord):
            from_unix(value)  # type: ignore[arg-type]


class TestToUnix:
    def test_other_timezone_converts(self) -> None:
        plus2 = timezone(timedelta(hours=2))
        assert to_unix(datetime(2021, 6, 16, 5, 4, 24, tzinfo=plus2)) == 1623812664

    def test_naive_rejected(self) -> None:
        with pytest.raises(ValueError, match="naive"):
            to_unix(datetime(2021, 6, 16))  # noqa: DTZ001 - the point of the test

    def test_utc_now_is_aware(self) -> None:
        assert utc_now().tzinfo is UTC

    @given(st.integers(min_value=0, max_value=2**33))
    def test_round_trip(self, seconds: int) -> None:
        assert to_unix(from_unix(seconds)) == seconds
