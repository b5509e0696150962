"""Sync of leads, contacts, activities and approvals, against a real PostgreSQL.

Rows are made with the ORM models through each laptop's own session, so the
outbox journal fills exactly as it does for the services. Expected values are
worked out by hand in each test from the rules in docs/sync.md.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from synckit import Client, new_deal

from crmdesk.storage.models import (
    Activity,
    Approval,
    ApprovalDecision,
    ApprovalType,
    Contact,
    Customer,
    CustomerStateChange,
    Lead,
    Opportunity,
)
from crmdesk.sync.issues import list_open_issues


def _now() -> datetime:
    return datetime.now(UTC)


def _team(client: Client) -> uuid.UUID:
    team = client.scalar("SELECT team_id FROM users WHERE id = :u", u=client.user_id)
    return uuid.UUID(hex=team)


def _add(client: Client, row: Any) -> uuid.UUID:
    """Insert one ORM row through the laptop's session; return its id."""
    with client.sessions.begin() as session:
        session.add(row)
        session.flush()
        return row.id  # type: ignore[no-any-return]


def _edit(client: Client, model: type, row_id: uuid.UUID, **fields: Any) -> None:
    """Change fields of one row through the laptop's session."""
    with client.sessions.begin() as session:
        row = session.get(model, row_id)
        assert row is not None, (model, row_id)
        for key, value in fields.items():
            setattr(row, key, value)


def _lead(client: Client, company: str = "Acme Tutoring") -> uuid.UUID:
    now = _now()
    return _add(
        client,
        Lead(
            team_id=_team(client),
            owner_id=client.user_id,
            company=company,
            person="Li Lei",
            phone="+8613800138000",
            created_at=now,
            updated_at=now,
            created_by=client.user_id,
        ),
    )


def _customer(client: Client, name: str = "Acme") -> uuid.UUID:
    now = _now()
    return _add(
        client,
        Customer(
            name=name,
            team_id=_team(client),
            owner_id=client.user_id,
            created_at=now,
            updated_at=now,
        ),
    )


def _count(client: Client, table: str) -> int:
    return int(client.scalar(f"SELECT count(*) FROM {table}"))


def _open_issues(client: Client, kind: str | None = None) -> list[Any]:
    return [
        i for i in list_open_issues(client.sessions) if kind is None or i.kind == kind
    ]


@pytest.fixture
def north(server, make_client):
    """Ann and Bob (reps) and Lee (lead) of north, Cid (rep) of south, synced."""
    server.add_user("ann", "rep", "north")
    server.add_user("bob", "rep", "north")
    server.add_user("lee", "lead", "north")
    server.add_user("cid", "rep", "south")
    with server.superuser() as connection:
        connection.execute(
            "UPDATE teams SET lead_id = %s WHERE id = %s",
            (server.users["lee"], server.teams["north"]),
        )
    clients = {name: make_client(name) for name in ("ann", "bob", "lee", "cid")}
    for client in clients.values():
        client.sync()
    return clients


# Team-shared rows -----------------------------------------------------------------


def test_team_rows_shared_within_team(server, north):
    ann, bob, lee, cid = (north[n] for n in ("ann", "bob", "lee", "cid"))
    lead = _lead(ann)
    customer = _customer(ann)
    state = server.scalar("SELECT id FROM customer_states WHERE key = 'lead'")
    contact = _add(
        ann,
        Contact(
            customer_id=customer,
            team_id=_team(ann),
            name="Wang Fang",
            is_primary=True,
            created_at=_now(),
            updated_at=_now(),
        ),
    )
    _add(
        ann,
        CustomerStateChange(
            customer_id=customer,
            team_id=_team(ann),
            to_state_id=state,
            changed_at=_now(),
            changed_by=ann.user_id,
        ),
    )
    assert ann.sync().issues == []
    for client in (bob, lee, cid):
        client.sync()
    for client in (bob, lee):
        assert client.scalar("SELECT company FROM leads") == "Acme Tutoring"
        assert client.scalar("SELECT name FROM contacts") == "Wang Fang"
        assert _count(client, "customer_state_history") == 1
    for table in ("leads", "contacts", "customers", "customer_state_history"):
        assert _count(cid, table) == 0, table
    # A team mate writes them too, and the change comes back to Ann.
    _edit(bob, Contact, contact, phone="+8613900139000")
    _edit(bob, Lead, lead, status="flagged", flag_reason="same phone as a customer")
    assert bob.sync().issues == []
    ann.sync()
    assert ann.scalar("SELECT phone FROM contacts") == "+8613900139000"
    assert ann.scalar("SELECT status FROM leads") == "flagged"


def test_lead_planted_by_other_team_refused(server, north):
    ann, cid = north["ann"], north["cid"]
    lead = _lead(ann)
    ann.sync()
    # Cid's laptop never gets the lead; a lead filed under north by hand in
    # Cid's store is refused by the server and reported.
    now = _now()
    _add(
        cid,
        Lead(
            team_id=server.teams["north"],
            company="Planted",
            created_at=now,
            updated_at=now,
        ),
    )
    result = cid.sync()
    assert [i.kind for i in _open_issues(cid)] == ["not_permitted"]
    assert len(result.issues) == 1
    assert server.scalar("SELECT count(*) FROM leads") == 1
    assert server.scalar("SELECT company FROM leads WHERE id = :i", i=lead) == (
        "Acme Tutoring"
    )
    assert _count(cid, "leads") == 0


def test_lead_edited_offline_by_two_reps(server, north):
    ann, bob = north["ann"], north["bob"]
    lead = _lead(ann)
    customer = _customer(ann)
    ann.sync()
    bob.sync()
    # Both offline: Ann first, Bob later (his clock stamp is the later one).
    _edit(ann, Lead, lead, notes="wants a trial in March")
    _edit(ann, Customer, customer, phone="+8613800138000")
    _edit(bob, Lead, lead, notes="call back after the holiday")
    _edit(bob, Customer, customer, phone="+8613900139000")
    assert ann.sync().issues == []
    result = bob.sync()
    seen = {(i.table_name, i.field): i for i in _open_issues(bob, "also_edited")}
    assert set(seen) == {("leads", "notes"), ("customers", "phone")}
    assert len(result.issues) == 2
    assert seen["leads", "notes"].theirs == "wants a trial in March"
    assert seen["leads", "notes"].mine == "call back after the holiday"
    assert server.scalar("SELECT notes FROM leads") == "call back after the holiday"
    assert server.scalar("SELECT phone FROM customers") == "+8613900139000"
    ann.sync()
    assert ann.scalar("SELECT notes FROM leads") == "call back after the holiday"


def test_lead_conversion_after_merge_refused(server, north):
    ann, bob = north["ann"], north["bob"]
    lead = _lead(ann)
    ann.sync()
    bob.sync()
    # Bob merges the lead into another one and syncs first.
    other = _lead(bob, "Acme Tutoring (duplicate)")
    _edit(bob, Lead, lead, status="merged", merged_into_id=other, notes="merged")
    assert bob.sync().issues == []
    # Ann, offline, converted it: the customer and the lead change are one action.
    now = _now()
    with ann.sessions.begin() as session:
        customer = Customer(
            name="Acme Tutoring",
            team_id=_team(ann),
            owner_id=ann.user_id,
            lead_id=lead,
            created_at=now,
            updated_at=now,
        )
        session.add(customer)
        session.flush()
        row = session.get(Lead, lead)
        assert row is not None
        row.status = "converted"
        row.converted_customer_id = customer.id
        row.converted_at = now
        row.notes = "converted at the fair"
    ann.sync()
    kinds = sorted(i.kind for i in _open_issues(ann))
    assert "conflict" in kinds
    assert "group_rejected" in kinds
    conflict = next(i for i in _open_issues(ann, "conflict") if i.field == "status")
    assert (conflict.mine, conflict.theirs) == ("converted", "merged")
    assert server.scalar("SELECT status FROM leads WHERE id = :i", i=lead) == "merged"
    assert server.scalar("SELECT count(*) FROM customers") == 0
    # Ann's notes came later, but nothing of the refused change is applied.
    notes = next(i for i in _open_issues(ann, "also_edited") if i.field == "notes")
    assert (notes.mine, notes.theirs) == ("converted at the fair", "merged")
    assert notes.kept == "theirs"
    assert "not applied" in notes.message
    assert server.scalar("SELECT notes FROM leads WHERE id = :i", i=lead) == "merged"
    assert ann.scalar("SELECT status FROM leads WHERE id = :i", i=lead) == "merged"
    assert _count(ann, "customers") == 0


# Activities -------------------------------------------------------------------------


def _activity(client: Client, deal: uuid.UUID | None, subject: str) -> uuid.UUID:
    now = _now()
    return _add(
        client,
        Activity(
            kind="call",
            opportunity_id=deal,
            team_id=_team(client),
            owner_id=client.user_id,
            subject=subject,
            done_at=now,
            duration_minutes=15,
            created_at=now,
            updated_at=now,
        ),
    )


def test_activity_follows_deal_or_team(server, north):
    ann, bob, lee, cid = (north[n] for n in ("ann", "bob", "lee", "cid"))
    deal = new_deal(ann, "Summer camp")
    _activity(ann, deal, "first call")
    _activity(ann, None, "met at the fair")
    assert ann.sync().issues == []
    for client in (bob, lee, cid):
        client.sync()
    assert sorted(r[0] for r in lee.rows("SELECT subject FROM activities")) == [
        "first call",
        "met at the fair",
    ]
    assert [r[0] for r in bob.rows("SELECT subject FROM activities")] == [
        "met at the fair"
    ]
    assert _count(cid, "activities") == 0
    # The lead reads the deal's activities, but only its owner logs them.
    _activity(lee, deal, "joined the call")
    lee.sync()
    assert [i.kind for i in _open_issues(lee)] == ["not_permitted"]
    assert server.scalar("SELECT count(*) FROM activities") == 2


def test_activities_leave_with_reassigned_deal(server, north):
    ann, bob, lee = north["ann"], north["bob"], north["lee"]
    deal = new_deal(ann, "Moves to Bob")
    _activity(ann, deal, "visit")
    _activity(ann, None, "team note")
    ann.sync()
    lee.sync()
    _edit(lee, Opportunity, deal, owner_id=server.users["bob"])
    assert lee.sync().issues == []
    ann.sync()
    assert _count(ann, "opportunities") == 0
    assert [r[0] for r in ann.rows("SELECT subject FROM activities")] == ["team note"]
    bob.sync()
    assert sorted(r[0] for r in bob.rows("SELECT subject FROM activities")) == [
        "team note",
        "visit",
    ]


# Approvals --------------------------------------------------------------------------


@pytest.fixture
def price_check(server, north):
    """A blocking approval type on stage ``qualified``, published by an admin."""
    stage = server.pipeline.stage("sales", "qualified")
    with server.sessions().begin() as session:
        row = ApprovalType(
            stage_id=stage,
            key="price",
            name_en="Price pre-approval",
            name_zh="价格预审",
            blocks_promotion=True,
            position=0,
        )
        session.add(row)
        session.flush()
        type_id = row.id
    for client in north.values():
        client.sync()
    return type_id, stage


def _request(client: Client, deal: uuid.UUID, price_check, amount: int) -> uuid.UUID:
    type_id, stage = price_check
    return _add(
        client,
        Approval(
            opportunity_id=deal,
            approval_type_id=type_id,
            stage_id=stage,
            approver_id=client.server.users["lee"],
            amount_minor=amount,
            currency="CNY",
            requested_at=_now(),
            requested_by=client.user_id,
        ),
    )


def _decide(
    client: Client,
    approval: uuid.UUID,
    decision: str,
    amount: int,
    *,
    corrected: int | None = None,
) -> None:
    """The lead's decision as the approvals service writes it: one transaction."""
    now = _now()
    with client.sessions.begin() as session:
        row = session.get(Approval, approval)
        assert row is not None
        row.status = decision
        row.approved_amount_minor = (
            (corrected if corrected is not None else amount)
            if decision == "approved"
            else None
        )
        row.comment = "fine by me"
        row.decided_at = now
        row.decided_by = client.user_id
        session.add(
            ApprovalDecision(
                approval_id=approval,
                opportunity_id=row.opportunity_id,
                decision=decision,
                comment="fine by me",
                amount_minor=amount,
                corrected_amount_minor=corrected,
                currency="CNY",
                decided_at=now,
                decided_by=client.user_id,
            )
        )
        if corrected is not None:
            deal = session.get(Opportunity, row.opportunity_id)
            assert deal is not None
            deal.amount_minor = corrected


def _server_rows(server, sql: str) -> list[tuple[Any, ...]]:
    """Run one query on the server as superuser; return its rows sorted."""
    with server.engine.connect() as connection:
        return sorted(tuple(row) for row in connection.exec_driver_sql(sql).all())


def _approvals(client: Client) -> list[tuple[str, int | None, int | None]]:
    """(status, amount_minor, approved_amount_minor) of every request, ordered."""
    return sorted(
        (r[0], r[1], r[2])
        for r in client.rows(
            "SELECT status, amount_minor, approved_amount_minor FROM approvals"
        )
    )


def test_approval_types_are_read_only_config(server, north, price_check):
    ann, cid = north["ann"], north["cid"]
    assert ann.scalar("SELECT key FROM approval_types") == "price"
    assert cid.scalar("SELECT key FROM approval_types") == "price"
    _edit(ann, ApprovalType, price_check[0], blocks_promotion=False)
    ann.sync()
    assert [i.kind for i in _open_issues(ann)] == ["not_permitted"]
    assert server.scalar("SELECT blocks_promotion FROM approval_types") is True


def test_approval_decided_by_team_lead(server, north, price_check):
    ann, bob, lee = north["ann"], north["bob"], north["lee"]
    deal = new_deal(ann, "Campus licence", amount="1000")
    approval = _request(ann, deal, price_check, 100000)
    assert ann.sync().issues == []
    bob.sync()
    lee.sync()
    assert _count(bob, "approvals") == 0
    assert _approvals(lee) == [("pending", 100000, None)]
    # The lead approves with a corrected amount: the deal follows the correction
    # and the approval stays approved.
    _decide(lee, approval, "approved", 100000, corrected=90000)
    assert lee.sync().issues == []
    ann.sync()
    assert _approvals(ann) == [("approved", 100000, 90000)]
    assert ann.scalar("SELECT amount_minor FROM opportunities") == 90000
    assert ann.scalar("SELECT decision FROM approval_decisions") == "approved"
    assert server.scalar("SELECT count(*) FROM approval_decisions") == 1
    # Ann may not approve her own request, even by editing her store.
    second = _request(ann, deal, price_check, 90000)
    ann.sync()
    _decide(ann, second, "approved", 90000)
    ann.sync()
    assert [i.kind for i in _open_issues(ann)] == ["not_permitted", "group_rejected"]
    assert server.scalar("SELECT status FROM approvals WHERE id = :i", i=second) == (
        "pending"
    )


def test_approval_racing_offline_amount_invalidated(server, north, price_check):
    ann, lee = north["ann"], north["lee"]
    deal = new_deal(ann, "Campus licence", amount="1000")
    approval = _request(ann, deal, price_check, 100000)
    ann.sync()
    lee.sync()
    # Ann raises the amount offline while the request is still pending for her.
    _edit(ann, Opportunity, deal, amount_minor=120000)
    # Lee approves the amount he saw, 1,000.00, and syncs first.
    _decide(lee, approval, "approved", 100000)
    assert lee.sync().issues == []
    assert server.scalar("SELECT status FROM approvals") == "approved"
    # Ann's amount reaches the server: 1,200.00 was never approved.
    assert ann.sync().issues == []
    expected = [("invalidated", 100000, 100000), ("pending", 120000, None)]
    assert (
        _server_rows(
            server, "SELECT status, amount_minor, approved_amount_minor FROM approvals"
        )
        == expected
    )
    # The new request is Ann's, addressed to her team's lead.
    assert _server_rows(
        server,
        "SELECT requested_by, approver_id FROM approvals WHERE status = 'pending'",
    ) == [(server.users["ann"], server.users["lee"])]
    decisions = _server_rows(
        server, "SELECT decision, amount_minor, decided_by FROM approval_decisions"
    )
    assert decisions == [
        ("approved", 100000, server.users["lee"]),
        ("invalidated", 120000, None),
    ]
    lee.sync()
    for client in (ann, lee):
        assert _approvals(client) == expected
        assert _count(client, "approval_decisions") == 2
        assert client.scalar("SELECT amount_minor FROM opportunities") == 120000
    assert _open_issues(ann) == []
    assert _open_issues(lee) == []


def test_stale_approval_after_amount_invalidated(server, north, price_check):
    ann, lee = north["ann"], north["lee"]
    deal = new_deal(ann, "Campus licence", amount="1000")
    approval = _request(ann, deal, price_check, 100000)
    ann.sync()
    lee.sync()
    # This time Ann's change arrives first and Lee approves offline.
    _edit(ann, Opportunity, deal, amount_minor=120000)
    assert ann.sync().issues == []
    _decide(lee, approval, "approved", 100000)
    assert lee.sync().issues == []
    # The waiting request had taken the deal's new amount on the server when
    # Ann's change arrived, so it reads 1,200.00 requested, 1,000.00 approved.
    expected = [("invalidated", 120000, 100000), ("pending", 120000, None)]
    ann.sync()
    for client in (ann, lee):
        assert _approvals(client) == expected
        assert client.scalar("SELECT amount_minor FROM opportunities") == 120000


def test_decision_on_withdrawn_request_refused(server, north, price_check):
    ann, lee = north["ann"], north["lee"]
    deal = new_deal(ann, "Campus licence", amount="1000")
    approval = _request(ann, deal, price_check, 100000)
    ann.sync()
    lee.sync()
    # Ann withdraws the request (marks it invalidated) while Lee rejects offline.
    _edit(ann, Approval, approval, status="invalidated")
    assert ann.sync().issues == []
    _decide(lee, approval, "rejected", 100000)
    lee.sync()
    conflict = _open_issues(lee, "conflict")
    assert [(i.field, i.mine, i.theirs) for i in conflict] == [
        ("status", "rejected", "invalidated")
    ]
    assert [i.kind for i in _open_issues(lee, "group_rejected")] == ["group_rejected"]
    assert server.scalar("SELECT count(*) FROM approval_decisions") == 0
    assert _approvals(lee) == [("invalidated", 100000, None)]
    assert _count(lee, "approval_decisions") == 0


def test_approved_amount_conflicts_between_laptops(
    server, north, make_client, price_check
):
    ann, lee = north["ann"], north["lee"]
    other_laptop = make_client("lee")
    deal = new_deal(ann, "Campus licence", amount="1000")
    approval = _request(ann, deal, price_check, 100000)
    ann.sync()
    lee.sync()
    other_laptop.sync()
    # Lee approves 1,000.00 on one laptop; on the other, offline, he approved
    # with a correction to 900.00, which also lowers the deal amount.
    _decide(lee, approval, "approved", 100000)
    assert lee.sync().issues == []
    _decide(other_laptop, approval, "approved", 100000, corrected=90000)
    other_laptop.sync()
    conflicts = _open_issues(other_laptop, "conflict")
    assert [(i.field, i.mine, i.theirs) for i in conflicts] == [
        ("approved_amount_minor", 90000, 100000)
    ]
    # The server kept 1,000.00 as approved, but the deal is now 900.00: that
    # approval is invalidated and a request for 900.00 is open.
    assert _server_rows(
        server, "SELECT status, amount_minor, approved_amount_minor FROM approvals"
    ) == [("invalidated", 100000, 100000), ("pending", 90000, None)]
    assert server.scalar("SELECT amount_minor FROM opportunities") == 90000
    ann.sync()
    assert _approvals(ann) == [
        ("invalidated", 100000, 100000),
        ("pending", 90000, None),
    ]
