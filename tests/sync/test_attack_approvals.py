"""Attacks on approvals across laptops, on the shipped education playbook.

Real laptops (Ann has two) drive the services against a real server. Amounts
are in minor units: 12,800.00 CNY is 1,280,000. The expected outcomes follow
the rules in crmdesk/services/approvals.py: a blocking request keeps the deal
from moving forward until the lead approves it, and a rejection is asked
again for a changed deal.
"""

# Tests take the imported ``team`` fixture as a parameter of the same name.
# ruff: noqa: F811

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from synckit import Client
from test_workflows_e2e import (
    _actor,
    _approvals,
    _customer,
    _deal,
    _deal_row,
    _issues,
    _log,
    _move,
    _request,
    _server_rows,
    _sync,
    _trial_deal_in_plan_accepted,
    _won,
    team,  # noqa: F401  (a fixture)
)

from crmdesk.domain.errors import ValidationError
from crmdesk.services import approvals
from crmdesk.services.deals import OpportunityEdit, update_opportunity
from crmdesk.services.workspace import set_current_user


def _second_laptop(make_client: Any, name: str) -> Client:
    """Set up another laptop of user ``name``, synced, with its current user set."""
    laptop = make_client(name)
    laptop.sync()
    with laptop.sessions.begin() as session:
        set_current_user(session, laptop.user_id)
    return laptop


def _deal_in_trial_delivered(team: Any, owner: Client) -> uuid.UUID:
    """A 12,800.00 trial-conversion deal in trial-delivered, checklist ticked.

    Its next move enters plan-accepted, which opens the blocking price request.
    """
    edu = team.edu
    customer = _customer(owner, "Chen family", "Chen Jing", "13800138000")
    deal = _deal(
        owner, edu.series["trial-conversion"], customer, "Piano course", "12800"
    )
    _log(owner, deal, "trial", "Trial lesson with Ms Wu")
    _move(owner, deal, edu.stage("trial-conversion", "trial-delivered"))
    _log(owner, deal, "note", "Teacher's feedback")
    _log(owner, deal, "meeting", "Feedback meeting with the mother")
    return deal


def _blocking(laptop: Client, deal: uuid.UUID) -> list[Any]:
    """The blocking requests that keep the deal from being won on a laptop."""
    with laptop.sessions.begin() as session:
        return approvals.open_blocking(session, deal, reached_position=99)


def _pending_on_server(server: Any, deal: uuid.UUID) -> list[tuple[Any, ...]]:
    return _server_rows(
        server,
        "SELECT amount_minor FROM approvals "
        "WHERE opportunity_id = :d AND status = 'pending'",
        d=deal,
    )


def test_duplicate_request_approval_opens_gate(server, team, make_client):
    ann, lee, edu = team.ann, team.lee, team.edu
    deal = _deal_in_trial_delivered(team, ann)
    _sync(ann)
    ann2 = _second_laptop(make_client, "ann")
    # Both of Ann's laptops move the deal into plan-accepted offline. The stage
    # values are equal, so both moves and both price requests land.
    plan_accepted = edu.stage("trial-conversion", "plan-accepted")
    _move(ann, deal, plan_accepted)
    _move(ann2, deal, plan_accepted)
    _sync(ann, ann2, ann, lee)

    # The lead approves the request his inbox lists first.
    with lee.sessions.begin() as session:
        inbox = approvals.inbox(session, lee.user_id)
        approvals.approve(session, inbox[0].id, _actor(lee), "Fine")
    _sync(lee, ann, ann2)

    # The lead approved the price, so no laptop may still hold the deal back.
    assert _blocking(ann, deal) == []
    assert _blocking(ann2, deal) == []
    assert _pending_on_server(server, deal) == []


def test_request_again_on_stale_laptop(server, team, make_client):
    ann, lee = team.ann, team.lee
    deal = _trial_deal_in_plan_accepted(team)
    _sync(ann, lee)
    with lee.sessions.begin() as session:
        approvals.reject(
            session, _request(lee, deal), _actor(lee), "Offer 12,000 at least"
        )
    _sync(lee, ann)
    ann2 = _second_laptop(make_client, "ann")
    rejected = _request(ann, deal)
    # Laptop 1 lowers the amount, which opens a request for 12,000.00. Laptop 2,
    # still at 12,800.00, edits the notes and calls request_again.
    with ann.sessions.begin() as session:
        update_opportunity(
            session, deal, OpportunityEdit(amount=Decimal("12000")), _actor(ann)
        )
    with ann2.sessions.begin() as session:
        update_opportunity(
            session, deal, OpportunityEdit(notes="Parents agreed"), _actor(ann2)
        )
    with ann2.sessions.begin() as session:
        approvals.request_again(session, rejected, _actor(ann2))
    _sync(ann, ann2, ann, lee)

    assert _server_rows(
        server, "SELECT amount_minor FROM opportunities WHERE id = :d", d=deal
    ) == [(1200000,)]
    # One request waits for the lead, for the deal's amount. The rejected
    # 12,800.00 must not come back as a second pending request.
    assert _pending_on_server(server, deal) == [(1200000,)]
    with lee.sessions.begin() as session:
        inbox = approvals.inbox(session, lee.user_id)
    assert [r.amount_minor for r in inbox] == [1200000]


def test_lead_cannot_approve_own_deal(server, team):
    lee, edu = team.lee, team.edu
    deal = _deal_in_trial_delivered(team, lee)
    _move(lee, deal, edu.stage("trial-conversion", "plan-accepted"))
    request = _request(lee, deal)
    # docs/sync.md: "the owner may not approve their own request". The lead
    # owns this deal, so approving it would remove the second pair of eyes.
    with lee.sessions.begin() as session, pytest.raises(ValidationError, match="own"):
        approvals.approve(session, request, _actor(lee), "Mine, approved")


def test_lead_self_approval_by_sql_is_refused(server, team):
    lee, edu = team.lee, team.edu
    deal = _deal_in_trial_delivered(team, lee)
    _move(lee, deal, edu.stage("trial-conversion", "plan-accepted"))
    request = _request(lee, deal)
    _sync(lee)
    # The laptop refuses; hand-written SQL on the lead's own login must too.
    with (
        server.connect(lee.login) as connection,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="status"),
    ):
        connection.execute(
            "UPDATE approvals SET status = 'approved', approved_amount_minor = "
            "amount_minor, decided_by = %s WHERE id = %s",
            (lee.user_id, request),
        )
    assert _pending_on_server(server, deal) == [(1280000,)]


def test_stale_win_refused_after_approval_reopened(server, team, make_client):
    ann, lee, edu = team.ann, team.lee, team.edu
    deal = _trial_deal_in_plan_accepted(team)
    _log(ann, deal, "email", "Enrolment contract")
    _sync(ann, lee)
    with lee.sessions.begin() as session:
        approvals.approve(session, _request(lee, deal), _actor(lee), "Fine")
    _sync(lee, ann)
    ann2 = _second_laptop(make_client, "ann")
    # Laptop 1 lowers the amount (the approval is invalidated there and the gate
    # shuts). Laptop 2 still shows the approval and wins the deal at 12,800.00.
    with ann.sessions.begin() as session:
        update_opportunity(
            session, deal, OpportunityEdit(amount=Decimal("9000")), _actor(ann)
        )
    _move(ann2, deal, edu.stage("trial-conversion", "won"), _won("12800"))
    for laptop in (ann, ann2, ann, lee):
        laptop.sync()

    # The server has the request pending again for 9,000.00, so it refuses the
    # win as the laptop would have: the deal waits in plan-accepted everywhere,
    # and laptop 2 keeps its win as an issue naming the approval.
    plan_accepted = edu.stage("trial-conversion", "plan-accepted")
    expected = [("invalidated", 1280000, 1280000), ("pending", 900000, None)]
    for laptop in (ann, ann2, lee):
        assert _deal_row(laptop, deal) == (900000, plan_accepted), laptop.name
        assert _approvals(laptop, deal) == expected, laptop.name
    refused = [i for i in _issues(ann2) if i.kind == "not_permitted"]
    assert len(refused) == 1
    assert "Price pre-approval of stage Plan accepted (pending)" in refused[0].message
    assert refused[0].mine["stage_id"] == str(edu.stage("trial-conversion", "won"))
    assert _server_rows(server, "SELECT count(*) FROM outcomes") == [(0,)]
    assert [i.kind for i in _issues(ann)] == []
