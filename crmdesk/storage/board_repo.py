"""The queries behind a series board: its stages and one card row per deal."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from crmdesk.storage.models import (
    Activity,
    ChecklistAction,
    ChecklistItem,
    Customer,
    Opportunity,
    Stage,
    User,
)
from crmdesk.storage.raw_values import (
    RAW_DATE,
    RAW_TIME,
    RAW_UUID,
    UuidCache,
    parse_date,
    parse_utc,
    parse_uuid,
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
    next_activity_kind: str | None
    next_activity_due: datetime | None


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
    """Return the card rows of every live deal of a series, or of the given deals.

    The ticked actions are counted per card with a correlated subquery, which
    reads only that deal's checklist rows through their unique index.
    """
    done = (
        select(func.count())
        .select_from(ChecklistItem)
        .join(ChecklistAction, ChecklistAction.id == ChecklistItem.action_id)
        .where(
            ChecklistItem.opportunity_id == Opportunity.id,
            ChecklistItem.done.is_(True),
            ChecklistAction.stage_id == Opportunity.stage_id,
            ChecklistAction.deleted_at.is_(None),
        )
        .correlate(Opportunity)
        .scalar_subquery()
    )
    # The planned activity due soonest is found per card through the index on
    # (opportunity_id, due_at) and joined by its key, so its kind and due time
    # come from one lookup.
    next_id = (
        select(Activity.id)
        .where(
            Activity.opportunity_id == Opportunity.id,
            Activity.due_at.is_not(None),
            Activity.done_at.is_(None),
            Activity.deleted_at.is_(None),
        )
        .order_by(Activity.due_at, Activity.id)
        .limit(1)
        .correlate(Opportunity)
        .scalar_subquery()
    )
    next_activity = aliased(Activity)
    # SQLAlchemy's per-value result processing costs more than the query on a
    # board of ten thousand cards, so keys, dates and times are read raw and
    # parsed here with the C parsers of uuid and datetime. Stage and owner ids
    # repeat across cards and are parsed once each.
    query = (
        select(
            type_coerce(Opportunity.id, RAW_UUID),
            type_coerce(Opportunity.stage_id, RAW_UUID),
            Opportunity.title,
            Customer.name,
            Opportunity.amount_minor,
            Opportunity.currency,
            type_coerce(Opportunity.expected_close, RAW_DATE),
            Opportunity.manual_probability,
            type_coerce(Opportunity.owner_id, RAW_UUID),
            User.display_name,
            type_coerce(Opportunity.stage_entered_at, RAW_TIME),
            done,
            next_activity.kind,
            type_coerce(next_activity.due_at, RAW_TIME),
        )
        .outerjoin(Customer, Customer.id == Opportunity.customer_id)
        .outerjoin(User, User.id == Opportunity.owner_id)
        .outerjoin(next_activity, next_activity.id == next_id)
        .where(Opportunity.series_id == series_id, Opportunity.deleted_at.is_(None))
        .order_by(Opportunity.stage_entered_at.desc(), Opportunity.id)
    )
    if opportunity_ids is not None:
        query = query.where(Opportunity.id.in_(opportunity_ids))
    ids = UuidCache()
    return [
        CardRow(
            parse_uuid(row[0]),
            ids.get(row[1]),
            row[2],
            row[3],
            row[4],
            row[5],
            parse_date(row[6]),
            row[7],
            ids.get_optional(row[8]),
            row[9],
            parse_utc(row[10]),
            row[11],
            row[12],
            None if row[13] is None else parse_utc(row[13]),
        )
        for row in session.execute(query)
    ]
