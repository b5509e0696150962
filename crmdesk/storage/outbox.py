"""The change journal: every write to a synced table adds an outbox row.

A ``before_flush`` listener on the session factory turns new, changed and deleted
rows of synced tables into ``OutboxEntry`` rows inside the same flush, so the edit
and its journal entry commit or roll back together whatever entry point made them.
"""

from __future__ import annotations

import enum
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, sessionmaker

from crmdesk.domain.ids import new_id
from crmdesk.storage.models import Base, OutboxEntry


def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _changed_columns(row: Base, *, all_columns: bool) -> dict[str, Any]:
    state = inspect(row)
    changes: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key == "version":
            continue
        if all_columns:
            changes[key] = _jsonable(getattr(row, key))
            continue
        history = state.attrs[key].history
        if history.has_changes():
            changes[key] = _jsonable(getattr(row, key))
    return changes


def _journal(session: Session, _context: object, _instances: object) -> None:
    now = datetime.now(UTC)
    entries: list[OutboxEntry] = []
    for row in session.new:
        if isinstance(row, Base) and row.__synced__:
            # The primary key default runs only at INSERT time, too late for the
            # journal, so new rows get their UUIDv7 here.
            if getattr(row, "id", None) is None:
                row.id = new_id()  # type: ignore[attr-defined]
            changes = _changed_columns(row, all_columns=True)
            entries.append(_entry(row, "insert", changes, now))
    for row in session.dirty:
        if isinstance(row, Base) and row.__synced__ and session.is_modified(row):
            changes = _changed_columns(row, all_columns=False)
            if changes:
                entries.append(_entry(row, "update", changes, now))
    for row in session.deleted:
        if isinstance(row, Base) and row.__synced__:
            entries.append(_entry(row, "delete", {}, now))
    session.add_all(entries)


def _entry(
    row: Base, operation: str, changes: dict[str, Any], now: datetime
) -> OutboxEntry:
    return OutboxEntry(
        table_name=row.__tablename__,
        row_id=row.id,  # type: ignore[attr-defined]
        operation=operation,
        changes=json.dumps(changes, sort_keys=True, ensure_ascii=False),
        created_at=now,
    )


def install_journal(factory: sessionmaker[Session]) -> None:
    """Make every session of ``factory`` journal its synced writes to the outbox."""
    event.listen(factory, "before_flush", _journal)
