"""Demo lifecycle: customer states and state histories consistent with the deals.

Runs after the demo's deals are written, in the same transaction, and like the
rest of the demo writes with bulk inserts and updates instead of the state
service. The rows are those the service would write for the same events:

- every customer gets its first state, the start state of the series its team
  works, when it was created (``from_state_id`` None);
- a deal entering the won stage moves its customer to the series' end state
  when the customer's state comes before it. The history row carries the
  deal's id, and the deal's mover is ``changed_by``;
- a customer already at or past the end state stays where it is, because a
  win never moves a customer backward, and reopening a won deal never moves a
  customer back;
- some changes are made by hand, as reps do: a share of new prospects is put
  under protection after a first call, a share of pilot customers is marked
  delivered after the trial, and repeat customers with two wins become
  referring customers. Each has a note, and none lies after the demo's end.

``state_changed_at`` is the time of the customer's last history row.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from crmdesk.domain.ids import new_id
from crmdesk.services.playbooks import list_customer_states, list_series
from crmdesk.storage import playbook_repo
from crmdesk.storage.bulk import ROW_ID, insert_rows, update_rows
from crmdesk.storage.models import (
    Base,
    Customer,
    CustomerStateChange,
    Opportunity,
    Stage,
    StageHistory,
)

PROTECTED_SHARE = 0.3
"""Share of the front-end series' prospects put under protection by hand."""

DELIVERED_SHARE = 0.4
"""Share of pilot customers marked delivered by hand, 7 to 25 days after the win."""

REFERRING_SHARE = 0.5
"""Share of repeat customers with two wins that became referring customers."""

# Hand-made promotions: (from state, to state, note, minimum days after the
# event that allows them, maximum days).
_PROTECT = ("prospect", "protected-prospect", "首次有效沟通后申请保护期", 1, 20)
_DELIVER = ("pilot-customer", "pilot-delivered", "试听课已上完，家长反馈良好", 7, 25)
_REFER = ("regular-customer", "referring-customer", "推荐了新学员报名", 3, 30)


@dataclass
class _Customer:
    id: uuid.UUID
    team_id: uuid.UUID | None
    owner_id: uuid.UUID | None
    created_at: datetime
    state_id: uuid.UUID | None = None
    changed_at: datetime | None = None
    wins: int = 0


@dataclass(frozen=True)
class _SeriesStates:
    start_id: uuid.UUID
    end_id: uuid.UUID


def assign_lifecycle(session: Session, rng: random.Random, end: datetime) -> int:
    """Give every demo customer its states and history; return the rows written.

    ``end`` is the demo's present: no change is placed after it.
    """
    states = {state.key: state for state in list_customer_states(session)}
    positions = {state.id: state.position for state in states.values()}
    by_team = _series_by_team(session)
    customers = _read_customers(session)
    history: list[dict[str, Any]] = []

    def change(
        customer: _Customer,
        to_state: uuid.UUID,
        at: datetime,
        by: uuid.UUID | None,
        note: str = "",
        opportunity_id: uuid.UUID | None = None,
    ) -> None:
        history.append(
            {
                "id": new_id(),
                "customer_id": customer.id,
                "team_id": customer.team_id,
                "from_state_id": customer.state_id,
                "to_state_id": to_state,
                "opportunity_id": opportunity_id,
                "note": note,
                "changed_at": at,
                "changed_by": by,
                "version": 0,
                "deleted_at": None,
            }
        )
        customer.state_id = to_state
        customer.changed_at = at

    for customer in customers.values():
        series = by_team.get(customer.team_id)
        if series is not None:
            change(customer, series.start_id, customer.created_at, customer.owner_id)
    ends = {record.id: record.end_state_id for record in list_series(session)}
    for deal_customer, series_id, at, by, deal_id in _wins(session):
        won_customer = customers.get(deal_customer)
        end_id = ends.get(series_id)
        if won_customer is None or end_id is None:
            continue
        customer = won_customer
        customer.wins += 1
        current = positions.get(customer.state_id) if customer.state_id else None
        if current is None or current < positions[end_id]:
            change(customer, end_id, at, by, opportunity_id=deal_id)
    # After every win, so each hand-made change is the customer's latest.
    for customer in customers.values():
        _promote_by_hand(rng, customer, states, end, change)

    _insert(session, CustomerStateChange, history)
    updates = [
        {ROW_ID: c.id, "state_id": c.state_id, "state_changed_at": c.changed_at}
        for c in customers.values()
        if c.state_id is not None
    ]
    table: Table = Customer.__table__  # type: ignore[assignment]
    for start in range(0, len(updates), 5_000):
        update_rows(session.connection(), table, updates[start : start + 5_000])
    return len(history)


def _promote_by_hand(
    rng: random.Random,
    customer: _Customer,
    states: dict[str, Any],
    end: datetime,
    change: Any,
) -> None:
    """Apply the hand-made promotion that fits the customer's state, sometimes."""
    if customer.state_id is None or customer.changed_at is None:
        return
    for from_key, to_key, note, low, high in (_PROTECT, _DELIVER, _REFER):
        source = states.get(from_key)
        target = states.get(to_key)
        if source is None or target is None or customer.state_id != source.id:
            continue
        share = {
            "protected-prospect": PROTECTED_SHARE,
            "pilot-delivered": DELIVERED_SHARE,
            "referring-customer": REFERRING_SHARE,
        }[to_key]
        if to_key == "referring-customer" and customer.wins < 2:
            return
        if rng.random() >= share:
            return
        at = customer.changed_at + timedelta(
            days=rng.randint(low, high), hours=rng.randint(0, 8)
        )
        if at < end:
            change(customer, target.id, at, customer.owner_id, note)
        return


def _series_by_team(session: Session) -> dict[uuid.UUID | None, _SeriesStates]:
    result: dict[uuid.UUID | None, _SeriesStates] = {}
    for record in list_series(session):
        team = playbook_repo.team_by_key(session, record.team_key)
        if team is None or record.start_state_id is None:
            continue
        end_id = record.end_state_id or record.start_state_id
        result[team.id] = _SeriesStates(record.start_state_id, end_id)
    return result


def _read_customers(session: Session) -> dict[uuid.UUID, _Customer]:
    rows = session.execute(
        select(
            Customer.id, Customer.team_id, Customer.owner_id, Customer.created_at
        ).order_by(Customer.created_at, Customer.id)
    )
    return {row[0]: _Customer(row[0], row[1], row[2], row[3]) for row in rows}


def _wins(
    session: Session,
) -> list[tuple[uuid.UUID, uuid.UUID, datetime, uuid.UUID | None, uuid.UUID]]:
    """Return (customer, series, time, mover, deal) of every move into a won stage."""
    rows = session.execute(
        select(
            Opportunity.customer_id,
            Opportunity.series_id,
            StageHistory.changed_at,
            StageHistory.changed_by,
            Opportunity.id,
        )
        .join(Opportunity, Opportunity.id == StageHistory.opportunity_id)
        .join(Stage, Stage.id == StageHistory.to_stage_id)
        .where(Stage.kind == "won", Opportunity.customer_id.is_not(None))
        .order_by(StageHistory.changed_at, StageHistory.id)
    )
    return [(row[0], row[1], row[2], row[3], row[4]) for row in rows if row[0]]


def _insert(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    table: Table = model.__table__  # type: ignore[assignment]
    for start in range(0, len(rows), 5_000):
        insert_rows(session.connection(), table, rows[start : start + 5_000])
