"""Decimal money helpers: rounding to a currency's minor unit and wire formatting."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

# IDR (and VND) amounts are whole numbers in every sample (reference 10).
_EXPONENTS = {"IDR": 0, "VND": 0, "JPY": 0}


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-_EXPONENTS.get(currency, 2))


def q(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit, never producing a negative zero."""
    rounded = amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded == 0 else rounded


def fmt(amount: Decimal, currency: str) -> str:
    """The decimal string the platform puts on the wire (``"12.50"``, ``"149000"``)."""
    return str(q(amount, currency))


def total(values: Iterable[str | Decimal], currency: str) -> str:
    return fmt(sum((Decimal(v) for v in values), Decimal(0)), currency)
