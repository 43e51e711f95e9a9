"""Tests of connectors.core.money: plain and locale-formatted amounts, never through float."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.core.errors import BadRecord
from connectors.core.money import minor_units, parse_amount


class TestMinorUnits:
    def test_zero_decimal_currencies(self) -> None:
        assert [minor_units(c) for c in ("IDR", "VND", "JPY", "KRW")] == [0, 0, 0, 0]

    def test_two_decimal_currencies_and_lower_case(self) -> None:
        assert [minor_units(c) for c in ("USD", "gbp", "EUR", "MYR")] == [2, 2, 2, 2]

    def test_unknown_currency_defaults_to_two(self) -> None:
        assert minor_units("XYZ") == 2


class TestParseAmountPlain:
    @pytest.mark.parametrize(
        ("text", "currency", "expected"),
        [
            ("5000", "IDR", Decimal("5000")),
            ("21.3", "IDR", Decimal("21.3")),
            ("-30", "GBP", Decimal("-30")),
            ("0.01", "USD", Decimal("0.01")),
            ("1.000000", "USD", Decimal("1.000000")),
            ("1.234", "USD", Decimal("1.234")),
            (" 12.50 ", "USD", Decimal("12.50")),
        ],
    )
    def test_wire_decimals(self, text: str, currency: str, expected: Decimal) -> None:
        assert parse_amount(text, currency) == expected

    def test_int_and_decimal_inputs(self) -> None:
        assert parse_amount(42, "USD") == Decimal(42)
        assert parse_amount(Decimal("1.50"), "USD") == Decimal("1.50")

    def test_result_keeps_exact_digits(self) -> None:
        assert str(parse_amount("0.10", "USD")) == "0.10"


class TestParseAmountFormatted:
    @pytest.mark.parametrize(
        ("text", "currency", "expected"),
        [
            ("Rp9.900", "IDR", Decimal("9900")),
            ("Rp1.980", "IDR", Decimal("1980")),
            ("Rp 1.234.567", "IDR", Decimal("1234567")),
            ("9.900", "IDR", Decimal("9900")),
            ("₫1.000.000", "VND", Decimal("1000000")),
            ("¥1,000", "JPY", Decimal("1000")),
            ("$1,234.50", "USD", Decimal("1234.50")),
            ("$1,234", "USD", Decimal("1234")),
            ("1.234,50 €", "EUR", Decimal("1234.50")),
            ("1 234,50 €", "EUR", Decimal("1234.50")),
            ("12,5 €", "EUR", Decimal("12.5")),
            ("R$ 1.234,56", "BRL", Decimal("1234.56")),
            ("£12.34", "GBP", Decimal("12.34")),
            ("-$5.00", "USD", Decimal("-5.00")),
            ("$-5.00", "USD", Decimal("-5.00")),
            ("USD 10.00", "USD", Decimal("10.00")),
            ("RM1,299.00", "MYR", Decimal("1299.00")),
        ],
    )
    def test_locale_formats(self, text: str, currency: str, expected: Decimal) -> None:
        assert parse_amount(text, currency, formatted=True) == expected

    @pytest.mark.parametrize(
        ("text", "currency"),
        [
            ("Rp9.900", "IDR"),
            ("Rp9.900", "USD"),
            ("1.234,50", "EUR"),
            ("1.234,50 €", "EUR"),
            ("$1,234.50", "USD"),
            ("12,5", "EUR"),
            ("£12.34", "GBP"),
            ("USD 10.00", "USD"),
            ("+5", "USD"),
            ("١٢٣", "USD"),
        ],
    )
    def test_rejected_where_the_wire_format_is_plain(self, text: str, currency: str) -> None:
        with pytest.raises(BadRecord, match="not a plain decimal string"):
            parse_amount(text, currency)


class TestParseAmountGarbage:
    @pytest.mark.parametrize(
        "text",
        [
            "",
            "   ",
            "abc",
            "$",
            "NaN",
            "Infinity",
            "1e5",
            "12abc34",
            "1..2",
            "1.2.3",
            "1,23,4",
            "--5",
            "5-",
            "1.234,5,6",
            "1.",
            "(5)",
        ],
    )
    @pytest.mark.parametrize("formatted", [False, True])
    def test_raises_bad_record(self, text: str, formatted: bool) -> None:
        with pytest.raises(BadRecord):
            parse_amount(text, "USD", formatted=formatted)

    @pytest.mark.parametrize("value", [1.5, True, None, [1]])
    def test_non_string_types_rejected(self, value: object) -> None:
        with pytest.raises(BadRecord):
            parse_amount(value, "USD")  # type: ignore[arg-type]

    def test_non_finite_decimal_rejected(self) -> None:
        with pytest.raises(BadRecord):
            parse_amount(Decimal("NaN"), "USD")


CURRENCIES = st.sampled_from(["USD", "GBP", "EUR", "IDR", "VND", "JPY", "BRL", "MYR"])


class TestParseAmountProperties:
    @given(
        st.decimals(
            allow_nan=False, allow_infinity=False, places=2, min_value=-(10**9), max_value=10**9
        ),
        st.sampled_from(["USD", "GBP", "EUR", "BRL", "MYR", "THB"]),
    )
    def test_plain_two_decimal_round_trip(self, amount: Decimal, currency: str) -> None:
        assert parse_amount(format(amount, "f"), currency) == amount

    @given(st.integers(min_value=-(10**12), max_value=10**12), CURRENCIES)
    def test_plain_integer_round_trip(self, amount: int, currency: str) -> None:
        assert parse_amount(str(amount), currency) == Decimal(amount)

    @given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["IDR", "VND"]))
    def test_dot_grouped_zero_decimal_round_trip(self, amount: int, currency: str) -> None:
        text = "Rp" + f"{amount:,}".replace(",", ".")
        assert parse_amount(text, currency, formatted=True) == Decimal(amount)

    @given(
        st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=0, max_value=10**9)
    )
    def test_us_grouped_round_trip(self, amount: Decimal) -> None:
        assert parse_amount(f"${amount:,.2f}", "USD", formatted=True) == amount

    @given(
        st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=0, max_value=10**9)
    )
    def test_eu_grouped_round_trip(self, amount: Decimal) -> None:
        text = f"{amount:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
        assert parse_amount(f"{text} €", "EUR", formatted=True) == amount

    @given(st.text(alphabet="abcxyz!?#%&*", min_size=1, max_size=8))
    def test_text_without_digits_is_bad_record(self, text: str) -> None:
        with pytest.raises(BadRecord):
            parse_amount(text, "USD", formatted=True)
        with pytest.raises(BadRecord):
            parse_amount(text, "USD")
