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

Writes made with SQLAlchemy Core (``insert(...)``, ``update(...)``) do not pass
through the listener. A caller that writes synced rows that way must journal
them itself with ``journal_entry``, ``insert_changes`` and ``write_journal``,
which build the same ``changes`` and ``base_values`` JSON as the listener.
"""

from __future__ import annotations

import enum
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

from sqlalchemy import Connection, event, insert, inspect, select, update
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from sqlalchemy.orm.base import NEVER_SET, NO_VALUE

from crmdesk.domain.ids import new_id
from crmdesk.storage.bulk import insert_rows
from crmdesk.storage.models import Base, OutboxEntry, SyncState

HLC_KEY = "hlc"
_TX_GROUP = "crmdesk_tx_group"
_OUTBOX_TABLE = Base.metadata.tables[OutboxEntry.__tablename__]
_TABLE_ORDER = {
    table.name: index for index, table in enumerate(Base.metadata.sorted_tables)
}


# Types whose values go into the JSON as they are; checked by exact type first
# because the journal converts hundreds of thousands of values in an import.
_PLAIN_TYPES = frozenset({type(None), str, int, float, bool})
# One encoder for every entry: json.dumps would build a new one per call.
_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False)
# The C encoder behind _JSON.encode, built once with the same settings, because
# building it took a fifth of each encode of a 20-column row. It keeps no
# circular-reference markers: journal values are flat and never cyclic.
_C_ENCODER = (
    None
    if c_make_encoder is None
    else c_make_encoder(
        None,
        _JSON.default,
        encode_basestring,
        None,
        _JSON.key_separator,
        _JSON.item_separator,
        True,
        False,
        True,
    )
)


def _encode(values: dict[str, Any]) -> str:
    """Return ``values`` as JSON text, the same as ``_JSON.encode`` returns it."""
    if _C_ENCODER is None:
        return _JSON.encode(values)
    return "".join(_C_ENCODER(values, 0))


# The text of recently converted UUIDs: an import converts each deal, stage and
# user id many times, and a lookup costs a sixth of str(). Keyed by the 128-bit
# integer, whose hash is computed in C, unlike UUID.__hash__. Cleared when full.
_UUID_TEXT: dict[int, str] = {}
_UUID_TEXT_MAX = 100_000


def _uuid_text(value: uuid.UUID) -> str:
    number = value.int
    text = _UUID_TEXT.get(number)
    if text is None:
        if len(_UUID_TEXT) >= _UUID_TEXT_MAX:
            _UUID_TEXT.clear()
        text = str(value)
        _UUID_TEXT[number] = text
    return text


# The same for instants already in UTC, which repeat as often in an import.
_UTC_TEXT: dict[datetime, str] = {}


def _utc_text(value: datetime) -> str:
    text = _UTC_TEXT.get(value)
    if text is None:
        if len(_UTC_TEXT) >= _UUID_TEXT_MAX:
            _UTC_TEXT.clear()
        text = value.isoformat()
        _UTC_TEXT[value] = text
    return text


def _jsonable(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN_TYPES:
        return value
    if kind is uuid.UUID:
        return _uuid_text(value)
    if kind is datetime and value.tzinfo is UTC:
        return _utc_text(value)
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
    return journaled_columns(type(row))


def journaled_columns(model: type[Base]) -> tuple[str, ...]:
    """Return the journaled column attributes of a model, cached per class."""
    keys = _COLUMN_KEYS.get(model)
    if keys is None:
        keys = tuple(
            attr.key for attr in inspect(model).column_attrs if attr.key != "version"
        )
        _COLUMN_KEYS[model] = keys
    return keys


def jsonable(value: Any) -> Any:
    """Return ``value`` as the journal writes it into JSON (UUIDs and dates as text)."""
    return _jsonable(value)


def insert_changes(model: type[Base], values: dict[str, Any]) -> dict[str, Any]:
    """Return the ``changes`` of an insert of ``values``, as the listener builds them.

    Every journaled column is present; a column missing from ``values`` has its
    scalar default, or None, as the row the insert writes.
    """
    build = _INSERT_CHANGES.get(model)
    if build is None:
        build = _insert_changes_function(
            journaled_columns(model), scalar_defaults(model)
        )
        _INSERT_CHANGES[model] = build
    return build(values)


_INSERT_CHANGES: dict[type[Base], Callable[[dict[str, Any]], dict[str, Any]]] = {}


def scalar_defaults(model: type[Base]) -> dict[str, Any]:
    """Return the scalar column defaults of a model by attribute, cached per class.

    SQLAlchemy applies them when it runs the INSERT, after the journal has read
    the row, so the journal fills them in itself: the server must get the value
    the local row gets, not None.
    """
    defaults = _SCALAR_DEFAULTS.get(model)
    if defaults is None:
        defaults = {}
        for attr in inspect(model).column_attrs:
            default = attr.columns[0].default
            if default is not None and default.is_scalar:
                defaults[attr.key] = default.arg
        _SCALAR_DEFAULTS[model] = defaults
    return defaults


_SCALAR_DEFAULTS: dict[type[Base], dict[str, Any]] = {}


def _insert_changes_function(
    keys: tuple[str, ...], defaults: dict[str, Any]
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Generate ``values -> changes`` for ``keys`` as one dict display.

    The generated function passes plain values through without a call, which
    made it about twice as fast as a loop calling ``_jsonable`` per column.
    """
    items = ", ".join(
        f"{key!r}: (value if type(value := get({key!r}, defaults[{key!r}])) in plain "
        "else jsonable(value))"
        if key in defaults
        else f"{key!r}: (value if type(value := get({key!r})) in plain "
        "else jsonable(value))"
        for key in keys
    )
    source = (
        f"def insert_changes(values):\n    get = values.get\n    return {{{items}}}\n"
    )
    namespace: dict[str, Any] = {
        "plain": _PLAIN_TYPES,
        "jsonable": _jsonable,
        "defaults": defaults,
    }
    exec(source, namespace)
    function: Callable[[dict[str, Any]], dict[str, Any]] = namespace["insert_changes"]
    return function


def _drop_nul_characters(values: dict[str, Any], keys: tuple[str, ...]) -> None:
    """Remove U+0000 from the text values of a row about to be written.

    PostgreSQL text and jsonb cannot hold the NUL character, so the server would
    reject the whole push, and every change queued after it, for an invisible
    character that pasted text sometimes carries. The row is changed
    in place before the flush, so the laptop stores what the server will.
    """
    for key in keys:
        value = values.get(key)
        if type(value) is str and "\x00" in value:
            values[key] = value.replace("\x00", "")


def _changed_columns(row: Base, *, all_columns: bool) -> dict[str, Any]:
    return _changes_and_bases(row, all_columns=all_columns)[0]


def _changes_and_bases(
    row: Base, *, all_columns: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the changed columns' new values and, where known, their old ones.

    Values are read from the instance state directly, because attribute access
    and attribute history cost several times more per column, and an import
    journals tens of thousands of rows. ``committed_state`` contains the value each
    modified attribute had when it was loaded; an attribute set back to that
    value is not a change.
    """
    state = inspect(row)
    current = state.dict
    keys = _column_keys(row)
    _drop_nul_characters(current, keys)
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
    return next_stamps(connection, 1)[0]


def next_stamps(connection: Connection, count: int) -> list[int]:
    """Advance the hybrid logical clock for ``count`` local events, in order.

    The stamps rise strictly, as ``count`` calls of ``next_stamp`` would make
    them, but the stored clock is read and written once.
    """
    stored = connection.execute(
        select(SyncState.value).where(SyncState.key == HLC_KEY)
    ).scalar()
    last = int(stored) if stored is not None else 0
    wall = (time.time_ns() // 1_000_000) << 16
    stamps: list[int] = []
    for _ in range(count):
        last = max(wall, last + 1)
        stamps.append(last)
    if stored is None:
        connection.execute(insert(SyncState), {"key": HLC_KEY, "value": str(last)})
    else:
        connection.execute(
            update(SyncState).where(SyncState.key == HLC_KEY).values(value=str(last))
        )
    return stamps


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
            loaded = inspect(row).dict
            for key, value in scalar_defaults(type(row)).items():
                if key not in loaded:
                    setattr(row, key, value)
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
    entries = order_entries(inserts, updates, deletes)
    if entries:
        write_journal(session, [entries])


def order_entries(
    inserts: list[dict[str, Any]],
    updates: list[dict[str, Any]],
    deletes: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Order the entries of one event: inserts parents first, deletes children first."""
    inserts.sort(key=lambda entry: _TABLE_ORDER[entry["table_name"]])
    deletes.sort(key=lambda entry: -_TABLE_ORDER[entry["table_name"]])
    return inserts + updates + deletes


def write_journal(session: Session, events: list[list[dict[str, Any]]]) -> None:
    """Write outbox entries built by ``journal_entry``, one clock stamp per event.

    Each inner list is one event: a flush of the listener, or one service call
    replayed by a batch writer. All entries join the session transaction's
    ``tx_group``; events get rising HLC stamps in list order.
    """
    events = [event_entries for event_entries in events if event_entries]
    if not events:
        return
    group = _tx_group(session)
    connection = session.connection()
    stamps = next_stamps(connection, len(events))
    entries: list[dict[str, Any]] = []
    for stamp, event_entries in zip(stamps, events, strict=True):
        for entry in event_entries:
            entry["tx_group"] = group
            entry["hlc"] = stamp
            entries.append(entry)
    # One executemany per call. Added as ORM objects, each entry would need an
    # INSERT of its own to fetch its autoincrement seq, which made bulk writes
    # (an import of thousands of deals) spend most of their time here.
    insert_rows(connection, _OUTBOX_TABLE, entries)


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
    return journal_entry(
        row.__tablename__,
        row.id,  # type: ignore[attr-defined]
        operation,
        changes,
        now,
        base_version=0 if operation == "insert" else _version(row),
        base_values=bases,
    )


def journal_entry(
    table_name: str,
    row_id: uuid.UUID,
    operation: str,
    changes: dict[str, Any],
    now: datetime,
    *,
    base_version: int = 0,
    base_values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the values of one outbox row; ``write_journal`` adds group and stamp.

    ``changes`` and ``base_values`` map column names to values already passed
    through ``jsonable``. ``base_version`` is the row's server version before
    the edit (0 for an insert).
    """
    return {
        "table_name": table_name,
        "row_id": row_id,
        "operation": operation,
        "changes": _encode(changes),
        "created_at": now,
        "mutation_id": new_id(),
        "base_version": base_version,
        "base_values": _encode(base_values) if base_values else "{}",
    }


def install_journal(factory: sessionmaker[Session]) -> None:
    """Make every session of ``factory`` journal its synced writes to the outbox."""
    event.listen(factory, "before_flush", _journal)
    event.listen(factory, "after_transaction_end", _end_tx_group)
