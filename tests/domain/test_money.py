"""Money parsing: exact minor units, thousands separators, limits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crmdesk.domain.errors import ValidationError
from crmdesk.domain.money import Money


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("1,234.50", 123_450),
        ("1234.5", 123_450),
        ("1,234,567", 123_456_700),
        ("-5", -500),
        (Decimal("10000"), 1_000_000),
        (" 42 ", 4_200),
    ],
)
def test_parse_accepts(text, minor):
    assert Money.parse(text, "CNY").minor == minor


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12,50", "use a dot for decimals"),
        ("1,2,3", "use a dot for decimals"),
        ("1e30", "amounts up to"),
        ("12.345", "CNY has 2 decimal places"),
        ("NaN", "write a finite number"),
        ("abc", "write a number"),
    ],
)
def test_parse_rejects_with_value(text, message):
    with pytest.raises(ValidationError, match=message) as caught:
        Money.parse(text, "CNY")
    assert repr(text) in str(caught.value)


def test_yen_has_no_minor_units():
    assert Money.parse("1,000", "JPY").minor == 1000
    with pytest.raises(ValidationError, match="JPY has 0 decimal places"):
        Money.parse("1.5", "JPY")


def test_unknown_currency_is_named():
    with pytest.raises(ValidationError, match="'XYZ'"):
        Money.parse("1", "XYZ")
