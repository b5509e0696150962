"""Whole workflows across laptops, through the real services and the real server.

Four laptops, each a real SQLite store that only the services write: Ann and
Bob, reps of team ``teaching``, Lee, its lead, and Cid, a rep of team
``front-end``. The server runs the shipped education playbook. Every change
reaches the others through ``SyncEngine`` rounds against PostgreSQL.

Amounts are worked out by hand: 12,800.00 CNY is 1,280,000 minor units.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from synckit import Client

from crmdesk.domain.playbook import OutcomeResult
from crmdesk.domain.playbook_file import shipped_playbook
from crmdesk.services import approvals
from crmdesk.services.activities import DoneInput, Target, log_activity
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.customer_detail import load_customer_detail
from crmdesk.services.customers import NewContact, NewCustomer, create_customer
from crmdesk.services.deal_detail import load_deal_detail
from crmdesk.services.deals import (
    NewOpportunity,
    OpportunityEdit,
    create_opportunity,
    update_opportunity,
)
from crmdesk.services.imports.leads import import_leads
from crmdesk.services.lead_conversion import ConvertOptions, convert_lead
from crmdesk.services.leads import NewLead, add_lead, list_leads
from crmdesk.services.playbook_install import install_playbook
from crmdesk.services.stages import (
    OutcomeInput,
    check_stage_move,
    move_opportunity,
    set_checklist_action,
)
from crmdesk.services.timeline import deal_timeline
from crmdesk.services.workspace import set_current_user
from crmdesk.sync.issues import list_open_issues

# Ids ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Education:
    """Ids of the education playbook on the server, by key."""

    series: dict[str, uuid.UUID]
    stages: dict[tuple[str, str], uuid.UUID]
    actions: dict[tuple[str, str], uuid.UUID]
    states: dict[str, uuid.UUID]

    def stage(self, series: str, key: str) -> uuid.UUID:
        return self.stages[(series, key)]


def _ids(server: Any, sql: str) -> dict[Any, uuid.UUID]:
    with server.engine.connect() as connection:
        rows = connection.exec_driver_sql(sql).all()
    return {(tuple(r[:-1]) if len(r) > 2 else r[0]): r[-1] for r in rows}


@dataclass
class Team:
    """The four laptops and the playbook's ids."""

    ann: Client
    bob: Client
    lee: Client
    cid: Client
    edu: Education

    @property
    def laptops(self) -> tuple[Client, ...]:
        return (self.ann, self.bob, self.lee, self.cid)


@pytest.fixture
def team(server, make_client) -> Team:
    """Publish the education playbook, add the four users and sync each laptop."""
    with server.sessions().begin() as session:
        install_playbook(session, shipped_playbook("education"))
    edu = Education(
        series=_ids(
            server,
            "SELECT s.key, s.id FROM series s JOIN playbooks p "
            "ON p.id = s.playbook_id WHERE p.key = 'education'",
        ),
        stages=_ids(
            server,
            "SELECT s.key, st.key, st.id FROM stages st JOIN series s "
            "ON s.id = st.series_id JOIN playbooks p ON p.id = s.playbook_id "
            "WHERE p.key = 'education'",
        ),
        actions=_ids(
            server,
            "SELECT st.key, a.key, a.id FROM checklist_actions a JOIN stages st "
            "ON st.id = a.stage_id JOIN series s ON s.id = st.series_id "
            "JOIN playbooks p ON p.id = s.playbook_id WHERE p.key = 'education'",
        ),
        states=_ids(
            server,
            "SELECT c.key, c.id FROM customer_states c JOIN playbooks p "
            "ON p.id = c.playbook_id WHERE p.key = 'education'",
        ),
    )
    server.add_user("ann", "rep", "teaching")
    server.add_user("bob", "rep", "teaching")
    server.add_user("lee", "lead", "teaching")
    server.add_user("cid", "rep", "front-end")
    laptops = {name: make_client(name) for name in ("ann", "bob", "lee", "cid")}
    for laptop in laptops.values():
        assert laptop.sync().issues == []
        with laptop.sessions.begin() as session:
            set_current_user(session, laptop.user_id)
    return Team(edu=edu, **laptops)


# Helpers ------------------------------------------------------------------------------


def _actor(laptop: Client) -> Actor:
    return Actor(laptop.user_id, ChangeSource.FORM)


def _now() -> datetime:
    return datetime.now(UTC)


def _issues(laptop: Client) -> list[Any]:
    return list_open_issues(laptop.sessions)


def _no_issues(*laptops: Client) -> None:
    for laptop in laptops:
        assert [
            (i.kind, i.table_name, i.field, i.message) for i in _issues(laptop)
        ] == [], laptop.name


def _sync(*laptops: Client) -> None:
    """Sync each laptop in turn; none may get a new sync issue."""
    for laptop in laptops:
        result = laptop.sync()
        assert result.issues == [], (
            laptop.name,
            [(i.kind, i.table_name, i.field, i.message) for i in _issues(laptop)],
        )


def _customer(laptop: Client, name: str, contact: str, phone: str) -> uuid.UUID:
    with laptop.sessions.begin() as session:
        customer = create_customer(
            session,
            NewCustomer(name=name, contact=NewContact(name=contact, phone=phone)),
            _actor(laptop),
        )
        return customer.id


def _deal(
    laptop: Client,
    series: uuid.UUID,
    customer: uuid.UUID,
    title: str,
    amount: str,
) -> uuid.UUID:
    with laptop.sessions.begin() as session:
        deal = create_opportunity(
            session,
            NewOpportunity(
                series_id=series,
                title=title,
                customer_id=customer,
                amount=Decimal(amount),
            ),
            _actor(laptop),
        )
        return deal.id


def _log(laptop: Client, deal: uuid.UUID, kind: str, subject: str) -> uuid.UUID | None:
    """Log a done activity on a deal; return the checklist action it ticked."""
    with laptop.sessions.begin() as session:
        result = log_activity(
            session,
            Target.deal(deal),
            DoneInput(kind=kind, done_at=_now(), subject=subject, duration_minutes=30),
            _actor(laptop),
        )
        return result.checklist_action_id


def _move(
    laptop: Client,
    deal: uuid.UUID,
    stage: uuid.UUID,
    outcome: OutcomeInput | None = None,
) -> Any:
    with laptop.sessions.begin() as session:
        return move_opportunity(session, deal, stage, _actor(laptop), outcome)


def _won(amount: str) -> OutcomeInput:
    return OutcomeInput(
        OutcomeResult.WON, actual_amount=Decimal(amount), actual_date=_now().date()
    )


def _deal_row(laptop: Client, deal: uuid.UUID) -> tuple[Any, ...]:
    row = laptop.rows(
        "SELECT amount_minor, stage_id FROM opportunities WHERE id = :d", d=deal
    )
    assert len(row) == 1, laptop.name
    return (row[0][0], uuid.UUID(hex=row[0][1]))


def _sorted(rows: Any) -> list[tuple[Any, ...]]:
    """Sort rows of values; None sorts before any number."""
    return sorted(rows, key=lambda r: tuple(-1 if v is None else v for v in r))


def _approvals(laptop: Client, deal: uuid.UUID) -> list[tuple[Any, ...]]:
    """(status, amount_minor, approved_amount_minor) of the deal's requests."""
    return _sorted(
        tuple(r)
        for r in laptop.rows(
            "SELECT status, amount_minor, approved_amount_minor FROM approvals "
            "WHERE opportunity_id = :d",
            d=deal,
        )
    )


def _decisions(laptop: Client, deal: uuid.UUID) -> list[tuple[Any, ...]]:
    """(decision, amount_minor, corrected_amount_minor) of the deal's decisions."""
    return _sorted(
        tuple(r)
        for r in laptop.rows(
            "SELECT decision, amount_minor, corrected_amount_minor "
            "FROM approval_decisions WHERE opportunity_id = :d",
            d=deal,
        )
    )


def _server_rows(server: Any, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    import sqlalchemy as sa

    with server.engine.connect() as connection:
        rows = connection.execute(sa.text(sql), params).all()
    return _sorted(tuple(r) for r in rows)


def _trial_deal_in_plan_accepted(team: Team, amount: str = "12800") -> uuid.UUID:
    """Ann's trial-conversion deal, walked through its checklists to plan-accepted.

    Each required action is ticked by logging the activity the playbook names.
    """
    ann, edu = team.ann, team.edu
    customer = _customer(ann, "Chen family", "Chen Jing", "13800138000")
    deal = _deal(ann, edu.series["trial-conversion"], customer, "Piano course", amount)
    ticked = _log(ann, deal, "trial", "Trial lesson with Ms Wu")
    assert ticked == edu.actions[("trial-booked", "trial-lesson")]
    _move(ann, deal, edu.stage("trial-conversion", "trial-delivered"))
    _log(ann, deal, "note", "Teacher's feedback")
    _log(ann, deal, "meeting", "Feedback meeting with the mother")
    _move(ann, deal, edu.stage("trial-conversion", "plan-accepted"))
    return deal


def _request(laptop: Client, deal: uuid.UUID) -> uuid.UUID:
    """The id of the deal's current price pre-approval request on a laptop."""
    with laptop.sessions.begin() as session:
        current = list(approvals.current_requests(session, deal).values())
    assert len(current) == 1, current
    return current[0].id


# 1. Approval with an amount correction ------------------------------------------------


def test_approval_with_corrected_amount_reaches_the_rep(server, team):
    ann, bob, lee, cid, edu = team.ann, team.bob, team.lee, team.cid, team.edu
    deal = _trial_deal_in_plan_accepted(team)
    won = edu.stage("trial-conversion", "won")
    # Entering plan-accepted opened the blocking request for 12,800.00.
    assert _approvals(ann, deal) == [("pending", 1280000, None)]
    with ann.sessions.begin() as session:
        reasons = check_stage_move(session, deal, won, _won("12800"))
    assert any("Price pre-approval" in r.message for r in reasons), reasons
    _sync(ann, bob, lee, cid)
    # The lead's approvals inbox lists it; Bob's and Cid's laptops hold nothing.
    with lee.sessions.begin() as session:
        inbox = approvals.inbox(session, lee.user_id)
        assert [(r.deal_title, r.status, r.amount_minor) for r in inbox] == [
            ("Piano course", "pending", 1280000)
        ]
        assert inbox[0].owner == ann.login
        approvals.approve(
            session,
            inbox[0].id,
            _actor(lee),
            comment="Ten percent off the list price",
            amount="11520",
        )
    for laptop in (bob, cid):
        assert laptop.rows("SELECT id FROM approvals") == []
    _sync(lee, ann)
    # 12,800.00 less 10 % is 11,520.00.
    assert _deal_row(ann, deal)[0] == 1152000
    assert _approvals(ann, deal) == [("approved", 1280000, 1152000)]
    assert _decisions(ann, deal) == [("approved", 1280000, 1152000)]
    with ann.sessions.begin() as session:
        history = approvals.deal_approvals(session, deal)[0].history
        assert [(h.decision, h.comment) for h in history] == [
            ("approved", "Ten percent off the list price")
        ]
    # The gate is open: only the required contract e-mail is left, and logging
    # it lets the deal be won.
    with ann.sessions.begin() as session:
        reasons = check_stage_move(session, deal, won, _won("11520"))
    assert not any("Price pre-approval" in r.message for r in reasons), reasons
    _log(ann, deal, "email", "Enrolment contract sent")
    _move(ann, deal, won, _won("11520"))
    _sync(ann, lee)
    assert _deal_row(lee, deal) == (1152000, won)
    assert _approvals(lee, deal) == [("approved", 1280000, 1152000)]
    assert _server_rows(
        server, "SELECT status, approved_amount_minor FROM approvals"
    ) == [("approved", 1152000)]
    _no_issues(*team.laptops)


# 2. Rejection, a new amount, approval -------------------------------------------------


def test_rejected_request_asked_again_with_new_amount(server, team):
    ann, lee = team.ann, team.lee
    deal = _trial_deal_in_plan_accepted(team)
    _sync(ann, lee)
    with lee.sessions.begin() as session:
        approvals.reject(
            session,
            _request(lee, deal),
            _actor(lee),
            "Below our floor price: offer 12,000 at least",
        )
    _sync(lee, ann)
    assert _approvals(ann, deal) == [("rejected", 1280000, None)]
    with ann.sessions.begin() as session:
        record = approvals.deal_approvals(session, deal)[0]
        assert record.comment == "Below our floor price: offer 12,000 at least"
    # Ann changes the amount: a new request opens for it at once.
    with ann.sessions.begin() as session:
        update_opportunity(
            session, deal, OpportunityEdit(amount=Decimal("12000")), _actor(ann)
        )
    assert _approvals(ann, deal) == [
        ("pending", 1200000, None),
        ("rejected", 1280000, None),
    ]
    _sync(ann, lee)
    with lee.sessions.begin() as session:
        inbox = approvals.inbox(session, lee.user_id)
        assert [(r.status, r.amount_minor) for r in inbox] == [("pending", 1200000)]
        approvals.approve(session, inbox[0].id, _actor(lee), "Fine at 12,000")
    _sync(lee, ann)
    expected = [("approved", 1200000, 1200000), ("rejected", 1280000, None)]
    for laptop in (ann, lee):
        assert _approvals(laptop, deal) == expected
        assert _deal_row(laptop, deal)[0] == 1200000
    assert _server_rows(
        server,
        "SELECT decision, amount_minor, corrected_amount_minor, comment "
        "FROM approval_decisions",
    ) == [
        ("approved", 1200000, None, "Fine at 12,000"),
        ("rejected", 1280000, None, "Below our floor price: offer 12,000 at least"),
    ]
    assert _decisions(ann, deal) == [
        ("approved", 1200000, None),
        ("rejected", 1280000, None),
    ]
    _no_issues(*team.laptops)


# 3. An amount change racing the lead's decision ---------------------------------------

# Ann raises the deal from 12,800.00 to 13,500.00 offline while Lee, offline too,
# approves the pending request: as requested, or corrected to 12,000.00. The
# expected end state of each case follows the rules in docs/sync.md.
RACES = {
    # Lee's approval of 12,800.00 lands first; Ann's 13,500.00 then applies (Lee
    # did not change the amount) and the approval is invalidated at that commit.
    # The decided request keeps the amount it was decided for.
    ("lead first", None): (
        1350000,
        [("invalidated", 1280000, 1280000), ("pending", 1350000, None)],
        [("approved", 1280000, None), ("invalidated", 1350000, None)],
        {},
    ),
    # Ann's amount lands first; Lee's approval of the old amount then applies and
    # is invalidated at its commit.
    ("rep first", None): (
        1350000,
        [("invalidated", 1350000, 1280000), ("pending", 1350000, None)],
        [("approved", 1280000, None), ("invalidated", 1350000, None)],
        {},
    ),
    # Lee's correction lands first: the amounts conflict, the server keeps
    # 12,000.00, and the approval for 12,000.00 stays approved. Ann's laptop
    # also sent 13,500.00 as the request's amount, which the decided request
    # does not take.
    ("lead first", "12000"): (
        1200000,
        [("approved", 1280000, 1200000)],
        [("approved", 1280000, 1200000)],
        {"ann": [("conflict", "opportunities", "amount_minor", 1350000, 1200000)]},
    ),
    # Ann's amount lands first: Lee's corrected amount conflicts and the server
    # keeps 13,500.00, so his approval of 12,000.00 is invalidated at its commit.
    ("rep first", "12000"): (
        1350000,
        [("invalidated", 1350000, 1200000), ("pending", 1350000, None)],
        [("approved", 1280000, 1200000), ("invalidated", 1350000, None)],
        {"lee": [("conflict", "opportunities", "amount_minor", 1200000, 1350000)]},
    ),
}


@pytest.mark.parametrize(("order", "corrected"), list(RACES))
def test_amount_change_races_the_decision(server, team, order, corrected):
    ann, bob, lee, cid = team.ann, team.bob, team.lee, team.cid
    amount, expected, decisions, issues = RACES[(order, corrected)]
    deal = _trial_deal_in_plan_accepted(team)
    _sync(ann, lee)
    with ann.sessions.begin() as session:
        update_opportunity(
            session, deal, OpportunityEdit(amount=Decimal("13500")), _actor(ann)
        )
    with lee.sessions.begin() as session:
        approvals.approve(
            session, _request(lee, deal), _actor(lee), "OK", amount=corrected
        )
    first, second = (lee, ann) if order == "lead first" else (ann, lee)
    first.sync()
    second.sync()
    for laptop in (first, second, bob, cid):
        laptop.sync()
    # Both laptops converge on the server's rows.
    assert _server_rows(server, "SELECT amount_minor FROM opportunities") == [(amount,)]
    assert (
        _server_rows(
            server,
            "SELECT status, amount_minor, approved_amount_minor FROM approvals",
        )
        == expected
    )
    assert (
        _server_rows(
            server,
            "SELECT decision, amount_minor, corrected_amount_minor "
            "FROM approval_decisions",
        )
        == decisions
    )
    for laptop in (ann, lee):
        assert _deal_row(laptop, deal)[0] == amount, laptop.name
        assert _approvals(laptop, deal) == expected, laptop.name
        assert _decisions(laptop, deal) == decisions, laptop.name
    # No request is left approved for an amount other than the deal's.
    assert (
        server.scalar(
            "SELECT count(*) FROM approvals a JOIN opportunities o "
            "ON o.id = a.opportunity_id WHERE a.status = 'approved' "
            "AND a.approved_amount_minor <> o.amount_minor"
        )
        == 0
    )
    # Any issue is a conflict on the amount that names both values and the
    # other login.
    for laptop in team.laptops:
        found = [
            (i.kind, i.table_name, i.field, i.mine, i.theirs) for i in _issues(laptop)
        ]
        assert found == issues.get(laptop.name, []), laptop.name
        for issue in _issues(laptop):
            other = lee if laptop is ann else ann
            assert issue.other_login == other.login
            assert issue.message
    for laptop in (bob, cid):
        assert laptop.rows("SELECT id FROM approvals") == []


# 4. Leads shared within the team ------------------------------------------------------


def test_leads_imported_converted_and_shared_in_team(server, team, tmp_path):
    ann, bob, lee, cid, edu = team.ann, team.bob, team.lee, team.cid, team.edu
    table = tmp_path / "fair.csv"
    table.write_text(
        "company,person,phone,email,source\n"
        "Sunny Kindergarten,Zhou Min,+86 139-0013-9000,,Spring fair\n"
        "Wang family,Wang Lei,13700137000,,Spring fair\n"
        "Li family,Li Hua,0086 13600136000,li.hua@example.com,Referral\n",
        encoding="utf-8",
    )
    with ann.sessions.begin() as session:
        result = import_leads(session, table, None, _actor(ann))
        assert (result.imported, result.flagged, result.rejected) == (3, 0, 0)
        add_lead(
            session,
            NewLead(company="Zhao family", person="Zhao Yun", phone="13500135000"),
            _actor(ann),
        )
    _sync(ann, bob, lee, cid)
    names = ["Li family", "Sunny Kindergarten", "Wang family", "Zhao family"]
    for laptop in (bob, lee):
        with laptop.sessions.begin() as session:
            leads = list_leads(session)
            assert sorted(r.name for r in leads) == names, laptop.name
    with bob.sessions.begin() as session:
        wang = next(r for r in list_leads(session) if r.name == "Wang family")
        assert wang.phone == "+8613700137000"
        converted = convert_lead(
            session,
            wang.id,
            ConvertOptions(
                series_id=edu.series["new-customer"],
                deal_title="Maths course",
                amount=Decimal("6800"),
            ),
            _actor(bob),
        )
    assert converted.customer_created
    assert converted.contact_id is not None
    assert converted.opportunity_id is not None
    _sync(bob, ann, lee, cid)
    # Ann's laptop shows the lead converted, with its customer and contact.
    with ann.sessions.begin() as session:
        lead = next(r for r in list_leads(session) if r.name == "Wang family")
        assert lead.status == "converted"
        assert lead.converted_customer_id == converted.customer_id
        assert lead.converted_opportunity_id == converted.opportunity_id
        customer = load_customer_detail(session, converted.customer_id)
        assert customer.name == "Wang family"
        assert customer.source == "Spring fair"
        assert customer.state_id == edu.states["prospect"]
        assert [(c.name, c.phone, c.is_primary) for c in customer.contacts] == [
            ("Wang Lei", "+8613700137000", True)
        ]
    # The deal is Bob's, who converted the lead: a rep writes only their own
    # deals. Bob's laptop and the lead's hold it; Ann's has only its id.
    for laptop in (bob, lee):
        with laptop.sessions.begin() as session:
            deal = load_deal_detail(session, converted.opportunity_id)
            assert (deal.title, deal.amount_minor, deal.owner_id) == (
                "Maths course",
                680000,
                bob.user_id,
            ), laptop.name
            assert deal.customer_id == converted.customer_id
    assert ann.rows("SELECT id FROM opportunities") == []
    # Cid, of another team, has none of it on his laptop.
    for table_name in ("leads", "customers", "contacts", "customer_state_history"):
        assert cid.rows(f"SELECT id FROM {table_name}") == [], table_name
    assert cid.rows("SELECT id FROM opportunities") == []
    _no_issues(*team.laptops)


# 5. Activities, checklists and the customer lifecycle ---------------------------------


def test_logged_call_and_won_deal_reach_the_team(server, team):
    ann, bob, lee, cid, edu = team.ann, team.bob, team.lee, team.cid, team.edu
    customer = _customer(ann, "Sun family", "Sun Li", "13300133000")
    deal = _deal(ann, edu.series["new-customer"], customer, "English course", "4800")
    ticked = _log(ann, deal, "call", "Talked to the father about the course")
    call = edu.actions[("valid-contact", "effective-call")]
    assert ticked == call
    _sync(ann, bob, lee, cid)
    with lee.sessions.begin() as session:
        detail = load_deal_detail(session, deal)
        done = {line.action_id: line.done for line in detail.checklist}
        assert done[call] is True
        assert done[edu.actions[("valid-contact", "duplicate-check")]] is False
        timeline = deal_timeline(session, deal)
        activities = [e.activity for e in timeline.entries if e.activity is not None]
        assert [(a.kind, a.subject, a.owner) for a in activities] == [
            ("call", "Talked to the father about the course", ann.login)
        ]
        assert activities[0].checklist_action is not None
        assert activities[0].checklist_action.en == (
            "Effective phone call with the decision maker"
        )
    # Ann works the deal to won; the customer moves to the series' end state.
    with ann.sessions.begin() as session:
        set_checklist_action(
            session,
            deal,
            edu.actions[("valid-contact", "duplicate-check")],
            True,
            _actor(ann),
        )
    _move(ann, deal, edu.stage("new-customer", "needs-confirmed"))
    _log(ann, deal, "call", "Needs interview with the mother")
    _move(ann, deal, edu.stage("new-customer", "trial-invited"))
    _log(ann, deal, "email", "Trial confirmed for Saturday")
    moved = _move(ann, deal, edu.stage("new-customer", "won"), _won("4800"))
    assert moved.customer_state is not None
    _sync(ann, bob, lee, cid)
    end = edu.states["pilot-customer"]
    for laptop in (ann, bob, lee):
        with laptop.sessions.begin() as session:
            detail = load_customer_detail(session, customer)
            assert detail.state_id == end, laptop.name
        history = laptop.rows(
            "SELECT to_state_id, opportunity_id FROM customer_state_history "
            "WHERE customer_id = :c ORDER BY changed_at",
            c=customer,
        )
        assert [
            (uuid.UUID(hex=r[0]), r[1] and uuid.UUID(hex=r[1])) for r in history
        ] == [
            (edu.states["prospect"], None),
            (end, deal),
        ], laptop.name
    assert cid.rows("SELECT id FROM customers") == []
    assert cid.rows("SELECT id FROM activities") == []
    _no_issues(*team.laptops)


def _with_discount_note(playbook: Any) -> Any:
    """The education playbook with a second, non-blocking approval type
    ("Discount note") in plan-accepted."""
    from dataclasses import replace

    from crmdesk.domain.playbook import ApprovalTypeDef, LocalText

    note = ApprovalTypeDef(
        "discount-note", LocalText("Discount note", "折扣说明"), False
    )
    series = []
    for one in playbook.series:
        stages = tuple(
            replace(stage, approvals=(*stage.approvals, note))
            if stage.key == "plan-accepted"
            else stage
            for stage in one.stages
        )
        series.append(replace(one, stages=stages))
    return replace(playbook, series=tuple(series))


# The other approval of the deal, decided or not before the price is corrected
# to 11,000.00: an approved one is invalidated and asked again for the new
# amount, and a pending one takes the new amount.
OTHER_APPROVAL = {
    "approved": (
        [
            ("approved", 1280000, 1100000),
            ("invalidated", 1280000, 1280000),
            ("pending", 1100000, None),
        ],
        [
            ("approved", 1280000, None),
            ("approved", 1280000, 1100000),
            ("invalidated", 1100000, None),
        ],
    ),
    "pending": (
        [("approved", 1280000, 1100000), ("pending", 1100000, None)],
        [("approved", 1280000, 1100000)],
    ),
}


@pytest.mark.parametrize("other", list(OTHER_APPROVAL))
def test_correction_moves_the_other_approval(server, team, other):
    ann, lee = team.ann, team.lee
    expected, decisions = OTHER_APPROVAL[other]
    with server.sessions().begin() as session:
        install_playbook(session, _with_discount_note(shipped_playbook("education")))
    _sync(ann, lee)
    deal = _trial_deal_in_plan_accepted(team)
    _sync(ann, lee)
    with lee.sessions.begin() as session:
        pending = {r.name.en: r.id for r in approvals.inbox(session, lee.user_id)}
        assert sorted(pending) == ["Discount note", "Price pre-approval"]
        if other == "approved":
            approvals.approve(session, pending["Discount note"], _actor(lee))
    _sync(lee)
    with lee.sessions.begin() as session:
        approvals.approve(
            session, pending["Price pre-approval"], _actor(lee), amount="11000"
        )
    _sync(lee, ann)
    assert (
        _server_rows(
            server, "SELECT status, amount_minor, approved_amount_minor FROM approvals"
        )
        == expected
    )
    for laptop in (ann, lee):
        assert _deal_row(laptop, deal)[0] == 1100000, laptop.name
        assert _approvals(laptop, deal) == expected, laptop.name
        assert _decisions(laptop, deal) == decisions, laptop.name
    _no_issues(*team.laptops)


def test_approved_amount_changed_reopens_once(server, team):
    ann, lee = team.ann, team.lee
    deal = _trial_deal_in_plan_accepted(team)
    _sync(ann, lee)
    with lee.sessions.begin() as session:
        approvals.approve(session, _request(lee, deal), _actor(lee))
    _sync(lee, ann)
    # Ann's laptop invalidates the approval itself and asks again, so the
    # server opens no second request.
    with ann.sessions.begin() as session:
        update_opportunity(
            session, deal, OpportunityEdit(amount=Decimal("9900")), _actor(ann)
        )
    _sync(ann, lee)
    expected = [("invalidated", 1280000, 1280000), ("pending", 990000, None)]
    decisions = [("approved", 1280000, None), ("invalidated", 990000, None)]
    assert (
        _server_rows(
            server, "SELECT status, amount_minor, approved_amount_minor FROM approvals"
        )
        == expected
    )
    for laptop in (ann, lee):
        assert _approvals(laptop, deal) == expected, laptop.name
        assert _decisions(laptop, deal) == decisions, laptop.name
    with lee.sessions.begin() as session:
        inbox = approvals.inbox(session, lee.user_id)
        assert [(r.status, r.amount_minor) for r in inbox] == [("pending", 990000)]
    _no_issues(*team.laptops)
