"""Money parsing: platform amount strings to ``Decimal``, never through ``float``.

Wire amounts are plain decimal strings (``"5000"``, ``"-30"``, ``"21.3"``), and by default that
is all ``parse_amount`` accepts: a locale-formatted amount where the wire format is documented
(``"Rp9.900"`` in an order, ``"1.234,50"``) is a broken record, and reading it anyway risks a
thousandfold error (``"9.900"`` read as nine point nine), so it is quarantined instead.

Where a platform documents locale-formatted amounts (TikTok Shop's creator affiliate samples,
reference section 6.2, LOW confidence on what production sends), callers pass
``formatted=True``: the parser then strips a currency symbol or code around the number and
resolves grouping and decimal separators, using the currency where the string alone is
ambiguous:

* both ``.`` and ``,`` present: the last one is the decimal separator;
* one separator repeated (``1.234.567``): grouping;
* one separator once, followed by other than exactly three digits: decimal separator;
* one separator once, followed by exactly three digits (``9.900``, ``1,234``):
  grouping in zero-decimal currencies (IDR, VND, JPY, ...: an amount never has three
  fractional digits there), and otherwise ``.`` is the decimal point (the wire format) and
  ``,`` is grouping, except in comma-decimal currencies (EUR, BRL) where it is the decimal comma.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from connectors.core.errors import BadRecord

# ISO 4217 minor units of the currencies the platforms use; anything else defaults to 2.
_MINOR_UNITS: dict[str, int] = {
    "BHD": 3,
    "BRL": 2,
    "CAD": 2,
    "CLP": 0,
    "EUR": 2,
    "GBP": 2,
    "IDR": 0,  # ISO says 2, but IDR prices are whole rupiah on every platform we read
    "ISK": 0,
    "JOD": 3,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "MXN": 2,
    "MYR": 2,
    "OMR": 3,
    "PHP": 2,
    "SGD": 2,
    "THB": 2,
    "TND": 3,
    "USD": 2,
    "VND": 0,
}

# Currencies whose usual written form uses a decimal comma ("1.234,50").
_COMMA_DECIMAL = frozenset({"EUR", "BRL", "IDR", "VND"})

_GROUPING_ONLY = ("'", " ", "\u00a0", "\u202f", "\u2009")
_NUMBER = re.compile(r"^\d[\d.,]*$")
_PLAIN = re.compile(r"^-?[0-9]+(\.[0-9]+)?\Z")


def minor_units(currency: str) -> int:
    """Number of decimal places of ``currency`` (ISO 4217 code); 2 when unknown."""
    return _MINOR_UNITS.get(currency.upper(), 2)


def parse_amount(value: str | int | Decimal, currency: str, *, formatted: bool = False) -> Decimal:
    """Parse a platform amount in ``currency`` into a ``Decimal``.

    Parameters
    ----------
    formatted
        Accept locale-formatted text (``"Rp9.900"``, ``"1.234,50 €"``); otherwise only the
        plain wire format (``"-1234.5"``).

    Raises
    ------
    BadRecord
        When ``value`` is not an amount (empty, letters inside the number, bad grouping,
        NaN/infinity, a float or a bool), or is formatted text and ``formatted`` is false.
    """
    if isinstance(value, str):  # the wire format, nearly every call: tested first
        return _parse_text(value, currency.upper()) if formatted else _parse_plain(value)
    if isinstance(value, bool | float):
        raise BadRecord(f"amount must be a decimal string, not {type(value).__name__}")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise BadRecord("amount is not a finite number")
        return value
    if isinstance(value, int):
        return Decimal(value)
    raise BadRecord(f"amount must be a decimal string, not {type(value).__name__}")


def _parse_plain(value: str) -> Decimal:
    plain = value.strip()
    if not _PLAIN.match(plain):
        raise BadRecord(f"amount is not a plain decimal string: {value[:40]!r}")
    return Decimal(plain)


def _parse_text(text: str, currency: str) -> Decimal:
    negative, core = _strip_sign_and_symbols(text.strip())
    for char in _GROUPING_ONLY:
        core = core.replace(char, "")
    if not _NUMBER.match(core) or core[-1] in ".,":
        raise BadRecord(f"unparseable amount {text[:40]!r}")
    plain = _resolve_separators(core, currency, original=text)
    try:
        amount = Decimal(plain)
    except InvalidOperation as exc:  # pragma: no cover - the regex already excludes this
        raise BadRecord(f"unparseable amount {text[:40]!r}") from exc
    return -amount if negative else amount


def _strip_sign_and_symbols(text: str) -> tuple[bool, str]:
    """Remove a leading/trailing currency symbol or code and one minus sign."""
    negative = False
    start, end = 0, len(text)
    while start < end and not text[start].isdigit():
        char = text[start]
        if char in "-\u2212":
            if negative:
                raise BadRecord(f"unparseable amount {text[:40]!r}")
            negative = True
        elif char != "+" and not _is_symbol_char(char):
            raise BadRecord(f"unparseable amount {text[:40]!r}")
        start += 1
    while end > start and not text[end - 1].isdigit():
        if not _is_symbol_char(text[end - 1]):
            raise BadRecord(f"unparseable amount {text[:40]!r}")
        end -= 1
    if start == end:
        raise BadRecord(f"unparseable amount {text[:40]!r}")
    return negative, text[start:end]


def _is_symbol_char(char: str) -> bool:
    return char.isalpha() or char.isspace() or unicodedata.category(char) == "Sc"


def _resolve_separators(core: str, currency: str, *, original: str) -> str:
    dots, commas = core.count("."), core.count(",")
    if dots and commas:
        decimal_sep = "." if core.rfind(".") > core.rfind(",") else ","
        group_sep = "," if decimal_sep == "." else "."
        whole, _, fraction = core.rpartition(decimal_sep)
        if decimal_sep in whole:
            raise BadRecord(f"unparseable amount {original[:40]!r}")
        return f"{_ungroup(whole, group_sep, original)}.{fraction}"
    if not dots and not commas:
        return core
    sep = "." if dots else ","
    if core.count(sep) > 1:
        return _ungroup(core, sep, original)
    whole, _, fraction = core.partition(sep)
    if len(fraction) != 3:
        return f"{whole}.{fraction}"
    if minor_units(currency) == 0:
        return _ungroup(core, sep, original)
    if sep == "." or currency in _COMMA_DECIMAL:
        return f"{whole}.{fraction}"
    return _ungroup(core, sep, original)


def _ungroup(text: str, sep: str, original: str) -> str:
    groups = text.split(sep)
    if not (1 <= len(groups[0]) <= 3) or any(len(group) != 3 for group in groups[1:]):
        raise BadRecord(f"unparseable amount {original[:40]!r}")
    return "".join(groups)
