"""USD conversion at ECB reference rates, and the fallback table for what the ECB omits."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from scoring.fx import FALLBACK_USD_PER_UNIT, ecb_converter, to_usd, usd_per_unit


def _series(values: list[object], dtype: str | None = None) -> pd.Series:
    return pd.Series(values, dtype=dtype)


def _times(*iso: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(iso), utc=True))


class TestUsdPerUnit:
    def test_usd_is_one(self) -> None:
        assert usd_per_unit("USD", date(2025, 6, 2)) == 1.0

    def test_gbp_uses_the_ecb_cross_rate_of_the_day(self) -> None:
        expected = ecb_converter().convert(1.0, "GBP", "USD", date=date(2025, 6, 2))
        assert usd_per_unit("GBP", date(2025, 6, 2)) == pytest.approx(expected)
        assert 1.1 < usd_per_unit("GBP", date(2025, 6, 2)) < 1.5

    def test_weekend_rate_is_interpolated_not_missing(self) -> None:
        saturday = usd_per_unit("EUR", date(2025, 6, 7))
        friday = usd_per_unit("EUR", date(2025, 6, 6))
        monday = usd_per_unit("EUR", date(2025, 6, 9))
        assert min(friday, monday) <= saturday <= max(friday, monday)

    def test_vnd_uses_the_fallback_table(self) -> None:
        assert usd_per_unit("VND", date(2025, 6, 2)) == FALLBACK_USD_PER_UNIT["VND"]

    def test_date_after_the_shipped_data_uses_the_last_published_rate(self) -> None:
        last = ecb_converter().bounds["GBP"].last_date
        assert usd_per_unit("GBP", date(2099, 1, 1)) == pytest.approx(usd_per_unit("GBP", last))

    def test_unknown_currency_names_it(self) -> None:
        with pytest.raises(ValueError, match="no USD rate for currency 'XYZ'"):
            usd_per_unit("XYZ", date(2025, 6, 2))


class TestToUsd:
    def test_converts_each_row_at_its_own_day(self) -> None:
        amount = _series([100.0, 100.0, 100.0])
        currency = _series(["GBP", "GBP", "USD"])
        on = _times("2022-09-26T10:00:00Z", "2025-06-02T23:59:00Z", "2025-06-02T00:00:00Z")
        usd = to_usd(amount, currency, on)
        assert usd.iloc[0] == pytest.approx(100 * usd_per_unit("GBP", date(2022, 9, 26)))
        assert usd.iloc[1] == pytest.approx(100 * usd_per_unit("GBP", date(2025, 6, 2)))
        assert usd.iloc[2] == 100.0

    def test_rate_day_is_the_utc_calendar_day(self) -> None:
        late_in_jakarta = pd.Series(
            [pd.Timestamp("2025-06-03T01:00:00", tz="Asia/Jakarta")]
        )  # 2025-06-02 18:00 UTC
        usd = to_usd(_series([1.0]), _series(["GBP"]), late_in_jakarta)
        assert usd.iloc[0] == pytest.approx(usd_per_unit("GBP", date(2025, 6, 2)))

    def test_keeps_the_amount_index_and_nan(self) -> None:
        amount = pd.Series([10.0, float("nan")], index=[7, 3])
        on = pd.Series(pd.to_datetime(["2025-06-02", "2025-06-02"], utc=True), index=[7, 3])
        usd = to_usd(amount, pd.Series(["EUR", "EUR"], index=[7, 3]), on)
        assert list(usd.index) == [7, 3]
        assert pd.isna(usd.loc[3])

    def test_zero_decimal_currencies_are_major_units(self) -> None:
        usd = to_usd(_series([1_000_000.0]), _series(["IDR"]), _times("2025-06-02"))
        assert 40.0 < usd.iloc[0] < 90.0  # Rp1,000,000 is tens of dollars, not thousands

    def test_empty_input_gives_empty_float_series(self) -> None:
        empty = to_usd(
            _series([], "float64"), _series([], "str"), _series([], "datetime64[ns, UTC]")
        )
        assert empty.empty
        assert empty.dtype == "float64"

    def test_unknown_currency_is_a_value_error(self) -> None:
        with pytest.raises(ValueError, match="'ABC'"):
            to_usd(_series([1.0]), _series(["ABC"]), _times("2025-06-02"))

    def test_naive_times_are_refused(self) -> None:
        naive = pd.Series(pd.to_datetime(["2025-06-02"]))
        with pytest.raises(ValueError, match="timezone-aware"):
            to_usd(_series([1.0]), _series(["USD"]), naive)

    def test_misaligned_inputs_are_refused(self) -> None:
        with pytest.raises(ValueError, match="same length, got 2, 1 and 1"):
            to_usd(_series([1.0, 2.0]), _series(["USD"]), _times("2025-06-02"))
