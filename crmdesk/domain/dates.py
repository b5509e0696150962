"""Calendar days in the business time zone as UTC instants.

Events are stored as UTC instants; reports speak of calendar days where the
business works. A day runs from its midnight in the business zone up to, not
including, the next midnight.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crmdesk.domain.errors import ValidationError


def business_zone(name: str) -> ZoneInfo:
    """Return the IANA time zone called ``name``, such as ``Asia/Shanghai``.

    Raises:
        ValidationError: the name is not a known time zone.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"unknown time zone {name!r}: use an IANA name such as Asia/Shanghai"
        ) from None


def _out_of_range(day: date) -> ValidationError:
    return ValidationError(
        f"date {day.isoformat()} is out of range: use a date between "
        f"{FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}"
    )


FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9998, 12, 31)
"""Report dates outside this range cannot be compared a year back or moved to UTC."""


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """Return the UTC instant at which ``day`` starts in ``zone``.

    Raises:
        ValidationError: the day is outside ``FIRST_DAY`` .. ``LAST_DAY``.
    """
    if not FIRST_DAY <= day <= LAST_DAY:
        raise _out_of_range(day)
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def day_end(day: date, zone: ZoneInfo) -> datetime:
    """Return the UTC instant at which ``day`` ends in ``zone`` (next day's start).

    Raises:
        ValidationError: the day is outside ``FIRST_DAY`` .. ``LAST_DAY``.
    """
    if not FIRST_DAY <= day <= LAST_DAY:
        raise _out_of_range(day)
    return day_start(day + timedelta(days=1), zone)


def months_earlier(day: date, months: int) -> date:
    """Return the same day ``months`` calendar months earlier, clamped to month end.

    31 March minus one month is 28 or 29 February.

    Raises:
        ValidationError: the day is outside ``FIRST_DAY`` .. ``LAST_DAY``.
    """
    if not FIRST_DAY <= day <= LAST_DAY:
        raise _out_of_range(day)
    month_index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("every month has at least 28 days")
