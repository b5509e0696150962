"""Stage-triggered approvals: requests, the promotion gate, decisions, invalidation.

Every test runs on the shipped education playbook. Its series
"trial-conversion" (team "teaching") goes trial-booked -> trial-delivered ->
plan-accepted -> won / lost; entering plan-accepted asks for the blocking
"Price pre-approval". The series "repeat-referral" (team "back-end") asks for
the non-blocking "Renewal offer review" in offer-presented.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crmdesk.domain.errors import MoveRejectedError, NotFoundError, ValidationError
from crmdesk.domain.playbook import ApprovalTypeDef, LocalText, OutcomeResult
from crmdesk.domain.playbook_file import shipped_playbook
from crmdesk.domain.rules import RejectionCode
from crmdesk.services import approvals
from crmdesk.services.approvals import InboxFilter
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.deals import (
    NewOpportunity,
    OpportunityEdit,
    create_opportunity,
    update_opportunity,
)
from crmdesk.services.playbooks import install_playbook, list_series
from crmdesk.services.stage_batch import StageBatch
from crmdesk.services.stages import (
    OutcomeInput,
    check_stage_move,
    move_opportunities,
    move_opportunity,
    set_checklist_action,
)
from crmdesk.services.workspace import ensure_user
from crmdesk.storage import playbook_repo
from crmdesk.storage.models import (
    Approval,
    ApprovalDecision,
    ChecklistAction,
    Opportunity,
    OutboxEntry,
    Reason,
    Stage,
)

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


@dataclass
class World:
    """Ids of the education workspace the tests act in."""

    series: dict[str, uuid.UUID]
    stages: dict[tuple[str, str], uuid.UUID]
    actions: dict[tuple[str, str], uuid.UUID]
    teams: dict[str, uuid.UUID]
    lead: uuid.UUID
    rep: uuid.UUID
    other_lead: uuid.UUID
    admin: uuid.UUID
    backend_rep: uuid.UUID

    def stage(self, series: str, key: str) -> uuid.UUID:
        return self.stages[(series, key)]


@pytest.fixture
def world(sessions) -> World:
    with sessions.begin() as session:
        install_playbook(session, shipped_playbook("education"))
        teams = {}
        for key in ("front-end", "teaching", "back-end"):
            team = playbook_repo.team_by_key(session, key)
            assert team is not None
            teams[key] = team.id
        lead = ensure_user(
            session, "li.na", "Li Na", role="lead", team_id=teams["teaching"]
        )
        rep = ensure_user(
            session, "wang.fang", "Wang Fang", role="rep", team_id=teams["teaching"]
        )
        other = ensure_user(
            session, "zhao.lei", "Zhao Lei", role="lead", team_id=teams["front-end"]
        )
        admin = ensure_user(session, "admin", "Administrator", role="admin")
        backend_rep = ensure_user(
            session, "sun.li", "Sun Li", role="rep", team_id=teams["back-end"]
        )
        team = playbook_repo.team_by_key(session, "teaching")
        assert team is not None
        team.lead_id = lead.id
        front = playbook_repo.team_by_key(session, "front-end")
        assert front is not None
        front.lead_id = other.id
        series = {record.key: record.id for record in list_series(session)}
        stages = {}
        actions = {}
        for record in list_series(session):
            for stage in record.stages:
                stages[(record.key, stage.key)] = stage.id
        for action in session.scalars(select(ChecklistAction)):
            stage_row = session.get(Stage, action.stage_id)
            assert stage_row is not None
            actions[(stage_row.key, action.key)] = action.id
        return World(
            series,
            stages,
            actions,
            teams,
            lead.id,
            rep.id,
            other.id,
            admin.id,
            backend_rep.id,
        )


def as_user(user_id: uuid.UUID | None, step: int = 0) -> Actor:
    return Actor(user_id, ChangeSource.FORM, at=T0 + timedelta(minutes=step))


def new_deal(
    sessions,
    world: World,
    *,
    amount: str | None = "12800",
    stage: str = "trial-delivered",
    series: str = "trial-conversion",
    owner: uuid.UUID | None = None,
    team: uuid.UUID | None = None,
) -> uuid.UUID:
    with sessions.begin() as session:
        deal = create_opportunity(
            session,
            NewOpportunity(
                series_id=world.series[series],
                title="Piano course for Chen Yu",
                amount=None if amount is None else Decimal(amount),
                stage_id=world.stage(series, stage),
                owner_id=owner or world.rep,
                team_id=team,
            ),
            as_user(world.rep),
        )
        return deal.id


def tick_all(sessions, world: World, deal_id: uuid.UUID, stage_key: str) -> None:
    with sessions.begin() as session:
        for (stage, _action), action_id in world.actions.items():
            if stage == stage_key:
                set_checklist_action(
                    session, deal_id, action_id, True, as_user(world.rep)
                )


def move(sessions, world, deal_id, stage, step=1, outcome=None, user=None):
    with sessions.begin() as session:
        move_opportunity(
            session,
            deal_id,
            world.stage("trial-conversion", stage),
            as_user(user or world.rep, step),
            outcome,
        )


def to_plan_accepted(sessions, world: World, **kwargs) -> uuid.UUID:
    deal_id = new_deal(sessions, world, **kwargs)
    tick_all(sessions, world, deal_id, "trial-delivered")
    tick_all(sessions, world, deal_id, "plan-accepted")
    move(sessions, world, deal_id, "plan-accepted")
    return deal_id


def requests(sessions, deal_id: uuid.UUID) -> list[Approval]:
    with sessions() as session:
        rows = session.scalars(
            select(Approval)
            .where(Approval.opportunity_id == deal_id)
            .order_by(Approval.id)
        ).all()
        session.expunge_all()
        return list(rows)


def decisions(sessions, deal_id: uuid.UUID) -> list[tuple[str, int | None, int | None]]:
    with sessions() as session:
        return [
            (row.decision, row.amount_minor, row.corrected_amount_minor)
            for row in session.scalars(
                select(ApprovalDecision)
                .where(ApprovalDecision.opportunity_id == deal_id)
                .order_by(ApprovalDecision.decided_at, ApprovalDecision.id)
            )
        ]


def deal_amount(sessions, deal_id: uuid.UUID) -> int | None:
    with sessions() as session:
        deal = session.get(Opportunity, deal_id)
        assert deal is not None
        return deal.amount_minor


WON = OutcomeInput(
    OutcomeResult.WON, actual_amount=Decimal("12800"), actual_date=date(2026, 5, 4)
)


# Opening requests ----------------------------------------------------------------


def test_stage_entry_opens_pending_request(sessions, world):
    deal_id = to_plan_accepted(sessions, world)

    [request] = requests(sessions, deal_id)
    assert request.status == "pending"
    assert request.approver_id == world.lead
    # 12,800 yuan is 1,280,000 fen.
    assert request.amount_minor == 1_280_000
    assert request.currency == "CNY"
    assert request.requested_by == world.rep
    assert request.stage_id == world.stage("trial-conversion", "plan-accepted")


def test_stage_without_types_opens_nothing(sessions, world):
    deal_id = new_deal(sessions, world, stage="trial-booked")
    tick_all(sessions, world, deal_id, "trial-booked")
    move(sessions, world, deal_id, "trial-delivered")
    assert requests(sessions, deal_id) == []


def test_new_deal_in_stage_gets_request(sessions, world):
    deal_id = new_deal(sessions, world, stage="plan-accepted")
    [request] = requests(sessions, deal_id)
    assert request.status == "pending"


def test_approver_falls_back_to_lead_role(sessions, world):
    with sessions.begin() as session:
        team = playbook_repo.team_by_key(session, "teaching")
        assert team is not None
        team.lead_id = None
    deal_id = to_plan_accepted(sessions, world)
    [request] = requests(sessions, deal_id)
    assert request.approver_id == world.lead


def test_team_without_lead_has_no_approver(sessions, world):
    # The back-end team has no lead_id and no user with the role "lead".
    deal_id = new_deal(
        sessions,
        world,
        series="repeat-referral",
        stage="offer-presented",
        owner=world.backend_rep,
    )
    [request] = requests(sessions, deal_id)
    assert request.status == "pending"
    assert request.approver_id is None
    with sessions() as session:
        [record] = approvals.inbox(session, world.admin)
        assert record.approver == ""
        # Nobody leads the team, so only an admin may decide.
        with pytest.raises(ValidationError, match="only the lead"):
            approvals.approve(session, request.id, as_user(world.lead))
    with sessions.begin() as session:
        approvals.approve(session, request.id, as_user(world.admin))
    assert requests(sessions, deal_id)[0].status == "approved"


def test_reentry_after_approval_opens_nothing(sessions, world):
    deal_id = to_plan_accepted(sessions, world)
    [request] = requests(sessions, deal_id)
    with sessions.begin() as session:
        approvals.approve(session, request.id, as_user(world.lead, 2))
    move(sessions, world, deal_id, "trial-delivered", step=3)
    move(sessions, world, deal_id, "plan-accepted", step=4)

    assert [r.status for r in requests(sessions, deal_id)] == ["approved"]
    move(sessions, world, deal_id, "won", step=5, outcome=WON)


def test_reentry_while_pending_opens_nothing(sessions, world):
    deal_id = to_plan_accepted(sessions, world)
    move(sessions, world, deal_id, "trial-delivered", step=2)
    move(sessions, world, deal_id, "plan-accepted", step=3)
    assert [r.status for r in requests(sessions, deal_id)] == ["pending"]


# The promotion gate -------------------------------------------------------------


def test_pending_blocking_request_stops_win(sessions, world):
    deal_id = to_plan_accepted(sessions, world)

    with pytest.raises(MoveRejectedError) as caught:
        move(sessions, world, deal_id, "won", step=2, outcome=WON)

    [rejection] = caught.value.rejections
    assert rejection.code == RejectionCode.APPROVAL_PENDING
    assert "'Price pre-approval'" in rejection.message
    assert "'Plan accepted'" in rejection.message
    assert "pending" in rejection.message
    assert rejection.params["approval_zh"] == "价格预审批"
    with sessions() as session:
        deal = session.get(Opportunity, deal_id)
        assert deal is not None
        assert deal.stage_id == world.stage("trial-conversion", "plan-accepted")
        # The board asks before it opens the outcome dialog.
        checked = check_stage_move(
            session,
            deal_id,
            world.stage("trial-conversion", "won"),
            check_outcome=False,
        )
        assert [r.code for r in checked] == [RejectionCode.APPROVAL_PENDING]


def test_back_and_lost_allowed_while_pending(sessions, world):
    deal_id = to_plan_accepted(sessions, world)
    move(sessions, world, deal_id, "trial-delivered", step=2)
    move(sessions, world, deal_id, "plan-accepted", step=3)
    with sessions() as session:
        lost_reason = session.scalars(
            select(Reason.id).where(
                Reason.key == "price",
                Reason.series_id == world.series["trial-conversion"],
            )
        ).first()
    lost = OutcomeInput(OutcomeResult.LOST, reason_id=lost_reason)
    move(sessions, world, deal_id, "lost", step=4, outcome=lost)


def test_gate_applies_to_every_entry_point(sessions, world):
    first = to_plan_accepted(sessions, world)
    second = to_plan_accepted(sessions, world)
    won = world.stage("trial-conversion", "won")
    with sessions.begin() as session:
        bulk = move_opportunities(
            session,
            [first, second],
            won,
            Actor(world.rep, ChangeSource.BULK, T0 + timedelta(minutes=5)),
            WON,
        )
    assert bulk.moved == []
    assert {
        deal: [r.code for r in error.rejections]
        for deal, error in bulk.rejected.items()
    } == {
        first: [RejectionCode.APPROVAL_PENDING],
        second: [RejectionCode.APPROVAL_PENDING],
    }
    for source in (ChangeSource.BOARD, ChangeSource.CLI):
        with sessions.begin() as session, pytest.raises(MoveRejectedError):
            move_opportunity(session, first, won, Actor(world.rep, source, T0), WON)


def test_non_blocking_request_allows_promotion(sessions, world):
    deal_id = new_deal(
        sessions,
        world,
        series="repeat-referral",
        stage="offer-presented",
        owner=world.backend_rep,
    )
    [request] = requests(sessions, deal_id)
    assert request.status == "pending"
    with sessions.begin() as session:
        for action in session.scalars(select(ChecklistAction)):
            stage = session.get(Stage, action.stage_id)
            assert stage is not None
            if stage.id == world.stage("repeat-referral", "offer-presented"):
                set_checklist_action(
                    session, deal_id, action.id, True, as_user(world.backend_rep)
                )
        move_opportunity(
            session,
            deal_id,
            world.stage("repeat-referral", "won"),
            as_user(world.backend_rep, 3),
            WON,
        )


def test_import_opens_no_requests(sessions, world):
    with sessions.begin() as session:
        batch = StageBatch(session)
        with batch.unit():
            deal_id = batch.create(
                NewOpportunity(
                    series_id=world.series["trial-conversion"],
                    title="Imported course",
                    amount=Decimal("9000"),
                    stage_id=world.stage("trial-conversion", "plan-accepted"),
                    owner_id=world.rep,
                ),
                Actor(world.rep, ChangeSource.IMPORT, T0),
            )
        batch.finish()
    assert requests(sessions, deal_id) == []


# Deciding -------------------------------------------------------------------------


def test_only_lead_or_admin_decides(sessions, world):
    deal_id = to_plan_accepted(sessions, world)
    [request] = requests(sessions, deal_id)
    with sessions() as session:
        with pytest.raises(ValidationError, match=r"Wang Fang \(wang.fang\) may not"):
            approvals.approve(session, request.id, as_user(world.rep))
        with pytest.raises(ValidationError, match="only the lead of its team"):
            approvals.approve(session, request.id, as_user(world.other_lead))
        with pytest.raises(ValidationError, match="no current user"):
            approvals.approve(session, request.id, as_user(None))
    with sessions.begin() as session:
        approvals.reject(session, request.id, as_user(world.admin), "Too cheap")
    assert requests(sessions, deal_id)[0].status == "rejected"


def test_approve_with_corrected_amount(sessions, world):
    deal_id = to_plan_accepted(sessions, world)
    [request] = requests(sessions, deal_id)
    with sessions.begin() as session:
        result = approvals.approve(
            session,
            request.id,
            as_user(world.lead, 2),
            comment="Term discount is 10 %, not more",
            amount="11,520.00",
        )
    # 11,520.00 yuan = 1,152,000 fen.
    assert result.approved_amount_minor == 1_152_000
    [approved] = requests(sessions, deal_id)
    assert approved.status == "approved"
    assert approved.amount_minor == 1_280_000
    assert approved.approved_amount_minor == 1_152_000
    assert approved.comment == "Term discount is 10 %, not more"
    assert approved.decided_by == world.lead
    assert deal_amount(sessions, deal_id) == 1_152_000
    assert decisions(sessions, deal_id) == [("approved", 1_280_000, 1_152_000)]
    won = OutcomeInput(
        OutcomeResult.WON, actual_amount=Decimal("11520"), actual_date=date(2026, 5, 4)
    )
    move(sessions, world, deal_id, "won", step=3, outcome=won)
    assert [r.status for r in requests(sessions, deal_id)] == ["approved"]


def test_approve_without_correction_keeps_amount(sessions, world):
    deal_id = to_plan_accepted(sessions, world)
    [request] = requests(sessions, deal_id)
    with sessions.begin() as session:
        approvals.approve(session, request.id, as_user(world.lead, 2), amount="")
    assert requests(sessions, deal_id)[0].approved_amount_minor == 1_280_000
    assert decisions(sessions, deal_id) == [("approved", 1_280_000, None)]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("12.345", "CNY has 2 decimal places"),
        ("twelve", "write a number"),
        ("-5", "zero or more"),
        ("12,50", "commas only between groups"),
    ],
)
def test_invalid_corrected_amount_rejected(sessions, world, amount, message):
    deal_id = to_plan_accepted(sessions, world)
    [request] = requests(sessions, deal_id)
    with sessions() as session, pytest.raises(ValidationError, match=message):
        approvals.approve(session, request.id, as_user(world.lead), amount=amount)


def test_decided_request_not_decided_again(sessions, world):
    deal_id = to_plan_accepted(sessions, world)
    [request] = requests(sessions, deal_id)
    with sessions.begin() as session:
        approvals.approve(session, request.id, as_user(world.lead, 2))
    with (
        sessions() as session,
        pytest.raises(ValidationError, match="already approved"),
    ):
        approvals.reject(session, request.id, as_user(world.lead, 3), "No")
    with sessions() as session, pytest.raises(NotFoundError):
        approvals.approve(session, uuid.uuid4(), as_user(world.lead, 3))


# Rejections and asking again ---------------------------------------------------------


def test_rejection_needs_comment_and_blocks(sessions, world):
    deal_id = to_plan_accepted(sessions, world)
    [request] = requests(sessions, deal_id)
    with sessions() as session, pytest.raises(ValidationError, match="needs a comment"):
        approvals.reject(session, request.id, as_user(world.lead, 2), "  ")
    with sessions.begin() as session:
        approvals.reject(
            session, request.id, as_user(world.lead, 2), "Below the floor price"
        )
    with pytest.raises(MoveRejectedError, match="was rejected"):
        move(sessions, world, deal_id, "won", step=3, outcome=WON)
    # Re-entering with the amount that was rejected asks nothing new.
    move(sessions, world, deal_id, "trial-delivered", step=4)
    move(sessions, world, deal_id, "plan-accepted", step=5)
    assert [r.status for r in requests(sessions, deal_id)] == ["rejected"]
    assert decisions(sessions, deal_id) == [("rejected", 1_280_000, None)]


def test_amount_change_after_rejection_requests_again(sessions, world):
    deal_id = to_plan_accepted(sessions, world)
    [request] = requests(sessions, deal_id)
    with sessions.begin() as session:
        approvals.reject(session, request.id, as_user(world.lead, 2), "Too low")
    with sessions.begin() as session:
        update_opportunity(
            session, deal_id, OpportunityEdit(amount=Decimal("13500")), as_user(None, 3)
        )
    rejected, pending = requests(sessions, deal_id)
    assert (rejected.status, pending.status) == ("rejected", "pending")
    assert pending.amount_minor == 1_350_000
    assert pending.approver_id == world.lead
    with pytest.raises(MoveRejectedError, match="is pending"):
        move(sessions, world, deal_id, "won", step=4, outcome=WON)


def test_request_again_needs_deal_change(sessions, world):
    deal_id = to_plan_accepted(sessions, world)
    [request] = requests(sessions, deal_id)
    with sessions.begin() as session:
        approvals.reject(session, request.id, as_user(world.lead, 2), "Add notes")
    with sessions() as session, pytest.raises(ValidationError, match="not changed"):
        approvals.request_again(session, request.id, as_user(world.rep, 3))
    with sessions.begin() as session:
        update_opportunity(
            session,
            deal_id,
            OpportunityEdit(notes="Parent pays the full year up front"),
            as_user(world.rep, 4),
        )
    with sessions.begin() as session:
        new_id = approvals.request_again(session, request.id, as_user(world.rep, 5))
    statuses = {r.id: r.status for r in requests(sessions, deal_id)}
    assert statuses == {request.id: "rejected", new_id: "pending"}
    # The rejected request is no longer the current one.
    with sessions() as session, pytest.raises(ValidationError, match="not the current"):
        approvals.request_again(session, request.id, as_user(world.rep, 6))


# Invalidation ---------------------------------------------------------------------


def test_approved_amount_change_invalidates(sessions, world):
    deal_id = to_plan_accepted(sessions, world)
    [request] = requests(sessions, deal_id)
    with sessions.begin() as session:
        approvals.approve(session, request.id, as_user(world.lead, 2), amount="12000")
    with sessions.begin() as session:
        update_opportunity(
            session,
            deal_id,
            OpportunityEdit(amount=Decimal("10000")),
            as_user(world.rep, 3),
        )
    old, new = requests(sessions, deal_id)
    assert old.status == "invalidated"
    assert old.approved_amount_minor == 1_200_000
    assert new.status == "pending"
    assert new.amount_minor == 1_000_000
    assert new.approval_type_id == old.approval_type_id
    assert decisions(sessions, deal_id) == [
        ("approved", 1_280_000, 1_200_000),
        ("invalidated", 1_000_000, None),
    ]
    with pytest.raises(MoveRejectedError, match="is pending"):
        move(sessions, world, deal_id, "won", step=4, outcome=WON)


def test_same_amount_edit_keeps_approval(sessions, world):
    deal_id = to_plan_accepted(sessions, world)
    [request] = requests(sessions, deal_id)
    with sessions.begin() as session:
        approvals.approve(session, request.id, as_user(world.lead, 2))
    with sessions.begin() as session:
        update_opportunity(
            session,
            deal_id,
            OpportunityEdit(amount=Decimal("12800.00"), title="Piano, two terms"),
            as_user(world.rep, 3),
        )
    assert [r.status for r in requests(sessions, deal_id)] == ["approved"]


def test_pending_request_follows_amount(sessions, world):
    deal_id = to_plan_accepted(sessions, world)
    with sessions.begin() as session:
        update_opportunity(
            session,
            deal_id,
            OpportunityEdit(clear_amount=True),
            as_user(world.rep, 2),
        )
    [request] = requests(sessions, deal_id)
    assert (request.status, request.amount_minor) == ("pending", None)
    assert decisions(sessions, deal_id) == []


def test_amount_change_before_stage_waits(sessions, world):
    deal_id = to_plan_accepted(sessions, world)
    [request] = requests(sessions, deal_id)
    with sessions.begin() as session:
        approvals.approve(session, request.id, as_user(world.lead, 2))
    move(sessions, world, deal_id, "trial-delivered", step=3)
    with sessions.begin() as session:
        update_opportunity(
            session, deal_id, OpportunityEdit(amount=Decimal("9999")), as_user(None, 4)
        )
    # Invalidated at once, but the deal has not reached the stage again.
    assert [r.status for r in requests(sessions, deal_id)] == ["invalidated"]
    move(sessions, world, deal_id, "plan-accepted", step=5)
    statuses = [(r.status, r.amount_minor) for r in requests(sessions, deal_id)]
    assert statuses == [("invalidated", 1_280_000), ("pending", 999_900)]


def test_win_at_other_amount_invalidates(sessions, world):
    deal_id = to_plan_accepted(sessions, world)
    [request] = requests(sessions, deal_id)
    with sessions.begin() as session:
        approvals.approve(session, request.id, as_user(world.lead, 2))
    cheaper = OutcomeInput(
        OutcomeResult.WON, actual_amount=Decimal("11000"), actual_date=date(2026, 5, 4)
    )
    move(sessions, world, deal_id, "won", step=3, outcome=cheaper)
    statuses = [(r.status, r.amount_minor) for r in requests(sessions, deal_id)]
    assert statuses == [("invalidated", 1_280_000), ("pending", 1_100_000)]


def test_requests_journaled_for_sync(sessions, world):
    deal_id = to_plan_accepted(sessions, world)
    [request] = requests(sessions, deal_id)
    with sessions.begin() as session:
        approvals.approve(session, request.id, as_user(world.lead, 2), amount="12000")
    with sessions() as session:
        tables = session.execute(
            select(OutboxEntry.table_name, OutboxEntry.operation, func.count())
            .where(
                OutboxEntry.table_name.in_(
                    ["approvals", "approval_decisions", "opportunities"]
                ),
                OutboxEntry.row_id.in_([request.id, deal_id])
                | (OutboxEntry.table_name == "approval_decisions"),
            )
            .group_by(OutboxEntry.table_name, OutboxEntry.operation)
        ).all()
    counts = {(table, op): n for table, op, n in tables}
    assert counts[("approvals", "insert")] == 1
    assert counts[("approvals", "update")] == 1
    assert counts[("approval_decisions", "insert")] == 1


# Inbox and views ------------------------------------------------------------------


def test_inbox_visibility_by_role(sessions, world):
    teaching = to_plan_accepted(sessions, world)
    backend = new_deal(
        sessions,
        world,
        series="repeat-referral",
        stage="offer-presented",
        owner=world.backend_rep,
    )
    with sessions() as session:
        lead_view = approvals.inbox(session, world.lead)
        other_view = approvals.inbox(session, world.other_lead)
        admin_view = approvals.inbox(session, world.admin)
        rep_view = approvals.inbox(session, world.rep)
        decided = approvals.inbox(session, world.lead, InboxFilter.DECIDED)
    assert [r.opportunity_id for r in lead_view] == [teaching]
    assert other_view == []
    assert {r.opportunity_id for r in admin_view} == {teaching, backend}
    assert [r.opportunity_id for r in rep_view] == [teaching]
    assert decided == []
    [record] = lead_view
    assert record.name.en == "Price pre-approval"
    assert record.stage.zh == "方案已确认"
    assert record.owner == "Wang Fang"
    assert record.approver == "Li Na"
    assert record.blocks_promotion is True


def test_deal_approvals_with_history(sessions, world):
    deal_id = to_plan_accepted(sessions, world)
    [request] = requests(sessions, deal_id)
    with sessions.begin() as session:
        approvals.approve(session, request.id, as_user(world.lead, 2), amount="12000")
    with sessions.begin() as session:
        update_opportunity(
            session, deal_id, OpportunityEdit(amount=Decimal("12500")), as_user(None, 3)
        )
    with sessions() as session:
        records = approvals.deal_approvals(session, deal_id)
        badges = approvals.card_badges(session)
    assert [(r.status, r.current) for r in records] == [
        ("pending", True),
        ("invalidated", False),
    ]
    history = records[1].history
    assert [(h.decision, h.decided_by) for h in history] == [
        ("approved", "Li Na"),
        ("invalidated", ""),
    ]
    assert history[1].comment == ("amount changed from 12000.00 CNY to 12500.00 CNY")
    assert badges == {deal_id: "pending"}


def test_find_approval_by_prefix(sessions, world):
    deal_id = to_plan_accepted(sessions, world)
    [request] = requests(sessions, deal_id)
    with sessions() as session:
        assert approvals.find_approval(session, str(request.id)[:13]).id == request.id
        with pytest.raises(NotFoundError, match="approvals list"):
            approvals.find_approval(session, "ffffffff")


def with_second_type(playbook):
    """Return the education playbook with a second, non-blocking approval type
    ("Discount note") in plan-accepted."""
    series = []
    for one in playbook.series:
        stages = []
        for stage in one.stages:
            if stage.key == "plan-accepted":
                extra = ApprovalTypeDef(
                    "discount-note", LocalText("Discount note", "折扣说明"), False
                )
                stages.append(replace(stage, approvals=(*stage.approvals, extra)))
            else:
                stages.append(stage)
        series.append(replace(one, stages=tuple(stages)))
    return replace(playbook, series=tuple(series))


def test_correction_invalidates_other_approvals(sessions, world):
    with sessions.begin() as session:
        install_playbook(session, with_second_type(shipped_playbook("education")))
    deal_id = to_plan_accepted(sessions, world)
    price, note = requests(sessions, deal_id)
    with sessions.begin() as session:
        approvals.approve(session, note.id, as_user(world.lead, 2))
    with sessions.begin() as session:
        result = approvals.approve(
            session, price.id, as_user(world.lead, 3), amount="11000"
        )
    by_id = {r.id: r for r in requests(sessions, deal_id)}
    # The price approval set the amount; the note approved at 12,800 reopens.
    assert by_id[price.id].status == "approved"
    assert by_id[note.id].status == "invalidated"
    [reopened] = result.reopened
    assert by_id[reopened].status == "pending"
    assert by_id[reopened].amount_minor == 1_100_000
    assert by_id[reopened].approval_type_id == note.approval_type_id
    # The non-blocking reopened request does not hold the deal back.
    move(
        sessions,
        world,
        deal_id,
        "won",
        step=4,
        outcome=replace(WON, actual_amount=Decimal("11000")),
    )
