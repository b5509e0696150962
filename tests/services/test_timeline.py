"""Timelines of a deal and of a customer, and the activity list."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from helpers.activity_data import (
    T0,
    install_activity_playbook,
    make_customer,
    make_deal,
)
from sqlalchemy import select

from crmdesk.domain.errors import NotFoundError
from crmdesk.domain.ids import new_id
from crmdesk.domain.playbook import OutcomeResult
from crmdesk.services.activities import (
    DoneInput,
    PlanInput,
    Target,
    cancel_activity,
    log_activity,
    plan_activity,
)
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.stages import (
    OutcomeInput,
    move_opportunity,
    set_manual_probability,
)
from crmdesk.services.timeline import (
    EntryKind,
    customer_timeline,
    deal_timeline,
    list_activities,
)
from crmdesk.storage.models import (
    Approval,
    ApprovalDecision,
    ApprovalType,
    CustomerState,
    CustomerStateChange,
    Opportunity,
)


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


def actor(hours: int) -> Actor:
    return Actor(None, ChangeSource.FORM, at=at(hours))


@pytest.fixture
def pipeline(sessions):
    with sessions.begin() as session:
        return install_activity_playbook(session)


def test_deal_timeline_newest_first(sessions, pipeline):
    with sessions.begin() as session:
        customer_id = make_customer(session)
        deal_id = make_deal(session, pipeline, customer_id=customer_id)
        log_activity(
            session,
            Target.deal(deal_id),
            DoneInput("call", done_at=at(1), subject="Intro call"),
            actor(2),
        )
        set_manual_probability(session, deal_id, 55, actor(3), "Budget confirmed")
        move_opportunity(
            session, deal_id, pipeline.stage("sales", "proposal"), actor(4)
        )
        move_opportunity(
            session,
            deal_id,
            pipeline.stage("sales", "lost"),
            actor(5),
            OutcomeInput(
                OutcomeResult.LOST, reason_id=pipeline.reasons[("sales", "price")]
            ),
        )
    with sessions.begin() as session:
        timeline = deal_timeline(session, deal_id)
    kinds = [entry.kind for entry in timeline.entries]
    # Creation at T0, the call at +1, the revision at +3, the move at +4, and
    # at +5 the move to Lost with its outcome (and the revision clearing the
    # manual rate), all newest first.
    assert set(kinds[0:3]) == {
        EntryKind.STAGE_MOVE,
        EntryKind.OUTCOME,
        EntryKind.PROBABILITY,
    }
    assert [entry.at for entry in timeline.entries] == [
        at(5),
        at(5),
        at(5),
        at(4),
        at(3),
        at(1),
        T0,
    ]
    assert kinds[3:] == [
        EntryKind.STAGE_MOVE,
        EntryKind.PROBABILITY,
        EntryKind.ACTIVITY,
        EntryKind.STAGE_MOVE,
    ]
    call = timeline.entries[5]
    assert call.activity is not None
    assert call.activity.subject == "Intro call"
    assert call.activity.checklist_action is not None
    assert call.activity.checklist_action.en == "First call"
    creation = timeline.entries[6]
    assert creation.before is None
    assert creation.after.en == "Qualified"
    revision = timeline.entries[4]
    assert revision.probability == 55
    assert revision.note == "Budget confirmed"


def test_planned_listed_apart_soonest_first(sessions, pipeline):
    with sessions.begin() as session:
        deal_id = make_deal(session, pipeline)
        later = plan_activity(
            session,
            Target.deal(deal_id),
            PlanInput("visit", date(2026, 3, 9), time(10, 0)),
            actor(1),
        )
        sooner = plan_activity(
            session,
            Target.deal(deal_id),
            PlanInput("call", date(2026, 3, 4), time(10, 0)),
            actor(1),
        )
        cancelled = plan_activity(
            session,
            Target.deal(deal_id),
            PlanInput("email", date(2026, 3, 3)),
            actor(1),
        )
        cancel_activity(session, cancelled, actor(2))
    with sessions.begin() as session:
        timeline = deal_timeline(session, deal_id)
    assert [record.id for record in timeline.planned] == [sooner, later]
    assert all(entry.kind is not EntryKind.ACTIVITY for entry in timeline.entries)
    record = timeline.planned[0]
    assert record.is_overdue(datetime(2026, 3, 4, 10, 1, tzinfo=UTC))
    assert not record.is_overdue(datetime(2026, 3, 4, 9, 59, tzinfo=UTC))


def test_customer_timeline_spans_deals(sessions, pipeline):
    with sessions.begin() as session:
        customer_id = make_customer(session)
        other_customer = make_customer(session, "Other")
        first = make_deal(session, pipeline, customer_id=customer_id, title="A")
        second = make_deal(session, pipeline, customer_id=customer_id, title="B")
        make_deal(session, pipeline, customer_id=other_customer, title="C")
        log_activity(
            session,
            Target.deal(first),
            DoneInput("call", done_at=at(1)),
            actor(1),
        )
        log_activity(
            session,
            Target.customer(customer_id),
            DoneInput("note", done_at=at(2), subject="Prefers mornings"),
            actor(2),
        )
        state = session.scalars(select(CustomerState)).first()
        session.add(
            CustomerStateChange(
                customer_id=customer_id,
                to_state_id=state.id,
                changed_at=at(3),
                note="First contact",
            )
        )
    with sessions.begin() as session:
        timeline = customer_timeline(session, customer_id)
    assert [entry.kind for entry in timeline.entries] == [
        EntryKind.STATE_CHANGE,
        EntryKind.ACTIVITY,
        EntryKind.ACTIVITY,
        EntryKind.STAGE_MOVE,
        EntryKind.STAGE_MOVE,
    ]
    assert {entry.deal_title for entry in timeline.entries[3:]} == {"A", "B"}
    assert timeline.entries[1].activity.subject == "Prefers mornings"
    assert timeline.entries[2].deal_title == "A"
    assert timeline.entries[0].after.en == state.name_en
    assert second in {entry.opportunity_id for entry in timeline.entries}


def test_deal_timeline_shows_approval_decision(sessions, pipeline):
    with sessions.begin() as session:
        deal_id = make_deal(session, pipeline)
        stage_id = pipeline.stage("sales", "qualified")
        approval_type = ApprovalType(
            stage_id=stage_id,
            key="price",
            name_en="Price pre-approval",
            name_zh="价格预审",
            position=0,
        )
        session.add(approval_type)
        session.flush()
        approval = Approval(
            opportunity_id=deal_id,
            approval_type_id=approval_type.id,
            stage_id=stage_id,
            status="approved",
            amount_minor=100_00,
            currency="CNY",
            requested_at=at(1),
        )
        session.add(approval)
        session.flush()
        session.add(
            ApprovalDecision(
                approval_id=approval.id,
                opportunity_id=deal_id,
                decision="approved",
                comment="Fine at 90",
                amount_minor=100_00,
                corrected_amount_minor=90_00,
                currency="CNY",
                decided_at=at(2),
            )
        )
    with sessions.begin() as session:
        entry = deal_timeline(session, deal_id).entries[0]
    assert entry.kind is EntryKind.APPROVAL
    assert entry.result == "approved"
    assert entry.after.zh == "价格预审"
    assert entry.amount_minor == 90_00
    assert entry.note == "Fine at 90"


def test_list_activities_filters(sessions, pipeline):
    with sessions.begin() as session:
        deal_id = make_deal(session, pipeline)
        done = log_activity(
            session,
            Target.deal(deal_id),
            DoneInput("meeting", done_at=at(1)),
            actor(1),
        )
        planned = plan_activity(
            session,
            Target.deal(deal_id),
            PlanInput("trial", date(2026, 3, 6)),
            actor(1),
        )
    with sessions.begin() as session:
        both = list_activities(session, opportunity_id=deal_id)
        only_planned = list_activities(session, opportunity_id=deal_id, planned=True)
        only_done = list_activities(session, opportunity_id=deal_id, planned=False)
        deal = session.get(Opportunity, deal_id)
        title = deal.title
    assert [record.id for record in both] == [planned, done.activity_id]
    assert [record.id for record in only_planned] == [planned]
    assert [record.id for record in only_done] == [done.activity_id]
    assert only_done[0].deal_title == title


def test_timeline_of_missing_deal(sessions, pipeline):
    with sessions.begin() as session:
        with pytest.raises(NotFoundError):
            deal_timeline(session, new_id())
        with pytest.raises(NotFoundError):
            customer_timeline(session, new_id())
