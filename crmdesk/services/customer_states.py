"""Customer lifecycle states: change a customer's state, and move it when a deal wins.

Changing a state by hand (the customer board, the customer detail panel, the
command line) goes through ``change_customer_state``. The rules:

- The new state must be a live state of the customer's playbook: the playbook
  of the customer's current state or, for a customer with no state yet, the
  playbook of one of its deals' series. A customer with neither may take a
  state of any installed playbook.
- Choosing the state the customer is already in is rejected.
- Moving a customer back to an earlier state needs a note that says why.
- Every change appends a ``CustomerStateChange`` row (from, to, note, who,
  when) and sets the customer's ``state_id``, ``state_changed_at`` and
  ``updated_at``.

Winning a deal moves its customer to the series' end state, on every entry
point: the stage service calls ``apply_won_deal`` after a move into the won
stage (board drag, detail form, bulk move, command line), and ``StageBatch``
applies ``plan_won_deal`` for imports. The history row names the won deal.

- A customer whose state comes before the end state, or who has no state yet,
  moves to the end state.
- A customer already in the end state, or past it, stays where it is: a win
  never moves a customer backward.
- Nothing happens when the deal has no customer, the customer is deleted, the
  series names no end state, or the customer's state belongs to another
  playbook than the series (their positions cannot be compared).

Reopening a won deal, or reverting it to lost, does not move the customer back.
The state describes the relationship, and by the time a win is undone the rep
may have promoted the customer further by hand, or another won deal may justify
the state. Moving the customer back silently could undo that work, so the state
stays, the history row of the win stays as the record of why the customer got
there, and the move result carries ``CustomerStateEffect`` with
``WinEffect.KEPT_ON_REOPEN``. The board, the detail panel and the command line
show it, and the user changes the state by hand when the win no longer holds.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crmdesk.domain.errors import NotFoundError, ValidationError
from crmdesk.domain.ids import new_id
from crmdesk.domain.playbook import LocalText
from crmdesk.services.context import Actor
from crmdesk.storage.models import (
    Customer,
    CustomerState,
    CustomerStateChange,
    Opportunity,
    Series,
    User,
)

# Facts -------------------------------------------------------------------------


@dataclass(frozen=True)
class StateFacts:
    """The facts about one customer state that planning needs."""

    id: uuid.UUID
    playbook_id: uuid.UUID
    key: str
    name: LocalText
    position: int
    deleted: bool = False

    @classmethod
    def of(cls, row: CustomerState) -> StateFacts:
        """Return the facts of a state row."""
        return cls(
            row.id,
            row.playbook_id,
            row.key,
            LocalText(row.name_en, row.name_zh),
            row.position,
            row.deleted_at is not None,
        )


@dataclass(frozen=True)
class CustomerFacts:
    """The values of a customer that state planning reads."""

    id: uuid.UUID
    name: str
    state_id: uuid.UUID | None
    team_id: uuid.UUID | None
    deleted: bool = False


class WinEffect(StrEnum):
    """The effect of winning or reopening a deal on its customer's state."""

    MOVED = "moved"
    """The customer moved to the series' end state."""
    ALREADY_THERE = "already_there"
    """The customer was in the end state already."""
    PAST_END = "past_end"
    """The customer was past the end state and stays there."""
    KEPT_ON_REOPEN = "kept_on_reopen"
    """A won deal was reopened or reverted; the customer keeps its state."""


@dataclass(frozen=True)
class CustomerStateEffect:
    """The customer state side of a deal's move, for the user to see.

    ``state`` is the customer's state after the move and ``end_state`` the
    series' end state; either is None when there is none.
    """

    customer_id: uuid.UUID
    customer: str
    effect: WinEffect
    state: LocalText | None
    end_state: LocalText | None
    history_id: uuid.UUID | None = None


@dataclass(frozen=True)
class StateChangeResult:
    """A state change that was applied."""

    customer_id: uuid.UUID
    from_state_id: uuid.UUID | None
    to_state_id: uuid.UUID
    history_id: uuid.UUID
    changed_at: datetime


@dataclass(frozen=True)
class StateChangePlan:
    """The rows one state change writes.

    ``customer`` contains the customer's fields the change sets and ``history``
    the column values of the new ``CustomerStateChange`` row, id included.
    """

    result: StateChangeResult
    customer: dict[str, Any]
    history: dict[str, Any]


# Planning ----------------------------------------------------------------------


def _history_values(
    customer: CustomerFacts,
    target: StateFacts,
    actor: Actor,
    note: str,
    opportunity_id: uuid.UUID | None,
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "customer_id": customer.id,
        "team_id": customer.team_id,
        "from_state_id": customer.state_id,
        "to_state_id": target.id,
        "opportunity_id": opportunity_id,
        "note": note,
        "changed_at": actor.at,
        "changed_by": actor.user_id,
    }


def _plan(
    customer: CustomerFacts,
    target: StateFacts,
    actor: Actor,
    note: str,
    opportunity_id: uuid.UUID | None,
) -> StateChangePlan:
    history = _history_values(customer, target, actor, note, opportunity_id)
    return StateChangePlan(
        result=StateChangeResult(
            customer_id=customer.id,
            from_state_id=customer.state_id,
            to_state_id=target.id,
            history_id=history["id"],
            changed_at=actor.at,
        ),
        customer={
            "state_id": target.id,
            "state_changed_at": actor.at,
            "updated_at": actor.at,
        },
        history=history,
    )


def plan_state_change(
    customer: CustomerFacts,
    current: StateFacts | None,
    target: StateFacts,
    playbook_id: uuid.UUID | None,
    actor: Actor,
    note: str = "",
) -> StateChangePlan:
    """Decide a state change made by hand and return the rows it writes.

    ``current`` is the customer's state, ``playbook_id`` the customer's
    playbook (None when it has none yet). The note is stored stripped.

    Raises:
        NotFoundError: the customer is deleted.
        ValidationError: the state is deleted, belongs to another playbook, is
            the current state, or lies before it and no note says why.
    """
    if customer.deleted:
        raise NotFoundError(f"customer {customer.name!r} was deleted")
    label = target.name.en
    if target.deleted:
        raise ValidationError(
            f"state {target.key!r} ({label}) was removed from the playbook: "
            "choose one of its current states"
        )
    if playbook_id is not None and target.playbook_id != playbook_id:
        raise ValidationError(
            f"state {target.key!r} ({label}) is not a state of the playbook of "
            f"customer {customer.name!r}: choose one of that playbook's states"
        )
    if current is not None and current.id == target.id:
        raise ValidationError(
            f"customer {customer.name!r} is already in state {target.key!r} "
            f"({label}): choose another state"
        )
    text = note.strip()
    backward = (
        current is not None
        and current.playbook_id == target.playbook_id
        and target.position < current.position
    )
    if backward and not text:
        assert current is not None
        raise ValidationError(
            f"moving customer {customer.name!r} back from {current.key!r} "
            f"({current.name.en}) to {target.key!r} ({label}) needs a note: "
            "say why the customer moves back"
        )
    return _plan(customer, target, actor, text, None)


def win_effect(current: StateFacts | None, end: StateFacts) -> WinEffect | None:
    """Decide what a win does to a customer in ``current`` with series end ``end``.

    Returns None when the states cannot be compared, because the customer's
    state belongs to another playbook than the series.
    """
    if current is None:
        return WinEffect.MOVED
    if current.playbook_id != end.playbook_id:
        return None
    if current.position < end.position:
        return WinEffect.MOVED
    if current.position == end.position:
        return WinEffect.ALREADY_THERE
    return WinEffect.PAST_END


def plan_won_deal(
    customer: CustomerFacts,
    current: StateFacts | None,
    end: StateFacts,
    opportunity_id: uuid.UUID,
    actor: Actor,
) -> tuple[CustomerStateEffect | None, StateChangePlan | None]:
    """Decide what winning ``opportunity_id`` does to its customer's state.

    Returns the effect to report and the rows to write; the plan is None when
    the customer does not move, and both are None when the win has no effect
    (a deleted customer or end state, or states of different playbooks).
    """
    if customer.deleted or end.deleted:
        return None, None
    effect = win_effect(current, end)
    if effect is None:
        return None, None
    if effect is not WinEffect.MOVED:
        state = None if current is None else current.name
        return CustomerStateEffect(
            customer.id, customer.name, effect, state, end.name
        ), None
    plan = _plan(customer, end, actor, "", opportunity_id)
    return CustomerStateEffect(
        customer.id,
        customer.name,
        effect,
        end.name,
        end.name,
        plan.result.history_id,
    ), plan


def reopen_effect(
    customer: CustomerFacts, current: StateFacts | None, end: StateFacts | None
) -> CustomerStateEffect | None:
    """Return the effect of reopening or reverting a won deal: the state is kept."""
    if customer.deleted:
        return None
    return CustomerStateEffect(
        customer.id,
        customer.name,
        WinEffect.KEPT_ON_REOPEN,
        None if current is None else current.name,
        None if end is None else end.name,
    )


# The ORM path -------------------------------------------------------------------


def customer_facts(customer: Customer) -> CustomerFacts:
    """Return the planning values of a customer row."""
    return CustomerFacts(
        customer.id,
        customer.name,
        customer.state_id,
        customer.team_id,
        customer.deleted_at is not None,
    )


def _state(session: Session, state_id: uuid.UUID | None) -> StateFacts | None:
    if state_id is None:
        return None
    row = session.get(CustomerState, state_id)
    return None if row is None else StateFacts.of(row)


def get_customer(session: Session, customer_id: uuid.UUID) -> Customer:
    """Return a live customer row.

    Raises:
        NotFoundError: no customer has this id, or it was deleted.
    """
    customer = session.get(Customer, customer_id)
    if customer is None or customer.deleted_at is not None:
        raise NotFoundError(f"customer {customer_id} not found")
    return customer


def customer_playbook_id(session: Session, customer: Customer) -> uuid.UUID | None:
    """Return the playbook a customer's states come from, or None when unknown.

    That is the playbook of the customer's current state or, for a customer
    with no state, of the series of its oldest live deal.
    """
    state = _state(session, customer.state_id)
    if state is not None:
        return state.playbook_id
    playbook_id: uuid.UUID | None = session.scalars(
        select(Series.playbook_id)
        .join(Opportunity, Opportunity.series_id == Series.id)
        .where(
            Opportunity.customer_id == customer.id,
            Opportunity.deleted_at.is_(None),
        )
        .order_by(Opportunity.created_at)
        .limit(1)
    ).first()
    return playbook_id


def _apply(session: Session, customer: Customer, plan: StateChangePlan) -> None:
    for key, value in plan.customer.items():
        setattr(customer, key, value)
    session.add(CustomerStateChange(**plan.history))


def change_customer_state(
    session: Session,
    customer_id: uuid.UUID,
    state_id: uuid.UUID,
    actor: Actor,
    note: str = "",
) -> StateChangeResult:
    """Change a customer's lifecycle state by hand and append a history row.

    Raises:
        NotFoundError: the customer or the state does not exist.
        ValidationError: the state breaks a rule of ``plan_state_change``.
    """
    customer = get_customer(session, customer_id)
    target = _state(session, state_id)
    if target is None:
        raise NotFoundError(f"customer state {state_id} not found")
    plan = plan_state_change(
        customer_facts(customer),
        _state(session, customer.state_id),
        target,
        customer_playbook_id(session, customer),
        actor,
        note,
    )
    _apply(session, customer, plan)
    return plan.result


@dataclass
class BulkStateResult:
    """The result of a bulk state change: the changes applied and the rejections."""

    changed: list[StateChangeResult]
    rejected: dict[uuid.UUID, str]


def change_customer_states(
    session: Session,
    customer_ids: list[uuid.UUID],
    state_id: uuid.UUID,
    actor: Actor,
    note: str = "",
) -> BulkStateResult:
    """Change several customers to one state; each is checked on its own.

    Customers whose change is rejected keep their state and are listed in
    ``rejected`` with the reason; the others change, each with its own row.
    """
    result = BulkStateResult([], {})
    for customer_id in customer_ids:
        # change_customer_state checks everything before it writes, so a
        # rejected customer leaves nothing behind.
        try:
            changed = change_customer_state(session, customer_id, state_id, actor, note)
        except (NotFoundError, ValidationError) as error:
            result.rejected[customer_id] = str(error)
        else:
            result.changed.append(changed)
    return result


def apply_won_deal(
    session: Session,
    opportunity: Opportunity,
    end_state_id: uuid.UUID | None,
    actor: Actor,
) -> CustomerStateEffect | None:
    """Move the customer of a deal just won to the series' end state.

    The stage service calls this after applying a move into the won stage. Reads
    go through the identity map without autoflush, so the move and the state
    change are journaled as one flush.
    """
    if opportunity.customer_id is None or end_state_id is None:
        return None
    with session.no_autoflush:
        customer = session.get(Customer, opportunity.customer_id)
        end = _state(session, end_state_id)
        if customer is None or end is None:
            return None
        current = _state(session, customer.state_id)
    effect, plan = plan_won_deal(
        customer_facts(customer), current, end, opportunity.id, actor
    )
    if plan is not None:
        _apply(session, customer, plan)
    return effect


def won_deal_reopened(
    session: Session, opportunity: Opportunity, end_state_id: uuid.UUID | None
) -> CustomerStateEffect | None:
    """Return the effect of reopening a won deal on its customer: none is written."""
    if opportunity.customer_id is None:
        return None
    with session.no_autoflush:
        customer = session.get(Customer, opportunity.customer_id)
        if customer is None:
            return None
        current = _state(session, customer.state_id)
        end = _state(session, end_state_id)
    return reopen_effect(customer_facts(customer), current, end)


# Reading ------------------------------------------------------------------------


@dataclass(frozen=True)
class StateHistoryLine:
    """One state change of a customer, with names resolved.

    ``deal`` is the title of the won deal that caused the change, if any.
    """

    id: uuid.UUID
    changed_at: datetime
    from_state: LocalText | None
    to_state: LocalText
    changed_by: str
    note: str
    opportunity_id: uuid.UUID | None
    deal: str


def customer_history(
    session: Session, customer_id: uuid.UUID
) -> list[StateHistoryLine]:
    """Return a customer's state changes, oldest first.

    Raises:
        NotFoundError: the customer does not exist.
    """
    if session.get(Customer, customer_id) is None:
        raise NotFoundError(f"customer {customer_id} not found")
    rows = session.scalars(
        select(CustomerStateChange)
        .where(CustomerStateChange.customer_id == customer_id)
        .order_by(CustomerStateChange.changed_at, CustomerStateChange.id)
    ).all()
    states = {
        row.id: LocalText(row.name_en, row.name_zh)
        for row in session.scalars(select(CustomerState))
    }
    user_ids = {row.changed_by for row in rows if row.changed_by is not None}
    users = {
        row.id: row.display_name
        for row in session.execute(
            select(User.id, User.display_name).where(User.id.in_(user_ids))
        )
    }
    deal_ids = {row.opportunity_id for row in rows if row.opportunity_id is not None}
    deals = {
        row.id: row.title
        for row in session.execute(
            select(Opportunity.id, Opportunity.title).where(
                Opportunity.id.in_(deal_ids)
            )
        )
    }
    return [
        StateHistoryLine(
            id=row.id,
            changed_at=row.changed_at,
            from_state=None
            if row.from_state_id is None
            else states.get(row.from_state_id),
            to_state=states[row.to_state_id],
            changed_by="" if row.changed_by is None else users.get(row.changed_by, ""),
            note=row.note,
            opportunity_id=row.opportunity_id,
            deal=""
            if row.opportunity_id is None
            else deals.get(row.opportunity_id, ""),
        )
        for row in rows
    ]


# Lookups for the command line ----------------------------------------------------


def find_customer(session: Session, value: str) -> Customer:
    """Return the live customer named by its id, external key or exact name.

    Names match without regard to case.

    Raises:
        NotFoundError: nothing matches, or several customers share the key or
            name; the message says what to pass instead.
    """
    wanted = value.strip()
    try:
        customer_id = uuid.UUID(wanted)
    except ValueError:
        customer_id = None
    if customer_id is not None:
        found = session.get(Customer, customer_id)
        if found is not None and found.deleted_at is None:
            return found
    live = Customer.deleted_at.is_(None)
    by_key = list(
        session.scalars(select(Customer).where(Customer.external_key == wanted, live))
    )
    matches = by_key or list(
        session.scalars(
            select(Customer).where(func.lower(Customer.name) == wanted.casefold(), live)
        )
    )
    if len(matches) == 1:
        return matches[0]
    if matches:
        ids = ", ".join(str(customer.id) for customer in matches)
        raise NotFoundError(
            f"customer {value!r} is ambiguous: customers {ids} match. "
            "Name the customer by its id"
        )
    raise NotFoundError(
        f"customer {value!r} not found: pass a customer id, an exact name or the "
        "external key of an imported customer (crmdesk customers list shows them)"
    )


def find_state(
    session: Session, playbook_id: uuid.UUID | None, value: str
) -> CustomerState:
    """Return the live state named by its id, key, or English or Chinese name.

    With ``playbook_id`` set, only that playbook's states are searched.

    Raises:
        NotFoundError: no state matches, or several playbooks have a match; the
            message lists the state keys.
    """
    query = select(CustomerState).where(CustomerState.deleted_at.is_(None))
    if playbook_id is not None:
        query = query.where(CustomerState.playbook_id == playbook_id)
    states = list(
        session.scalars(
            query.order_by(CustomerState.playbook_id, CustomerState.position)
        )
    )
    wanted = value.strip().casefold()
    matches = [state for state in states if str(state.id) == wanted]
    matches = matches or [s for s in states if s.key.casefold() == wanted]
    if not matches:
        matches = [
            state
            for state in states
            if wanted in (state.name_en.casefold(), state.name_zh.casefold())
        ]
    if len(matches) == 1:
        return matches[0]
    if matches:
        ids = ", ".join(f"{state.key} id {state.id}" for state in matches)
        raise NotFoundError(
            f"state {value!r} is ambiguous: it matches {ids}. Name the state by its id"
        )
    keys = ", ".join(dict.fromkeys(state.key for state in states))
    if not keys:
        raise NotFoundError(
            f"no customer state {value!r}: no installed playbook has states"
        )
    raise NotFoundError(f"no customer state {value!r}: use one of {keys}")
