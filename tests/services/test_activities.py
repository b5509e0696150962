"""The activity service: validation, planning, completion, cancelling, checklist."""

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

from crmdesk.domain.errors import NotFoundError, ValidationError
from crmdesk.domain.ids import new_id
from crmdesk.services.activities import (
    DoneInput,
    PlanInput,
    Target,
    cancel_activity,
    complete_activity,
    log_activity,
    plan_activity,
    reschedule_activity,
)
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.stages import move_opportunity
from crmdesk.services.workspace import set_business_time_zone
from crmdesk.storage.models import Activity, ChecklistItem, Contact, OutboxEntry

NOW = T0 + timedelta(days=1)


def actor(at: datetime = NOW) -> Actor:
    return Actor(None, ChangeSource.FORM, at=at)


def done(kind: str = "call", **fields: object) -> DoneInput:
    values: dict[str, object] = {"done_at": NOW - timedelta(hours=1)}
    values.update(fields)
    return DoneInput(kind=kind, **values)  # type: ignore[arg-type]


@pytest.fixture
def pipeline(sessions):
    with sessions.begin() as session:
        return install_activity_playbook(session)


def ticked(session, deal_id) -> set:
    return set(
        session.scalars(
            select(ChecklistItem.action_id).where(
                ChecklistItem.opportunity_id == deal_id,
                ChecklistItem.done.is_(True),
            )
        )
    )


# Targets ---------------------------------------------------------------------------


def test_deal_activity_carries_customer_and_team(sessions, pipeline):
    with sessions.begin() as session:
        customer_id = make_customer(session)
        deal_id = make_deal(session, pipeline, customer_id=customer_id)
        result = log_activity(session, Target.deal(deal_id), done(), actor())
    with sessions.begin() as session:
        activity = session.get(Activity, result.activity_id)
        assert activity.opportunity_id == deal_id
        assert activity.customer_id == customer_id
        assert activity.kind == "call"
        assert activity.done_at == NOW - timedelta(hours=1)
        assert activity.due_at is None


def test_customer_activity_has_no_deal(sessions, pipeline):
    with sessions.begin() as session:
        customer_id = make_customer(session)
        result = log_activity(
            session, Target.customer(customer_id), done("visit"), actor()
        )
    with sessions.begin() as session:
        activity = session.get(Activity, result.activity_id)
        assert activity.opportunity_id is None
        assert activity.customer_id == customer_id
        assert activity.team_id is not None


def test_missing_deal_rejected(sessions, pipeline):
    missing = new_id()
    with sessions.begin() as session, pytest.raises(NotFoundError) as caught:
        log_activity(session, Target.deal(missing), done(), actor())
    assert str(missing) in str(caught.value)


def test_missing_customer_rejected(sessions, pipeline):
    missing = new_id()
    with sessions.begin() as session, pytest.raises(NotFoundError) as caught:
        plan_activity(
            session,
            Target.customer(missing),
            PlanInput("call", date(2026, 3, 5)),
            actor(),
        )
    assert str(missing) in str(caught.value)


def test_target_needs_exactly_one(sessions, pipeline):
    with sessions.begin() as session:
        customer_id = make_customer(session)
        deal_id = make_deal(session, pipeline)
        with pytest.raises(ValidationError, match="exactly one"):
            log_activity(session, Target(deal_id, customer_id), done(), actor())
        with pytest.raises(ValidationError, match="exactly one"):
            log_activity(session, Target(), done(), actor())


def test_contact_of_other_customer_rejected(sessions, pipeline):
    with sessions.begin() as session:
        first = make_customer(session, "First")
        second = make_customer(session, "Second")
        contact = Contact(
            customer_id=second, name="Li Na", created_at=T0, updated_at=T0
        )
        session.add(contact)
        session.flush()
        with pytest.raises(ValidationError, match="Li Na"):
            log_activity(
                session,
                Target.customer(first),
                done(contact_id=contact.id),
                actor(),
            )


# Validation ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["phone", "", "Calls"])
def test_unknown_kind_rejected(sessions, pipeline, kind):
    with sessions.begin() as session:
        customer_id = make_customer(session)
        with pytest.raises(ValidationError) as caught:
            log_activity(session, Target.customer(customer_id), done(kind), actor())
    assert repr(kind) in str(caught.value)
    assert "call, visit, meeting, email, trial, note" in str(caught.value)


def test_kind_case_is_folded(sessions, pipeline):
    with sessions.begin() as session:
        customer_id = make_customer(session)
        result = log_activity(
            session, Target.customer(customer_id), done(" Meeting "), actor()
        )
        assert session.get(Activity, result.activity_id).kind == "meeting"


@pytest.mark.parametrize(
    ("minutes", "fragment"),
    [(-1, "cannot be negative"), (24 * 60 + 1, "at most 1440 minutes")],
)
def test_bad_duration_rejected(sessions, pipeline, minutes, fragment):
    with sessions.begin() as session:
        customer_id = make_customer(session)
        with pytest.raises(ValidationError, match=fragment) as caught:
            log_activity(
                session,
                Target.customer(customer_id),
                done(duration_minutes=minutes),
                actor(),
            )
    assert str(minutes) in str(caught.value)


def test_full_day_duration_accepted(sessions, pipeline):
    with sessions.begin() as session:
        customer_id = make_customer(session)
        result = log_activity(
            session,
            Target.customer(customer_id),
            done("trial", duration_minutes=1440),
            actor(),
        )
        assert session.get(Activity, result.activity_id).duration_minutes == 1440


def test_future_done_time_rejected(sessions, pipeline):
    with sessions.begin() as session:
        customer_id = make_customer(session)
        with pytest.raises(ValidationError, match="in the future") as caught:
            log_activity(
                session,
                Target.customer(customer_id),
                done(done_at=NOW + timedelta(hours=2)),
                actor(),
            )
    assert "2026-03-03 11:00 UTC" in str(caught.value)


def test_done_time_within_clock_tolerance(sessions, pipeline):
    with sessions.begin() as session:
        customer_id = make_customer(session)
        log_activity(
            session,
            Target.customer(customer_id),
            done(done_at=NOW + timedelta(minutes=4)),
            actor(),
        )


def test_naive_done_time_rejected(sessions, pipeline):
    with sessions.begin() as session:
        customer_id = make_customer(session)
        with pytest.raises(ValidationError, match="no time zone"):
            log_activity(
                session,
                Target.customer(customer_id),
                done(done_at=datetime(2026, 3, 2, 8, 0)),
                actor(),
            )


def test_long_subject_rejected(sessions, pipeline):
    with sessions.begin() as session:
        customer_id = make_customer(session)
        with pytest.raises(ValidationError, match="301 characters"):
            log_activity(
                session,
                Target.customer(customer_id),
                done(subject="x" * 301),
                actor(),
            )


# Planning in the business time zone -----------------------------------------------


def test_due_time_read_in_business_zone(sessions, pipeline):
    with sessions.begin() as session:
        set_business_time_zone(session, "Asia/Shanghai")
        customer_id = make_customer(session)
        activity_id = plan_activity(
            session,
            Target.customer(customer_id),
            PlanInput("visit", date(2026, 3, 5), time(10, 0)),
            actor(),
        )
    with sessions.begin() as session:
        activity = session.get(Activity, activity_id)
        # 10:00 in Shanghai (UTC+8) is 02:00 UTC.
        assert activity.due_at == datetime(2026, 3, 5, 2, 0, tzinfo=UTC)
        assert activity.done_at is None


def test_due_without_time_is_end_of_day(sessions, pipeline):
    with sessions.begin() as session:
        set_business_time_zone(session, "Asia/Shanghai")
        customer_id = make_customer(session)
        activity_id = plan_activity(
            session,
            Target.customer(customer_id),
            PlanInput("call", date(2026, 3, 5)),
            actor(),
        )
        # 23:59 in Shanghai is 15:59 UTC the same day.
        assert session.get(Activity, activity_id).due_at == datetime(
            2026, 3, 5, 15, 59, tzinfo=UTC
        )


def test_due_today_in_business_zone_accepted(sessions, pipeline):
    # 2026-03-02 20:00 UTC is already 2026-03-03 04:00 in Shanghai.
    late = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
    with sessions.begin() as session:
        set_business_time_zone(session, "Asia/Shanghai")
        customer_id = make_customer(session)
        plan_activity(
            session,
            Target.customer(customer_id),
            PlanInput("call", date(2026, 3, 3)),
            actor(late),
        )
        with pytest.raises(ValidationError, match="2026-03-02 is in the past"):
            plan_activity(
                session,
                Target.customer(customer_id),
                PlanInput("call", date(2026, 3, 2)),
                actor(late),
            )


# Completing, rescheduling, cancelling --------------------------------------------


def test_complete_planned_activity(sessions, pipeline):
    with sessions.begin() as session:
        customer_id = make_customer(session)
        activity_id = plan_activity(
            session,
            Target.customer(customer_id),
            PlanInput("meeting", date(2026, 3, 4), time(9, 30)),
            actor(),
        )
    later = NOW + timedelta(days=1)
    with sessions.begin() as session:
        complete_activity(
            session,
            activity_id,
            actor(later),
            result=" Agreed on a trial ",
            duration_minutes=45,
        )
    with sessions.begin() as session:
        activity = session.get(Activity, activity_id)
        assert activity.done_at == later
        assert activity.duration_minutes == 45
        assert activity.result == "Agreed on a trial"
        assert activity.due_at == datetime(2026, 3, 4, 9, 30, tzinfo=UTC)


def test_complete_twice_rejected(sessions, pipeline):
    with sessions.begin() as session:
        customer_id = make_customer(session)
        result = log_activity(session, Target.customer(customer_id), done(), actor())
        with pytest.raises(ValidationError, match="already done"):
            complete_activity(session, result.activity_id, actor())


def test_reschedule_planned_activity(sessions, pipeline):
    with sessions.begin() as session:
        customer_id = make_customer(session)
        activity_id = plan_activity(
            session,
            Target.customer(customer_id),
            PlanInput("call", date(2026, 3, 4), time(9, 0)),
            actor(),
        )
        due = reschedule_activity(
            session, activity_id, date(2026, 3, 9), time(16, 15), actor()
        )
        assert due == datetime(2026, 3, 9, 16, 15, tzinfo=UTC)
        with pytest.raises(ValidationError, match="in the past"):
            reschedule_activity(session, activity_id, date(2026, 3, 1), None, actor())


def test_cancel_keeps_tombstone_in_outbox(sessions, pipeline):
    with sessions.begin() as session:
        customer_id = make_customer(session)
        activity_id = plan_activity(
            session,
            Target.customer(customer_id),
            PlanInput("call", date(2026, 3, 4)),
            actor(),
        )
    with sessions.begin() as session:
        mark = session.scalar(select(OutboxEntry.seq).order_by(OutboxEntry.seq.desc()))
        cancel_activity(session, activity_id, actor())
    with sessions.begin() as session:
        activity = session.get(Activity, activity_id)
        assert activity.deleted_at == NOW
        entries = session.scalars(
            select(OutboxEntry).where(
                OutboxEntry.seq > mark, OutboxEntry.table_name == "activities"
            )
        ).all()
        assert [entry.row_id for entry in entries] == [activity_id]
        with pytest.raises(NotFoundError):
            cancel_activity(session, activity_id, actor())
        with pytest.raises(NotFoundError):
            complete_activity(session, activity_id, actor())


# Checklist completion -------------------------------------------------------------


def test_logged_call_ticks_first_call_action(sessions, pipeline):
    with sessions.begin() as session:
        deal_id = make_deal(session, pipeline)
        result = log_activity(session, Target.deal(deal_id), done(), actor())
        assert result.checklist_action_id == pipeline.actions["call"]
        assert ticked(session, deal_id) == {pipeline.actions["call"]}
        stored = session.get(Activity, result.activity_id)
        assert stored.checklist_action_id == pipeline.actions["call"]


def test_second_call_ticks_next_call_action(sessions, pipeline):
    with sessions.begin() as session:
        deal_id = make_deal(session, pipeline)
        log_activity(session, Target.deal(deal_id), done(), actor())
        second = log_activity(session, Target.deal(deal_id), done(), actor())
        third = log_activity(session, Target.deal(deal_id), done(), actor())
        assert second.checklist_action_id == pipeline.actions["follow-up"]
        assert third.checklist_action_id is None
        assert ticked(session, deal_id) == {
            pipeline.actions["call"],
            pipeline.actions["follow-up"],
        }


def test_hand_ticked_action_is_skipped(sessions, pipeline):
    from crmdesk.services.stages import set_checklist_action

    with sessions.begin() as session:
        deal_id = make_deal(session, pipeline)
        set_checklist_action(session, deal_id, pipeline.actions["call"], True, actor())
        result = log_activity(session, Target.deal(deal_id), done(), actor())
        assert result.checklist_action_id == pipeline.actions["follow-up"]


def test_other_kind_ticks_nothing(sessions, pipeline):
    with sessions.begin() as session:
        deal_id = make_deal(session, pipeline)
        result = log_activity(session, Target.deal(deal_id), done("visit"), actor())
        # The visit action belongs to Proposal, not to the deal's current stage.
        assert result.checklist_action_id is None
        assert ticked(session, deal_id) == set()


def test_planning_ticks_nothing(sessions, pipeline):
    with sessions.begin() as session:
        deal_id = make_deal(session, pipeline)
        activity_id = plan_activity(
            session, Target.deal(deal_id), PlanInput("email", date(2026, 3, 4)), actor()
        )
        assert ticked(session, deal_id) == set()
        result = complete_activity(session, activity_id, actor())
        assert result.checklist_action_id == pipeline.actions["brochure"]
        assert ticked(session, deal_id) == {pipeline.actions["brochure"]}


def test_customer_activity_ticks_nothing(sessions, pipeline):
    with sessions.begin() as session:
        customer_id = make_customer(session)
        deal_id = make_deal(session, pipeline, customer_id=customer_id)
        result = log_activity(session, Target.customer(customer_id), done(), actor())
        assert result.checklist_action_id is None
        assert ticked(session, deal_id) == set()


def test_tick_is_in_same_transaction(sessions, pipeline):
    with sessions.begin() as session:
        deal_id = make_deal(session, pipeline)
    session = sessions()
    log_activity(session, Target.deal(deal_id), done(), actor())
    session.rollback()
    session.close()
    with sessions.begin() as session:
        assert ticked(session, deal_id) == set()
        assert session.scalars(select(Activity)).all() == []


def test_cancel_unticks_action(sessions, pipeline):
    with sessions.begin() as session:
        deal_id = make_deal(session, pipeline)
        result = log_activity(session, Target.deal(deal_id), done(), actor())
    with sessions.begin() as session:
        cancel_activity(session, result.activity_id, actor())
    with sessions.begin() as session:
        assert ticked(session, deal_id) == set()


def test_cancel_after_stage_left_keeps_tick(sessions, pipeline):
    with sessions.begin() as session:
        deal_id = make_deal(session, pipeline)
        result = log_activity(session, Target.deal(deal_id), done(), actor())
        move_opportunity(session, deal_id, pipeline.stage("sales", "proposal"), actor())
    with sessions.begin() as session:
        cancel_activity(session, result.activity_id, actor())
        assert ticked(session, deal_id) == {pipeline.actions["call"]}


def test_activities_follow_deal_customer(sessions, pipeline):
    from crmdesk.services.deals import OpportunityEdit, update_opportunity

    with sessions.begin() as session:
        first = make_customer(session, "First")
        second = make_customer(session, "Second")
        deal_id = make_deal(session, pipeline, customer_id=first)
        result = log_activity(session, Target.deal(deal_id), done(), actor())
        update_opportunity(
            session, deal_id, OpportunityEdit(customer_id=second), actor()
        )
    with sessions.begin() as session:
        assert session.get(Activity, result.activity_id).customer_id == second
