"""Text forms of amounts, dates and instants in the interface."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from PySide6.QtCore import QLocale

from crmdesk.domain.money import Money, currency_exponent


def major_amount(minor: int | None, currency: str) -> Decimal | None:
    """Return an amount in minor units as a major-unit Decimal, exact."""
    if minor is None:
        return None
    return Money(minor, currency).amount


def amount_text(minor: int | None, currency: str) -> str:
    """Return an amount as ``12,345.00 CNY``; an empty string when there is none."""
    if minor is None:
        return ""
    exponent = currency_exponent(currency)
    value = Money(minor, currency).amount
    return f"{value:,.{exponent}f} {currency}"


def plain_amount(minor: int | None, currency: str) -> str:
    """Return an amount for an edit field, without grouping: ``12345.00``."""
    if minor is None:
        return ""
    return f"{Money(minor, currency).amount:.{currency_exponent(currency)}f}"


def date_text(value: date | None) -> str:
    """Return a calendar date as ISO text, empty for None."""
    return "" if value is None else value.isoformat()


def instant_text(value: datetime | None) -> str:
    """Return a UTC instant in the local time zone, to the minute."""
    if value is None:
        return ""
    local = value.astimezone()
    return local.strftime("%Y-%m-%d %H:%M")


def percent_text(value: int | None) -> str:
    """Return a whole percentage as ``30 %`` in the current locale."""
    if value is None:
        return ""
    return f"{QLocale().toString(value)} %"
