"""The change journal: every write to a synced table adds an outbox row.

A ``before_flush`` listener on the session factory turns new, changed and deleted
rows of synced tables into ``OutboxEntry`` rows inside the same flush, so the edit
and its journal entry commit or roll back together whatever entry point made them.

For sync, each entry also records its local transaction (``tx_group``: every flush
of one session transaction shares it), the row's server version before the edit
(``base_version``), the changed columns' values before the edit (``base_values``,
from attribute history) and a hybrid logical clock stamp kept in ``sync_state``.
Inserts are journaled parents first and deletes children first, so replaying the
outbox in order never breaks a foreign key.
"""

from __future__ import annotations

import enum
import json
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, event, insert, inspect, select, update
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from sqlalchemy.orm.base import NEVER_SET, NO_VALUE

from crmdesk.domain.ids import new_id
from crmdesk.storage.models import Base, OutboxEntry, SyncState

HLC_KEY = "hlc"
_TX_GROUP = "crmdesk_tx_group"
_TABLE_ORDER = {
    table.name: index for index, table in enumerate(Base.metadata.sorted_tables)
}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float):
        return value
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


_COLUMN_KEYS: dict[type, tuple[str, ...]] = {}


def _column_keys(row: Base) -> tuple[str, ...]:
    """Return the journaled column attributes of a model, cached per class."""
    keys = _COLUMN_KEYS.get(type(row))
    if keys is None:
        keys = tuple(
            attr.key
            for attr in inspect(type(row)).column_attrs
            if attr.key != "version"
        )
        _COLUMN_KEYS[type(row)] = keys
    return keys


def _changed_columns(row: Base, *, all_columns: bool) -> dict[str, Any]:
    return _changes_and_bases(row, all_columns=all_columns)[0]


def _changes_and_bases(
    row: Base, *, all_columns: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the changed columns' new values and, where known, their old ones.

    Values are read from the instance state directly, because attribute access
    and attribute history cost several times more per column, and an import
    journals tens of thousands of rows. ``committed_state`` holds the value each
    modified attribute had when it was loaded; an attribute set back to that
    value is not a change.
    """
    state = inspect(row)
    current = state.dict
    keys = _column_keys(row)
    if all_columns:
        return {key: _jsonable(current.get(key)) for key in keys}, {}
    changes: dict[str, Any] = {}
    bases: dict[str, Any] = {}
    committed = state.committed_state
    for key in keys:
        if key not in committed:
            continue
        before = committed[key]
        after = current.get(key)
        known = before is not NO_VALUE and before is not NEVER_SET
        if known and before == after:
            continue
        changes[key] = _jsonable(after)
        if known:
            bases[key] = _jsonable(before)
    return changes, bases


def _tx_group(session: Session) -> uuid.UUID:
    """Return the id shared by every entry of the session's current transaction."""
    group = session.info.get(_TX_GROUP)
    if not isinstance(group, uuid.UUID):
        group = new_id()
        session.info[_TX_GROUP] = group
    return group


def _end_tx_group(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_TX_GROUP, None)


def next_stamp(connection: Connection) -> int:
    """Advance the store's hybrid logical clock for a local event and return it.

    A stamp is wall-clock milliseconds shifted left 16 bits plus a counter; it is
    never below the wall clock and always above the last stamp, so it keeps
    rising when the wall clock jumps back. Receiving stamps from the server
    (crmdesk.sync.hlc) moves the same stored value.
    """
    stored = connection.execute(
        select(SyncState.value).where(SyncState.key == HLC_KEY)
    ).scalar()
    last = int(stored) if stored is not None else 0
    stamp = max((time.time_ns() // 1_000_000) << 16, last + 1)
    if stored is None:
        connection.execute(insert(SyncState), {"key": HLC_KEY, "value": str(stamp)})
    else:
        connection.execute(
            update(SyncState).where(SyncState.key == HLC_KEY).values(value=str(stamp))
        )
    return stamp


def _journal(session: Session, _context: object, _instances: object) -> None:
    now = datetime.now(UTC)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    deletes: list[dict[str, Any]] = []
    for row in session.new:
        if isinstance(row, Base) and row.__synced__:
            # The primary key default runs only at INSERT time, too late for the
            # journal, so new rows get their UUIDv7 here.
            if getattr(row, "id", None) is None:
                row.id = new_id()  # type: ignore[attr-defined]
            changes = _changed_columns(row, all_columns=True)
            inserts.append(_entry(row, "insert", changes, now))
    for row in session.dirty:
        if isinstance(row, Base) and row.__synced__:
            changes, bases = _changes_and_bases(row, all_columns=False)
            if changes:
                updates.append(_entry(row, "update", changes, now, bases))
    for row in session.deleted:
        if isinstance(row, Base) and row.__synced__:
            deletes.append(_entry(row, "delete", {}, now))
    inserts.sort(key=lambda entry: _TABLE_ORDER[entry["table_name"]])
    deletes.sort(key=lambda entry: -_TABLE_ORDER[entry["table_name"]])
    entries = inserts + updates + deletes
    if entries:
        group = _tx_group(session)
        stamp = next_stamp(session.connection())
        for entry in entries:
            entry["tx_group"] = group
            entry["hlc"] = stamp
        # One executemany per flush. Added as ORM objects, each entry would need
        # an INSERT of its own to fetch its autoincrement seq, which made bulk
        # writes (an import of thousands of deals) spend most of their time here.
        session.connection().execute(insert(OutboxEntry), entries)


def _version(row: Base) -> int:
    version = getattr(row, "version", 0)
    return int(version) if version else 0


def _entry(
    row: Base,
    operation: str,
    changes: dict[str, Any],
    now: datetime,
    bases: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "table_name": row.__tablename__,
        "row_id": row.id,  # type: ignore[attr-defined]
        "operation": operation,
        "changes": json.dumps(changes, sort_keys=True, ensure_ascii=False),
        "created_at": now,
        "mutation_id": new_id(),
        "base_version": 0 if operation == "insert" else _version(row),
        "base_values": json.dumps(bases or {}, sort_keys=True, ensure_ascii=False),
    }


def install_journal(factory: sessionmaker[Session]) -> None:
    """Make every session of ``factory`` journal its synced writes to the outbox."""
    event.listen(factory, "before_flush", _journal)
    event.listen(factory, "after_transaction_end", _end_tx_group)
