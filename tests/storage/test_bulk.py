"""The SQLite fast path of bulk writes stores exactly what Core stores."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    Connection,
    Table,
    bindparam,
    create_engine,
    event,
    insert,
    update,
)
from sqlalchemy.exc import StatementError

from crmdesk.storage import bulk
from crmdesk.storage.models import Base, Opportunity, OutboxEntry, StageHistory

_OPPORTUNITIES: Table = Opportunity.__table__  # type: ignore[assignment]
_HISTORY: Table = StageHistory.__table__  # type: ignore[assignment]
_OUTBOX: Table = OutboxEntry.__table__  # type: ignore[assignment]
_SERIES = uuid.UUID("0190c0de-0000-7000-8000-000000000001")
_STAGE = uuid.UUID("0190c0de-0000-7000-8000-000000000002")
_OTHER_STAGE = uuid.UUID("0190c0de-0000-7000-8000-000000000003")
_SHANGHAI = timezone(timedelta(hours=8))


def _deal(number: int, when: datetime) -> dict[str, Any]:
    return {
        "id": uuid.UUID(int=(0x0190C0DE << 96) | number),
        "series_id": _SERIES,
        "stage_id": _STAGE,
        "customer_id": None,
        "product_id": uuid.UUID(int=number + 7),
        "owner_id": None,
        "team_id": None,
        "title": f"Deal {number} for Café 北京",
        "amount_minor": 10**12 + number,
        "currency": "USD",
        "expected_close": date(2017, 3, number % 28 + 1),
        "manual_probability": None if number % 2 else number,
        "stage_entered_at": when,
        "created_at": when,
        "updated_at": when,
        "created_by": None,
        "external_source": "maven",
        "external_key": f"K{number:05d}",
        # ``notes``, ``version`` and ``deleted_at`` are omitted: defaults apply.
    }


_TIMES = [
    datetime(2017, 3, 1, 12, 0, tzinfo=UTC),
    datetime(2017, 3, 1, 12, 0, 0, 5, tzinfo=UTC),
    datetime(2016, 12, 31, 23, 59, 59, 999999, tzinfo=_SHANGHAI),
    datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC),
]


def _deals() -> list[dict[str, Any]]:
    return [_deal(number, _TIMES[number % len(_TIMES)]) for number in range(40)]


def _history(deals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": uuid.UUID(int=deal["id"].int + 1000),
            "opportunity_id": deal["id"],
            "from_stage_id": None,
            "to_stage_id": _STAGE,
            # A datetime in a Date column is stored as its date.
            "expected_close": datetime(2017, 4, 2, 5, tzinfo=UTC),
            "changed_at": deal["created_at"],
            "changed_by": None,
            "amount_minor": deal["amount_minor"],
            "currency": "USD",
            "probability": 10,
            "source": "import",
            "version": 0,
            "deleted_at": None,
        }
        for deal in deals
    ]


def _outbox(deals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "table_name": "opportunities",
            "row_id": deal["id"],
            "operation": "insert",
            "changes": '{"title": "Café 北京"}',
            "created_at": deal["created_at"],
            "mutation_id": uuid.UUID(int=deal["id"].int + 2000),
            "base_version": 0,
            "base_values": "{}",
            "tx_group": _SERIES,
            "hlc": (1_700_000_000_000 << 16) + index,
        }
        for index, deal in enumerate(deals)
    ]


def _updates(deals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "row_id": deal["id"],
            "stage_id": _OTHER_STAGE,
            "stage_entered_at": _TIMES[(index + 1) % len(_TIMES)],
            "updated_at": _TIMES[(index + 2) % len(_TIMES)],
            "amount_minor": None,
            "currency": "EUR",
            "expected_close": None if index % 3 else date(2018, 1, 1),
            "manual_probability": 55,
        }
        for index, deal in enumerate(deals[::2])
    ]


def _write_core(connection: Connection) -> None:
    deals = _deals()
    connection.execute(insert(_OPPORTUNITIES), deals)
    connection.execute(insert(_HISTORY), _history(deals))
    connection.execute(insert(_OUTBOX), _outbox(deals))
    statement = update(_OPPORTUNITIES).where(
        _OPPORTUNITIES.c.id == bindparam(bulk.ROW_ID)
    )
    connection.execute(statement, _updates(deals))


def _write_bulk(connection: Connection) -> None:
    deals = _deals()
    bulk.insert_rows(connection, _OPPORTUNITIES, deals)
    bulk.insert_rows(connection, _HISTORY, _history(deals))
    bulk.insert_rows(connection, _OUTBOX, _outbox(deals))
    bulk.update_rows(connection, _OPPORTUNITIES, _updates(deals))


def _store(path: Path, write: Callable[[Connection], None]) -> Path:
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        write(connection)
    engine.dispose()
    return path


def _dump(path: Path, table: str) -> list[tuple[Any, ...]]:
    """Return every row with each value and its SQLite storage class."""
    with sqlite3.connect(path) as connection:
        columns = [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
        selected = ", ".join(f'"{name}", typeof("{name}")' for name in columns)
        rows = connection.execute(f"SELECT {selected} FROM {table} ORDER BY rowid")
        result = list(rows)
    connection.close()
    return result


@pytest.mark.parametrize("table", ["opportunities", "stage_history", "outbox"])
def test_bulk_rows_equal_core_rows(tmp_path: Path, table: str) -> None:
    core = _store(tmp_path / "core.sqlite3", _write_core)
    fast = _store(tmp_path / "fast.sqlite3", _write_bulk)
    core_rows = _dump(core, table)
    fast_rows = _dump(fast, table)
    assert len(core_rows) == 40
    assert fast_rows == core_rows


def test_bulk_stores_sqlalchemy_text_formats(tmp_path: Path) -> None:
    fast = _store(tmp_path / "fast.sqlite3", _write_bulk)
    with sqlite3.connect(fast) as connection:
        rows = connection.execute(
            "SELECT id, created_at, expected_close, notes, version FROM opportunities"
            " WHERE external_key IN ('K00002', 'K00003') ORDER BY external_key"
        ).fetchall()
    connection.close()
    shanghai, ancient = rows
    assert shanghai[0] == "0190c0de000000000000000000000002"
    # 2016-12-31 23:59:59.999999 at UTC+8 is 15:59:59.999999 UTC.
    assert shanghai[1] == "2016-12-31 15:59:59.999999"
    assert ancient[1] == "0999-01-02 03:04:05.000000"
    assert ancient[2] == "2017-03-04"
    assert ancient[3] == ""
    assert ancient[4] == 0


def test_bulk_skips_core_parameter_processing(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'fast.sqlite3'}")
    Base.metadata.create_all(engine)
    compiled_statements: list[bool] = []

    def record(*args: Any) -> None:
        context = args[4]
        compiled_statements.append(context.compiled is not None)

    event.listen(engine, "before_cursor_execute", record)
    with engine.begin() as connection:
        _write_bulk(connection)
    engine.dispose()
    # Four executemany statements, all sent as driver SQL with ready tuples.
    assert compiled_statements == [False, False, False, False]


def test_bulk_naive_datetime_raises_like_core(tmp_path: Path) -> None:
    deals = _deals()
    deals[3]["created_at"] = datetime(2017, 3, 1, 12, 0)
    engine = create_engine(f"sqlite:///{tmp_path / 'fast.sqlite3'}")
    Base.metadata.create_all(engine)
    with (
        engine.connect() as connection,
        pytest.raises(StatementError, match="naive datetime"),
    ):
        bulk.insert_rows(connection, _OPPORTUNITIES, deals)
    engine.dispose()


def test_bulk_missing_key_raises_like_core(tmp_path: Path) -> None:
    deals = _deals()
    del deals[5]["title"]
    engine = create_engine(f"sqlite:///{tmp_path / 'fast.sqlite3'}")
    Base.metadata.create_all(engine)
    with (
        engine.connect() as connection,
        pytest.raises(StatementError, match="title"),
    ):
        bulk.insert_rows(connection, _OPPORTUNITIES, deals)
    engine.dispose()
