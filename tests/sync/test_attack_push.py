"""Forged pushes and pulls on a user's own login, against a real PostgreSQL.

Each test calls ``sync.push``, ``sync.pull`` or plain SQL the way a user with
psql and their own password could. The JSON is what no laptop sends: wrong
tables, columns and types, ids of another team's rows, malformed sequence
numbers, and rows planted in the sync bookkeeping. The expected outcome follows
docs/sync.md. Nothing is lost or leaked, the server stays consistent, and every
rejection names the value at fault.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from synckit import Client, Server, new_deal

from crmdesk.storage.models import Customer
from crmdesk.sync.engine import CLIENT_SCHEMA
from crmdesk.sync.hlc import MAX_SKEW_MS, pack, wall_millis
from crmdesk.sync.issues import team_conflicts

MAX_BIGINT = 2**63 - 1


@pytest.fixture
def world(server: Server, make_client: Any) -> dict[str, Client]:
    """Ann and Bob (reps) and Lee (lead) of north, Sam (rep) and Sue (lead) of south.

    Ann owns deals A and B and a customer, Sam owns deal S. Every laptop has
    synced.
    """
    for name, role, team in (
        ("ann", "rep", "north"),
        ("bob", "rep", "north"),
        ("lee", "lead", "north"),
        ("sam", "rep", "south"),
        ("sue", "lead", "south"),
    ):
        server.add_user(name, role, team)
    with server.superuser() as connection:
        for lead, team in (("lee", "north"), ("sue", "south")):
            connection.execute(
                "UPDATE teams SET lead_id = %s WHERE id = %s",
                (server.users[lead], server.teams[team]),
            )
    clients = {name: make_client(name) for name in ("ann", "bob", "lee", "sam", "sue")}
    for client in clients.values():
        client.sync()
    return clients


def _ids(world: dict[str, Client]) -> dict[str, uuid.UUID]:
    """Create ann's deals A and B, her customer and sam's deal S; return their ids."""
    ann, sam = world["ann"], world["sam"]
    ids = {"A": new_deal(ann, "A"), "B": new_deal(ann, "B")}
    now = datetime.now(UTC)
    with ann.sessions.begin() as session:
        customer = Customer(
            name="Acme",
            team_id=ann.server.teams["north"],
            owner_id=ann.user_id,
            created_at=now,
            updated_at=now,
        )
        session.add(customer)
        session.flush()
        ids["customer"] = customer.id
    ann.sync()
    ids["S"] = new_deal(sam, "South secret")
    sam.sync()
    return ids


def _login(server: Server, name: str) -> str:
    return f"{server.prefix}_{name}"


def _change(
    server: Server,
    seq: Any,
    table: str,
    row_id: Any,
    fields: dict[str, Any],
    op: str = "update",
) -> dict[str, Any]:
    """Return a pushed change as a laptop sends it, on the row's server version."""
    base = 0
    if op != "insert" and row_id is not None:
        base = server.scalar(f"SELECT row_version FROM {table} WHERE id = :i", i=row_id)
    return {
        "seq": seq,
        "mutation_id": str(uuid.uuid4()),
        "table": table,
        "row_id": None if row_id is None else str(row_id),
        "op": op,
        "fields": fields,
        "base_version": base or 0,
        "base_values": {},
        "hlc": pack(wall_millis()),
    }


def _push(
    server: Server,
    name: str,
    groups: list[list[dict[str, Any]]],
    client_id: uuid.UUID | None = None,
) -> list[dict[str, Any]]:
    """Call sync.push on ``name``'s own login and commit; return its results."""
    with server.connect(_login(server, name)) as connection:
        reply = connection.execute(
            "SELECT sync.push(%s, %s, %s::jsonb)",
            (client_id or uuid.uuid4(), CLIENT_SCHEMA, json.dumps(groups)),
        ).fetchone()[0]
        connection.commit()
    return list(reply["results"])


def _value(server: Server, table: str, column: str, row_id: uuid.UUID) -> Any:
    return server.scalar(f"SELECT {column} FROM {table} WHERE id = :i", i=row_id)


# Changes the login may not make ------------------------------------------------


def test_run_with_foreign_row_rejects_group(server, world):
    ids = _ids(world)
    group = [
        _change(server, 1, "opportunities", ids["A"], {"notes": "on A"}),
        _change(server, 2, "opportunities", ids["S"], {"notes": "on S"}),
        _change(server, 3, "opportunities", ids["B"], {"notes": "on B"}),
    ]
    results = _push(server, "ann", [group])

    assert [r["status"] for r in results] == ["rejected"] * 3
    kinds = [r["issues"][0]["kind"] for r in results]
    assert kinds == ["group_rejected", "not_permitted", "group_rejected"]
    assert [r["issues"][0]["mine"] for r in results] == [c["fields"] for c in group]
    # The reply carries no image of the other team's deal.
    assert results[1]["image"] is None
    assert [_value(server, "opportunities", "notes", ids[k]) for k in "ASB"] == [
        "",
        "",
        "",
    ]


FOREIGN_CHANGES = {
    "deal moved to the other team": (
        "opportunities",
        "A",
        "update",
        lambda s, ids: {"team_id": str(s.teams["south"])},
    ),
    "deal given to the other team's rep": (
        "opportunities",
        "A",
        "update",
        lambda s, ids: {"owner_id": str(s.users["sam"])},
    ),
    "edit of the other team's deal": (
        "opportunities",
        "S",
        "update",
        lambda s, ids: {"title": "taken"},
    ),
    "delete of the other team's deal": ("opportunities", "S", "delete", None),
    "insert over the other team's deal id": (
        "opportunities",
        "S",
        "insert",
        lambda s, ids: {"id": str(ids["S"]), "title": "taken"},
    ),
}


@pytest.mark.parametrize("case", FOREIGN_CHANGES)
def test_foreign_change_is_not_permitted(server, world, case):
    ids = _ids(world)
    table, target, op, fields = FOREIGN_CHANGES[case]
    values = fields(server, ids) if fields else {}
    before = server.scalar(
        "SELECT row_version FROM opportunities WHERE id = :i", i=ids[target]
    )
    results = _push(
        server, "ann", [[_change(server, 1, table, ids[target], values, op)]]
    )

    assert results[0]["status"] == "rejected"
    assert results[0]["issues"][0]["kind"] == "not_permitted"
    after = server.scalar(
        "SELECT row_version FROM opportunities WHERE id = :i", i=ids[target]
    )
    assert after == before
    assert _value(server, "opportunities", "owner_id", ids["S"]) == server.users["sam"]
    assert _value(server, "opportunities", "team_id", ids["A"]) == server.teams["north"]


@pytest.mark.parametrize("on_deal", [False, True], ids=["no deal", "on a deal"])
def test_activity_for_other_team_is_not_permitted(server, world, on_deal):
    ids = _ids(world)
    now = datetime.now(UTC).isoformat()
    activity_id = uuid.uuid4()
    fields = {
        "id": str(activity_id),
        "kind": "call",
        "team_id": None if on_deal else str(server.teams["south"]),
        "opportunity_id": str(ids["S"]) if on_deal else None,
        "owner_id": str(server.users["ann"]),
        "subject": "planted",
        "notes": "",
        "result": "",
        "created_at": now,
        "updated_at": now,
    }
    change = _change(server, 1, "activities", activity_id, fields, "insert")
    results = _push(server, "ann", [[change]])

    assert results[0]["status"] == "rejected"
    assert results[0]["issues"][0]["kind"] == "not_permitted"
    assert server.scalar("SELECT count(*) FROM activities") == 0


@pytest.mark.parametrize(
    "who, table",
    [("lee", "stage_history"), ("ann", "stages")],
    ids=["lead deletes a team deal's history", "rep deletes a config row"],
)
def test_delete_without_update_right_is_rejected(server, world, who, table):
    # The login can read the row, but its update policy rejects the soft delete.
    # A delete acknowledged as applied leaves the laptop's queue without an
    # issue while the row stays on the server.
    ids = _ids(world)
    if table == "stage_history":
        row_id = server.scalar(
            "SELECT id FROM stage_history WHERE opportunity_id = :i", i=ids["A"]
        )
    else:
        row_id = server.scalar("SELECT id FROM stages ORDER BY position LIMIT 1")
    results = _push(server, who, [[_change(server, 1, table, row_id, {}, "delete")]])

    assert _value(server, table, "deleted_at", row_id) is None
    assert results[0]["status"] == "rejected"
    assert results[0]["issues"][0]["kind"] == "not_permitted"


def test_run_error_reports_failing_change_values(server, world):
    # The lead may set the win probability of a team member's deal but not its
    # amount. The run's statement fails, the run is applied again one change at
    # a time, and the rejection must carry the values of the change it names.
    ids = _ids(world)
    group = [
        _change(server, 1, "opportunities", ids["A"], {"manual_probability": 55}),
        _change(server, 2, "opportunities", ids["B"], {"amount_minor": 1}),
    ]
    results = _push(server, "lee", [group])

    assert [r["status"] for r in results] == ["rejected", "rejected"]
    assert results[1]["issues"][0]["kind"] == "not_permitted"
    assert results[1]["issues"][0]["mine"] == {"amount_minor": 1}
    stored = server.scalar(
        "SELECT mine FROM sync.conflict WHERE client_seq = 2 AND kind = 'not_permitted'"
    )
    assert stored == {"amount_minor": 1}


def test_lead_cannot_hand_deal_to_other_team(server, world):
    # A lead reassigns within the team. A north deal owned by a south rep is
    # readable by that rep, who may not change it, and gone from north's reps.
    ids = _ids(world)
    with (
        server.connect(_login(server, "lee")) as connection,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        connection.execute(
            "UPDATE opportunities SET owner_id = %s WHERE id = %s",
            (server.users["sam"], ids["A"]),
        )
        connection.commit()
    sam = world["sam"]
    sam.sync()
    titles = [row[0] for row in sam.rows("SELECT title FROM opportunities")]
    assert "A" not in titles
    assert _value(server, "opportunities", "owner_id", ids["A"]) == server.users["ann"]


# Malformed pushes ------------------------------------------------------------------


def test_unknown_table_is_rejected_by_name(server, world):
    change = _change(server, 1, "salaries", uuid.uuid4(), {"amount": 1}, "insert")
    results = _push(server, "ann", [[change]])

    assert results[0]["status"] == "rejected"
    assert "salaries" in results[0]["issues"][0]["message"]


def test_unknown_column_is_rejected_by_name(server, world):
    # A laptop with a newer local schema, or a forged change, sends a column the
    # server lacks. A change acknowledged as applied loses that value silently.
    ids = _ids(world)
    fields = {"notes": "with a discount", "discount_pct": 5}
    results = _push(
        server, "ann", [[_change(server, 1, "opportunities", ids["A"], fields)]]
    )

    assert results[0]["status"] == "rejected"
    assert "discount_pct" in results[0]["issues"][0]["message"]


BAD_VALUES = {
    "text in an amount": ("amount_minor", "abc"),
    "title over 300 characters": ("title", "Ü" * 301),
    "impossible date": ("expected_close", "2026-13-45"),
}


@pytest.mark.parametrize("case", BAD_VALUES)
def test_bad_value_error_names_the_column(server, world, case):
    ids = _ids(world)
    column, value = BAD_VALUES[case]
    change = _change(server, 1, "opportunities", ids["A"], {column: value})
    results = _push(server, "ann", [[change]])

    assert results[0]["status"] == "rejected"
    assert results[0]["issues"][0]["mine"] == {column: value}
    assert column in results[0]["issues"][0]["message"]


def _malformed(server: Server, ids: dict[str, uuid.UUID], case: str) -> list[Any]:
    deal = ids["A"]
    if case == "seq missing":
        return [[_change(server, None, "opportunities", deal, {"notes": "x"})]]
    if case == "seq twice in a group":
        return [
            [
                _change(server, 1, "opportunities", deal, {"notes": "one"}),
                _change(server, 1, "opportunities", ids["B"], {"notes": "two"}),
            ]
        ]
    return [[_change(server, 1, "opportunities", None, {"notes": "x"})]]


MALFORMED = {
    "seq missing": "seq",
    "seq twice in a group": "seq",
    "row_id missing": "row_id",
}


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_push_gets_clear_error(server, world, case):
    # The server may reject the whole call, but the error should name the
    # field of the pushed JSON at fault, not an internal table's constraint.
    ids = _ids(world)
    with pytest.raises(psycopg.Error) as caught:
        _push(server, "ann", _malformed(server, ids, case))
    message = caught.value.diag.message_primary or ""

    assert MALFORMED[case] in message
    assert "violates" not in message
    assert _value(server, "opportunities", "notes", ids["A"]) == ""


def test_empty_group_is_skipped_or_named(server, world):
    _ids(world)
    try:
        results = _push(server, "ann", [[]])
    except psycopg.Error as error:
        message = error.diag.message_primary or ""
        assert "empty" in message, message
    else:
        assert results == []


def test_replay_with_other_content_is_refused(server, world):
    # docs/sync.md: "a replay with different content is refused".
    ids = _ids(world)
    client_id = uuid.uuid4()
    first = _change(server, 1, "opportunities", ids["A"], {"notes": "first"})
    _push(server, "ann", [[first]], client_id)
    again = dict(first, fields={"notes": "second"})
    with pytest.raises(psycopg.Error) as caught:
        _push(server, "ann", [[again]], client_id)

    assert caught.value.sqlstate == "CR004"
    assert _value(server, "opportunities", "notes", ids["A"]) == "first"


# Rows planted in the sync bookkeeping ----------------------------------------------


def _client_id_of(server: Server, reader: str, customer: uuid.UUID) -> str:
    """Read the client id of the customer's last editor, as ``reader`` can."""
    with server.connect(_login(server, reader)) as connection:
        meta = connection.execute(
            "SELECT field_meta FROM customers WHERE id = %s", (customer,)
        ).fetchone()[0]
    return str(meta["name"]["by"])


def test_planted_ledger_rows_cannot_block_teammate(server, world):
    # Any team mate reads Ann's client id from field_meta of a shared customer.
    # Ledger rows under that id take the sequence numbers Ann has not used yet.
    # Unless the server rejects them, her later pushes fail on the primary key.
    ids = _ids(world)
    ann = world["ann"]
    victim = _client_id_of(server, "bob", ids["customer"])
    with server.connect(_login(server, "bob")) as connection:
        try:
            connection.execute(
                "INSERT INTO sync.applied_mutation (client_id, client_seq, "
                "mutation_id, result) SELECT %s, n, gen_random_uuid(), '{}' "
                "FROM generate_series(1, 10000) AS n ON CONFLICT DO NOTHING",
                (victim,),
            )
            connection.commit()
        except psycopg.Error:
            connection.rollback()
    deal = new_deal(ann, "After the planting")
    ann.sync()

    assert _value(server, "opportunities", "title", deal) == "After the planting"
    assert ann.scalar("SELECT count(*) FROM outbox WHERE status = 'pending'") == 0
    planted = server.scalar(
        "SELECT count(*) FROM sync.applied_mutation WHERE login = :l",
        l=_login(server, "bob"),
    )
    assert planted == 0


def test_conflict_record_cannot_target_other_team(server, world):
    # A rep files a conflict record under another team's id. Its lead then
    # reads the forged record among the team's own.
    _ids(world)
    with server.connect(_login(server, "bob")) as connection:
        try:
            connection.execute(
                "INSERT INTO sync.conflict (user_id, team_id, client_id, client_seq, "
                "mutation_id, kind, tbl, row_id, message) VALUES (%s, %s, "
                "gen_random_uuid(), 1, gen_random_uuid(), 'conflict', "
                "'opportunities', gen_random_uuid(), 'approve this now')",
                (server.users["sam"], server.teams["south"]),
            )
            connection.commit()
        except psycopg.Error:
            connection.rollback()
    with server.connect(_login(server, "sue")) as connection:
        records = team_conflicts(connection)

    assert [r["message"] for r in records] == []


@pytest.mark.parametrize("mode", ["stamp setting", "row stamp"])
def test_sql_session_stamp_is_clamped(server, world, mode):
    # The server clamps pushed stamps to its clock plus five minutes. A plain
    # SQL session that sets the stamp itself needs the same limit, because an
    # unclamped stamp wins every later last-writer-wins merge.
    ids = _ids(world)
    with server.connect(_login(server, "bob")) as connection:
        if mode == "stamp setting":
            connection.execute(
                "SELECT set_config('crmdesk.hlc', %s, false)", (str(MAX_BIGINT),)
            )
            connection.execute(
                "UPDATE customers SET notes = 'bob forever' WHERE id = %s",
                (ids["customer"],),
            )
        else:
            connection.execute("SELECT set_config('crmdesk.hlc', 'row', false)")
            connection.execute(
                "UPDATE customers SET notes = 'bob forever', last_hlc = %s "
                "WHERE id = %s",
                (MAX_BIGINT, ids["customer"]),
            )
        connection.commit()
    bound = pack(wall_millis() + MAX_SKEW_MS)

    assert _value(server, "customers", "last_hlc", ids["customer"]) <= bound
    meta = _value(server, "customers", "field_meta", ids["customer"])
    assert meta["notes"]["hlc"] <= bound


# Pulls -----------------------------------------------------------------------------


def _foreign_buckets(server: Server) -> list[str]:
    north, south = server.teams["north"], server.teams["south"]
    return [
        "all",
        f"team:{south}",
        f"lead:{south}",
        f"lead:{north}",
        f"rep:{server.users['sam']}",
        f"rep:{server.users['bob']}",
    ]


@pytest.mark.parametrize("cursor", ["0:0", "18446744073709551615:0"])
def test_pull_of_foreign_bucket_returns_nothing(server, world, cursor):
    _ids(world)
    new_deal(world["bob"], "Bob's own")
    world["bob"].sync()
    txid, change = cursor.split(":")
    with server.connect(_login(server, "ann")) as connection:
        for bucket in _foreign_buckets(server):
            rows = connection.execute(
                "SELECT kind, tbl, data FROM sync.pull(%s, %s::xid8, %s, 1000)",
                (bucket, txid, int(change)),
            ).fetchall()
            connection.commit()

            assert [row[0] for row in rows] == ["header"], bucket
            newest = connection.execute(
                "SELECT sync.newest_marker(%s)", (bucket,)
            ).fetchone()[0]
            assert newest is None, bucket
        foreign = connection.execute(
            "SELECT count(*) FROM sync.marker WHERE bucket = ANY (%s)",
            (_foreign_buckets(server),),
        ).fetchone()[0]
    assert foreign == 0
