"""The failure scenarios F1-F10 of the sync research note, against real PostgreSQL.

Each test sets the scenario up with real clients (SQLite stores driven by the
services and the sync engine) and plain SQL connections for the server side.
"""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from datetime import date
from decimal import Decimal

import psycopg
import pytest
from sqlalchemy import update
from synckit import Client, actor, edit_deal, new_deal

from crmdesk.domain.playbook import OutcomeResult
from crmdesk.services.stages import (
    OutcomeInput,
    move_opportunity,
    set_checklist_action,
    set_manual_probability,
)
from crmdesk.storage.models import OutboxEntry
from crmdesk.sync import local
from crmdesk.sync.engine import SyncEngine, SyncError
from crmdesk.sync.hlc import MAX_SKEW_MS, pack, physical, wall_millis
from crmdesk.sync.issues import (
    RESTORE,
    USE_MINE,
    list_open_issues,
    resolve_issue,
    team_conflicts,
)


def _title(client: Client, deal_id: uuid.UUID) -> str | None:
    return client.scalar("SELECT title FROM opportunities WHERE id = :i", i=deal_id)


def _pull_only(client: Client, *, settle: bool = True) -> None:
    """A round with nothing to push is a pull."""
    assert client.scalar("SELECT count(*) FROM outbox WHERE status='pending'") == 0
    client.sync(settle=settle)


# F1 -------------------------------------------------------------------------------


def test_f1_cursor_never_passes_a_running_transaction(server, make_client):
    server.add_user("ann", "rep", "north")
    ann = make_client("ann")
    ann.sync()
    x = new_deal(ann, "X")
    y = new_deal(ann, "Y")
    ann.sync()
    with server.superuser() as a, server.superuser() as b:
        a.execute("UPDATE opportunities SET title = 'X from A' WHERE id = %s", (x,))
        b.execute("UPDATE opportunities SET title = 'Y from B' WHERE id = %s", (y,))
        b.commit()
        _pull_only(ann, settle=False)
        # Y committed, but after A's transaction id: it waits for A ("Y at most").
        assert _title(ann, y) == "Y"
        assert _title(ann, x) == "X"
        a_xid = int(a.execute("SELECT pg_current_xact_id()::text").fetchone()[0])
        with ann.engine.connect() as connection:
            cursor = local.get_state(connection, f"cursor:rep:{ann.user_id}")
        assert cursor is not None and int(cursor.split(":")[0]) <= a_xid
        a.commit()
    _pull_only(ann)
    assert _title(ann, x) == "X from A"
    assert _title(ann, y) == "Y from B"


def test_f1_an_idle_transaction_stalls_pulls_until_it_is_killed(server, make_client):
    server.add_user("ann", "rep", "north")
    ann = make_client("ann")
    ann.sync()
    x = new_deal(ann, "X")
    y = new_deal(ann, "Y")
    ann.sync()
    with server.superuser() as idle, server.superuser() as other:
        idle.execute("SET idle_in_transaction_session_timeout = '1s'")
        idle.commit()
        idle.execute(
            "UPDATE opportunities SET title = 'never committed' WHERE id = %s", (x,)
        )
        other.execute("UPDATE opportunities SET title = 'Y later' WHERE id = %s", (y,))
        other.commit()
        assert ann.sync(settle=False).caught_up is False  # stalled, nothing skipped
        assert _title(ann, y) == "Y"
        time.sleep(1.5)  # the server ends the idle transaction and rolls it back
        with pytest.raises(psycopg.errors.IdleInTransactionSessionTimeout):
            idle.execute("SELECT 1")
    ann.sync()
    assert _title(ann, y) == "Y later"
    assert _title(ann, x) == "X"


# F2 -------------------------------------------------------------------------------


def test_f2_a_row_never_goes_back_to_an_older_version(server, make_client):
    server.add_user("ann", "rep", "north")
    ann = make_client("ann")
    ann.sync()
    s = new_deal(ann, "S")
    r = new_deal(ann, "R")
    ann.sync()
    with server.superuser() as t2, server.superuser() as t1:
        # T2 takes the lower transaction id first, on S.
        t2.execute("UPDATE opportunities SET title = 'S2' WHERE id = %s", (s,))
        t1.execute("UPDATE opportunities SET title = 'R by T1' WHERE id = %s", (r,))
        blocked = threading.Thread(
            target=t2.execute,
            args=("UPDATE opportunities SET title = 'R by T2' WHERE id = %s", (r,)),
        )
        blocked.start()
        t1.commit()  # R at the next version, committed first with the higher xid
        blocked.join(timeout=10)
        assert not blocked.is_alive()
        _pull_only(
            ann, settle=False
        )  # T2 still runs: nothing past its xid is delivered
        assert _title(ann, r) == "R"
        t2.commit()  # R one version later, committed second with the lower xid
    _pull_only(ann)
    assert _title(ann, r) == "R by T2"
    server_version = server.scalar(
        "SELECT row_version FROM opportunities WHERE id = :i", i=r
    )
    assert ann.scalar("SELECT version FROM opportunities WHERE id = :i", i=r) == (
        server_version
    )
    # An older image arriving late (overlapping buckets, a replayed page) is ignored.
    with local.write_transaction(ann.engine) as connection:
        old = local.get_shadow(connection, "opportunities", r)
        assert old is not None
        stale = dict(old[1], row_version=server_version - 1, title="R by T1")
        from crmdesk.sync.engine import _fold_images

        images = {("opportunities", r): (stale, None)}
        assert _fold_images(connection, images, "all") == set()
    assert _title(ann, r) == "R by T2"


# F3 -------------------------------------------------------------------------------


class _LoseReplyAfterCommit:
    """A connection whose first push commits and then loses the reply."""

    def __init__(self, inner: psycopg.Connection) -> None:
        self.inner = inner
        self.pushing = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.inner.close()

    def execute(self, sql, params=None):
        self.pushing = sql.startswith("SELECT sync.push")
        return self.inner.execute(sql, params)

    def commit(self):
        self.inner.commit()
        if self.pushing:
            raise psycopg.OperationalError("server closed the connection unexpectedly")

    def rollback(self):
        self.inner.rollback()


def test_f3_a_lost_reply_is_retried_without_applying_twice(server, make_client):
    server.add_user("ann", "rep", "north")
    ann = make_client("ann")
    ann.sync()
    deal = new_deal(ann, "Lost reply")
    ann.sync()
    version_before = server.scalar(
        "SELECT row_version FROM opportunities WHERE id = :i", i=deal
    )
    pipeline = server.pipeline
    with ann.sessions.begin() as session:  # 2 revisions (rows of their own)
        set_manual_probability(session, deal, 30, actor(ann), "first call")
    with ann.sessions.begin() as session:
        set_manual_probability(session, deal, 35, actor(ann), "second call")
    with ann.sessions.begin() as session:  # 1 checklist completion
        set_checklist_action(session, deal, pipeline.actions["call"], True, actor(ann))
    edit_deal(ann, deal, notes="asked for a quote")  # 2 field patches
    edit_deal(ann, deal, title="Lost reply, renamed")
    pending = ann.scalar("SELECT count(*) FROM outbox WHERE status='pending'")
    assert pending >= 5

    engine = SyncEngine(
        ann.sessions, lambda: _LoseReplyAfterCommit(server.connect(ann.login))
    )
    with pytest.raises(SyncError) as failure:
        engine.run_once()
    assert failure.value.kind == "unreachable"
    # The server committed, but the laptop heard nothing: the entries stay queued.
    assert ann.scalar("SELECT count(*) FROM outbox WHERE status='pending'") == pending
    assert server.scalar("SELECT count(*) FROM probability_revisions") == 2

    extra = new_deal(ann, "Sent with the retry")  # the variant: one more change
    result = ann.sync()
    assert result.issues == []
    assert server.scalar("SELECT count(*) FROM probability_revisions") == 2
    assert server.scalar("SELECT count(*) FROM checklist_items") == 1
    # One bump per patch of the deal: two probabilities, notes, title.
    assert (
        server.scalar("SELECT row_version FROM opportunities WHERE id = :i", i=deal)
        == version_before + 4
    )
    assert server.scalar("SELECT title FROM opportunities WHERE id = :i", i=extra)
    assert ann.scalar("SELECT count(*) FROM outbox WHERE status='pending'") == 0


# F4 -------------------------------------------------------------------------------


def _close_won(client: Client, deal_id: uuid.UUID) -> None:
    pipeline = client.server.pipeline
    with client.sessions.begin() as session:
        for key in ("qualified", "proposal"):
            if key == "qualified":
                set_checklist_action(
                    session, deal_id, pipeline.actions["call"], True, actor(client)
                )
            move_opportunity(
                session, deal_id, pipeline.stage("sales", key), actor(client)
            )


def test_f4_a_push_killed_mid_way_applies_whole_exactly_once(server, make_client):
    server.add_user("ann", "rep", "north")
    ann = make_client("ann")
    ann.sync()
    deal = new_deal(ann, "Kill me")
    _close_won(ann, deal)
    ann.sync()
    pipeline = server.pipeline
    # One local transaction: close as won (outcome row, history row, stage patch).
    with ann.sessions.begin() as session:
        move_opportunity(
            session,
            deal,
            pipeline.stage("sales", "won"),
            actor(ann),
            OutcomeInput(
                OutcomeResult.WON,
                reason_id=pipeline.reasons[("sales", "fit")],
                actual_amount=Decimal("9000"),
                actual_date=date(2026, 12, 1),
            ),
        )
    groups = ann.scalar(
        "SELECT count(DISTINCT tx_group) FROM outbox WHERE status='pending'"
    )
    assert groups == 1
    with server.superuser() as blocker, server.superuser() as control:
        # Hold the deal's row so the push stops after its first statements.
        blocker.execute("SELECT 1 FROM opportunities WHERE id = %s FOR UPDATE", (deal,))

        def kill() -> None:
            for _ in range(200):
                pid = control.execute(
                    "SELECT pid FROM pg_stat_activity WHERE usename = %s "
                    "AND wait_event_type = 'Lock'",
                    (ann.login,),
                ).fetchone()
                control.commit()
                if pid:
                    control.execute("SELECT pg_terminate_backend(%s)", (pid[0],))
                    control.commit()
                    return
                threading.Event().wait(0.05)

        killer = threading.Thread(target=kill)
        killer.start()
        with pytest.raises(SyncError):
            ann.sync()
        killer.join()
        blocker.rollback()
    assert server.scalar("SELECT count(*) FROM outcomes") == 0
    assert (
        server.scalar(
            "SELECT count(*) FROM stage_history WHERE to_stage_id = :s",
            s=pipeline.stage("sales", "won"),
        )
        == 0
    )
    result = ann.sync()
    assert result.issues == []
    assert server.scalar("SELECT count(*) FROM outcomes") == 1
    assert server.scalar(
        "SELECT stage_id FROM opportunities WHERE id = :i", i=deal
    ) == pipeline.stage("sales", "won")
    ann.sync()
    assert server.scalar("SELECT count(*) FROM outcomes") == 1


def test_f4_a_restored_backup_gets_a_new_client_id(server, make_client, tmp_path):
    server.add_user("ann", "rep", "north")
    ann = make_client("ann")
    ann.sync()
    deal = new_deal(ann, "Backup")
    ann.sync()
    ann.engine.dispose()
    backup = tmp_path / "backup.sqlite3"
    shutil.copy(ann.path, backup)
    edit_deal(ann, deal, notes="before the disk died")
    ann.sync()
    ann.engine.dispose()
    shutil.copy(backup, ann.path)
    for suffix in ("-wal", "-shm"):
        (ann.path.parent / (ann.path.name + suffix)).unlink(missing_ok=True)
    edit_deal(ann, deal, title="Edited on the restored laptop")
    result = ann.sync()
    assert result.new_client_id
    assert server.scalar("SELECT count(DISTINCT client_id) FROM sync.client") == 2
    assert server.scalar("SELECT title FROM opportunities WHERE id = :i", i=deal) == (
        "Edited on the restored laptop"
    )
    assert server.scalar("SELECT notes FROM opportunities WHERE id = :i", i=deal) == (
        "before the disk died"
    )


# F5 -------------------------------------------------------------------------------


def test_f5_offline_rep_and_online_admin_edit_the_same_deal(server, make_client):
    server.add_user("ann", "rep", "north")
    server.add_user("lee", "lead", "north")
    server.add_user("ada", "admin", "north")
    ann, ada = make_client("ann"), make_client("ada")
    ann.sync()
    deal = new_deal(ann, "Contested", amount="10000")
    ann.sync()
    ada.sync()
    edit_deal(ann, deal, amount=Decimal("12000"), notes="call on Monday")  # offline
    edit_deal(ann, deal, amount=Decimal("12500"))  # twice, alone: no self-conflict
    edit_deal(ada, deal, amount=Decimal("15000"))  # online, later base
    ada.sync()
    result = ann.sync()
    assert server.scalar("SELECT amount_minor FROM opportunities") == 1500000
    assert server.scalar("SELECT notes FROM opportunities") == "call on Monday"
    conflicts = [i for i in list_open_issues(ann.sessions) if i.kind == "conflict"]
    assert [(i.field, i.mine, i.theirs, i.base) for i in conflicts] == [
        ("amount_minor", 1200000, 1500000, 1000000),
        ("amount_minor", 1250000, 1500000, 1200000),
    ]
    assert len(result.issues) == 2
    assert ann.scalar("SELECT amount_minor FROM opportunities") == 1500000
    with server.connect(f"{server.prefix}_lee") as lead:
        seen = team_conflicts(lead)
    assert {row["field"] for row in seen} == {"amount_minor"}
    # The lead's copy names whose edit the rep's met: the admin's.
    assert {row["login"] for row in seen} == {ann.login}
    assert {row["other_login"] for row in seen} == {ada.login}
    # Use mine on the latest: a new change on the current version, no conflict.
    resolve_issue(ann.sessions, conflicts[1].id, USE_MINE)
    assert ann.sync().issues == []
    ada.sync()
    assert server.scalar("SELECT amount_minor FROM opportunities") == 1250000
    assert ada.scalar("SELECT amount_minor FROM opportunities") == 1250000


# F6 -------------------------------------------------------------------------------


def _restamp(client: Client, offset_ms: int) -> None:
    """Give the pending entries the stamp a clock ``offset_ms`` off would make."""
    with client.engine.begin() as connection:
        connection.execute(
            update(OutboxEntry)
            .where(OutboxEntry.status == "pending")
            .values(hlc=pack(wall_millis() + offset_ms))
        )


def test_f6_a_fast_clock_is_clamped_and_cannot_win_for_days(server, make_client):
    server.add_user("ann", "rep", "north")
    server.add_user("ada", "admin", "north")
    fast, slow = make_client("ann"), make_client("ada")
    fast.sync()
    deal = new_deal(fast, "Clocks")
    fast.sync()
    slow.sync()
    edit_deal(fast, deal, notes="A, two days ahead")
    _restamp(fast, 2 * 24 * 3600 * 1000)
    edit_deal(slow, deal, notes="B, an hour behind, concurrent")
    _restamp(slow, -3600 * 1000)
    assert fast.sync().clock_ahead
    stored = server.scalar(
        "SELECT (field_meta->'notes'->>'hlc')::bigint FROM opportunities"
    )
    server_ms = server.scalar(
        "SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint"
    )
    assert physical(stored) <= server_ms + MAX_SKEW_MS
    result = slow.sync()
    # Concurrent: the clamped stamp still wins, and B's value is kept in an issue.
    assert server.scalar("SELECT notes FROM opportunities") == "A, two days ahead"
    lost = [i for i in list_open_issues(slow.sessions) if i.id in result.issues]
    assert [(i.kind, i.mine) for i in lost] == [
        ("also_edited", "B, an hour behind, concurrent")
    ]
    assert lost[0].message.startswith(f"also edited by {fast.login};")
    with slow.engine.connect() as connection:
        assert int(local.get_state(connection, "hlc")) > stored
    # B's next edit, made after receiving A's stamp, wins.
    edit_deal(slow, deal, notes="B again, after the pull")
    assert slow.sync().issues == []
    fast.sync()
    assert fast.scalar("SELECT notes FROM opportunities") == "B again, after the pull"


# F7 -------------------------------------------------------------------------------


def test_f7_delete_wins_and_the_offline_edit_can_restore(server, make_client):
    from crmdesk.services.customers import NewCustomer, create_customer
    from crmdesk.storage.models import Customer

    server.add_user("bob", "rep", "north")
    server.add_user("ada", "admin", "north")
    bob, ada = make_client("bob"), make_client("ada")
    bob.sync()
    team = server.teams["north"]
    with bob.sessions.begin() as session:
        customer = create_customer(
            session, NewCustomer(name="Acme", team_id=team), actor(bob)
        ).id
    other = new_deal(bob, "Unrelated")
    bob.sync()
    ada.sync()
    with ada.sessions.begin() as session:
        session.get(Customer, customer).deleted_at = actor(ada).at
    ada.sync()
    with bob.sessions.begin() as session:  # offline: the contact details change
        session.get(Customer, customer).phone = "+86 10 5555 0101"
    child = new_deal(bob, "For Acme", customer_id=customer)
    edit_deal(bob, other, notes="still syncs")
    result = bob.sync()
    assert server.scalar("SELECT deleted_at IS NOT NULL FROM customers") is True
    assert server.scalar("SELECT phone FROM customers") == ""
    issues = [i for i in list_open_issues(bob.sessions) if i.id in result.issues]
    assert [i.kind for i in issues] == ["deleted", "parent_deleted"]
    assert issues[0].mine == {"phone": "+86 10 5555 0101"}
    assert issues[1].row_id == child  # the deal for Acme is kept, and flagged
    assert RESTORE in issues[0].actions
    assert bob.scalar("SELECT deleted_at IS NOT NULL FROM customers") == 1
    assert server.scalar("SELECT title FROM opportunities WHERE id = :i", i=child)
    assert server.scalar("SELECT notes FROM opportunities WHERE id = :i", i=other) == (
        "still syncs"
    )
    resolve_issue(bob.sessions, issues[0].id, RESTORE)
    assert bob.sync().issues == []
    assert server.scalar("SELECT deleted_at IS NULL FROM customers") is True
    assert server.scalar("SELECT phone FROM customers") == "+86 10 5555 0101"


# F8 -------------------------------------------------------------------------------


def _lost(client: Client) -> OutcomeInput:
    return OutcomeInput(
        OutcomeResult.LOST, reason_id=client.server.pipeline.reasons[("sales", "price")]
    )


def test_f8_a_stale_close_never_closes_a_moved_or_reopened_deal(server, make_client):
    server.add_user("ann", "rep", "north")
    server.add_user("ada", "admin", "north")
    ann, ada = make_client("ann"), make_client("ada")
    laptop2 = make_client("ann")
    pipeline = server.pipeline
    ann.sync()
    o = new_deal(ann, "O")
    p = new_deal(ann, "P")
    ann.sync()
    ada.sync()
    laptop2.sync()
    with ann.sessions.begin() as session:  # offline close of O as lost
        move_opportunity(
            session, o, pipeline.stage("sales", "lost"), actor(ann), _lost(ann)
        )
    _close_won(ada, o)  # online: O moved on and its amount raised
    edit_deal(ada, o, amount=Decimal("20000"))
    ada.sync()
    result = ann.sync()
    assert (
        server.scalar("SELECT count(*) FROM outcomes WHERE opportunity_id = :o", o=o)
        == 0
    )
    assert server.scalar("SELECT stage_id FROM opportunities WHERE id = :o", o=o) == (
        pipeline.stage("sales", "proposal")
    )
    kinds = sorted(
        i.kind for i in list_open_issues(ann.sessions) if i.id in result.issues
    )
    assert "conflict" in kinds
    assert "group_rejected" in kinds
    assert ann.scalar("SELECT count(*) FROM outcomes") == 0
    assert ann.scalar("SELECT stage_id FROM opportunities WHERE id = :o", o=o) == (
        pipeline.stage("sales", "proposal").hex
    )

    # P: closed on one laptop, reopened by an admin; another laptop holds a stale close.
    with laptop2.sessions.begin() as session:  # offline, on the old base
        move_opportunity(
            session, p, pipeline.stage("sales", "lost"), actor(laptop2), _lost(laptop2)
        )
    with ann.sessions.begin() as session:
        move_opportunity(
            session, p, pipeline.stage("sales", "lost"), actor(ann), _lost(ann)
        )
    ann.sync()
    ada.sync()
    with ada.sessions.begin() as session:
        move_opportunity(session, p, pipeline.stage("sales", "new"), actor(ada))
    ada.sync()
    result = laptop2.sync()
    assert server.scalar("SELECT stage_id FROM opportunities WHERE id = :p", p=p) == (
        pipeline.stage("sales", "new")
    )
    assert (
        server.scalar(
            "SELECT count(*) FROM outcomes "
            "WHERE opportunity_id = :p AND reopened_at IS NULL",
            p=p,
        )
        == 0
    )
    assert any(i.kind == "conflict" for i in list_open_issues(laptop2.sessions))


# F9 -------------------------------------------------------------------------------


def test_f9_a_reassigned_deal_leaves_the_old_owner(server, make_client):
    server.add_user("ann", "rep", "north")
    server.add_user("bob", "rep", "north")
    server.add_user("lee", "lead", "north")
    ann, bob, lee = make_client("ann"), make_client("bob"), make_client("lee")
    ann.sync()
    deal = new_deal(ann, "Moves to Bob")
    with ann.sessions.begin() as session:
        set_manual_probability(session, deal, 25, actor(ann), "kick-off")
    ann.sync()
    bob.sync()
    lee.sync()
    assert bob.scalar("SELECT count(*) FROM opportunities") == 0
    edit_deal(ann, deal, notes="offline edit on a deal about to move")
    edit_deal(lee, deal, owner_id=server.users["bob"])
    assert lee.sync().issues == []
    result = ann.sync()
    issues = [i for i in list_open_issues(ann.sessions) if i.id in result.issues]
    assert [i.kind for i in issues] == ["not_permitted"]
    assert issues[0].mine["notes"] == "offline edit on a deal about to move"
    assert ann.scalar("SELECT count(*) FROM opportunities") == 0
    assert ann.scalar("SELECT count(*) FROM probability_revisions") == 0
    assert ann.scalar("SELECT count(*) FROM stage_history") == 0
    bob.sync()
    assert bob.scalar("SELECT title FROM opportunities") == "Moves to Bob"
    assert bob.scalar("SELECT count(*) FROM probability_revisions") == 1
    with server.connect(lee.login) as connection:
        assert [r["kind"] for r in team_conflicts(connection)] == ["not_permitted"]


# F10 ------------------------------------------------------------------------------


def test_f10_past_the_tombstone_horizon_the_client_resyncs(server, make_client):
    server.add_user("ann", "rep", "north")
    server.add_user("ada", "admin", "north")
    ann, ada = make_client("ann"), make_client("ada")
    ann.sync()
    deals = [new_deal(ann, f"Deal {n}") for n in range(4)]
    ann.sync()
    ada.sync()
    with ada.sessions.begin() as session:  # deleted while ann is away
        from crmdesk.storage.models import Opportunity

        session.get(Opportunity, deals[0]).deleted_at = actor(ada).at
    ada.sync()
    for number, deal in enumerate(deals):  # 4 pending edits, one on the deleted deal
        edit_deal(ann, deal, notes=f"offline edit {number}")
    with server.superuser() as connection:
        connection.execute("SELECT sync.purge_tombstones(now())")
    result = ann.sync()
    assert result.resynced
    assert result.pushed == 4
    kinds = [i.kind for i in list_open_issues(ann.sessions)]
    assert kinds == ["deleted"]
    for number, deal in enumerate(deals[1:], start=1):
        assert (
            server.scalar("SELECT notes FROM opportunities WHERE id = :i", i=deal)
            == f"offline edit {number}"
        )
    assert (
        ann.scalar("SELECT count(*) FROM opportunities WHERE deleted_at IS NULL") == 3
    )


def test_f10_a_new_server_generation_makes_every_client_resync(server, make_client):
    server.add_user("ann", "rep", "north")
    ann = make_client("ann")
    ann.sync()
    new_deal(ann, "Before the restore")
    ann.sync()
    with ann.engine.begin() as connection:  # a row the server no longer has
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    with server.superuser() as connection:
        connection.execute("SELECT sync.new_generation()")
        connection.execute("DELETE FROM stage_history")
        connection.execute("DELETE FROM opportunities")
    result = ann.sync()
    assert result.resynced
    assert ann.scalar("SELECT count(*) FROM opportunities") == 0
    assert ann.sync().resynced is False


# Old clients ----------------------------------------------------------------------


def test_a_client_below_the_minimum_schema_keeps_its_outbox(server, make_client):
    server.add_user("ann", "rep", "north")
    ann = make_client("ann")
    ann.sync()
    new_deal(ann, "Waits for the upgrade")
    with server.superuser() as connection:
        connection.execute("UPDATE sync.server_info SET min_client_schema = 99")
    with pytest.raises(SyncError) as failure:
        ann.sync()
    assert failure.value.kind == "upgrade_required"
    assert "upgrade crmdesk" in str(failure.value)
    assert ann.scalar("SELECT count(*) FROM outbox WHERE status = 'pending'") >= 2
    assert server.scalar("SELECT count(*) FROM opportunities") == 0
    with server.superuser() as connection:
        connection.execute("UPDATE sync.server_info SET min_client_schema = 5")
    assert ann.sync().issues == []
    assert server.scalar("SELECT title FROM opportunities") == "Waits for the upgrade"
