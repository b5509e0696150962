"""The context of an activity form: names, business time zone, open checklist."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.domain.dates import business_zone
from crmdesk.domain.errors import NotFoundError
from crmdesk.domain.playbook import LocalText
from crmdesk.services.activities import Target, matching_actions
from crmdesk.services.workspace import business_time_zone
from crmdesk.storage.models import Activity, ChecklistAction, Customer, Opportunity


@dataclass(frozen=True)
class ExistingActivity:
    """A planned activity being completed or rescheduled.

    ``due_local`` is the due time as a naive wall-clock time of the business
    time zone.
    """

    id: uuid.UUID
    kind: str
    subject: str
    due_local: datetime | None


@dataclass(frozen=True)
class ActivityContext:
    """The target of a form, its names, the business time zone, and for a deal
    the open checklist actions of its current stage by the kind that ticks them.
    """

    target: Target
    zone_name: str
    deal_title: str
    customer_name: str
    open_actions_by_kind: dict[str, list[LocalText]]
    activity: ExistingActivity | None = None


def load_activity_context(
    session: Session, target: Target, activity_id: uuid.UUID | None = None
) -> ActivityContext:
    """Load the context of a form on ``target``, or on the activity ``activity_id``
    (whose own deal or customer is then the target).

    Raises:
        NotFoundError: the deal, customer or activity does not exist.
    """
    zone_name = business_time_zone(session)
    existing = None
    if activity_id is not None:
        activity = session.get(Activity, activity_id)
        if activity is None or activity.deleted_at is not None:
            raise NotFoundError(f"activity {activity_id} not found")
        target = (
            Target.deal(activity.opportunity_id)
            if activity.opportunity_id is not None
            else Target.customer(activity.customer_id)  # type: ignore[arg-type]
        )
        due_local = None
        if activity.due_at is not None:
            due_local = activity.due_at.astimezone(business_zone(zone_name)).replace(
                tzinfo=None
            )
        existing = ExistingActivity(
            activity.id, activity.kind, activity.subject, due_local
        )
    deal_title = ""
    customer_id = target.customer_id
    by_kind: dict[str, list[LocalText]] = {}
    if target.opportunity_id is not None:
        deal = session.get(Opportunity, target.opportunity_id)
        if deal is None or deal.deleted_at is not None:
            raise NotFoundError(f"deal {target.opportunity_id} not found")
        deal_title = deal.title
        customer_id = deal.customer_id
        by_kind = _open_actions_by_kind(session, deal)
    customer_name = ""
    if customer_id is not None:
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise NotFoundError(f"customer {customer_id} not found")
        customer_name = customer.name
    return ActivityContext(
        target, zone_name, deal_title, customer_name, by_kind, existing
    )


def _open_actions_by_kind(
    session: Session, deal: Opportunity
) -> dict[str, list[LocalText]]:
    kinds = session.scalars(
        select(ChecklistAction.activity)
        .where(
            ChecklistAction.stage_id == deal.stage_id,
            ChecklistAction.activity.is_not(None),
            ChecklistAction.deleted_at.is_(None),
        )
        .distinct()
    ).all()
    result: dict[str, list[LocalText]] = {}
    for kind in kinds:
        if kind is None:
            continue
        ids = matching_actions(session, deal, kind)
        if not ids:
            continue
        rows = session.scalars(
            select(ChecklistAction).where(ChecklistAction.id.in_(ids))
        )
        names = {row.id: LocalText(row.name_en, row.name_zh) for row in rows}
        result[kind] = [names[action_id] for action_id in ids]
    return result
