"""The local side of sync: shadow rows, working-copy rebuilds, state and issues.

Everything here runs on a Core connection inside one write transaction opened by
:func:`write_transaction`. Writes go through Core statements, which the outbox
journal (an ORM flush listener) does not see, so applying server rows never
creates outbox entries.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    Engine,
    Table,
    Uuid,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from crmdesk.domain.ids import new_id
from crmdesk.storage.models import (
    Base,
    OutboxEntry,
    SyncIssue,
    SyncShadow,
    SyncState,
    WorkspaceSetting,
)
from crmdesk.storage.types import UtcDateTime

PENDING = "pending"
# Page cache of a connection applying server data, in KiB (negative: a size,
# not a page count, as SQLite's PRAGMA cache_size takes it).
SYNC_CACHE_KIB = -65536
ACKED = "acked"
FAILED = "failed"


def _table(value: object) -> Table:
    if not isinstance(value, Table):
        raise TypeError(f"{value!r} is not a table")
    return value


SYNCED_TABLES: dict[str, Table] = {
    _table(mapper.local_table).name: _table(mapper.local_table)
    for mapper in Base.registry.mappers
    if getattr(mapper.class_, "__synced__", False)
}

outbox = _table(OutboxEntry.__table__)
shadow_table = _table(SyncShadow.__table__)
state_table = _table(SyncState.__table__)
issue_table = _table(SyncIssue.__table__)
workspace_table = _table(WorkspaceSetting.__table__)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """Open a local write transaction for applying server data.

    Foreign keys are off inside it: a user may see a deal whose customer belongs
    to a team they cannot read, and rows of one page may arrive children first.
    The server enforces integrity, and the local store mirrors what the user may
    see.
    ``BEGIN IMMEDIATE`` takes the write lock up front, so reading pending outbox
    entries and rewriting rows cannot interleave with an edit in the app.
    """
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        # A larger page cache for the connection that applies server data: with
        # the default 2 MB, a large pull read the same index pages again and
        # again, and index builds sorted on disk.
        connection.exec_driver_sql(f"PRAGMA cache_size={SYNC_CACHE_KIB}")
        connection.commit()
        _register_functions(connection)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
        finally:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


# Sync state ---------------------------------------------------------------------


def get_state(connection: Connection, key: str) -> str | None:
    """Return a sync state value, or None."""
    value = connection.execute(
        select(state_table.c.value).where(state_table.c.key == key)
    ).scalar()
    return None if value is None else str(value)


def read_states(engine: Engine) -> dict[str, str]:
    """Return every sync state value, read without taking the write lock."""
    with engine.connect() as connection:
        rows = connection.execute(select(state_table.c.key, state_table.c.value)).all()
    return {str(key): str(value) for key, value in rows}


def set_state(connection: Connection, key: str, value: str) -> None:
    """Store a sync state value."""
    statement = sqlite_insert(state_table).values(key=key, value=value)
    connection.execute(
        statement.on_conflict_do_update(index_elements=["key"], set_={"value": value})
    )


def delete_state(connection: Connection, prefix: str) -> None:
    """Delete every sync state key starting with ``prefix``."""
    connection.execute(delete(state_table).where(state_table.c.key.startswith(prefix)))


def client_id(connection: Connection) -> uuid.UUID:
    """Return this installation's client id, minting one on first use."""
    value = get_state(connection, "client_id")
    if value is None:
        fresh = new_id()
        set_state(connection, "client_id", str(fresh))
        return fresh
    return uuid.UUID(value)


def set_workspace_user(connection: Connection, user_id: uuid.UUID) -> None:
    """Make the server's user for this login the store's current user."""
    statement = sqlite_insert(workspace_table).values(
        key="current_user", value=str(user_id)
    )
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["key"], set_={"value": str(user_id)}
        )
    )


# Values -------------------------------------------------------------------------


def _uuid(value: Any) -> uuid.UUID:
    return uuid.UUID(str(value))


def _instant(value: Any) -> datetime:
    moment = datetime.fromisoformat(str(value))
    return (
        moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    )


def _date(value: Any) -> date:
    return date.fromisoformat(str(value)[:10])


def _converters(table: Table) -> list[tuple[str, Callable[[Any], Any] | None]]:
    converters: list[tuple[str, Callable[[Any], Any] | None]] = []
    for column in table.columns:
        if column.name == "version":
            continue
        kind = column.type
        convert: Callable[[Any], Any] | None = None
        if isinstance(kind, Uuid):
            convert = _uuid
        elif isinstance(kind, UtcDateTime):
            convert = _instant
        elif isinstance(kind, Date):
            convert = _date
        elif isinstance(kind, Boolean):
            convert = bool
        converters.append((column.name, convert))
    return converters


_CONVERTERS = {name: _converters(table) for name, table in SYNCED_TABLES.items()}


def from_json(table: Table, data: dict[str, Any]) -> dict[str, Any]:
    """Turn a JSON row (server image or outbox change) into column values.

    Only the columns present in ``data`` are returned; ``version`` never is.
    """
    values: dict[str, Any] = {}
    for name, convert in _CONVERTERS[table.name]:
        if name in data:
            value = data[name]
            values[name] = value if value is None or convert is None else convert(value)
    return values


def _upsert(table: Table) -> Any:
    statement = sqlite_insert(table)
    return statement.on_conflict_do_update(
        index_elements=[column.name for column in table.primary_key.columns],
        set_={
            column.name: statement.excluded[column.name]
            for column in table.columns
            if not column.primary_key
        },
    )


# Statements built once: building one per row made applying a page slow.
_ROW_UPSERTS = {name: _upsert(table) for name, table in SYNCED_TABLES.items()}


def write_rows(
    connection: Connection, table_name: str, rows: list[dict[str, Any]]
) -> None:
    """Insert or replace working rows (complete column values) in one statement."""
    if rows:
        connection.execute(_ROW_UPSERTS[table_name], rows)


def _store_instant(value: Any) -> str:
    """Return a server timestamp in the stored form "YYYY-MM-DD HH:MM:SS.ffffff"."""
    text = str(value)
    if len(text) > 26 or (len(text) > 19 and text[19] != "."):
        # A zone offset: parse it properly.
        moment = _instant(value).replace(tzinfo=None)
        return moment.isoformat(sep=" ", timespec="microseconds")
    text = text.replace("T", " ")
    if len(text) == 19:
        return text + ".000000"
    return text.ljust(26, "0")


def _raw_upsert(table: Table) -> str:
    names = [column.name for column in table.columns]
    keys = [column.name for column in table.primary_key.columns]
    updates = ", ".join(f"{n} = excluded.{n}" for n in names if n not in keys)
    return (
        f"INSERT INTO {table.name} ({', '.join(names)}) "
        f"VALUES ({', '.join('?' for _ in names)}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    )


_RAW_SHADOW_UPSERT = _raw_upsert(shadow_table)


# Server images as JSON text straight into working rows ------------------------------
#
# A first sync brings every row the user may see. Decoding each image in Python
# and converting its values cost more than the SQLite writes. So the statements
# read the values out of the image text with SQLite's JSON functions. They turn
# them into what SQLAlchemy's SQLite types store: 32-digit hex for UUIDs,
# "YYYY-MM-DD HH:MM:SS.ffffff" for instants, 1 and 0 for booleans.


def _json_value(column: Any) -> str:
    value = f"json_extract(?1, '$.\"{column.name}\"')"
    kind = column.type
    if isinstance(kind, Uuid):
        return f"replace({value}, '-', '')"
    if isinstance(kind, UtcDateTime):
        # Server timestamps have no zone: "YYYY-MM-DDTHH:MM:SS.ffffff" with the
        # trailing zeros of the fraction left out. The full form is converted
        # here; the others go through the Python conversion.
        return (
            f"CASE WHEN length({value}) = 26 AND substr({value}, 20, 1) = '.' "
            f"THEN replace({value}, 'T', ' ') WHEN {value} IS NULL THEN NULL "
            f"ELSE crmdesk_store_instant({value}) END"
        )
    if isinstance(kind, Date):
        return f"substr({value}, 1, 10)"
    # JSON true and false come out as 1 and 0, the stored form of a Boolean.
    return value


def _json_upsert(table: Table) -> str:
    names = [column.name for column in table.columns]
    keys = [column.name for column in table.primary_key.columns]
    values = [
        "?2" if column.name == "version" else _json_value(column)
        for column in table.columns
    ]
    updates = ", ".join(f"{n} = excluded.{n}" for n in names if n not in keys)
    return (
        f"INSERT INTO {table.name} ({', '.join(names)}) "
        f"VALUES ({', '.join(values)}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    )


def _json_fill(table: Table) -> str:
    names = [column.name for column in table.columns]
    keys = [column.name for column in table.primary_key.columns]
    values = [
        "s.row_version"
        if column.name == "version"
        else _json_value(column).replace("?1", "s.data")
        for column in table.columns
    ]
    updates = ", ".join(f"{n} = excluded.{n}" for n in names if n not in keys)
    return (
        f"INSERT INTO {table.name} ({', '.join(names)}) "
        f"SELECT {', '.join(values)} FROM sync_shadow s "
        "WHERE s.table_name = ?1 AND s.row_id IN (SELECT value FROM json_each(?2)) "
        "AND s.row_id NOT IN (SELECT o.row_id FROM outbox o "
        f"WHERE o.status = '{PENDING}' AND o.table_name = ?1) "
        f"ORDER BY s.row_id ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    )


_JSON_UPSERTS = {name: _json_upsert(table) for name, table in SYNCED_TABLES.items()}
_JSON_FILLS = {name: _json_fill(table) for name, table in SYNCED_TABLES.items()}


def _register_functions(connection: Connection) -> None:
    driver = connection.connection.driver_connection
    if driver is not None:
        driver.create_function(
            "crmdesk_store_instant", 1, _store_instant, deterministic=True
        )


def write_json_rows(
    connection: Connection, table_name: str, rows: list[tuple[str, int]]
) -> None:
    """Insert or replace working rows from server images: (JSON text, version).

    Runs inside :func:`write_transaction`, which provides the SQL function the
    statement calls for timestamps with a zone.
    """
    if rows:
        connection.exec_driver_sql(_JSON_UPSERTS[table_name], rows)


def fill_rows_from_shadows(
    connection: Connection, table_name: str, hex_ids: list[str]
) -> None:
    """Write the working rows of the given rows (hex ids) from their shadows.

    One statement in key order for all of them. Rows with pending local changes
    are left out: they are rebuilt one by one.
    """
    if hex_ids:
        connection.exec_driver_sql(
            _JSON_FILLS[table_name], (table_name, json.dumps(hex_ids))
        )


def shadow_states(
    connection: Connection, table_name: str, hex_ids: list[str]
) -> dict[str, tuple[int, str]]:
    """Return version and bucket list (JSON) of the shadows of rows given as hex."""
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(hex_ids), 500):
        part = hex_ids[start : start + 500]
        rows = connection.exec_driver_sql(
            "SELECT row_id, row_version, buckets FROM sync_shadow "
            f"WHERE table_name = ? AND row_id IN ({', '.join('?' * len(part))})",
            (table_name, *part),
        ).all()
        for row_id, version, buckets in rows:
            found[str(row_id)] = (int(version), str(buckets))
    return found


def has_shadows(engine: Engine) -> bool:
    """Return whether the store contains any server row (False before a first sync)."""
    with engine.connect() as connection:
        row = connection.exec_driver_sql("SELECT 1 FROM sync_shadow LIMIT 1").first()
    return row is not None


def drop_indexes_if_empty(connection: Connection, table_name: str) -> list[str] | None:
    """Drop the secondary indexes of an empty working table; return their SQL.

    Returns None when the table has rows. Constraint indexes (primary key,
    unique) stay. The caller builds the returned indexes again with
    :func:`create_indexes` in the same transaction.
    """
    table = SYNCED_TABLES[table_name]
    if connection.execute(select(table.c.id).limit(1)).first() is not None:
        return None
    rows = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master "
        "WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        (table_name,),
    ).all()
    for name, _sql in rows:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    return [str(sql) for _name, sql in rows]


def create_indexes(connection: Connection, statements: list[str]) -> None:
    """Run the CREATE INDEX statements :func:`drop_indexes_if_empty` returned."""
    for statement in statements:
        connection.exec_driver_sql(statement)


def has_pending(connection: Connection) -> bool:
    """Return whether any outbox entry waits to be sent."""
    row = connection.exec_driver_sql(
        "SELECT 1 FROM outbox WHERE status = ? LIMIT 1", (PENDING,)
    ).first()
    return row is not None


def pending_among(
    connection: Connection, table_name: str, hex_ids: list[str]
) -> set[str]:
    """Return which of the rows (hex ids) of a table have pending outbox entries."""
    found: set[str] = set()
    for start in range(0, len(hex_ids), 500):
        part = hex_ids[start : start + 500]
        rows = connection.exec_driver_sql(
            "SELECT DISTINCT row_id FROM outbox WHERE table_name = ? "
            f"AND row_id IN ({', '.join('?' * len(part))}) AND status = ?",
            (table_name, *part, PENDING),
        ).all()
        found.update(str(row_id) for (row_id,) in rows)
    return found


def write_stored_shadows(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert or replace shadows: (table, row id hex, version, data, buckets)."""
    if rows:
        connection.exec_driver_sql(_RAW_SHADOW_UPSERT, rows)


# Shadow and working copy --------------------------------------------------------


_NEWER_SHADOW_UPSERT = (
    "INSERT INTO sync_shadow (table_name, row_id, row_version, data, buckets) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (table_name, row_id) DO UPDATE SET "
    "row_version = excluded.row_version, data = excluded.data "
    "WHERE excluded.row_version > sync_shadow.row_version"
)


def write_newer_shadows(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert shadows, or replace those older than the given image; buckets stay."""
    if rows:
        connection.exec_driver_sql(_NEWER_SHADOW_UPSERT, rows)


def get_shadow(
    connection: Connection, table_name: str, row_id: uuid.UUID
) -> tuple[int, dict[str, Any], set[str]] | None:
    """Return (version, data, buckets) of a row's shadow, or None."""
    row = connection.execute(
        select(shadow_table.c.row_version, shadow_table.c.data, shadow_table.c.buckets)
        .where(shadow_table.c.table_name == table_name)
        .where(shadow_table.c.row_id == row_id)
    ).first()
    if row is None:
        return None
    return int(row[0]), json.loads(row[1]), set(json.loads(row[2]))


def set_shadow_buckets(
    connection: Connection, table_name: str, row_id: uuid.UUID, buckets: set[str]
) -> None:
    """Replace the bucket list of a row's shadow."""
    connection.execute(
        update(shadow_table)
        .where(shadow_table.c.table_name == table_name)
        .where(shadow_table.c.row_id == row_id)
        .values(buckets=json.dumps(sorted(buckets)))
    )


def drop_shadow(connection: Connection, table_name: str, row_id: uuid.UUID) -> None:
    """Delete a row's shadow."""
    connection.execute(
        delete(shadow_table)
        .where(shadow_table.c.table_name == table_name)
        .where(shadow_table.c.row_id == row_id)
    )


def pending_entries(
    connection: Connection, table_name: str, row_id: uuid.UUID
) -> list[Any]:
    """Return the pending outbox entries of one row, oldest first."""
    return list(
        connection.execute(
            select(outbox)
            .where(outbox.c.table_name == table_name)
            .where(outbox.c.row_id == row_id)
            .where(outbox.c.status == PENDING)
            .order_by(outbox.c.seq)
        ).all()
    )


def rebuild_row(connection: Connection, table_name: str, row_id: uuid.UUID) -> None:
    """Rewrite the working row as its shadow plus its pending changes replayed."""
    table = SYNCED_TABLES[table_name]
    shadow = get_shadow(connection, table_name, row_id)
    pending = pending_entries(connection, table_name, row_id)
    if shadow is None and not any(e.operation == "insert" for e in pending):
        connection.execute(delete(table).where(table.c.id == row_id))
        return
    version, data, _buckets = shadow if shadow is not None else (0, {}, set())
    merged = dict(data)
    for entry in pending:
        if entry.operation == "delete":
            connection.execute(delete(table).where(table.c.id == row_id))
            return
        merged.update(json.loads(entry.changes))
    values = from_json(table, merged)
    values["id"] = row_id
    values["version"] = version
    for column in table.columns:
        values.setdefault(column.name, None)
    write_rows(connection, table_name, [values])


def delete_row(connection: Connection, table_name: str, row_id: uuid.UUID) -> None:
    """Delete a working row and its shadow (the row left every bucket)."""
    table = SYNCED_TABLES[table_name]
    connection.execute(delete(table).where(table.c.id == row_id))
    drop_shadow(connection, table_name, row_id)


# Issues -------------------------------------------------------------------------


def add_issue(
    connection: Connection,
    *,
    kind: str,
    table_name: str,
    row_id: uuid.UUID,
    field: str | None = None,
    mine: Any = None,
    theirs: Any = None,
    base: Any = None,
    message: str = "",
    mutation_id: uuid.UUID | None = None,
    client_seq: int | None = None,
    other_login: str | None = None,
    kept: str | None = None,
    sqlstate: str | None = None,
) -> uuid.UUID:
    """Record a sync issue for the user to see and resolve.

    ``other_login`` is the login whose server change met this one, ``kept``
    whose value an edit on both sides kept, ``sqlstate`` the error code of a
    refusal (see SyncIssue).
    """
    issue_id = new_id()
    connection.execute(
        insert(issue_table),
        {
            "id": issue_id,
            "kind": kind,
            "table_name": table_name,
            "row_id": row_id,
            "field": field,
            "mine": json.dumps(mine, ensure_ascii=False),
            "theirs": json.dumps(theirs, ensure_ascii=False),
            "base": json.dumps(base, ensure_ascii=False),
            "message": message,
            "mutation_id": mutation_id,
            "client_seq": client_seq,
            "detected_at": datetime.now(UTC),
            "state": "open",
            "other_login": other_login,
            "kept": kept,
            "sqlstate": sqlstate,
        },
    )
    return issue_id
