"""The stage service: rules, checklist gate, outcomes, reopening, probability."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from helpers.pipeline import Pipeline, install, renamed_lost_stage
from sqlalchemy import func, select

from crmdesk.domain.errors import MoveRejectedError
from crmdesk.domain.playbook import OutcomeResult
from crmdesk.domain.rules import RejectionCode
from crmdesk.services.board import load_board
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.deals import NewOpportunity, create_opportunity
from crmdesk.services.stages import (
    OutcomeInput,
    check_stage_move,
    move_opportunities,
    move_opportunity,
    set_checklist_action,
    set_manual_probability,
)
from crmdesk.services.workspace import ensure_user
from crmdesk.storage.models import (
    Opportunity,
    OutboxEntry,
    Outcome,
    ProbabilityRevision,
    StageHistory,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def actor(step: int = 0, source: ChangeSource = ChangeSource.FORM) -> Actor:
    return Actor(None, source, at=T0 + timedelta(hours=step))


@pytest.fixture
def pipeline(sessions):
    with sessions.begin() as session:
        return install(session)


def new_deal(
    sessions,
    pipeline: Pipeline,
    *,
    series="sales",
    stage=None,
    amount=None,
    probability=None,
    title="Deal",
):
    with sessions.begin() as session:
        deal = create_opportunity(
            session,
            NewOpportunity(
                series_id=pipeline.series[series],
                title=title,
                amount=None if amount is None else Decimal(amount),
                stage_id=None if stage is None else pipeline.stage(series, stage),
                manual_probability=probability,
            ),
            actor(),
        )
        return deal.id


def tick(sessions, pipeline, deal_id, action="call", done=True):
    with sessions.begin() as session:
        set_checklist_action(session, deal_id, pipeline.actions[action], done, actor(1))


def move(
    sessions,
    pipeline,
    deal_id,
    stage,
    *,
    series="sales",
    outcome=None,
    step=2,
    source=ChangeSource.FORM,
):
    with sessions.begin() as session:
        return move_opportunity(
            session,
            deal_id,
            pipeline.stage(series, stage),
            actor(step, source),
            outcome,
        )


def won(amount: str = "10000", when: date = date(2026, 3, 1)) -> OutcomeInput:
    return OutcomeInput(
        OutcomeResult.WON, actual_amount=Decimal(amount), actual_date=when
    )


def history(sessions, deal_id) -> list[StageHistory]:
    with sessions() as session:
        return list(
            session.scalars(
                select(StageHistory)
                .where(StageHistory.opportunity_id == deal_id)
                .order_by(StageHistory.changed_at)
            )
        )


def test_manual_probability_survives_move_then_clears(sessions, pipeline):
    deal = new_deal(sessions, pipeline, stage="qualified", amount="1000")
    tick(sessions, pipeline, deal)
    with sessions.begin() as session:
        set_manual_probability(session, deal, 30, actor(1), "customer hesitant")

    result = move(sessions, pipeline, deal, "proposal")
    assert result.probability == 30
    assert history(sessions, deal)[-1].probability == 30

    with sessions.begin() as session:
        effective = set_manual_probability(session, deal, None, actor(3), "reset")
    assert effective == 80
    with sessions() as session:
        revisions = session.scalars(
            select(ProbabilityRevision.probability)
            .where(ProbabilityRevision.opportunity_id == deal)
            .order_by(ProbabilityRevision.changed_at)
        ).all()
    assert revisions == [30, None]


def _reopen_and_check(sessions, pipeline, deal, source):
    move(sessions, pipeline, deal, "qualified", step=5, source=source)
    with sessions() as session:
        board = load_board(session, pipeline.series["sales"])
    card = next(c for c in board.cards if c.id == deal)
    column = dict((s.key, t) for s, t in board.column_totals())["qualified"]
    return card, column


def _won_deal(sessions, pipeline) -> object:
    deal = new_deal(sessions, pipeline, stage="proposal", amount="9000")
    move(sessions, pipeline, deal, "won", outcome=won("10000"), step=3)
    return deal


def test_won_deal_moved_back_takes_stage_default(sessions, pipeline):
    deal = _won_deal(sessions, pipeline)
    card, column = _reopen_and_check(sessions, pipeline, deal, ChangeSource.FORM)
    assert card.probability == 40
    assert card.amount_minor == 1_000_000
    assert column.weighted == Decimal("4000.00")


def test_won_deal_moved_back_in_bulk_takes_stage_default(sessions, pipeline):
    deal = _won_deal(sessions, pipeline)
    with sessions.begin() as session:
        result = move_opportunities(
            session,
            [deal],
            pipeline.stage("sales", "qualified"),
            actor(5, ChangeSource.BULK),
        )
    assert not result.rejected
    assert result.moved[0].probability == 40


def test_manual_rate_cleared_by_outcome(sessions, pipeline):
    deal = new_deal(sessions, pipeline, stage="proposal", amount="9000", probability=55)
    move(sessions, pipeline, deal, "won", outcome=won("10000"), step=3)
    card, column = _reopen_and_check(sessions, pipeline, deal, ChangeSource.BOARD)
    assert card.manual_probability is None
    assert card.probability == 40
    assert column.weighted == Decimal("4000.00")


def test_bulk_move_updates_each_deal(sessions, pipeline):
    deals = [
        new_deal(sessions, pipeline, amount=str(100 * i), title=f"D{i}")
        for i in (1, 2, 3)
    ]
    with sessions.begin() as session:
        result = move_opportunities(
            session,
            deals,
            pipeline.stage("sales", "qualified"),
            actor(1, ChangeSource.BULK),
        )
    assert [m.opportunity_id for m in result.moved] == deals
    assert all(m.probability == 40 for m in result.moved)
    for deal in deals:
        rows = history(sessions, deal)
        assert len(rows) == 2
        assert rows[-1].to_stage_id == pipeline.stage("sales", "qualified")
        assert rows[-1].probability == 40
        assert rows[-1].source == "bulk"


def test_bulk_move_reports_rejected_and_moves_rest(sessions, pipeline):
    ready = new_deal(sessions, pipeline, stage="qualified", title="ready")
    gated = new_deal(sessions, pipeline, stage="qualified", title="gated")
    tick(sessions, pipeline, ready)
    with sessions.begin() as session:
        result = move_opportunities(
            session,
            [ready, gated],
            pipeline.stage("sales", "proposal"),
            actor(2, ChangeSource.BULK),
        )
    assert [m.opportunity_id for m in result.moved] == [ready]
    assert list(result.rejected) == [gated]
    assert "Effective call" in str(result.rejected[gated])


def test_checklist_gate_names_open_action(sessions, pipeline):
    deal = new_deal(sessions, pipeline, stage="qualified")
    with pytest.raises(MoveRejectedError) as caught:
        move(sessions, pipeline, deal, "proposal")
    [rejection] = caught.value.rejections
    assert rejection.code == RejectionCode.REQUIRED_ACTIONS_OPEN
    assert rejection.params["actions"] == ["Effective call"]
    assert len(history(sessions, deal)) == 1

    tick(sessions, pipeline, deal, "brochure")
    with pytest.raises(MoveRejectedError):
        move(sessions, pipeline, deal, "proposal")
    tick(sessions, pipeline, deal, "call")
    assert move(sessions, pipeline, deal, "proposal").probability == 80


def test_gate_does_not_block_losing(sessions, pipeline):
    deal = new_deal(sessions, pipeline, stage="qualified")
    lost = OutcomeInput(
        OutcomeResult.LOST, reason_id=pipeline.reasons[("sales", "price")]
    )
    assert move(sessions, pipeline, deal, "lost", outcome=lost).probability == 0


def test_skip_rejected_names_skipped_stages(sessions, pipeline):
    deal = new_deal(sessions, pipeline)
    with pytest.raises(MoveRejectedError) as caught:
        move(sessions, pipeline, deal, "proposal")
    [rejection] = caught.value.rejections
    assert rejection.code == RejectionCode.SKIP_FORBIDDEN
    assert rejection.params["skipped"] == ["Qualified"]


def test_winning_from_first_stage_is_a_skip(sessions, pipeline):
    deal = new_deal(sessions, pipeline)
    with pytest.raises(MoveRejectedError) as caught:
        move(sessions, pipeline, deal, "won", outcome=won())
    assert caught.value.rejections[0].params["skipped"] == ["Qualified", "Proposal"]


def test_backward_rule_and_reopen_rule(sessions, pipeline):
    deal = new_deal(sessions, pipeline, series="strict", stage="offer")
    with pytest.raises(MoveRejectedError) as caught:
        move(sessions, pipeline, deal, "open", series="strict")
    assert caught.value.rejections[0].code == RejectionCode.BACKWARD_FORBIDDEN

    move(sessions, pipeline, deal, "won", series="strict", outcome=won())
    with pytest.raises(MoveRejectedError) as caught:
        move(sessions, pipeline, deal, "offer", series="strict", step=4)
    assert caught.value.rejections[0].code == RejectionCode.REOPEN_FORBIDDEN


@pytest.mark.parametrize(
    ("outcome", "code"),
    [
        (None, RejectionCode.OUTCOME_REQUIRED),
        (
            OutcomeInput(OutcomeResult.WON, actual_date=date(2026, 3, 1)),
            RejectionCode.AMOUNT_REQUIRED,
        ),
        (
            OutcomeInput(OutcomeResult.WON, actual_amount=Decimal(5)),
            RejectionCode.DATE_REQUIRED,
        ),
        (OutcomeInput(OutcomeResult.LOST), RejectionCode.OUTCOME_MISMATCH),
    ],
)
def test_won_stage_outcome_checks(sessions, pipeline, outcome, code):
    deal = new_deal(sessions, pipeline, stage="proposal")
    with pytest.raises(MoveRejectedError) as caught:
        move(sessions, pipeline, deal, "won", outcome=outcome)
    assert caught.value.rejections[0].code == code


def test_lost_needs_reason_and_note_for_other(sessions, pipeline):
    deal = new_deal(sessions, pipeline, stage="proposal")
    other = pipeline.reasons[("sales", "other")]
    cases = [
        (OutcomeInput(OutcomeResult.LOST), RejectionCode.REASON_REQUIRED),
        (
            OutcomeInput(OutcomeResult.LOST, reason_id=other),
            RejectionCode.NOTE_REQUIRED,
        ),
        (
            OutcomeInput(
                OutcomeResult.LOST, reason_id=pipeline.reasons[("strict", "price")]
            ),
            RejectionCode.REASON_UNKNOWN,
        ),
        (
            OutcomeInput(
                OutcomeResult.LOST, reason_id=pipeline.reasons[("sales", "fit")]
            ),
            RejectionCode.REASON_UNKNOWN,
        ),
    ]
    for outcome, code in cases:
        with pytest.raises(MoveRejectedError) as caught:
            move(sessions, pipeline, deal, "lost", outcome=outcome)
        assert caught.value.rejections[0].code == code
    note = OutcomeInput(
        OutcomeResult.LOST, reason_id=other, note="budget moved to 2027"
    )
    move(sessions, pipeline, deal, "lost", outcome=note)


def test_renamed_lost_stage_enforces_outcome(sessions, pipeline):
    with sessions.begin() as session:
        install(session, renamed_lost_stage("已丢单", "Dropped"))
    deal = new_deal(sessions, pipeline, stage="proposal")
    with pytest.raises(MoveRejectedError) as caught:
        move(sessions, pipeline, deal, "lost")
    assert caught.value.rejections[0].code == RejectionCode.OUTCOME_REQUIRED
    with pytest.raises(MoveRejectedError) as caught:
        move(sessions, pipeline, deal, "lost", outcome=OutcomeInput(OutcomeResult.LOST))
    assert caught.value.rejections[0].code == RejectionCode.REASON_REQUIRED
    lost = OutcomeInput(
        OutcomeResult.LOST, reason_id=pipeline.reasons[("sales", "price")]
    )
    assert move(sessions, pipeline, deal, "lost", outcome=lost).probability == 0
    with sessions() as session:
        board = load_board(session, pipeline.series["sales"])
    names = {s.key: s.name.zh for s in board.stages}
    assert names["lost"] == "已丢单"


def test_reopen_keeps_both_outcomes(sessions, pipeline):
    deal = new_deal(sessions, pipeline, stage="proposal", amount="500")
    lost = OutcomeInput(
        OutcomeResult.LOST, reason_id=pipeline.reasons[("sales", "price")]
    )
    move(sessions, pipeline, deal, "lost", outcome=lost, step=2)
    move(sessions, pipeline, deal, "proposal", step=3)
    move(sessions, pipeline, deal, "won", outcome=won("700"), step=4)
    with sessions() as session:
        outcomes = session.scalars(
            select(Outcome)
            .where(Outcome.opportunity_id == deal)
            .order_by(Outcome.recorded_at)
        ).all()
        amount = session.get(Opportunity, deal).amount_minor
    assert [o.result for o in outcomes] == ["lost", "won"]
    assert outcomes[0].reopened_at == T0 + timedelta(hours=3)
    assert outcomes[1].reopened_at is None
    assert outcomes[1].actual_amount_minor == 70_000
    assert amount == 70_000
    assert len(history(sessions, deal)) == 4


def test_won_to_lost_is_a_revert(sessions, pipeline):
    deal = _won_deal(sessions, pipeline)
    lost = OutcomeInput(
        OutcomeResult.LOST, reason_id=pipeline.reasons[("sales", "price")]
    )
    result = move(sessions, pipeline, deal, "lost", outcome=lost, step=6)
    assert result.reopened_outcome_id is not None
    assert result.outcome_id is not None


def test_history_row_records_the_moment(sessions, pipeline):
    with sessions.begin() as session:
        user = ensure_user(session, "wang.fang", "王芳")
        user_id = user.id
    deal = new_deal(sessions, pipeline, amount="1234.50")
    with sessions.begin() as session:
        move_opportunity(
            session,
            deal,
            pipeline.stage("sales", "qualified"),
            Actor(user_id, ChangeSource.CLI, at=T0 + timedelta(days=2)),
        )
    first, second = history(sessions, deal)
    assert first.from_stage_id is None
    assert second.from_stage_id == pipeline.stage("sales", "new")
    assert second.changed_at == T0 + timedelta(days=2)
    assert second.changed_by == user_id
    assert second.amount_minor == 123_450
    assert second.probability == 40
    assert second.source == "cli"


def test_move_writes_outbox_in_same_transaction(sessions, pipeline):
    deal = new_deal(sessions, pipeline, stage="qualified")
    with sessions() as session:
        before = session.scalar(select(func.count()).select_from(OutboxEntry))
    tick(sessions, pipeline, deal)
    move(sessions, pipeline, deal, "proposal")
    with sessions() as session:
        entries = session.scalars(
            select(OutboxEntry).order_by(OutboxEntry.seq).offset(before)
        ).all()
    tables = [(e.table_name, e.operation) for e in entries]
    assert ("checklist_items", "insert") in tables
    assert ("stage_history", "insert") in tables
    update = next(e for e in entries if e.table_name == "opportunities")
    assert json.loads(update.changes)["stage_id"] == str(
        pipeline.stage("sales", "proposal")
    )


def test_rejected_move_leaves_no_trace(sessions, pipeline):
    deal = new_deal(sessions, pipeline, stage="qualified")
    with sessions() as session:
        before = session.scalar(select(func.count()).select_from(OutboxEntry))
    with pytest.raises(MoveRejectedError):
        move(sessions, pipeline, deal, "proposal")
    with sessions() as session:
        after = session.scalar(select(func.count()).select_from(OutboxEntry))
        stage = session.get(Opportunity, deal).stage_id
    assert after == before
    assert stage == pipeline.stage("sales", "qualified")


def test_dry_run_without_outcome_allows_drop(sessions, pipeline):
    deal = new_deal(sessions, pipeline, stage="proposal")
    with sessions() as session:
        won_stage = pipeline.stage("sales", "won")
        assert check_stage_move(session, deal, won_stage, check_outcome=False) == []
        [rejection] = check_stage_move(session, deal, won_stage)
    assert rejection.code == RejectionCode.OUTCOME_REQUIRED


def test_column_of_four_shows_390(sessions, pipeline):
    for amount in ("100", "250", "40", None):
        new_deal(sessions, pipeline, amount=amount)
    with sessions() as session:
        board = load_board(session, pipeline.series["sales"])
    totals = dict((s.key, t) for s, t in board.column_totals())
    assert totals["new"].count == 4
    assert totals["new"].amount == Decimal("390.00")
    assert totals["new"].weighted == Decimal("39.00")


def test_won_reason_other_needs_note(sessions, pipeline):
    deal = new_deal(sessions, pipeline, series="strict", stage="offer")
    other = pipeline.reasons[("strict", "won-other")]
    bare = OutcomeInput(
        OutcomeResult.WON,
        reason_id=other,
        actual_amount=Decimal(5),
        actual_date=date(2026, 3, 3),
    )
    with pytest.raises(MoveRejectedError) as caught:
        move(sessions, pipeline, deal, "won", series="strict", outcome=bare)
    assert caught.value.rejections[0].code == RejectionCode.NOTE_REQUIRED
    lost_reason = OutcomeInput(
        OutcomeResult.WON,
        reason_id=pipeline.reasons[("strict", "price")],
        actual_amount=Decimal(5),
        actual_date=date(2026, 3, 3),
    )
    with pytest.raises(MoveRejectedError) as caught:
        move(sessions, pipeline, deal, "won", series="strict", outcome=lost_reason)
    assert caught.value.rejections[0].code == RejectionCode.REASON_UNKNOWN


def test_outcome_for_open_stage_is_rejected(sessions, pipeline):
    deal = new_deal(sessions, pipeline)
    lost = OutcomeInput(
        OutcomeResult.LOST, reason_id=pipeline.reasons[("sales", "price")]
    )
    with pytest.raises(MoveRejectedError) as caught:
        move(sessions, pipeline, deal, "qualified", outcome=lost)
    assert caught.value.rejections[0].code == RejectionCode.OUTCOME_NOT_EXPECTED


def lose(sessions, pipeline, deal, step=3):
    lost = OutcomeInput(
        OutcomeResult.LOST, reason_id=pipeline.reasons[("sales", "price")]
    )
    move(sessions, pipeline, deal, "lost", outcome=lost, step=step)


def test_reopen_follows_skip_rule_from_origin(sessions, pipeline):
    deal = new_deal(sessions, pipeline)
    lose(sessions, pipeline, deal)
    with pytest.raises(MoveRejectedError) as caught:
        move(sessions, pipeline, deal, "won", outcome=won(), step=4)
    assert caught.value.rejections[0].code == RejectionCode.SKIP_FORBIDDEN
    assert caught.value.rejections[0].params["skipped"] == ["Qualified", "Proposal"]
    with pytest.raises(MoveRejectedError) as caught:
        move(sessions, pipeline, deal, "proposal", step=4)
    assert caught.value.rejections[0].code == RejectionCode.SKIP_FORBIDDEN
    assert move(sessions, pipeline, deal, "new", step=5).probability == 10


def test_reopen_forward_passes_checklist_gate(sessions, pipeline):
    deal = new_deal(sessions, pipeline, stage="qualified")
    lose(sessions, pipeline, deal)
    with pytest.raises(MoveRejectedError) as caught:
        move(sessions, pipeline, deal, "proposal", step=4)
    assert caught.value.rejections[0].code == RejectionCode.REQUIRED_ACTIONS_OPEN
    tick(sessions, pipeline, deal)
    assert move(sessions, pipeline, deal, "proposal", step=5).probability == 80


def test_revert_won_to_lost_keeps_origin(sessions, pipeline):
    deal = _won_deal(sessions, pipeline)
    lose(sessions, pipeline, deal, step=6)
    # Won from Proposal, then reverted to lost: reopening goes back to Proposal.
    assert move(sessions, pipeline, deal, "proposal", step=8).probability == 80


def test_won_close_date_in_future_is_rejected(sessions, pipeline):
    deal = new_deal(sessions, pipeline, stage="proposal")
    # The move happens at T0 + 2 h on 2 March 2026; 4 March is two days later.
    with pytest.raises(MoveRejectedError) as caught:
        move(sessions, pipeline, deal, "won", outcome=won(when=date(2026, 3, 4)))
    assert caught.value.rejections[0].code == RejectionCode.DATE_IN_FUTURE
    assert move(sessions, pipeline, deal, "won", outcome=won(when=date(2026, 3, 3)))
