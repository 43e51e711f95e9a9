"""Currency conversion: ECB rates by date, the fallback table, zero-decimal currencies."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from scoring.fx import (
    FALLBACK_USD_PER_UNIT,
    ecb_converter,
    rate_table,
    rates_frame,
    usd_per_unit,
)
from tests.scoring.factories import AS_OF, connection, make_frames, order
from tests.scoring.helpers import features

DAY = pd.Timestamp("2025-03-03T00:00:00Z")


class TestRates:
    def test_usd_is_one(self) -> None:
        assert usd_per_unit("USD", date(2025, 3, 3)) == 1.0

    def test_ecb_currency_has_a_dated_rate(self) -> None:
        assert 1.1 < usd_per_unit("GBP", date(2025, 3, 3)) < 1.4
        assert usd_per_unit("GBP", date(2025, 3, 3)) != usd_per_unit("GBP", date(2024, 3, 4))

    def test_vnd_comes_from_the_fallback_table(self) -> None:
        assert usd_per_unit("VND", date(2025, 3, 3)) == FALLBACK_USD_PER_UNIT["VND"]

    def test_unknown_currency_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="no USD rate for currency 'XXX'"):
            usd_per_unit("XXX", date(2025, 3, 3))

    def test_rates_equal_the_full_ecb_converter(self) -> None:
        # usd_per_unit loads each currency's column alone; the full converter is the reference,
        # on a weekday, a weekend (interpolated), a TARGET holiday and both sides of the data.
        full = ecb_converter()
        days = [date(2025, 3, 3), date(2025, 3, 8), date(2024, 12, 25), date(1990, 1, 1)]
        days.append(date(2100, 1, 1))
        for currency in sorted(full.currencies - {"USD"}):
            for day in days:
                expected = float(full.convert(1.0, currency, "USD", date=day))
                assert usd_per_unit(currency, day) == expected, (currency, day)

    def test_rates_frame_has_a_row_per_currency_and_day(self) -> None:
        frame = rates_frame(["IDR", "USD"], DAY, DAY + pd.Timedelta(days=2))
        assert len(frame) == 6
        assert str(frame["date"].dtype) == "datetime64[ns, UTC]"
        assert (frame["usd_per_unit"] > 0).all()

    def test_given_rates_win_over_the_ecb(self) -> None:
        given = pd.DataFrame({"currency": ["GBP"], "date": [DAY], "usd_per_unit": [2.0]}).astype(
            {"currency": "str"}
        )
        first_day = DAY.value // (86_400 * 10**9)
        table = rate_table(np.array(["GBP"], dtype=object), first_day, 2, given)
        assert table[0, 0] == 2.0
        assert table[0, 1] == usd_per_unit("GBP", date(2025, 3, 4))


class TestZeroDecimalCurrencies:
    @pytest.mark.parametrize("currency", ["IDR", "VND", "JPY"])
    def test_amounts_are_major_units(self, currency: str) -> None:
        when = AS_OF - pd.Timedelta(days=10)
        rate = usd_per_unit(currency, date(when.year, when.month, when.day))
        frames = make_frames(
            [connection("b1", currency=currency)],
            [order("b1", "o1", 10, 150_000.0, currency=currency)],
        )
        assert features(frames, "b1")["sales_usd"] == pytest.approx(150_000.0 * rate)
