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

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    Uuid,
    case,
    func,
    select,
    type_coerce,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from crmdesk.storage.models import Opportunity, Outcome, Stage, StageHistory
from crmdesk.storage.raw_values import (
    RAW_UUID,
    UuidCache,
    parse_uuid,
)

AnySelect = TypeVar("AnySelect", bound="Select[*tuple[Any, ...]]")


class DealScope(NamedTuple):
    """The deals a query covers: series, team and current owner; None is all."""

    series_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None


def _scoped(query: AnySelect, scope: DealScope) -> AnySelect:
    return _in_scope(query.where(Opportunity.deleted_at.is_(None)), scope)


def _in_scope(query: AnySelect, scope: DealScope) -> AnySelect:
    """Restrict a query on opportunities to a series, team and owner."""
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


def _open_stage_ids() -> Select[uuid.UUID]:
    # An IN list of the open stages, rather than a filter on the joined stage
    # row, lets SQLite search ix_opportunities_report_open stage by stage over
    # the close window instead of scanning every deal.
    return select(Stage.id).where(Stage.kind == "open")


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
        .where(Opportunity.stage_id.in_(_open_stage_ids()))
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
        .where(Opportunity.stage_id.in_(_open_stage_ids()))
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
    # count(*) rather than count(id): ix_outcomes_current then covers the query.
    query = (
        select(currency, func.count(), func.coalesce(func.sum(amount), 0))
        .select_from(Outcome)
        .group_by(currency)
    )
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


def _stage_at(instant: datetime) -> ScalarSelect[Any]:
    """Select the stage a deal of the outer query was in just before ``instant``."""
    latest = aliased(StageHistory)
    return (
        select(type_coerce(latest.to_stage_id, RAW_UUID))
        .where(latest.opportunity_id == Opportunity.id, latest.changed_at < instant)
        .order_by(latest.changed_at.desc(), latest.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _newest_row(instant: datetime) -> Select[Any]:
    latest = aliased(StageHistory)
    newest_id = (
        select(latest.id)
        .where(latest.opportunity_id == Opportunity.id, latest.changed_at < instant)
        .order_by(latest.changed_at.desc(), latest.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return select(Opportunity.id).join(StageHistory, StageHistory.id == newest_id)


class StageShare(NamedTuple):
    """Deals standing in one stage at an instant, in one currency."""

    stage_id: uuid.UUID
    currency: str
    deals: int
    amount_minor: int


def _window_then(
    query: AnySelect, close_from: date | None, close_to: date | None
) -> AnySelect:
    if close_from is not None:
        query = query.where(StageHistory.expected_close >= close_from)
    if close_to is not None:
        query = query.where(StageHistory.expected_close <= close_to)
    return query


def stage_totals_at(
    session: Session,
    scope: DealScope,
    instant: datetime,
    close_from: date | None = None,
    close_to: date | None = None,
) -> list[StageShare]:
    """Count and sum the deals per stage as they stood just before ``instant``.

    The amount and expected close date are those of the deal's newest stage
    history row before the instant; the close window filters on that date.
    """
    rows = (
        _newest_row(instant)
        .with_only_columns(
            type_coerce(StageHistory.to_stage_id, RAW_UUID),
            StageHistory.currency,
            func.count(),
            func.coalesce(func.sum(StageHistory.amount_minor), 0),
        )
        .group_by(StageHistory.to_stage_id, StageHistory.currency)
    )
    rows = _window_then(_scoped_any_time(rows, scope, instant), close_from, close_to)
    stages = UuidCache()
    return [
        StageShare(stages.get(row[0]), row[1], int(row[2]), int(row[3] or 0))
        for row in session.execute(rows)
    ]


def deals_in_stage_at(
    session: Session,
    scope: DealScope,
    instant: datetime,
    stage_id: uuid.UUID,
    close_from: date | None = None,
    close_to: date | None = None,
) -> list[uuid.UUID]:
    """Return the deals that stood in ``stage_id`` just before ``instant``."""
    rows = (
        _newest_row(instant)
        .with_only_columns(type_coerce(Opportunity.id, RAW_UUID))
        .where(StageHistory.to_stage_id == stage_id)
    )
    rows = _window_then(_scoped_any_time(rows, scope, instant), close_from, close_to)
    return [parse_uuid(row[0]) for row in session.execute(rows)]


class Transition(NamedTuple):
    """Deals that stood in one stage at the start and another at the end.

    ``end_stage_id`` is None for a deal with no history before the end (which
    cannot happen for a deal that existed at the start); ``deleted`` marks deals
    deleted before the end.
    """

    start_stage_id: uuid.UUID
    end_stage_id: uuid.UUID | None
    deleted: bool
    deals: int


def _transition_rows(scope: DealScope, start: datetime, end: datetime) -> Any:
    gone = case(
        (Opportunity.deleted_at.is_not(None) & (Opportunity.deleted_at < end), 1),
        else_=0,
    )
    inner = select(
        type_coerce(Opportunity.id, RAW_UUID).label("deal"),
        _stage_at(start).label("first"),
        _stage_at(end).label("last"),
        gone.label("gone"),
    ).select_from(Opportunity)
    return _scoped_any_time(inner, scope, start).subquery()


def transitions(
    session: Session, scope: DealScope, start: datetime, end: datetime
) -> list[Transition]:
    """Count the deals by their stage at ``start`` and at ``end``, in SQL.

    Each deal that existed at the start is counted once, however often it
    moved between the two instants.
    """
    rows = _transition_rows(scope, start, end)
    query = (
        select(rows.c.first, rows.c.last, rows.c.gone, func.count())
        .where(rows.c.first.is_not(None))
        .group_by(rows.c.first, rows.c.last, rows.c.gone)
    )
    stages = UuidCache()
    return [
        Transition(
            stages.get(row[0]), stages.get_optional(row[1]), bool(row[2]), int(row[3])
        )
        for row in session.execute(query)
    ]


def cohort_members(
    session: Session,
    scope: DealScope,
    start: datetime,
    end: datetime,
    stage_id: uuid.UUID,
) -> list[tuple[uuid.UUID, uuid.UUID | None, bool]]:
    """Return the deals in ``stage_id`` at ``start`` with their end stage and
    whether they were deleted before ``end``."""
    rows = _transition_rows(scope, start, end)
    query = select(rows.c.deal, rows.c.last, rows.c.gone).where(
        rows.c.first == type_coerce(stage_id, Uuid())
    )
    stages = UuidCache()
    return [
        (parse_uuid(row[0]), stages.get_optional(row[1]), bool(row[2]))
        for row in session.execute(query)
    ]


def _scoped_any_time(
    query: AnySelect, scope: DealScope, instant: datetime
) -> AnySelect:
    query = query.where(
        (Opportunity.deleted_at.is_(None)) | (Opportunity.deleted_at >= instant)
    )
    return _in_scope(query, scope)


class ClosedCount(NamedTuple):
    """Closed deals of one group: how many were won and how many lost."""

    group_id: uuid.UUID | None
    won: int
    lost: int


def _reached(stage_id: Any) -> ColumnElement[bool]:
    return (
        select(StageHistory.id)
        .where(
            StageHistory.opportunity_id == Opportunity.id,
            StageHistory.to_stage_id == stage_id,
        )
        .exists()
    )


def closed_counts_by(
    session: Session,
    scope: DealScope,
    by: str,
    close_from: date | None,
    close_to: date | None,
) -> list[ClosedCount]:
    """Count closed deals won and lost per group: a reached stage, rep, product, team.

    For ``by="stage"`` a deal counts once for every open stage of its series
    that its history reached, however often it came back to it.
    """
    won = func.coalesce(func.sum(case((Outcome.result == "won", 1), else_=0)), 0)
    lost = func.coalesce(func.sum(case((Outcome.result == "won", 0), else_=1)), 0)
    group: ColumnElement[uuid.UUID | None] | InstrumentedAttribute[uuid.UUID | None]
    group = Stage.id if by == "stage" else _GROUP_COLUMNS[by]
    query = select(group, won, lost).select_from(Outcome).group_by(group)
    query = _scoped(_current_outcomes_any(query, close_from, close_to), scope)
    if by == "stage":
        # One probe of ix_stage_history_reached per closed deal and open stage
        # of its series; the deals are never shipped to Python.
        query = query.join(
            Stage,
            (Stage.series_id == Opportunity.series_id) & (Stage.kind == "open"),
        ).where(_reached(Stage.id))
    return [
        ClosedCount(row[0], int(row[1]), int(row[2])) for row in session.execute(query)
    ]


def closed_deal_ids(
    session: Session,
    scope: DealScope,
    by: str,
    group_id: uuid.UUID | None,
    won: bool | None,
    close_from: date | None,
    close_to: date | None,
) -> list[uuid.UUID]:
    """Return the closed deals of one group: won, lost, or both for ``won=None``."""
    query = select(Opportunity.id).select_from(Outcome).order_by(Opportunity.id)
    query = _scoped(_current_outcomes_any(query, close_from, close_to), scope)
    if won is not None:
        query = query.where(Outcome.result == "won" if won else Outcome.result != "won")
    if by == "stage":
        query = query.where(_reached(group_id))
    elif group_id is None:
        query = query.where(_GROUP_COLUMNS[by].is_(None))
    else:
        query = query.where(_GROUP_COLUMNS[by] == group_id)
    return list(session.scalars(query))


_GROUP_COLUMNS: dict[str, InstrumentedAttribute[uuid.UUID | None]] = {
    "rep": Opportunity.owner_id,
    "product": Opportunity.product_id,
    "team": Opportunity.team_id,
}


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
