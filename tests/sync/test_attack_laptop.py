"""Hostile and unusual input that reaches the server through a laptop's own sync.

Each test drives the real services and sync engine on SQLite stores against a
real PostgreSQL, as the other sync tests do. The input is what a rep can type
or paste, a laptop restored from a backup, or a row that a team mate stamped by
hand with a far-future clock. The expected outcome follows docs/sync.md.
Nothing a rep saved is lost or blocks the queue, and every rejection names the
field.
"""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from synckit import Client, Server, actor, edit_deal, new_deal

from crmdesk.domain.errors import ValidationError
from crmdesk.services.stages import set_checklist_action
from crmdesk.storage.models import Customer
from crmdesk.sync.engine import SyncError
from crmdesk.sync.hlc import pack, wall_millis
from crmdesk.sync.issues import list_open_issues

MAX_BIGINT = 2**63 - 1
DAY_MS = 24 * 60 * 60 * 1000


def _sync(client: Client) -> Any:
    """Run one sync round and fail the test with the round's error, if any."""
    try:
        return client.sync()
    except SyncError as error:
        pytest.fail(f"sync of {client.name} failed ({error.kind}): {error}")


def _customer(client: Client, notes: str = "") -> uuid.UUID:
    """Add a customer of the client's team through its session; return its id."""
    now = datetime.now(UTC)
    with client.sessions.begin() as session:
        customer = Customer(
            name="Acme",
            team_id=client.server.teams["north"],
            owner_id=client.user_id,
            notes=notes,
            created_at=now,
            updated_at=now,
        )
        session.add(customer)
        session.flush()
        return customer.id


def _server_value(server: Server, table: str, column: str, row_id: uuid.UUID) -> Any:
    return server.scalar(f"SELECT {column} FROM {table} WHERE id = :i", i=row_id)


def test_nul_in_notes_does_not_block_outbox(server, make_client):
    # SQLite stores a pasted NUL character, but PostgreSQL's jsonb rejects the
    # \u0000 escape. Such a change must not make every later push fail.
    server.add_user("ann", "rep", "north")
    ann = make_client("ann")
    ann.sync()
    deal = new_deal(ann, "Pasted")
    ann.sync()
    edit_deal(ann, deal, notes="copied from a PDF\x00with a NUL")
    later = new_deal(ann, "Made after the paste")
    _sync(ann)

    assert _server_value(server, "opportunities", "title", later) == (
        "Made after the paste"
    )
    assert ann.scalar("SELECT count(*) FROM outbox WHERE status = 'pending'") == 0
    # The laptop keeps what the server stores: the text without the NUL.
    notes = "copied from a PDFwith a NUL"
    assert _server_value(server, "opportunities", "notes", deal) == notes
    assert ann.scalar("SELECT notes FROM opportunities WHERE title = 'Pasted'") == notes


def test_too_long_title_names_the_field(server, make_client):
    # The server column takes at most 300 characters. The deal service either
    # rejects a longer title, or the issue of the rejected change names the field.
    server.add_user("ann", "rep", "north")
    ann = make_client("ann")
    ann.sync()
    deal = new_deal(ann, "Short")
    ann.sync()
    try:
        edit_deal(ann, deal, title="Ü" * 301)
    except ValidationError as error:
        assert "300" in str(error)
        return
    _sync(ann)
    issues = list_open_issues(ann.sessions)

    assert [i.kind for i in issues] == ["rejected"]
    assert issues[0].field == "title" or "title" in issues[0].message


def test_untick_after_merged_tick_reaches_server(server, make_client):
    # Two laptops of one rep tick the same checklist action, and the server
    # merges the second laptop's row into the first. The second laptop's untick,
    # queued in the same round under its own row id, must reach the merged row.
    server.add_user("ann", "rep", "north")
    desk = make_client("ann")
    desk.sync()
    deal = new_deal(desk, "Checklist")
    desk.sync()
    laptop = make_client("ann")
    laptop.sync()
    action = server.pipeline.actions["call"]
    with desk.sessions.begin() as session:
        set_checklist_action(session, deal, action, True, actor(desk))
    desk.sync()
    with laptop.sessions.begin() as session:
        set_checklist_action(session, deal, action, True, actor(laptop))
    with laptop.sessions.begin() as session:
        set_checklist_action(session, deal, action, False, actor(laptop))
    laptop.sync()

    assert server.scalar("SELECT count(*) FROM checklist_items") == 1
    assert server.scalar("SELECT done FROM checklist_items") is False
    # The desk's tick and the laptop's untick were concurrent edits of one
    # field: the laptop hears of the desk's, and that its own later one stayed.
    issues = list_open_issues(laptop.sessions)
    assert [(i.kind, i.field, i.mine, i.theirs) for i in issues] == [
        ("also_edited", "done", False, True)
    ]
    assert issues[0].kept == "mine"
    desk.sync()
    assert desk.scalar("SELECT done FROM checklist_items") == 0


def test_restored_backup_reports_no_false_rejection(server, make_client, tmp_path):
    # The backup contains an insert that was pushed after the backup was taken.
    # Under the new client id the server receives it again. It must not report
    # a duplicate key for a deal it already stores.
    server.add_user("ann", "rep", "north")
    ann = make_client("ann")
    ann.sync()
    first = new_deal(ann, "Synced before the backup")
    ann.sync()
    queued = new_deal(ann, "Queued in the backup")
    ann.engine.dispose()
    backup = tmp_path / "backup.sqlite3"
    shutil.copy(ann.path, backup)
    ann.sync()
    edit_deal(ann, first, notes="after the backup")
    ann.sync()
    ann.engine.dispose()
    shutil.copy(backup, ann.path)
    for suffix in ("-wal", "-shm"):
        (ann.path.parent / (ann.path.name + suffix)).unlink(missing_ok=True)
    edit_deal(ann, first, title="Edited on the restored laptop")
    result = _sync(ann)

    assert result.new_client_id
    assert _server_value(server, "opportunities", "title", queued) == (
        "Queued in the backup"
    )
    assert server.scalar("SELECT count(*) FROM opportunities") == 2
    issues = [(i.kind, i.table_name, i.message) for i in list_open_issues(ann.sessions)]
    assert issues == []


@pytest.mark.parametrize(
    "stamp",
    [MAX_BIGINT, pack(wall_millis() + DAY_MS)],
    ids=["largest bigint", "one day ahead"],
)
def test_far_future_stamp_from_sql_spares_teammate(server, make_client, stamp):
    # Bob sets the stamp of his plain SQL session by hand and edits a shared
    # customer, and Ann's laptop receives the stamp with the pull. At the
    # largest bigint her clock no longer fits SQLite's INTEGER, so a local edit
    # raises OverflowError. A day ahead, her pushes come back flagged
    # clock_ahead although her own clock is right.
    server.add_user("ann", "rep", "north")
    server.add_user("bob", "rep", "north")
    ann = make_client("ann")
    ann.sync()
    customer = _customer(ann)
    ann.sync()
    with server.connect(f"{server.prefix}_bob") as connection:
        connection.execute("SELECT set_config('crmdesk.hlc', %s, false)", (str(stamp),))
        connection.execute(
            "UPDATE customers SET notes = 'set by hand' WHERE id = %s", (customer,)
        )
        connection.commit()
    _sync(ann)
    assert ann.scalar("SELECT notes FROM customers") == "set by hand"

    deal = new_deal(ann, "After the pull")
    result = _sync(ann)

    assert _server_value(server, "opportunities", "title", deal) == "After the pull"
    assert not result.clock_ahead


def test_unicode_and_long_notes_round_trip(server, make_client):
    server.add_user("ann", "rep", "north")
    server.add_user("bob", "rep", "north")
    ann, bob = make_client("ann"), make_client("bob")
    ann.sync()
    bob.sync()
    notes = (
        '家族 👨‍👩‍👧‍👦 e\u0301 مرحبا \u200f \U0001d11e ‘quoted’ "json" \\ \t\n'
        + "长" * 1_000_000
    )
    customer = _customer(ann, notes)
    _sync(ann)
    _sync(bob)

    assert _server_value(server, "customers", "notes", customer) == notes
    assert bob.scalar("SELECT notes FROM customers") == notes
    with bob.sessions.begin() as session:
        row = session.get(Customer, customer)
        assert row is not None
        row.notes = notes[::-1]
    _sync(bob)
    _sync(ann)
    assert ann.scalar("SELECT notes FROM customers") == notes[::-1]
    assert list_open_issues(ann.sessions) == []
    assert list_open_issues(bob.sessions) == []
