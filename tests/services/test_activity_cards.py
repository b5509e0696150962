"""The next planned activity on board cards, and timelines, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from helpers.activity_data import (
    T0,
    install_activity_playbook,
    make_customer,
    make_deal,
)

from crmdesk.services.activities import (
    DoneInput,
    PlanInput,
    Target,
    cancel_activity,
    complete_activity,
    log_activity,
    plan_activity,
)
from crmdesk.services.board import load_board, load_cards
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.timeline import EntryKind, customer_timeline, deal_timeline


def actor(hours: int = 0) -> Actor:
    return Actor(None, ChangeSource.FORM, at=T0 + timedelta(hours=hours))


def plan(session, deal_id, day: int, hour: int, kind: str = "call"):
    return plan_activity(
        session,
        Target.deal(deal_id),
        PlanInput(kind, date(2026, 3, day), time(hour, 0)),
        actor(),
    )


def test_card_shows_soonest_planned(any_sessions):
    with any_sessions.begin() as session:
        pipeline = install_activity_playbook(session)
        customer_id = make_customer(session)
        busy = make_deal(session, pipeline, customer_id=customer_id, title="Busy")
        idle = make_deal(session, pipeline, title="Idle")
        plan(session, busy, 9, 10, "visit")
        soonest_cancelled = plan(session, busy, 3, 8, "email")
        done_first = plan(session, busy, 3, 9, "meeting")
        plan(session, busy, 4, 15, "trial")
        log_activity(session, Target.deal(busy), DoneInput("call", T0), actor(1))
        cancel_activity(session, soonest_cancelled, actor(1))
        complete_activity(session, done_first, actor(2))
        series_id = pipeline.series["sales"]
    with any_sessions() as session:
        cards = {card.title: card for card in load_board(session, series_id).cards}
        reloaded = load_cards(session, series_id, [busy])
    # The cancelled e-mail (3 March 08:00) and the completed meeting (09:00)
    # no longer count, so the trial on 4 March at 15:00 UTC is next.
    assert cards["Busy"].next_activity_kind == "trial"
    assert cards["Busy"].next_activity_due == datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
    assert reloaded[0].next_activity_kind == "trial"
    assert cards["Idle"].next_activity_kind is None
    assert cards["Idle"].next_activity_due is None
    assert idle in {card.id for card in cards.values()}


def test_timelines_on_both_databases(any_sessions):
    with any_sessions.begin() as session:
        pipeline = install_activity_playbook(session)
        customer_id = make_customer(session)
        deal_id = make_deal(session, pipeline, customer_id=customer_id)
        log_activity(session, Target.deal(deal_id), DoneInput("call", T0), actor(1))
        plan(session, deal_id, 5, 9)
    with any_sessions() as session:
        deal = deal_timeline(session, deal_id)
        customer = customer_timeline(session, customer_id)
    assert [entry.kind for entry in deal.entries] == [
        EntryKind.ACTIVITY,
        EntryKind.STAGE_MOVE,
    ]
    assert len(deal.planned) == 1
    assert [entry.kind for entry in customer.entries] == [
        EntryKind.ACTIVITY,
        EntryKind.STAGE_MOVE,
    ]
    assert customer.entries[0].activity.checklist_action.en == "First call"
