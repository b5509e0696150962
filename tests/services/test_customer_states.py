"""Customer lifecycle states: hand changes, the win hook on every path, reopening."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from helpers.customers import insert_stateless_customer
from helpers.pipeline import PLAYBOOK, Pipeline, install
from sqlalchemy import select

from crmdesk.domain.errors import NotFoundError, ValidationError
from crmdesk.domain.playbook import CustomerStateDef, LocalText, OutcomeResult
from crmdesk.domain.playbook_file import shipped_playbook
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.customer_states import (
    WinEffect,
    change_customer_state,
    change_customer_states,
    customer_history,
)
from crmdesk.services.deals import (
    NewCustomer,
    NewOpportunity,
    create_customer,
    create_opportunity,
)
from crmdesk.services.playbooks import install_playbook
from crmdesk.services.stages import (
    OutcomeInput,
    move_opportunities,
    move_opportunity,
    set_checklist_action,
)
from crmdesk.services.workspace import ensure_user
from crmdesk.storage.models import (
    Customer,
    CustomerState,
    CustomerStateChange,
    OutboxEntry,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BOOK = replace(
    PLAYBOOK,
    states=(
        *PLAYBOOK.states,
        CustomerStateDef("partner", LocalText("Partner", "合作伙伴")),
    ),
)


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


@pytest.fixture
def world(sessions):
    """The test playbook with a user; returns (pipeline, state ids by key, user)."""
    with sessions.begin() as session:
        pipeline = install(session, BOOK)
        user_id = ensure_user(session, "mei", "Mei Lin").id
        states = {row.key: row.id for row in session.scalars(select(CustomerState))}
    return pipeline, states, user_id


def actor(user_id, hours=0, source=ChangeSource.FORM) -> Actor:
    return Actor(user_id, source, at=at(hours))


def add_customer(sessions, name, state_id=None) -> uuid.UUID:
    """Create a customer an hour before T0, in ``state_id`` or without a state.

    A customer given a state comes from ``create_customer``, so its history
    starts with a creation row (None -> ``state_id``) at ``at(-1)``.
    """
    with sessions.begin() as session:
        if state_id is None:
            customer = insert_stateless_customer(session, name, at(-1))
        else:
            customer = create_customer(
                session,
                NewCustomer(name, state_id=state_id),
                Actor(None, ChangeSource.FORM, at=at(-1)),
            )
        return customer.id


def add_deal(sessions, pipeline: Pipeline, customer_id, series="strict") -> uuid.UUID:
    with sessions.begin() as session:
        deal = create_opportunity(
            session,
            NewOpportunity(
                series_id=pipeline.series[series],
                title=f"Deal of {customer_id}",
                customer_id=customer_id,
                amount=Decimal("500"),
            ),
            Actor(None, ChangeSource.FORM, at=T0),
        )
        return deal.id


def won() -> OutcomeInput:
    return OutcomeInput(
        OutcomeResult.WON, actual_amount=Decimal("500"), actual_date=date(2026, 3, 1)
    )


def state_of(sessions, customer_id) -> tuple[uuid.UUID | None, datetime | None]:
    with sessions() as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None
        return customer.state_id, customer.state_changed_at


def changes(sessions, customer_id) -> list[CustomerStateChange]:
    with sessions() as session:
        return list(
            session.scalars(
                select(CustomerStateChange)
                .where(CustomerStateChange.customer_id == customer_id)
                .order_by(CustomerStateChange.changed_at)
            )
        )


# Changes by hand -----------------------------------------------------------------


def test_change_writes_history_row(sessions, world):
    _pipeline, states, user_id = world
    customer_id = add_customer(sessions, "Hua Ying", states["lead"])
    with sessions.begin() as session:
        result = change_customer_state(
            session,
            customer_id,
            states["customer"],
            actor(user_id, 3),
            note="  signed the annual plan ",
        )
    assert result.from_state_id == states["lead"]
    assert result.to_state_id == states["customer"]
    assert state_of(sessions, customer_id) == (states["customer"], at(3))
    rows = changes(sessions, customer_id)
    assert [(r.from_state_id, r.to_state_id) for r in rows] == [
        (None, states["lead"]),
        (states["lead"], states["customer"]),
    ]
    assert rows[0].changed_at == at(-1)
    row = rows[1]
    assert row.id == result.history_id
    assert row.from_state_id == states["lead"]
    assert row.to_state_id == states["customer"]
    assert row.note == "signed the annual plan"
    assert row.changed_by == user_id
    assert row.changed_at == at(3)
    assert row.opportunity_id is None


def test_change_is_journaled_with_customer(sessions, world):
    _pipeline, states, user_id = world
    customer_id = add_customer(sessions, "Hua Ying", states["lead"])
    with sessions() as session:
        mark = session.scalar(select(OutboxEntry.seq).order_by(OutboxEntry.seq.desc()))
    with sessions.begin() as session:
        change_customer_state(session, customer_id, states["customer"], actor(user_id))
    with sessions() as session:
        entries = list(
            session.scalars(select(OutboxEntry).where(OutboxEntry.seq > mark))
        )
    tables = sorted(entry.table_name for entry in entries)
    assert tables == ["customer_state_history", "customers"]
    assert len({entry.hlc for entry in entries}) == 1
    update = next(e for e in entries if e.table_name == "customers")
    assert json.loads(update.changes)["state_id"] == str(states["customer"])
    assert json.loads(update.base_values)["state_id"] == str(states["lead"])


def test_first_state_has_no_from_state(sessions, world):
    _pipeline, states, user_id = world
    customer_id = add_customer(sessions, "No state yet")
    with sessions.begin() as session:
        change_customer_state(session, customer_id, states["lead"], actor(user_id))
    rows = changes(sessions, customer_id)
    assert [(r.from_state_id, r.to_state_id) for r in rows] == [(None, states["lead"])]


def test_same_state_rejected(sessions, world):
    _pipeline, states, user_id = world
    customer_id = add_customer(sessions, "Hua Ying", states["lead"])
    with (
        pytest.raises(ValidationError, match="already in state 'lead'"),
        sessions.begin() as session,
    ):
        change_customer_state(session, customer_id, states["lead"], actor(user_id))
    rows = changes(sessions, customer_id)
    assert [(r.from_state_id, r.to_state_id) for r in rows] == [(None, states["lead"])]


def test_backward_needs_note(sessions, world):
    _pipeline, states, user_id = world
    customer_id = add_customer(sessions, "Hua Ying", states["customer"])
    with (
        pytest.raises(ValidationError, match="needs a note"),
        sessions.begin() as session,
    ):
        change_customer_state(
            session, customer_id, states["lead"], actor(user_id), note="   "
        )
    assert state_of(sessions, customer_id)[0] == states["customer"]
    with sessions.begin() as session:
        change_customer_state(
            session,
            customer_id,
            states["lead"],
            actor(user_id),
            note="contract cancelled",
        )
    assert state_of(sessions, customer_id)[0] == states["lead"]


def test_forward_skip_needs_no_note(sessions, world):
    _pipeline, states, user_id = world
    customer_id = add_customer(sessions, "Hua Ying", states["lead"])
    with sessions.begin() as session:
        change_customer_state(session, customer_id, states["partner"], actor(user_id))
    assert state_of(sessions, customer_id)[0] == states["partner"]


def test_state_of_other_playbook_rejected(sessions, world):
    _pipeline, states, user_id = world
    with sessions.begin() as session:
        install_playbook(session, shipped_playbook("studio"))
        member = session.scalars(
            select(CustomerState.id).where(CustomerState.key == "member")
        ).one()
    customer_id = add_customer(sessions, "Hua Ying", states["lead"])
    with (
        pytest.raises(ValidationError, match="not a state of the playbook"),
        sessions.begin() as session,
    ):
        change_customer_state(session, customer_id, member, actor(user_id))


def test_playbook_of_stateless_customer_comes_from_deal(sessions, world):
    pipeline, _states, user_id = world
    with sessions.begin() as session:
        install_playbook(session, shipped_playbook("studio"))
        member = session.scalars(
            select(CustomerState.id).where(CustomerState.key == "member")
        ).one()
    customer_id = add_customer(sessions, "Dealer")
    add_deal(sessions, pipeline, customer_id)
    with (
        pytest.raises(ValidationError, match="not a state of the playbook"),
        sessions.begin() as session,
    ):
        change_customer_state(session, customer_id, member, actor(user_id))


def test_removed_state_rejected(sessions, world):
    _pipeline, states, user_id = world
    customer_id = add_customer(sessions, "Hua Ying", states["lead"])
    with sessions.begin() as session:
        row = session.get(CustomerState, states["partner"])
        assert row is not None
        row.deleted_at = T0
    with (
        pytest.raises(ValidationError, match="removed from the playbook"),
        sessions.begin() as session,
    ):
        change_customer_state(session, customer_id, states["partner"], actor(user_id))


def test_unknown_customer_and_state(sessions, world):
    _pipeline, states, user_id = world
    customer_id = add_customer(sessions, "Hua Ying", states["lead"])
    with (
        pytest.raises(NotFoundError, match="customer"),
        sessions.begin() as session,
    ):
        change_customer_state(session, uuid.uuid4(), states["lead"], actor(user_id))
    with (
        pytest.raises(NotFoundError, match="state"),
        sessions.begin() as session,
    ):
        change_customer_state(session, customer_id, uuid.uuid4(), actor(user_id))


def test_bulk_change_reports_rejections(sessions, world):
    _pipeline, states, user_id = world
    ahead = add_customer(sessions, "Ahead", states["lead"])
    there = add_customer(sessions, "There", states["customer"])
    with sessions.begin() as session:
        result = change_customer_states(
            session, [ahead, there], states["customer"], actor(user_id)
        )
    assert [change.customer_id for change in result.changed] == [ahead]
    assert list(result.rejected) == [there]
    assert "already in state" in result.rejected[there]
    assert state_of(sessions, ahead)[0] == states["customer"]
    rows = changes(sessions, there)
    assert [(r.from_state_id, r.to_state_id) for r in rows] == [
        (None, states["customer"])
    ]


# Winning a deal -------------------------------------------------------------------


@pytest.mark.parametrize(
    "source", [ChangeSource.BOARD, ChangeSource.FORM, ChangeSource.CLI]
)
def test_win_moves_customer_to_end_state(sessions, world, source):
    pipeline, states, user_id = world
    customer_id = add_customer(sessions, "Winner", states["lead"])
    deal_id = add_deal(sessions, pipeline, customer_id)
    with sessions.begin() as session:
        result = move_opportunity(
            session,
            deal_id,
            pipeline.stage("strict", "won"),
            actor(user_id, 5, source),
            won(),
        )
    effect = result.customer_state
    assert effect is not None
    assert effect.effect is WinEffect.MOVED
    assert effect.state == LocalText("Customer", "客户")
    assert state_of(sessions, customer_id) == (states["customer"], at(5))
    rows = changes(sessions, customer_id)
    assert [(r.from_state_id, r.to_state_id) for r in rows] == [
        (None, states["lead"]),
        (states["lead"], states["customer"]),
    ]
    assert rows[0].opportunity_id is None
    assert rows[1].opportunity_id == deal_id
    assert rows[1].changed_by == user_id
    assert rows[1].id == effect.history_id


def test_win_in_bulk_moves_each_customer(sessions, world):
    pipeline, states, user_id = world
    first = add_customer(sessions, "First", states["lead"])
    second = add_customer(sessions, "Second")
    deals = [add_deal(sessions, pipeline, first), add_deal(sessions, pipeline, second)]
    with sessions.begin() as session:
        result = move_opportunities(
            session,
            deals,
            pipeline.stage("strict", "won"),
            actor(user_id, 1, ChangeSource.BULK),
            won(),
        )
    assert [moved.customer_state.effect for moved in result.moved] == [
        WinEffect.MOVED,
        WinEffect.MOVED,
    ]
    assert state_of(sessions, first)[0] == states["customer"]
    assert state_of(sessions, second)[0] == states["customer"]
    assert [r.from_state_id for r in changes(sessions, second)] == [None]


def test_win_never_moves_customer_backward(sessions, world):
    pipeline, states, user_id = world
    customer_id = add_customer(sessions, "Partner", states["partner"])
    deal_id = add_deal(sessions, pipeline, customer_id)
    with sessions.begin() as session:
        result = move_opportunity(
            session, deal_id, pipeline.stage("strict", "won"), actor(user_id), won()
        )
    assert result.customer_state is not None
    assert result.customer_state.effect is WinEffect.PAST_END
    assert state_of(sessions, customer_id)[0] == states["partner"]
    rows = changes(sessions, customer_id)
    assert [(r.from_state_id, r.to_state_id) for r in rows] == [
        (None, states["partner"])
    ]


def test_win_with_customer_at_end_writes_nothing(sessions, world):
    pipeline, states, user_id = world
    customer_id = add_customer(sessions, "Loyal", states["customer"])
    deal_id = add_deal(sessions, pipeline, customer_id)
    with sessions.begin() as session:
        result = move_opportunity(
            session, deal_id, pipeline.stage("strict", "won"), actor(user_id), won()
        )
    assert result.customer_state is not None
    assert result.customer_state.effect is WinEffect.ALREADY_THERE
    rows = changes(sessions, customer_id)
    assert [(r.from_state_id, r.to_state_id) for r in rows] == [
        (None, states["customer"])
    ]


def test_lost_deal_leaves_customer(sessions, world):
    pipeline, states, user_id = world
    customer_id = add_customer(sessions, "Lost one", states["lead"])
    deal_id = add_deal(sessions, pipeline, customer_id)
    lost = OutcomeInput(
        OutcomeResult.LOST, reason_id=pipeline.reasons[("strict", "price")]
    )
    with sessions.begin() as session:
        result = move_opportunity(
            session, deal_id, pipeline.stage("strict", "lost"), actor(user_id), lost
        )
    assert result.customer_state is None
    assert state_of(sessions, customer_id)[0] == states["lead"]


def test_deal_without_customer_wins(sessions, world):
    pipeline, _states, user_id = world
    deal_id = add_deal(sessions, pipeline, None)
    with sessions.begin() as session:
        result = move_opportunity(
            session, deal_id, pipeline.stage("strict", "won"), actor(user_id), won()
        )
    assert result.customer_state is None


def test_customer_of_other_playbook_not_moved(sessions, world):
    pipeline, _states, user_id = world
    with sessions.begin() as session:
        install_playbook(session, shipped_playbook("studio"))
        member = session.scalars(
            select(CustomerState.id).where(CustomerState.key == "member")
        ).one()
    customer_id = add_customer(sessions, "Studio member", member)
    deal_id = add_deal(sessions, pipeline, customer_id)
    with sessions.begin() as session:
        result = move_opportunity(
            session, deal_id, pipeline.stage("strict", "won"), actor(user_id), won()
        )
    assert result.customer_state is None
    assert state_of(sessions, customer_id)[0] == member


# Reopening a won deal -----------------------------------------------------------


def test_reopened_win_keeps_customer_state(sessions, world):
    pipeline, states, user_id = world
    customer_id = add_customer(sessions, "Reopened", states["lead"])
    deal_id = add_deal(sessions, pipeline, customer_id, series="sales")
    sales = pipeline.stage
    # The sales series allows reopening but no skipping, and its gate needs the
    # required call of the qualified stage before the deal moves on.
    with sessions.begin() as session:
        deal = move_opportunity(
            session, deal_id, sales("sales", "qualified"), actor(user_id, 1)
        )
        assert deal.customer_state is None
    with sessions.begin() as session:
        set_checklist_action(
            session, deal_id, pipeline.actions["call"], True, actor(user_id, 2)
        )
        move_opportunity(
            session, deal_id, sales("sales", "proposal"), actor(user_id, 3)
        )
    with sessions.begin() as session:
        move_opportunity(
            session, deal_id, sales("sales", "won"), actor(user_id, 4), won()
        )
    assert state_of(sessions, customer_id) == (states["customer"], at(4))
    with sessions.begin() as session:
        result = move_opportunity(
            session, deal_id, sales("sales", "proposal"), actor(user_id, 5)
        )
    effect = result.customer_state
    assert effect is not None
    assert effect.effect is WinEffect.KEPT_ON_REOPEN
    assert effect.state == LocalText("Customer", "客户")
    assert effect.history_id is None
    assert state_of(sessions, customer_id) == (states["customer"], at(4))
    created_and_won = [(None, states["lead"]), (states["lead"], states["customer"])]
    rows = changes(sessions, customer_id)
    assert [(r.from_state_id, r.to_state_id) for r in rows] == created_and_won
    # Winning it again finds the customer at the end state and writes nothing.
    with sessions.begin() as session:
        again = move_opportunity(
            session, deal_id, sales("sales", "won"), actor(user_id, 6), won()
        )
    assert again.customer_state is not None
    assert again.customer_state.effect is WinEffect.ALREADY_THERE
    rows = changes(sessions, customer_id)
    assert [(r.from_state_id, r.to_state_id) for r in rows] == created_and_won


# Reading --------------------------------------------------------------------------


def test_history_lists_changes_with_names(sessions, world):
    pipeline, states, user_id = world
    customer_id = add_customer(sessions, "Storyteller")
    deal_id = add_deal(sessions, pipeline, customer_id)
    with sessions.begin() as session:
        change_customer_state(
            session, customer_id, states["lead"], actor(user_id, 1), "first call"
        )
    with sessions.begin() as session:
        move_opportunity(
            session, deal_id, pipeline.stage("strict", "won"), actor(user_id, 2), won()
        )
    with sessions() as session:
        lines = customer_history(session, customer_id)
    assert [(line.from_state, line.to_state) for line in lines] == [
        (None, LocalText("Lead", "线索")),
        (LocalText("Lead", "线索"), LocalText("Customer", "客户")),
    ]
    assert [line.note for line in lines] == ["first call", ""]
    assert [line.changed_by for line in lines] == ["Mei Lin", "Mei Lin"]
    assert lines[0].deal == ""
    assert lines[1].deal == f"Deal of {customer_id}"
    assert lines[1].opportunity_id == deal_id
