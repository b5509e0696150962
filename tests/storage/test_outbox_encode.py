"""Journal JSON: the prebuilt encoder writes what json.dumps writes."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from crmdesk.storage.models import Opportunity
from crmdesk.storage.outbox import _encode, insert_changes, journaled_columns, jsonable

_CASES: list[dict[str, Any]] = [
    {},
    {"title": 'Café 北京 "quoted" \\ back\nline\t\u0001', "amount_minor": 10**18},
    {"probability": 12.5, "done": True, "gone": False, "deleted_at": None},
    {"z": 1, "a": 2, "m": [1, "two", None, {"b": 1, "a": 2}]},
    {"emoji": "\U0001f600", "surrogate_free": "\u00e9"},
]


@pytest.mark.parametrize("values", _CASES)
def test_encode_matches_json_dumps(values: dict[str, Any]) -> None:
    expected = json.dumps(values, sort_keys=True, ensure_ascii=False)
    assert _encode(values) == expected


def test_insert_changes_match_jsonable_per_column() -> None:
    shanghai = timezone(timedelta(hours=8))
    values: dict[str, Any] = {
        "id": uuid.UUID("0190c0de-0000-7000-8000-000000000001"),
        "series_id": uuid.UUID("0190c0de-0000-7000-8000-000000000002"),
        "title": "Deal",
        "amount_minor": Decimal("12.50"),
        "expected_close": date(2017, 3, 1),
        "stage_entered_at": datetime(2017, 3, 1, 12, tzinfo=UTC),
        "created_at": datetime(2017, 3, 1, 20, tzinfo=shanghai),
        "updated_at": datetime(2017, 3, 1, 12, 0, 0, 5, tzinfo=UTC),
    }
    changes = insert_changes(Opportunity, values)
    assert list(changes) == list(journaled_columns(Opportunity))
    columns = Opportunity.__table__.c
    for key in journaled_columns(Opportunity):
        default = columns[key].default
        omitted = default.arg if default is not None and default.is_scalar else None
        assert changes[key] == jsonable(values.get(key, omitted)), key
    # Omitted columns get the default the INSERT writes, as the server must.
    assert changes["notes"] == ""
    assert changes["source"] == ""
    assert changes["id"] == "0190c0de-0000-7000-8000-000000000001"
    assert changes["amount_minor"] == "12.50"
    assert changes["expected_close"] == "2017-03-01"
    assert changes["stage_entered_at"] == "2017-03-01T12:00:00+00:00"
    # 20:00 at UTC+8 is 12:00 UTC.
    assert changes["created_at"] == "2017-03-01T12:00:00+00:00"
    assert changes["updated_at"] == "2017-03-01T12:00:00.000005+00:00"
    assert changes["customer_id"] is None
