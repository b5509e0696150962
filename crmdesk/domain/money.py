"""Exact money: an amount in minor units with its ISO 4217 currency code."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from babel.numbers import get_currency_precision, is_currency

from crmdesk.domain.errors import ValidationError

# Babel rebuilds its currency list on each lookup; an import of thousands of
# deals looks up the same few codes again and again, so results are cached.


@functools.cache
def currency_exponent(currency: str) -> int:
    """Return the number of minor-unit digits of a currency (USD 2, JPY 0)."""
    return int(get_currency_precision(currency))


@functools.cache
def _is_currency(code: str) -> bool:
    return bool(is_currency(code))


def check_currency(code: str) -> str:
    """Return the upper-case ISO 4217 code, or raise naming the bad value."""
    normalised = code.strip().upper()
    if len(normalised) != 3 or not _is_currency(normalised):
        raise ValidationError(
            f"invalid currency code {code!r}: use an ISO 4217 code such as CNY or USD"
        )
    return normalised


# The largest amount, in minor units, of one deal, price or outcome:
# 100,000,000,000.00 in a currency with two decimals. Amounts are stored in
# 64-bit integer columns, and the pipeline reports sum them in SQL, so a
# stage's total must fit as well. The sum of 900,000 amounts of this size
# still fits. One amount near the column's own limit overflowed the sum of any
# stage it was in.
MAX_MINOR = 10**13

_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")


def _shown(text: object) -> str:
    """Return an amount as the user typed it, quoted, for an error message."""
    return repr(str(text).strip())


def parse_decimal(text: str | int | Decimal) -> Decimal:
    """Read a finite decimal number such as ``"1,234.50"``.

    A comma is accepted only as a thousands separator: "12,50" is a decimal
    comma in much of Europe and must not become 1250.

    Raises:
        ValidationError: the text is not a finite number in that form.
    """
    shown = _shown(text)
    raw = str(text).strip()
    if "," in raw:
        if not _GROUPED.fullmatch(raw):
            raise ValidationError(
                f"invalid amount {shown}: use a dot for decimals and commas "
                f"only between groups of three digits, such as 1,234.50"
            )
        raw = raw.replace(",", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationError(
            f"invalid amount {shown}: write a number such as 1234.50"
        ) from None
    if not value.is_finite():
        raise ValidationError(f"invalid amount {shown}: write a finite number")
    return value


@dataclass(frozen=True, order=True)
class Money:
    """An exact amount: ``minor`` units of ``currency`` (cents for USD, fen for CNY)."""

    minor: int
    currency: str

    @classmethod
    def parse(cls, text: str | int | Decimal, currency: str) -> Money:
        """Read a decimal amount such as ``"1,234.50"`` in the currency's major unit.

        Raises:
            ValidationError: the text is not a number, or has more decimal places
                than the currency has minor units.
        """
        code = check_currency(currency)
        shown = _shown(text)
        value = parse_decimal(text)
        exponent = currency_exponent(code)
        scaled = value.scaleb(exponent)
        if scaled != scaled.to_integral_value():
            raise ValidationError(
                f"invalid amount {shown}: {code} has {exponent} decimal places"
            )
        if abs(scaled) > MAX_MINOR:
            raise ValidationError(
                f"invalid amount {shown}: amounts up to "
                f"{Decimal(MAX_MINOR).scaleb(-exponent):,.{exponent}f} {code} fit"
            )
        return cls(int(scaled), code)

    @property
    def amount(self) -> Decimal:
        """The amount in the major unit, exact."""
        return Decimal(self.minor).scaleb(-currency_exponent(self.currency))

    def __str__(self) -> str:
        exponent = currency_exponent(self.currency)
        return f"{self.amount:.{exponent}f} {self.currency}"


def convert(minor: int, currency: str, base: str, rates: dict[str, Decimal]) -> Decimal:
    """Convert minor units of ``currency`` to a major-unit Decimal in ``base``.

    ``rates`` maps a currency code to the number of base units one unit of it is
    worth. The result keeps the base currency's minor-unit precision, rounded
    half to even.

    Raises:
        ValidationError: no rate is known for ``currency``.
    """
    value = Decimal(minor).scaleb(-currency_exponent(currency))
    quantum = Decimal(1).scaleb(-currency_exponent(base))
    return convert_exact(value, currency, base, rates).quantize(
        quantum, rounding=ROUND_HALF_EVEN
    )


def convert_exact(
    minor: Decimal, currency: str, base: str, rates: dict[str, Decimal]
) -> Decimal:
    """Convert a number of minor units of ``currency`` to ``base``, unrounded.

    Raises:
        ValidationError: no rate is known for ``currency``.
    """
    value = minor.scaleb(-currency_exponent(currency))
    if currency == base:
        return value
    rate = rates.get(currency)
    if rate is None:
        raise ValidationError(
            f"no exchange rate from {currency} to {base}: add one in the settings"
        )
    return value * rate
