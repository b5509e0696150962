"""Queries over the playbook tables: playbooks, states, teams, series, stages.

Functions named ``*_of`` return soft-deleted rows too, because installing a
playbook revives a row whose key comes back. Functions named ``live_*`` skip
rows with ``deleted_at`` set.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crmdesk.storage.models import (
    ApprovalType,
    ChecklistAction,
    Customer,
    CustomerState,
    Opportunity,
    PlaybookRow,
    Reason,
    Series,
    Stage,
    Team,
)


def playbook_by_key(session: Session, key: str) -> PlaybookRow | None:
    """Return the playbook row with this key, deleted or not."""
    return session.scalars(select(PlaybookRow).where(PlaybookRow.key == key)).first()


def live_playbooks(session: Session) -> list[PlaybookRow]:
    """Return the playbooks that are not deleted, by key."""
    query = (
        select(PlaybookRow)
        .where(PlaybookRow.deleted_at.is_(None))
        .order_by(PlaybookRow.key)
    )
    return list(session.scalars(query))


def team_by_key(session: Session, key: str) -> Team | None:
    """Return the team with this key, deleted or not."""
    return session.scalars(select(Team).where(Team.key == key)).first()


def states_of(session: Session, playbook_id: uuid.UUID) -> list[CustomerState]:
    """Return every customer state of a playbook, by position."""
    query = (
        select(CustomerState)
        .where(CustomerState.playbook_id == playbook_id)
        .order_by(CustomerState.position)
    )
    return list(session.scalars(query))


def live_states(session: Session) -> list[CustomerState]:
    """Return the customer states that are not deleted, by playbook and position."""
    query = (
        select(CustomerState)
        .where(CustomerState.deleted_at.is_(None))
        .order_by(CustomerState.playbook_id, CustomerState.position)
    )
    return list(session.scalars(query))


def series_of(session: Session, playbook_id: uuid.UUID) -> list[Series]:
    """Return every series of a playbook, by position."""
    query = (
        select(Series)
        .where(Series.playbook_id == playbook_id)
        .order_by(Series.position)
    )
    return list(session.scalars(query))


def live_series(session: Session, series_id: uuid.UUID | None = None) -> list[Series]:
    """Return the series that are not deleted (or just ``series_id``), in order.

    Series are ordered by the key of their playbook, then by position.
    """
    query = (
        select(Series)
        .join(PlaybookRow, PlaybookRow.id == Series.playbook_id)
        .where(Series.deleted_at.is_(None), PlaybookRow.deleted_at.is_(None))
        .order_by(PlaybookRow.key, Series.position)
    )
    if series_id is not None:
        query = query.where(Series.id == series_id)
    return list(session.scalars(query))


def stages_of(
    session: Session, series_ids: Collection[uuid.UUID], *, live_only: bool
) -> list[Stage]:
    """Return the stages of these series, by series and position."""
    query = (
        select(Stage)
        .where(Stage.series_id.in_(series_ids))
        .order_by(Stage.series_id, Stage.position)
    )
    if live_only:
        query = query.where(Stage.deleted_at.is_(None))
    return list(session.scalars(query))


def actions_of(
    session: Session, stage_ids: Collection[uuid.UUID], *, live_only: bool
) -> list[ChecklistAction]:
    """Return the checklist actions of these stages, by stage and position."""
    query = (
        select(ChecklistAction)
        .where(ChecklistAction.stage_id.in_(stage_ids))
        .order_by(ChecklistAction.stage_id, ChecklistAction.position)
    )
    if live_only:
        query = query.where(ChecklistAction.deleted_at.is_(None))
    return list(session.scalars(query))


def approval_types_of(
    session: Session, stage_ids: Collection[uuid.UUID], *, live_only: bool
) -> list[ApprovalType]:
    """Return the approval types of these stages, by stage and position."""
    query = (
        select(ApprovalType)
        .where(ApprovalType.stage_id.in_(stage_ids))
        .order_by(ApprovalType.stage_id, ApprovalType.position)
    )
    if live_only:
        query = query.where(ApprovalType.deleted_at.is_(None))
    return list(session.scalars(query))


def reasons_of(
    session: Session, series_ids: Collection[uuid.UUID], *, live_only: bool
) -> list[Reason]:
    """Return the won and lost reasons of these series, by series and position."""
    query = (
        select(Reason)
        .where(Reason.series_id.in_(series_ids))
        .order_by(Reason.series_id, Reason.position)
    )
    if live_only:
        query = query.where(Reason.deleted_at.is_(None))
    return list(session.scalars(query))


def count_live_deals_by_stage(
    session: Session, stage_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Return the number of deals (not deleted) in each stage that has any."""
    if not stage_ids:
        return {}
    query = (
        select(Opportunity.stage_id, func.count())
        .where(
            Opportunity.stage_id.in_(stage_ids),
            Opportunity.deleted_at.is_(None),
        )
        .group_by(Opportunity.stage_id)
    )
    return {stage_id: count for stage_id, count in session.execute(query)}


def count_live_customers_by_state(
    session: Session, state_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Return the number of customers (not deleted) in each state that has any."""
    if not state_ids:
        return {}
    query = (
        select(Customer.state_id, func.count())
        .where(Customer.state_id.in_(state_ids), Customer.deleted_at.is_(None))
        .group_by(Customer.state_id)
    )
    return {
        state_id: count
        for state_id, count in session.execute(query)
        if state_id is not None
    }
