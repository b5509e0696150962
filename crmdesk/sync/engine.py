"""One sync round: push the outbox, then pull every bucket, config first.

``SyncEngine(local_sessions, connect).run_once()`` is all a caller needs: the GUI
runs it on its task runner, ``crmdesk sync`` runs it once. ``connect`` returns a
new psycopg connection logged in as this user (see crmdesk.sync.credentials).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from typing import Any, Generic, TypeVar, cast

import psycopg
from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crmdesk.domain.ids import new_id
from crmdesk.sync import local
from crmdesk.sync.hlc import HybridClock, pack

log = logging.getLogger(__name__)
T = TypeVar("T")

# The local schema version every push carries (local Alembic revision 0005, which
# knows the leads, contacts, activities and approvals tables).
CLIENT_SCHEMA = 5
PUSH_BATCH = 500
PULL_PAGE = 2000
# Pulled pages are applied in local transactions of at least this many rows (or
# the rest of the bucket). Every commit writes the index pages it touched, so
# one transaction per page multiplied the disk writes of a first sync. A larger
# transaction keeps the store's write lock longer.
APPLY_ROWS = 10_000

Connect = Callable[[], psycopg.Connection[Any]]


class SyncError(Exception):
    """A failed sync round: ``kind`` names the cause, the message the next step."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class SyncResult:
    """Counts and flags of one sync round.

    ``caught_up`` is false when a transaction still running on the server (in
    any database of the cluster: transaction ids are cluster-wide) held the pull
    back, so changes committed before the round may come next round.
    """

    pushed: int = 0
    pulled: int = 0
    issues: list[uuid.UUID] = field(default_factory=list)
    removed: int = 0
    resynced: bool = False
    clock_ahead: bool = False
    new_client_id: bool = False
    caught_up: bool = True
    seconds: float = 0.0
    push_seconds: float = 0.0
    pull_seconds: float = 0.0


def sync_error(error: psycopg.Error) -> SyncError:
    """Return the SyncError that names the kind of a failed server call."""
    state = getattr(error, "sqlstate", None) or ""
    text = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
    if state == "CR001":
        return SyncError("upgrade_required", text)
    if state == "CR002" or state.startswith("28"):
        return SyncError("login_refused", text)
    if state == "42501":
        return SyncError(
            "login_refused",
            f"the server refused this login ({text}): ask an admin to run "
            "crmdesk server add-user for it",
        )
    if isinstance(error, psycopg.OperationalError):
        lowered = text.lower()
        if "authentication" in lowered or "password" in lowered or "role" in lowered:
            return SyncError("login_refused", f"the server rejected the login: {text}")
        return SyncError("unreachable", f"cannot reach the server: {text}")
    return SyncError("server_error", text)


class SyncEngine:
    """Sync one local store with the server, one round at a time."""

    def __init__(self, local_sessions: sessionmaker[Session], connect: Connect) -> None:
        bind = local_sessions.kw.get("bind")
        if not isinstance(bind, Engine):
            raise TypeError("local_sessions must be bound to an engine")
        self._engine: Engine = bind
        self._connect = connect
        self._start_xmax = 0
        self._empty_store = False

    # The round ------------------------------------------------------------------

    def run_once(self) -> SyncResult:
        """Push pending changes, then pull every bucket until it is drained."""
        started = time.perf_counter()
        result = SyncResult()
        try:
            with self._connect() as pg:
                me = pg.execute("SELECT sync.me()").fetchone()
                if me is None or me[0] is None:
                    raise SyncError(
                        "login_refused",
                        "this login is not a crmdesk user on the server: ask an "
                        "admin to run crmdesk server add-user",
                    )
                pg.commit()
                pushed_at = time.perf_counter()
                self._push(pg, result)
                pulled_at = time.perf_counter()
                result.push_seconds = pulled_at - pushed_at
                self._pull(pg, result, me[0])
                result.pull_seconds = time.perf_counter() - pulled_at
        except psycopg.Error as error:
            raise sync_error(error) from error
        except IntegrityError as error:
            # A row made locally after this round's push can collide with a
            # pulled one on a unique key (two people ticking the same action).
            # The next round pushes it first; the server merges it.
            raise SyncError(
                "local_conflict",
                f"a pulled row collides with an unsent local change ({error.orig}); "
                "sync again to send the local change first",
            ) from error
        result.seconds = time.perf_counter() - started
        log.info(
            "sync round: pushed %d, pulled %d, %d new issues, %.3f s",
            result.pushed,
            result.pulled,
            len(result.issues),
            result.seconds,
        )
        return result

    # Push -----------------------------------------------------------------------

    def _pending(self) -> tuple[uuid.UUID, list[Any]]:
        known = local.read_states(self._engine).get("client_id")
        if known is None:
            with local.write_transaction(self._engine) as connection:
                client = local.client_id(connection)
        else:
            client = uuid.UUID(known)
        with self._engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT seq, tx_group, table_name, row_id, operation, changes, "
                "mutation_id, base_version, base_values, hlc FROM outbox "
                "WHERE status = ? ORDER BY seq",
                (local.PENDING,),
            ).all()
        return client, list(rows)

    def _push(self, pg: psycopg.Connection[Any], result: SyncResult) -> None:
        client, entries = self._pending()
        if not entries:
            return
        batches: list[list[list[tuple[int, str]]]] = []
        batch: list[list[tuple[int, str]]] = []
        size = 0
        for _group, members in groupby(entries, key=lambda e: e[1]):
            group = [(int(entry[0]), _mutation(entry)) for entry in members]
            batch.append(group)
            size += len(group)
            if size >= PUSH_BATCH:
                batches.append(batch)
                batch, size = [], 0
        if batch:
            batches.append(batch)
        # The server applies the next batch while the laptop records this one's
        # replies. A batch committed on the server but not yet recorded here is
        # sent again next round, and the server returns the stored results.
        with _Worker(self._send_all(pg, client, batches, result)) as replies:
            for reply in replies:
                self._record(reply, result)

    def _send_all(
        self,
        pg: psycopg.Connection[Any],
        client: uuid.UUID,
        batches: list[list[list[tuple[int, str]]]],
        result: SyncResult,
    ) -> Iterator[dict[str, Any]]:
        for batch in batches:
            client, reply = self._send(pg, client, batch, result)
            yield reply

    def _send(
        self,
        pg: psycopg.Connection[Any],
        client: uuid.UUID,
        batch: list[list[tuple[int, str]]],
        result: SyncResult,
    ) -> tuple[uuid.UUID, dict[str, Any]]:
        groups = "[" + ",".join("[" + ",".join(m for _, m in g) + "]" for g in batch)
        groups += "]"
        try:
            row = pg.execute(_PUSH_SQL, (client, CLIENT_SCHEMA, groups)).fetchone()
            pg.commit()
        except psycopg.Error as error:
            pg.rollback()
            if getattr(error, "sqlstate", None) not in ("CR003", "CR004"):
                self._note_attempt(batch, str(error))
                raise
            # This client id is taken, or a restored backup reuses sequence
            # numbers with other content: continue under a new id.
            log.warning("server rejected client id %s: %s", client, error)
            with local.write_transaction(self._engine) as connection:
                client = new_id()
                local.set_state(connection, "client_id", str(client))
            result.new_client_id = True
            row = pg.execute(_PUSH_SQL, (client, CLIENT_SCHEMA, groups)).fetchone()
            pg.commit()
        assert row is not None
        return client, json.loads(row[0])

    def _note_attempt(self, batch: list[list[tuple[int, str]]], message: str) -> None:
        seqs = [seq for group in batch for seq, _ in group]
        with local.write_transaction(self._engine) as connection:
            connection.execute(
                update(local.outbox)
                .where(local.outbox.c.seq.in_(seqs))
                .values(attempts=local.outbox.c.attempts + 1, last_error=message[:500])
            )

    def _record(self, reply: dict[str, Any], result: SyncResult) -> None:
        """Store the push replies: ack entries, keep issues, fold in images."""
        touched: dict[tuple[str, uuid.UUID], None] = {}
        images: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
        statuses: list[tuple[str, int]] = []
        with local.write_transaction(self._engine) as connection:
            for answer in reply["results"]:
                seq = int(answer["seq"])
                table_name = str(answer["table"])
                row_id = uuid.UUID(str(answer["row_id"]))
                rejected = answer["status"] == "rejected"
                statuses.append((local.FAILED if rejected else local.ACKED, seq))
                result.pushed += 1
                if "clock_ahead" in answer.get("flags", ()):
                    result.clock_ahead = True
                for issue in answer.get("issues", ()):
                    result.issues.append(
                        local.add_issue(
                            connection,
                            kind=str(issue["kind"]),
                            table_name=table_name,
                            row_id=row_id,
                            field=issue.get("field"),
                            mine=issue.get("mine"),
                            theirs=issue.get("theirs"),
                            base=issue.get("base"),
                            message=str(issue.get("message", "")),
                            mutation_id=uuid.UUID(str(answer["mutation_id"])),
                            client_seq=seq,
                            other_login=issue.get("other_login"),
                            kept=issue.get("kept"),
                            sqlstate=issue.get("sqlstate"),
                        )
                    )
                merged = answer.get("merged_into")
                if merged and not answer.get("replayed"):
                    target = uuid.UUID(str(merged))
                    local.delete_row(connection, table_name, row_id)
                    connection.execute(
                        update(local.outbox)
                        .where(local.outbox.c.table_name == table_name)
                        .where(local.outbox.c.row_id == row_id)
                        .where(local.outbox.c.status == local.PENDING)
                        .values(row_id=target)
                    )
                    row_id = target
                image = answer.get("image")
                if image and table_name in local.SYNCED_TABLES:
                    images[table_name][row_id.hex] = (int(answer["version"]), image)
                touched[(table_name, row_id)] = None
            connection.exec_driver_sql(
                "UPDATE outbox SET status = ? WHERE seq = ?", statuses
            )
            written = _fold(connection, images, None)
            for table_name, row_id in touched:
                if (table_name, row_id.hex) not in written:
                    local.rebuild_row(connection, table_name, row_id)
            _prune_acked(connection)

    # Pull -----------------------------------------------------------------------

    def _pull(self, pg: psycopg.Connection[Any], result: SyncResult, me: Any) -> None:
        buckets_row = pg.execute(
            "SELECT sync.my_buckets(), "
            "pg_snapshot_xmax(pg_current_snapshot())::text::bigint"
        ).fetchone()
        pg.commit()
        self._start_xmax = int(buckets_row[1]) if buckets_row else 0
        self._empty_store = not local.has_shadows(self._engine)
        buckets: list[str] = list(buckets_row[0] or []) if buckets_row else []
        states = local.read_states(self._engine)
        known = set(json.loads(states.get("buckets", "[]")))
        # A bucket was dropped (a new team or role): start over.
        dropped = bool(known - set(buckets))
        if (
            dropped
            or states.get("buckets") != json.dumps(buckets)
            or (states.get("user") != str(me))
        ):
            with local.write_transaction(self._engine) as connection:
                if dropped:
                    _start_resync(connection)
                local.set_state(connection, "buckets", json.dumps(buckets))
                local.set_state(connection, "user", str(me))
                local.set_workspace_user(connection, uuid.UUID(str(me)))
        header = self._pull_bucket(pg, buckets[0], result) if buckets else None
        if header is not None and self._needs_resync(header):
            with local.write_transaction(self._engine) as connection:
                _start_resync(connection)
            result.resynced = True
            header = self._pull_bucket(pg, buckets[0], result)
        for bucket in buckets[1:]:
            self._pull_bucket(pg, bucket, result)
        with local.write_transaction(self._engine) as connection:
            if local.get_state(connection, "resync") == "1":
                result.removed += _finish_resync(connection, result)
                result.resynced = True
            if header is not None:
                local.set_state(connection, "generation", str(header["generation"]))
                local.set_state(connection, "last_pull_at", str(header["server_time"]))
                if HybridClock().ahead_of(int(header["server_ms"])):
                    result.clock_ahead = True

    def _needs_resync(self, header: dict[str, Any]) -> bool:
        if header.get("xid_ahead"):
            raise SyncError(
                "server_restored",
                "the server's change log is ahead of its transaction counter (was "
                "it restored from a logical dump?): an admin must start a new "
                "server generation before clients can sync",
            )
        states = local.read_states(self._engine)
        generation = states.get("generation")
        last_pull = states.get("last_pull_at")
        if generation is not None and generation != str(header["generation"]):
            log.warning("server generation changed: resyncing")
            return True
        if last_pull is not None:
            horizon = datetime.fromisoformat(str(header["tombstone_horizon"]))
            if horizon > datetime.fromisoformat(last_pull):
                log.warning("last pull is older than the tombstone horizon: resyncing")
                return True
        return False

    def _pull_bucket(
        self, pg: psycopg.Connection[Any], bucket: str, result: SyncResult
    ) -> dict[str, Any] | None:
        cursor = local.read_states(self._engine).get(f"cursor:{bucket}", "0:0")
        header: dict[str, Any] | None = None
        with (
            _Worker(_pages(pg, bucket, cursor)) as pages,
            _PageWriter(self._engine, bucket, result) as writer,
        ):
            for page in pages:
                if int(page.horizon) < self._start_xmax:
                    result.caught_up = False
                if header is None:
                    header = page.header
                    # A first sync into an empty store takes a whole large
                    # bucket in one local transaction.
                    writer.bulk = self._empty_store and cursor == "0:0" and page.full
                if not page.rows and page.cursor == cursor:
                    break  # nothing new and the cursor stays: no local write
                writer.add(page)
        return header


@dataclass
class _Page:
    """One page of a bucket as ``sync.pull`` returned it.

    ``rows`` are (kind, table, row id, op, txid, change id, row version, last
    hlc, image JSON text); ``cursor`` is the bucket position after the page.
    """

    header: dict[str, Any]
    horizon: str
    rows: list[tuple[Any, ...]]
    cursor: str
    full: bool


class _PageWriter:
    """Apply the pulled pages of one bucket in local transactions.

    A transaction takes pages until it holds ``APPLY_ROWS`` rows, then commits
    them with the bucket's new cursor and the clock. In ``bulk`` mode (a first
    sync) one transaction takes every page. The working rows of tables that
    were empty are written from the page's shadows with one statement per page
    and table, and their secondary indexes are dropped until the commit, which
    builds them again. Building an index once costs a fraction of inserting
    into it row by row in random key order.
    """

    def __init__(self, engine: Engine, bucket: str, result: SyncResult) -> None:
        self.bulk = False
        self._engine = engine
        self._bucket = bucket
        self._result = result
        self._stack: ExitStack | None = None
        self._connection: Connection | None = None
        self._rows = 0
        self._newest = 0
        self._cursor = ""
        self._seen: set[str] = set()
        self._bulk: set[str] = set()
        self._indexes: list[str] = []
        self._queued = True

    def __enter__(self) -> _PageWriter:
        return self

    def __exit__(self, kind: object, error: BaseException | None, trace: Any) -> None:
        if self._stack is None:
            return
        if error is None:
            self._commit()
        else:
            stack, self._stack, self._connection = self._stack, None, None
            stack.__exit__(type(error), error, error.__traceback__)

    def add(self, page: _Page) -> None:
        if self._stack is None:
            self._stack = ExitStack()
            self._connection = self._stack.enter_context(
                local.write_transaction(self._engine)
            )
            # The transaction has the write lock: no entry is queued meanwhile.
            self._queued = local.has_pending(self._connection)
        connection = self._connection
        assert connection is not None
        if self.bulk:
            for table_name in {row[1] for row in page.rows} - self._seen:
                self._seen.add(table_name)
                if table_name in local.SYNCED_TABLES:
                    indexes = local.drop_indexes_if_empty(connection, table_name)
                    if indexes is not None:
                        self._bulk.add(table_name)
                        self._indexes += indexes
        self._newest = max(self._newest, pack(int(page.header["server_ms"])))
        top = max((r[7] for r in page.rows if r[7] is not None), default=0)
        self._newest = max(self._newest, top)
        self._result.pulled += len(page.rows)
        self._result.removed += _apply_page(
            connection, self._bucket, page.rows, self._result, self._bulk, self._queued
        )
        self._cursor = page.cursor
        self._rows += len(page.rows)
        if not self.bulk and self._rows >= APPLY_ROWS:
            self._commit()

    def _commit(self) -> None:
        connection, stack = self._connection, self._stack
        assert connection is not None and stack is not None
        local.create_indexes(connection, self._indexes)
        clock = HybridClock(int(local.get_state(connection, "hlc") or 0))
        local.set_state(connection, "hlc", str(clock.receive(self._newest)))
        local.set_state(connection, f"cursor:{self._bucket}", self._cursor)
        self._stack, self._connection = None, None
        self._rows, self._newest, self._indexes = 0, 0, []
        self._seen, self._bulk = set(), set()
        stack.close()


class _Worker(Generic[T]):
    """Run an iterator on a thread, at most two items ahead of the caller.

    The pull fetches pages with it while the caller applies the previous page,
    and the push sends batches while the caller records the previous replies.
    Only the thread uses the server connection until the iteration ends or is
    left. An error on the thread is raised in the caller after the items that
    came before it.
    """

    def __init__(self, items: Iterator[T]) -> None:
        self._items = items
        self._queue: queue.Queue[tuple[T | None, BaseException | None, bool]] = (
            queue.Queue(2)
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sync", daemon=True)

    def __enter__(self) -> Iterator[T]:
        self._thread.start()
        return self._drain()

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _drain(self) -> Iterator[T]:
        while True:
            item, error, done = self._queue.get()
            if error is not None:
                raise error
            if done:
                return
            yield cast(T, item)

    def _put(self, entry: tuple[T | None, BaseException | None, bool]) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(entry, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for item in self._items:
                if not self._put((item, None, False)):
                    return
            self._put((None, None, True))
        except BaseException as error:  # handed to the caller's thread
            self._put((None, error, False))


_PULL_SQL = (
    "SELECT kind, tbl, row_id::text, op, txid::text, change_id, row_version, "
    "last_hlc, data FROM sync.pull(%s, %s::xid8, %s, %s)"
)


def _pages(pg: psycopg.Connection[Any], bucket: str, cursor: str) -> Iterator[_Page]:
    """Yield the pages of a bucket from ``cursor`` on."""
    position = cursor
    while True:
        txid, change = position.split(":")
        rows = pg.execute(_PULL_SQL, (bucket, txid, int(change), PULL_PAGE)).fetchall()
        pg.commit()
        body = rows[1:]
        horizon = str(rows[0][4])
        full = len(body) == PULL_PAGE
        # After a short page the cursor moves to the horizon, which no later
        # commit can fall behind.
        position = f"{body[-1][4]}:{body[-1][5]}" if full else f"{horizon}:0"
        yield _Page(json.loads(rows[0][8]), horizon, body, position, full)
        if not full:
            return


_PUSH_SQL = "SELECT sync.push(%s, %s, %s::jsonb)::text"


def _mutation(entry: Any) -> str:
    """Return an outbox entry as the JSON text of a pushed change.

    The changes and base values are JSON already; they go in as they are
    stored instead of being decoded and encoded again.
    """
    seq, _group, table_name, row_id, operation, changes, mutation_id = entry[:7]
    base_version, base_values, hlc = entry[7:]
    return (
        f'{{"seq":{int(seq)},"mutation_id":{json.dumps(str(mutation_id))},'
        f'"table":{json.dumps(str(table_name))},"row_id":{json.dumps(str(row_id))},'
        f'"op":{json.dumps(str(operation))},"fields":{changes},'
        f'"base_version":{int(base_version or 0)},'
        f'"base_values":{base_values or "{}"},"hlc":{int(hlc or 0)}}}'
    )


def _apply_page(
    connection: Connection,
    bucket: str,
    rows: list[Any],
    result: SyncResult,
    bulk: set[str] | frozenset[str] = frozenset(),
    queued: bool = True,
) -> int:
    """Apply the rows of one page of a bucket; return how many rows left the laptop.

    ``bulk`` names tables that were empty when a first sync began (see
    :class:`_PageWriter`); ``queued`` False means the outbox has no pending
    entries.
    """
    removed = 0
    puts: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
    for _kind, table_name, row_id, op, _txid, _change, version, _hlc, data in rows:
        if table_name not in local.SYNCED_TABLES:
            continue
        key = row_id.replace("-", "")
        if op == "remove":
            puts[table_name].pop(key, None)
            removed += _remove(connection, table_name, uuid.UUID(key), bucket, result)
        elif data is not None:
            puts[table_name][key] = (int(version), data)
    _fold(connection, puts, bucket, bulk, queued)
    return removed


def _fold_images(
    connection: Connection,
    images: dict[tuple[str, uuid.UUID], tuple[dict[str, Any], str | None]],
    bucket: str | None,
) -> set[tuple[str, uuid.UUID]]:
    """Take server images (decoded, with their JSON text when known) in.

    Returns the rows rewritten; see :func:`_fold`.
    """
    by_table: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
    for (table_name, row_id), (data, known) in images.items():
        text = known
        if text is None:
            text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        by_table[table_name][row_id.hex] = (int(data["row_version"]), text)
    return {
        (table_name, uuid.UUID(key))
        for table_name, key in _fold(connection, by_table, bucket)
    }


def _fold(
    connection: Connection,
    images: dict[str, dict[str, tuple[int, str]]],
    bucket: str | None,
    bulk: set[str] | frozenset[str] = frozenset(),
    queued: bool = True,
) -> set[tuple[str, str]]:
    """Take server images newer than their shadows in; return the rows rewritten.

    ``images`` maps table to row id (hex) to (row version, image JSON text).
    Shadows are written first, then the working rows: those without pending
    local changes in one statement per table, the others one by one (shadow
    plus replay of the pending changes). ``bucket`` is added to each row's
    bucket list; None (images from a push reply) leaves the lists as they are.
    ``queued`` False says the outbox has no pending entries.
    """
    if not any(images.values()):
        return set()
    only_this = json.dumps([bucket]) if bucket is not None else "[]"
    shadows: list[tuple[Any, ...]] = []
    slow: list[tuple[str, str]] = []
    written: set[tuple[str, str]] = set()
    for table_name, rows in images.items():
        keys = list(rows)
        pending = local.pending_among(connection, table_name, keys) if queued else set()
        if table_name in bulk:
            # Every shadow of this table came from this bucket in this
            # transaction: a row seen again only needs the newer image.
            local.write_newer_shadows(
                connection,
                [(table_name, k, v, text, only_this) for k, (v, text) in rows.items()],
            )
            local.fill_rows_from_shadows(connection, table_name, keys)
            written.update((table_name, k) for k in keys)
            slow.extend((table_name, k) for k in keys if k in pending)
            continue
        known = local.shadow_states(connection, table_name, keys)
        fresh: list[tuple[str, int]] = []
        for key, (version, text) in rows.items():
            current = known.get(key)
            if current is None:
                buckets = only_this
            else:
                kept = set(json.loads(current[1]))
                if bucket is not None:
                    kept.add(bucket)
                buckets = json.dumps(sorted(kept))
                if version <= current[0]:
                    if buckets != current[1]:
                        connection.exec_driver_sql(
                            "UPDATE sync_shadow SET buckets = ? "
                            "WHERE table_name = ? AND row_id = ?",
                            (buckets, table_name, key),
                        )
                    continue
            shadows.append((table_name, key, version, text, buckets))
            written.add((table_name, key))
            if key in pending:
                slow.append((table_name, key))
            else:
                fresh.append((text, version))
        if shadows:
            local.write_stored_shadows(connection, shadows)
            shadows = []
        local.write_json_rows(connection, table_name, fresh)
    for table_name, key in slow:
        local.rebuild_row(connection, table_name, uuid.UUID(key))
    return written


def _remove(
    connection: Connection,
    table_name: str,
    row_id: uuid.UUID,
    bucket: str,
    result: SyncResult,
) -> int:
    """Drop a row that left ``bucket`` once no bucket of this user holds it."""
    shadow = local.get_shadow(connection, table_name, row_id)
    if shadow is None:
        return 0
    buckets = shadow[2]
    buckets.discard(bucket)
    if buckets:
        local.set_shadow_buckets(connection, table_name, row_id, buckets)
        return 0
    _forget(connection, table_name, row_id, result)
    return 1


def _forget(
    connection: Connection, table_name: str, row_id: uuid.UUID, result: SyncResult
) -> None:
    """Remove a row this user may no longer see; pending edits become an issue."""
    pending = local.pending_entries(connection, table_name, row_id)
    if pending:
        mine: dict[str, Any] = {}
        for entry in pending:
            mine.update(json.loads(entry.changes))
        result.issues.append(
            local.add_issue(
                connection,
                kind="no_longer_visible",
                table_name=table_name,
                row_id=row_id,
                mine=mine,
                message="this row is no longer yours (reassigned or moved to "
                "another team); your unsent changes to it are kept here",
                mutation_id=pending[-1].mutation_id,
                client_seq=pending[-1].seq,
            )
        )
        connection.execute(
            update(local.outbox)
            .where(local.outbox.c.seq.in_([e.seq for e in pending]))
            .values(status=local.FAILED, last_error="no longer visible")
        )
    local.delete_row(connection, table_name, row_id)


def _start_resync(connection: Connection) -> None:
    """Forget every cursor and bucket membership; the next pulls start over."""
    local.delete_state(connection, "cursor:")
    connection.execute(update(local.shadow_table).values(buckets="[]"))
    local.set_state(connection, "resync", "1")


def _finish_resync(connection: Connection, result: SyncResult) -> int:
    """Drop rows no bucket delivered during the resync."""
    stale = connection.execute(
        select(local.shadow_table.c.table_name, local.shadow_table.c.row_id).where(
            local.shadow_table.c.buckets == "[]"
        )
    ).all()
    for table_name, row_id in stale:
        _forget(connection, table_name, row_id, result)
    local.delete_state(connection, "resync")
    return len(stale)


def _prune_acked(connection: Connection) -> None:
    """Delete acknowledged entries except the newest, so ``seq`` keeps rising."""
    newest = connection.execute(
        select(local.outbox.c.seq).order_by(local.outbox.c.seq.desc()).limit(1)
    ).scalar()
    if newest is None:
        return
    connection.execute(
        local.outbox.delete()
        .where(local.outbox.c.status != local.PENDING)
        .where(local.outbox.c.seq < newest)
    )
