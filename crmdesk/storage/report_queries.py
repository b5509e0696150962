"""The SQL behind the pipeline review reports.

Every query here is written with SQLAlchemy Core constructs that SQLite (3.25 or
newer, for window functions) and PostgreSQL both run unchanged. Money is summed
as integer minor units grouped by currency; conversion to the base currency
happens in the service layer, exactly.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from crmdesk.storage.models import Opportunity, Outcome, Stage, StageHistory

AnySelect = TypeVar("AnySelect", bound="Select[*tuple[Any, ...]]")


class DealScope(NamedTuple):
    """Which deals a query covers: series, team and current owner; None is all."""

    series_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None


def _scoped(query: AnySelect, scope: DealScope) -> AnySelect:
    query = query.where(Opportunity.deleted_at.is_(None))
    if scope.series_id is not None:
        query = query.where(Opportunity.series_id == scope.series_id)
    if scope.team_id is not None:
        query = query.where(Opportunity.team_id == scope.team_id)
    if scope.owner_id is not None:
        query = query.where(Opportunity.owner_id == scope.owner_id)
    return query


def _close_window(
    query: AnySelect, close_from: date | None, close_to: date | None
) -> AnySelect:
    if close_from is not None:
        query = query.where(Opportunity.expected_close >= close_from)
    if close_to is not None:
        query = query.where(Opportunity.expected_close <= close_to)
    return query


class OpenAggregate(NamedTuple):
    """Open deals of one stage in one currency.

    ``weighted_minor_percent`` is the sum of amount (minor units) times the
    effective win probability in percent, so dividing by 100 gives minor units.
    """

    stage_id: uuid.UUID
    currency: str
    deals: int
    amount_minor: int
    weighted_minor_percent: int


def open_aggregates(
    session: Session,
    scope: DealScope,
    close_from: date | None,
    close_to: date | None,
) -> list[OpenAggregate]:
    """Count and sum open deals per stage and currency, weighting each deal."""
    probability = func.coalesce(
        Opportunity.manual_probability, Stage.default_probability
    )
    query = (
        select(
            Opportunity.stage_id,
            Opportunity.currency,
            func.count(Opportunity.id),
            func.coalesce(func.sum(Opportunity.amount_minor), 0),
            func.coalesce(func.sum(Opportunity.amount_minor * probability), 0),
        )
        .join(Stage, Stage.id == Opportunity.stage_id)
        .where(Stage.kind == "open")
        .group_by(Opportunity.stage_id, Opportunity.currency)
    )
    query = _close_window(_scoped(query, scope), close_from, close_to)
    return [
        OpenAggregate(row[0], row[1], int(row[2]), int(row[3] or 0), int(row[4] or 0))
        for row in session.execute(query)
    ]


def open_deal_ids(
    session: Session,
    scope: DealScope,
    close_from: date | None,
    close_to: date | None,
    stage_id: uuid.UUID | None = None,
) -> list[uuid.UUID]:
    """Return the open deals behind an open-deal figure, optionally of one stage."""
    query = (
        select(Opportunity.id)
        .join(Stage, Stage.id == Opportunity.stage_id)
        .where(Stage.kind == "open")
        .order_by(Opportunity.amount_minor.desc(), Opportunity.id)
    )
    if stage_id is not None:
        query = query.where(Opportunity.stage_id == stage_id)
    query = _close_window(_scoped(query, scope), close_from, close_to)
    return list(session.scalars(query))


class OutcomeAggregate(NamedTuple):
    """Deals with a current outcome of one result, in one currency."""

    currency: str
    deals: int
    amount_minor: int


def _current_outcomes(
    query: AnySelect, result: str, close_from: date | None, close_to: date | None
) -> AnySelect:
    query = query.join(Opportunity, Opportunity.id == Outcome.opportunity_id).where(
        Outcome.result == result, Outcome.reopened_at.is_(None)
    )
    if close_from is not None:
        query = query.where(Outcome.actual_date >= close_from)
    if close_to is not None:
        query = query.where(Outcome.actual_date <= close_to)
    return query


def outcome_aggregates(
    session: Session,
    scope: DealScope,
    result: str,
    close_from: date | None,
    close_to: date | None,
) -> list[OutcomeAggregate]:
    """Count deals won (or lost) with a close date in the window, with amounts.

    Won deals count their actual amount; lost deals their expected amount.
    """
    amount = (
        Outcome.actual_amount_minor if result == "won" else Opportunity.amount_minor
    )
    currency = Outcome.currency if result == "won" else Opportunity.currency
    query = select(
        currency, func.count(Outcome.id), func.coalesce(func.sum(amount), 0)
    ).group_by(currency)
    query = _scoped(_current_outcomes(query, result, close_from, close_to), scope)
    return [
        OutcomeAggregate(row[0], int(row[1]), int(row[2] or 0))
        for row in session.execute(query)
    ]


def outcome_deal_ids(
    session: Session,
    scope: DealScope,
    result: str,
    close_from: date | None,
    close_to: date | None,
) -> list[uuid.UUID]:
    """Return the deals won (or lost) with a close date in the window."""
    query = select(Opportunity.id).select_from(Outcome).order_by(Opportunity.id)
    query = _scoped(_current_outcomes(query, result, close_from, close_to), scope)
    return list(session.scalars(query))


class StateAt(NamedTuple):
    """Where a deal stood at an instant: its stage and amount then."""

    opportunity_id: uuid.UUID
    stage_id: uuid.UUID
    amount_minor: int | None
    currency: str
    expected_close: date | None


def states_at(session: Session, scope: DealScope, instant: datetime) -> list[StateAt]:
    """Return each deal's latest stage history row before ``instant``.

    Deals created after the instant are absent. Deals deleted since are still
    returned, because they existed then.
    """
    order = func.row_number().over(
        partition_by=StageHistory.opportunity_id,
        order_by=(StageHistory.changed_at.desc(), StageHistory.id.desc()),
    )
    inner = (
        select(
            StageHistory.opportunity_id,
            StageHistory.to_stage_id,
            StageHistory.amount_minor,
            StageHistory.currency,
            StageHistory.expected_close,
            order.label("newest"),
        )
        .join(Opportunity, Opportunity.id == StageHistory.opportunity_id)
        .where(StageHistory.changed_at < instant)
    )
    ranked = _scoped_any_time(inner, scope, instant).subquery()
    query = select(
        ranked.c.opportunity_id,
        ranked.c.to_stage_id,
        ranked.c.amount_minor,
        ranked.c.currency,
        ranked.c.expected_close,
    ).where(ranked.c.newest == 1)
    return [StateAt._make(row) for row in session.execute(query)]


def _scoped_any_time(
    query: AnySelect, scope: DealScope, instant: datetime
) -> AnySelect:
    query = query.where(
        (Opportunity.deleted_at.is_(None)) | (Opportunity.deleted_at >= instant)
    )
    if scope.series_id is not None:
        query = query.where(Opportunity.series_id == scope.series_id)
    if scope.team_id is not None:
        query = query.where(Opportunity.team_id == scope.team_id)
    if scope.owner_id is not None:
        query = query.where(Opportunity.owner_id == scope.owner_id)
    return query


def deleted_before(
    session: Session, ids: list[uuid.UUID], instant: datetime
) -> set[uuid.UUID]:
    """Return which of ``ids`` were deleted before ``instant``."""
    found: set[uuid.UUID] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update(
            session.scalars(
                select(Opportunity.id).where(
                    Opportunity.id.in_(chunk),
                    Opportunity.deleted_at.is_not(None),
                    Opportunity.deleted_at < instant,
                )
            )
        )
    return found


class ClosedDeal(NamedTuple):
    """A deal with a current outcome, and the group it is counted in."""

    opportunity_id: uuid.UUID
    group_id: uuid.UUID | None
    won: bool


def closed_deals_by(
    session: Session,
    scope: DealScope,
    by: str,
    close_from: date | None,
    close_to: date | None,
) -> list[ClosedDeal]:
    """Return closed deals with their group: a reached stage, rep, product or team.

    For ``by="stage"`` a deal appears once for every stage its history reached,
    however often it came back to it.
    """
    won = case((Outcome.result == "won", True), else_=False)
    group: ColumnElement[uuid.UUID | None] | InstrumentedAttribute[uuid.UUID | None]
    if by == "stage":
        reached = (
            select(StageHistory.opportunity_id, StageHistory.to_stage_id)
            .distinct()
            .subquery()
        )
        group = reached.c.to_stage_id
    else:
        group = {
            "rep": Opportunity.owner_id,
            "product": Opportunity.product_id,
            "team": Opportunity.team_id,
        }[by]
    query = select(Opportunity.id, group, won).select_from(Outcome)
    query = _scoped(_current_outcomes_any(query, close_from, close_to), scope)
    if by == "stage":
        query = query.join(reached, reached.c.opportunity_id == Opportunity.id)
    return [ClosedDeal(row[0], row[1], bool(row[2])) for row in session.execute(query)]


def _current_outcomes_any(
    query: AnySelect, close_from: date | None, close_to: date | None
) -> AnySelect:
    query = query.join(Opportunity, Opportunity.id == Outcome.opportunity_id).where(
        Outcome.reopened_at.is_(None)
    )
    if close_from is not None:
        query = query.where(Outcome.actual_date >= close_from)
    if close_to is not None:
        query = query.where(Outcome.actual_date <= close_to)
    return query


def stage_refs(session: Session, series_id: uuid.UUID | None) -> list[Stage]:
    """Return the live stages of one series, or of every series, in order."""
    query = select(Stage).where(Stage.deleted_at.is_(None))
    if series_id is not None:
        query = query.where(Stage.series_id == series_id)
    return list(session.scalars(query.order_by(Stage.series_id, Stage.position)))
