"""The bulk paths of sync: runs of updates, statement-level markers, first syncs.

The server applies consecutive updates of distinct rows of one table with one
statement each. When such a statement fails, it applies the run again one
change at a time, and it writes markers once per statement. The laptop fetches
pages on a thread, writes a first sync in key order with its indexes built
afterwards, and sends push batches on a thread. Each test checks one of these
against values worked out by hand.
"""

from __future__ import annotations

import json
import time
import uuid
from decimal import Decimal

import pytest
from synckit import Client, Server, actor, new_deal

from crmdesk.services.deals import OpportunityEdit, update_opportunity
from crmdesk.services.stages import set_manual_probability
from crmdesk.sync import engine as sync_engine
from crmdesk.sync import local
from crmdesk.sync.engine import CLIENT_SCHEMA
from crmdesk.sync.hlc import pack, wall_millis
from crmdesk.sync.issues import list_open_issues


def _edit_in_one_transaction(client: Client, edits: dict[uuid.UUID, dict]) -> None:
    """Edit several deals in one local transaction (one group on the server)."""
    with client.sessions.begin() as session:
        for deal_id, fields in edits.items():
            update_opportunity(
                session, deal_id, OpportunityEdit(**fields), actor(client)
            )


def _server_value(server: Server, column: str, deal_id: uuid.UUID):
    return server.scalar(f"SELECT {column} FROM opportunities WHERE id = :i", i=deal_id)


def _change(server: Server, seq: int, deal_id: uuid.UUID, fields: dict) -> dict:
    """A pushed update of a deal, on the deal's current version."""
    return {
        "seq": seq,
        "mutation_id": str(uuid.uuid4()),
        "table": "opportunities",
        "row_id": str(deal_id),
        "op": "update",
        "fields": fields,
        "base_version": _server_value(server, "row_version", deal_id),
        "base_values": {},
        "hlc": pack(wall_millis()),
    }


def _push(server: Server, login: str, groups: list[list[dict]]) -> list[dict]:
    """Call sync.push as ``login``; return its results."""
    with server.connect(login) as connection:
        reply = connection.execute(
            "SELECT sync.push(%s, %s, %s::jsonb)",
            (uuid.uuid4(), CLIENT_SCHEMA, json.dumps(groups)),
        ).fetchone()[0]
        connection.commit()
    return reply["results"]


def test_run_of_edits_merges_each_row(server, make_client):
    server.add_user("ann", "rep", "north")
    server.add_user("ada", "admin", "north")
    ann, ada = make_client("ann"), make_client("ada")
    ann.sync()
    a, b, c = (new_deal(ann, title, amount="100") for title in ("A", "B", "C"))
    ann.sync()
    ada.sync()

    _edit_in_one_transaction(
        ada, {b: {"amount": Decimal("300")}, c: {"notes": "ada on C"}}
    )
    ada.sync()
    # Offline: one transaction touching the three deals.
    _edit_in_one_transaction(
        ann,
        {
            a: {"notes": "ann on A"},
            b: {"amount": Decimal("200")},
            c: {"notes": "ann on C"},
        },
    )
    groups = ann.scalar(
        "SELECT count(DISTINCT tx_group) FROM outbox WHERE status = 'pending'"
    )
    assert groups == 1

    ann.sync()
    assert _server_value(server, "notes", a) == "ann on A"
    # The amount is a blocking field: the server value stays.
    assert _server_value(server, "amount_minor", b) == 30000
    # Notes merge by the hybrid clock: ann's edit is the later one.
    assert _server_value(server, "notes", c) == "ann on C"
    issues = {
        (i.row_id, i.kind, i.field, i.mine, i.theirs)
        for i in list_open_issues(ann.sessions)
    }
    assert issues == {
        (b, "conflict", "amount_minor", 20000, 30000),
        (c, "also_edited", "notes", "ann on C", "ada on C"),
    }
    assert ann.scalar("SELECT amount_minor FROM opportunities WHERE id = :i", i=b) == (
        30000
    )
    assert ann.scalar("SELECT count(*) FROM outbox WHERE status = 'pending'") == 0


def test_run_with_refused_edit_rejects_group(server, make_client):
    server.add_user("ann", "rep", "north")
    ann = make_client("ann")
    ann.sync()
    a, b, c = (new_deal(ann, title) for title in ("A", "B", "C"))
    ann.sync()
    with server.superuser() as connection:
        connection.execute(
            "UPDATE opportunities SET deleted_at = now() WHERE id = %s", (b,)
        )
    _edit_in_one_transaction(
        ann,
        {a: {"notes": "edit A"}, b: {"notes": "edit B"}, c: {"notes": "edit C"}},
    )
    ann.sync()
    kinds = {(i.row_id, i.kind) for i in list_open_issues(ann.sessions)}
    assert kinds == {(a, "group_rejected"), (b, "deleted"), (c, "group_rejected")}
    assert [_server_value(server, "notes", d) for d in (a, b, c)] == ["", "", ""]
    versions = server.scalar(
        "SELECT array_agg(row_version ORDER BY title) FROM opportunities"
    )
    assert versions == [1, 2, 1]  # only the delete changed a version


def test_run_error_names_the_failing_change(server, make_client):
    server.add_user("ann", "rep", "north")
    server.add_user("lee", "lead", "north")
    ann = make_client("ann")
    ann.sync()
    first, second = new_deal(ann, "First"), new_deal(ann, "Second")
    ann.sync()
    # A lead may change the win probability of a team member's deal, but not its
    # amount: the statement for the whole run fails, and the change at fault is
    # found by applying the run again one change at a time.
    results = _push(
        server,
        f"{server.prefix}_lee",
        [
            [
                _change(server, 1, first, {"manual_probability": 55}),
                _change(server, 2, second, {"amount_minor": 1}),
            ]
        ],
    )
    assert [r["status"] for r in results] == ["rejected", "rejected"]
    assert [r["issues"][0]["kind"] for r in results] == [
        "group_rejected",
        "not_permitted",
    ]
    assert "not amount_minor" in results[1]["issues"][0]["message"]
    assert _server_value(server, "manual_probability", first) is None
    assert _server_value(server, "row_version", first) == 1


def test_same_row_twice_applies_in_order(server, make_client):
    server.add_user("ann", "rep", "north")
    ann = make_client("ann")
    ann.sync()
    a, b = new_deal(ann, "A"), new_deal(ann, "B")
    ann.sync()
    first = _change(server, 1, a, {"notes": "one"})
    other = _change(server, 2, b, {"notes": "other"})
    second = _change(server, 3, a, {"notes": "two", "title": "A2"})
    results = _push(server, f"{server.prefix}_ann", [[first, other, second]])
    assert [r["status"] for r in results] == ["applied", "applied", "applied"]
    # Version 1 at creation; the two changes of A make 2 and 3.
    assert [r["version"] for r in results] == [2, 2, 3]
    assert json.loads(results[2]["image"])["notes"] == "two"
    assert _server_value(server, "notes", a) == "two"
    assert _server_value(server, "row_version", a) == 3
    meta = _server_value(server, "field_meta", a)
    assert (meta["notes"]["v"], meta["title"]["v"]) == (3, 3)
    assert _server_value(server, "row_version", b) == 2


def _insert_deals(server: Server, owner: uuid.UUID, team: uuid.UUID, count: int):
    """Insert deals by SQL, as a data load would; return their ids in key order."""
    with server.superuser() as connection:
        series, stage = connection.execute(
            "SELECT series_id, id FROM stages ORDER BY series_id, position LIMIT 1"
        ).fetchone()
        rows = connection.execute(
            "INSERT INTO opportunities (id, series_id, stage_id, owner_id, team_id, "
            "title, amount_minor, currency, expected_close, notes, stage_entered_at, "
            "created_at, updated_at, version) "
            "SELECT gen_random_uuid(), %s, %s, %s, %s, 'Loaded ' || n, n, 'CNY', "
            "DATE '2026-12-24', '', TIMESTAMP '2026-11-30 09:15:00.12', "
            "TIMESTAMP '2026-11-30 09:15:00', TIMESTAMP '2026-11-30 09:15:00.654321', "
            "0 FROM generate_series(1, %s) AS n RETURNING id",
            (series, stage, owner, team, count),
        ).fetchall()
    return sorted(row[0] for row in rows)


def _wait_until_pullable(server: Server) -> None:
    """Wait until no running transaction (in any database) keeps markers back.

    Transaction ids are cluster-wide: a transaction of another database that
    started before the markers were written keeps pulls below them.
    """
    deadline = time.monotonic() + 60
    with server.superuser() as connection:
        connection.autocommit = True
        newest = connection.execute("SELECT max(txid) FROM sync.marker").fetchone()[0]
        while time.monotonic() < deadline:
            horizon = connection.execute(
                "SELECT pg_snapshot_xmin(pg_current_snapshot()) > %s::xid8", (newest,)
            ).fetchone()[0]
            if horizon:
                return
            time.sleep(0.05)
    raise AssertionError("a running transaction held the markers back for 60 s")


def _index_names(client: Client) -> list[str]:
    return [
        row[0]
        for row in client.rows(
            "SELECT name FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name = 'opportunities' ORDER BY name"
        )
    ]


def test_first_sync_fills_empty_store_in_bulk(server, make_client, monkeypatch):
    monkeypatch.setattr(sync_engine, "PULL_PAGE", 3)
    monkeypatch.setattr(sync_engine, "APPLY_ROWS", 4)
    server.add_user("ann", "rep", "north")
    ann = make_client("ann")
    indexes = _index_names(ann)
    deals = _insert_deals(server, server.users["ann"], server.teams["north"], 10)
    filled = []
    fill = local.fill_rows_from_shadows

    def spy(connection, table_name, hex_ids):
        filled.append(table_name)
        fill(connection, table_name, hex_ids)

    monkeypatch.setattr(local, "fill_rows_from_shadows", spy)
    _wait_until_pullable(server)
    assert ann.sync(settle=False).pulled >= 10
    # Every table was empty: all of them took the bulk path.
    assert "opportunities" in filled
    assert "stages" in filled
    assert _index_names(ann) == indexes
    row = ann.rows(
        "SELECT id, expected_close, stage_entered_at, created_at, updated_at, "
        "deleted_at, manual_probability, version FROM opportunities "
        "WHERE title = 'Loaded 7'"
    )
    # Stored as SQLAlchemy's SQLite types store them: 32 hex digits, dates as
    # text, instants with six fraction digits.
    assert row == [
        (
            row[0][0],
            "2026-12-24",
            "2026-11-30 09:15:00.120000",
            "2026-11-30 09:15:00.000000",
            "2026-11-30 09:15:00.654321",
            None,
            None,
            1,
        )
    ]
    assert len(row[0][0]) == 32
    assert uuid.UUID(row[0][0]) in deals
    # Later rounds take the normal path, several pages per local transaction.
    with server.superuser() as connection:
        connection.execute(
            "UPDATE opportunities SET notes = 'second round' WHERE id = ANY (%s)",
            (deals[:7],),
        )
    ann.sync()
    assert (
        ann.scalar("SELECT count(*) FROM opportunities WHERE notes = 'second round'")
        == 7
    )
    versions = ann.rows("SELECT id, version FROM opportunities ORDER BY id")
    assert [v for _, v in versions] == [2] * 7 + [1] * 3


def test_reassigning_deals_in_one_statement(server, make_client):
    server.add_user("ann", "rep", "north")
    server.add_user("bob", "rep", "north")
    ann, bob = make_client("ann"), make_client("bob")
    ann.sync()
    deals = [new_deal(ann, f"Deal {n}") for n in range(3)]
    for deal in deals:
        with ann.sessions.begin() as session:
            set_manual_probability(session, deal, 30, actor(ann), "kick-off")
    ann.sync()
    bob.sync()
    assert ann.scalar("SELECT count(*) FROM probability_revisions") == 3
    with server.superuser() as connection:
        connection.execute(
            "UPDATE opportunities SET owner_id = %s WHERE id = ANY (%s)",
            (server.users["bob"], deals[:2]),
        )
    ann.sync()
    bob.sync()
    assert ann.rows("SELECT title FROM opportunities") == [("Deal 2",)]
    assert ann.scalar("SELECT count(*) FROM probability_revisions") == 1
    assert bob.rows("SELECT title FROM opportunities ORDER BY title") == [
        ("Deal 0",),
        ("Deal 1",),
    ]
    assert bob.scalar("SELECT count(*) FROM probability_revisions") == 2


def test_push_in_several_batches(server, make_client, monkeypatch):
    monkeypatch.setattr(sync_engine, "PUSH_BATCH", 2)
    server.add_user("ann", "rep", "north")
    ann = make_client("ann")
    ann.sync()
    deals = [new_deal(ann, f"Deal {n}") for n in range(5)]
    result = ann.sync()
    assert result.pushed >= 5
    assert ann.scalar("SELECT count(*) FROM outbox WHERE status = 'pending'") == 0
    assert server.scalar("SELECT count(*) FROM opportunities") == 5
    assert server.scalar("SELECT count(*) FROM sync.applied_mutation") == (
        result.pushed
    )
    assert ann.rows("SELECT count(*), min(version) FROM opportunities") == [(5, 1)]
    assert sorted(deals) == sorted(
        uuid.UUID(r[0]) for r in ann.rows("SELECT id FROM opportunities")
    )


@pytest.mark.parametrize("page", [1, 2])
def test_pull_failure_stops_page_thread(server, make_client, monkeypatch, page):
    monkeypatch.setattr(sync_engine, "PULL_PAGE", 2)
    server.add_user("ann", "rep", "north")
    ann = make_client("ann")
    _insert_deals(server, server.users["ann"], server.teams["north"], 7)
    calls = []
    real = sync_engine._apply_page

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == page:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(sync_engine, "_apply_page", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        ann.sync(settle=False)
    monkeypatch.setattr(sync_engine, "_apply_page", real)
    assert ann.scalar("SELECT count(*) FROM opportunities") == 0
    ann.sync()
    assert ann.scalar("SELECT count(*) FROM opportunities") == 7
