"""The queries behind a series board: its stages and one card row per deal."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from crmdesk.storage.models import (
    ChecklistAction,
    ChecklistItem,
    Customer,
    Opportunity,
    Stage,
    User,
)


class StageRow(NamedTuple):
    """A stage of the series with the number of its checklist actions."""

    id: uuid.UUID
    key: str
    name_en: str
    name_zh: str
    kind: str
    position: int
    default_probability: int
    checklist_total: int


class CardRow(NamedTuple):
    """The fields of one deal that its card shows."""

    id: uuid.UUID
    stage_id: uuid.UUID
    title: str
    customer: str | None
    amount_minor: int | None
    currency: str
    expected_close: date | None
    manual_probability: int | None
    owner_id: uuid.UUID | None
    owner: str | None
    stage_entered_at: datetime
    checklist_done: int


def fetch_stages(session: Session, series_id: uuid.UUID) -> list[StageRow]:
    """Return the live stages of a series in board order."""
    action_count = (
        select(func.count(ChecklistAction.id))
        .where(
            ChecklistAction.stage_id == Stage.id,
            ChecklistAction.deleted_at.is_(None),
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Stage.id,
            Stage.key,
            Stage.name_en,
            Stage.name_zh,
            Stage.kind,
            Stage.position,
            Stage.default_probability,
            action_count,
        )
        .where(Stage.series_id == series_id, Stage.deleted_at.is_(None))
        .order_by(Stage.position)
    )
    return [StageRow._make(row) for row in rows]


def fetch_cards(
    session: Session,
    series_id: uuid.UUID,
    opportunity_ids: list[uuid.UUID] | None = None,
) -> list[CardRow]:
    """Return the card rows of every live deal of a series, or of the given deals."""
    done = (
        select(
            ChecklistItem.opportunity_id.label("opportunity_id"),
            ChecklistAction.stage_id.label("stage_id"),
            func.count().label("done"),
        )
        .join(ChecklistAction, ChecklistAction.id == ChecklistItem.action_id)
        .where(ChecklistItem.done.is_(True), ChecklistAction.deleted_at.is_(None))
        .group_by(ChecklistItem.opportunity_id, ChecklistAction.stage_id)
        .subquery()
    )
    query = (
        select(
            Opportunity.id,
            Opportunity.stage_id,
            Opportunity.title,
            Customer.name,
            Opportunity.amount_minor,
            Opportunity.currency,
            Opportunity.expected_close,
            Opportunity.manual_probability,
            Opportunity.owner_id,
            User.display_name,
            Opportunity.stage_entered_at,
            func.coalesce(done.c.done, 0),
        )
        .outerjoin(Customer, Customer.id == Opportunity.customer_id)
        .outerjoin(User, User.id == Opportunity.owner_id)
        .outerjoin(
            done,
            and_(
                done.c.opportunity_id == Opportunity.id,
                done.c.stage_id == Opportunity.stage_id,
            ),
        )
        .where(Opportunity.series_id == series_id, Opportunity.deleted_at.is_(None))
        .order_by(Opportunity.stage_entered_at.desc(), Opportunity.id)
    )
    if opportunity_ids is not None:
        query = query.where(Opportunity.id.in_(opportunity_ids))
    return [CardRow._make(row) for row in session.execute(query)]
