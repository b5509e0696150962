"""Maven date cells: YYYY-MM-DD, with strptime's leniency kept."""

from __future__ import annotations

from datetime import date

import pytest

from crmdesk.services.imports.maven import _day
from crmdesk.services.imports.writer import RowRejectedError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017-03-01", date(2017, 3, 1)),
        ("2016-02-29", date(2016, 2, 29)),
        ("2017-3-1", date(2017, 3, 1)),
        ("2017-03- 1", date(2017, 3, 1)),
        ("", None),
    ],
)
def test_day_reads_dates(text: str, expected: date | None) -> None:
    assert _day(text, "close_date") == expected


@pytest.mark.parametrize(
    "text", ["2017-02-30", "2017-W01-1", "20170301", "0000-01-01", "2017-03-01T"]
)
def test_day_rejects_invalid_dates(text: str) -> None:
    with pytest.raises(RowRejectedError, match=r"invalid date .* 'close_date'"):
        _day(text, "close_date")
