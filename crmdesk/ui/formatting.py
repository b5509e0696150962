"""Text forms of amounts, dates and instants in the interface."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
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


# The zone instants are shown in: the workspace's business time zone once the
# main window has read it, so times read as they were typed in the activity
# dialog whatever zone the laptop is set to. None means the computer's zone.
_DISPLAY_ZONE: list[tzinfo | None] = [None]


def set_display_zone(zone: tzinfo | None) -> None:
    """Show instants in ``zone`` from now on (None: the computer's own zone)."""
    _DISPLAY_ZONE[0] = zone


def displayed(value: datetime) -> datetime:
    """Return an instant in the display zone (see ``set_display_zone``)."""
    return value.astimezone(_DISPLAY_ZONE[0])


def instant_text(value: datetime | None) -> str:
    """Return an instant in the display zone, to the minute."""
    if value is None:
        return ""
    return displayed(value).strftime("%Y-%m-%d %H:%M")


def percent_text(value: int | None) -> str:
    """Return a whole percentage as ``30 %`` in the current locale."""
    if value is None:
        return ""
    return f"{QLocale().toString(value)} %"
