"""Timelines of a deal and of a customer, and activity lists, as plain records.

A timeline puts together what happened to a deal or a customer: done
activities, stage moves (creation included), outcomes and reopenings, manual
probability revisions, customer state changes and approval decisions, newest
first. Planned activities are listed apart, soonest first, because they have
not happened yet. The records carry names in both languages (``LocalText``)
and no formatting, so the desktop and the command line word them themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from crmdesk.domain.errors import NotFoundError
from crmdesk.domain.playbook import LocalText
from crmdesk.storage.models import (
    Activity,
    Approval,
    ApprovalDecision,
    ApprovalType,
    ChecklistAction,
    Contact,
    Customer,
    CustomerState,
    CustomerStateChange,
    Opportunity,
    Outcome,
    ProbabilityRevision,
    Reason,
    Stage,
    StageHistory,
    User,
)


class EntryKind(StrEnum):
    """What a timeline entry records."""

    ACTIVITY = "activity"
    STAGE_MOVE = "stage_move"
    OUTCOME = "outcome"
    REOPENED = "reopened"
    PROBABILITY = "probability"
    STATE_CHANGE = "state_change"
    APPROVAL = "approval"


@dataclass(frozen=True)
class ActivityRecord:
    """One activity with its deal, customer, contact and owner names resolved."""

    id: uuid.UUID
    kind: str
    opportunity_id: uuid.UUID | None
    deal_title: str
    customer_id: uuid.UUID | None
    customer: str
    contact: str
    owner: str
    subject: str
    notes: str
    result: str
    due_at: datetime | None
    done_at: datetime | None
    duration_minutes: int | None
    checklist_action: LocalText | None

    @property
    def planned(self) -> bool:
        """True while the activity is not done."""
        return self.done_at is None

    def is_overdue(self, now: datetime) -> bool:
        """True for a planned activity whose due instant is before ``now``."""
        return self.done_at is None and self.due_at is not None and self.due_at < now


@dataclass(frozen=True)
class TimelineEntry:
    """One event of a timeline.

    Which fields are set depends on ``kind``: ``activity`` for a done activity;
    ``before`` and ``after`` for stage moves (``before`` is None at creation)
    and state changes; ``after`` is the reason of an outcome and the approval
    type of an approval decision; ``result`` is won or lost for an outcome and
    approved, rejected or invalidated for an approval decision;
    ``probability`` is the stage move's effective rate or the revised manual
    rate (None when the revision cleared it).
    """

    at: datetime
    kind: EntryKind
    row_id: uuid.UUID
    opportunity_id: uuid.UUID | None
    deal_title: str
    by: str
    activity: ActivityRecord | None = None
    before: LocalText | None = None
    after: LocalText | None = None
    result: str = ""
    probability: int | None = None
    amount_minor: int | None = None
    currency: str = ""
    note: str = ""


@dataclass(frozen=True)
class Timeline:
    """Planned activities, soonest first, and past events, newest first."""

    planned: list[ActivityRecord]
    entries: list[TimelineEntry]


def _names(session: Session) -> dict[uuid.UUID, str]:
    return {
        row.id: row.display_name
        for row in session.execute(select(User.id, User.display_name))
    }


def _user(users: dict[uuid.UUID, str], user_id: uuid.UUID | None) -> str:
    return "" if user_id is None else users.get(user_id, "")


# Activities ------------------------------------------------------------------------


def _activity_query() -> Select[*tuple[Any, ...]]:
    action = aliased(ChecklistAction)
    return (
        select(Activity, Opportunity.title, Customer.name, Contact.name, action)
        .outerjoin(Opportunity, Opportunity.id == Activity.opportunity_id)
        .outerjoin(Customer, Customer.id == Activity.customer_id)
        .outerjoin(Contact, Contact.id == Activity.contact_id)
        .outerjoin(action, action.id == Activity.checklist_action_id)
        .where(Activity.deleted_at.is_(None))
    )


def _activity_records(
    session: Session, query: Select[*tuple[Any, ...]], users: dict[uuid.UUID, str]
) -> list[ActivityRecord]:
    records = []
    for activity, title, customer, contact, action in session.execute(query):
        records.append(
            ActivityRecord(
                id=activity.id,
                kind=activity.kind,
                opportunity_id=activity.opportunity_id,
                deal_title=title or "",
                customer_id=activity.customer_id,
                customer=customer or "",
                contact=contact or "",
                owner=_user(users, activity.owner_id),
                subject=activity.subject,
                notes=activity.notes,
                result=activity.result,
                due_at=activity.due_at,
                done_at=activity.done_at,
                duration_minutes=activity.duration_minutes,
                checklist_action=(
                    None
                    if action is None
                    else LocalText(action.name_en, action.name_zh)
                ),
            )
        )
    return records


def list_activities(
    session: Session,
    *,
    opportunity_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    owner_id: uuid.UUID | None = None,
    planned: bool | None = None,
    due_before: datetime | None = None,
    limit: int | None = None,
) -> list[ActivityRecord]:
    """Return live activities, filtered by deal, customer, owner and state.

    ``planned`` True lists planned activities soonest due first; False lists
    done ones, latest first; None lists both, planned first. ``due_before``
    keeps planned activities due before that instant (the overdue ones, given
    now) and implies ``planned``.
    """
    query = _activity_query()
    if due_before is not None:
        planned = True
        query = query.where(Activity.due_at < due_before)
    if opportunity_id is not None:
        query = query.where(Activity.opportunity_id == opportunity_id)
    if customer_id is not None:
        query = query.where(Activity.customer_id == customer_id)
    if owner_id is not None:
        query = query.where(Activity.owner_id == owner_id)
    if planned is True:
        query = query.where(Activity.done_at.is_(None)).order_by(
            Activity.due_at, Activity.id
        )
    elif planned is False:
        query = query.where(Activity.done_at.is_not(None)).order_by(
            Activity.done_at.desc(), Activity.id.desc()
        )
    else:
        query = query.order_by(
            Activity.done_at.is_not(None),
            Activity.due_at,
            Activity.done_at.desc(),
            Activity.id,
        )
    if limit is not None:
        query = query.limit(limit)
    return _activity_records(session, query, _names(session))


def get_activity(session: Session, activity_id: uuid.UUID) -> ActivityRecord:
    """Return one live activity.

    Raises:
        NotFoundError: the activity does not exist or was cancelled.
    """
    query = _activity_query().where(Activity.id == activity_id)
    records = _activity_records(session, query, _names(session))
    if not records:
        raise NotFoundError(f"activity {activity_id} not found")
    return records[0]


# Timelines -------------------------------------------------------------------------


def deal_timeline(session: Session, opportunity_id: uuid.UUID) -> Timeline:
    """Return the timeline of one deal.

    Raises:
        NotFoundError: the deal does not exist or was deleted.
    """
    deal = session.get(Opportunity, opportunity_id)
    if deal is None or deal.deleted_at is not None:
        raise NotFoundError(f"deal {opportunity_id} not found")
    users = _names(session)
    activities = list_activities(session, opportunity_id=opportunity_id)
    titles = {deal.id: deal.title}
    entries = _deal_events(session, titles, users)
    return _assemble(activities, entries)


def customer_timeline(session: Session, customer_id: uuid.UUID) -> Timeline:
    """Return the timeline of a customer: its own activities and state changes,
    and the activities and events of its live deals.

    Raises:
        NotFoundError: the customer does not exist or was deleted.
    """
    customer = session.get(Customer, customer_id)
    if customer is None or customer.deleted_at is not None:
        raise NotFoundError(f"customer {customer_id} not found")
    users = _names(session)
    titles = {
        row.id: row.title
        for row in session.execute(
            select(Opportunity.id, Opportunity.title).where(
                Opportunity.customer_id == customer_id,
                Opportunity.deleted_at.is_(None),
            )
        )
    }
    activities = list_activities(session, customer_id=customer_id)
    entries = _deal_events(session, titles, users)
    entries.extend(_state_changes(session, customer_id, titles, users))
    return _assemble(activities, entries)


def _assemble(
    activities: list[ActivityRecord], events: list[TimelineEntry]
) -> Timeline:
    planned = [record for record in activities if record.planned]
    planned.sort(key=lambda record: (record.due_at is None, record.due_at, record.id))
    entries = list(events)
    for record in activities:
        if record.done_at is None:
            continue
        entries.append(
            TimelineEntry(
                at=record.done_at,
                kind=EntryKind.ACTIVITY,
                row_id=record.id,
                opportunity_id=record.opportunity_id,
                deal_title=record.deal_title,
                by=record.owner,
                activity=record,
            )
        )
    # UUIDv7 keys grow with time, so the key orders events of the same instant.
    entries.sort(key=lambda entry: (entry.at, entry.row_id), reverse=True)
    return Timeline(planned, entries)


def _deal_events(
    session: Session, titles: dict[uuid.UUID, str], users: dict[uuid.UUID, str]
) -> list[TimelineEntry]:
    ids = list(titles)
    if not ids:
        return []
    entries: list[TimelineEntry] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        entries.extend(_stage_moves(session, chunk, titles, users))
        entries.extend(_outcomes(session, chunk, titles, users))
        entries.extend(_revisions(session, chunk, titles, users))
        entries.extend(_approval_decisions(session, chunk, titles, users))
    return entries


def _text(row: object | None) -> LocalText | None:
    if row is None:
        return None
    return LocalText(row.name_en, row.name_zh)  # type: ignore[attr-defined]


def _stage_moves(
    session: Session,
    ids: list[uuid.UUID],
    titles: dict[uuid.UUID, str],
    users: dict[uuid.UUID, str],
) -> Iterable[TimelineEntry]:
    before = aliased(Stage)
    after = aliased(Stage)
    rows = session.execute(
        select(StageHistory, before, after)
        .outerjoin(before, before.id == StageHistory.from_stage_id)
        .join(after, after.id == StageHistory.to_stage_id)
        .where(StageHistory.opportunity_id.in_(ids))
    )
    for history, source, target in rows:
        yield TimelineEntry(
            at=history.changed_at,
            kind=EntryKind.STAGE_MOVE,
            row_id=history.id,
            opportunity_id=history.opportunity_id,
            deal_title=titles[history.opportunity_id],
            by=_user(users, history.changed_by),
            before=_text(source),
            after=_text(target),
            probability=history.probability,
            amount_minor=history.amount_minor,
            currency=history.currency,
        )


def _outcomes(
    session: Session,
    ids: list[uuid.UUID],
    titles: dict[uuid.UUID, str],
    users: dict[uuid.UUID, str],
) -> Iterable[TimelineEntry]:
    rows = session.execute(
        select(Outcome, Reason)
        .outerjoin(Reason, Reason.id == Outcome.reason_id)
        .where(Outcome.opportunity_id.in_(ids))
    )
    for outcome, reason in rows:
        yield TimelineEntry(
            at=outcome.recorded_at,
            kind=EntryKind.OUTCOME,
            row_id=outcome.id,
            opportunity_id=outcome.opportunity_id,
            deal_title=titles[outcome.opportunity_id],
            by=_user(users, outcome.recorded_by),
            after=_text(reason),
            result=outcome.result,
            amount_minor=outcome.actual_amount_minor,
            currency=outcome.currency,
            note=outcome.note,
        )
        if outcome.reopened_at is not None:
            yield TimelineEntry(
                at=outcome.reopened_at,
                kind=EntryKind.REOPENED,
                row_id=outcome.id,
                opportunity_id=outcome.opportunity_id,
                deal_title=titles[outcome.opportunity_id],
                by=_user(users, outcome.reopened_by),
                result=outcome.result,
            )


def _revisions(
    session: Session,
    ids: list[uuid.UUID],
    titles: dict[uuid.UUID, str],
    users: dict[uuid.UUID, str],
) -> Iterable[TimelineEntry]:
    rows = session.scalars(
        select(ProbabilityRevision).where(ProbabilityRevision.opportunity_id.in_(ids))
    )
    for revision in rows:
        yield TimelineEntry(
            at=revision.changed_at,
            kind=EntryKind.PROBABILITY,
            row_id=revision.id,
            opportunity_id=revision.opportunity_id,
            deal_title=titles[revision.opportunity_id],
            by=_user(users, revision.changed_by),
            probability=revision.probability,
            note=revision.reason,
        )


def _approval_decisions(
    session: Session,
    ids: list[uuid.UUID],
    titles: dict[uuid.UUID, str],
    users: dict[uuid.UUID, str],
) -> Iterable[TimelineEntry]:
    rows = session.execute(
        select(ApprovalDecision, ApprovalType)
        .join(Approval, Approval.id == ApprovalDecision.approval_id)
        .join(ApprovalType, ApprovalType.id == Approval.approval_type_id)
        .where(
            ApprovalDecision.opportunity_id.in_(ids),
            ApprovalDecision.deleted_at.is_(None),
        )
    )
    for decision, approval_type in rows:
        amount = decision.corrected_amount_minor
        yield TimelineEntry(
            at=decision.decided_at,
            kind=EntryKind.APPROVAL,
            row_id=decision.id,
            opportunity_id=decision.opportunity_id,
            deal_title=titles[decision.opportunity_id],
            by=_user(users, decision.decided_by),
            after=_text(approval_type),
            result=decision.decision,
            amount_minor=decision.amount_minor if amount is None else amount,
            currency=decision.currency,
            note=decision.comment,
        )


def _state_changes(
    session: Session,
    customer_id: uuid.UUID,
    titles: dict[uuid.UUID, str],
    users: dict[uuid.UUID, str],
) -> Iterable[TimelineEntry]:
    before = aliased(CustomerState)
    after = aliased(CustomerState)
    rows = session.execute(
        select(CustomerStateChange, before, after)
        .outerjoin(before, before.id == CustomerStateChange.from_state_id)
        .join(after, after.id == CustomerStateChange.to_state_id)
        .where(
            CustomerStateChange.customer_id == customer_id,
            CustomerStateChange.deleted_at.is_(None),
        )
    )
    for change, source, target in rows:
        yield TimelineEntry(
            at=change.changed_at,
            kind=EntryKind.STATE_CHANGE,
            row_id=change.id,
            opportunity_id=change.opportunity_id,
            deal_title=titles.get(change.opportunity_id, "")
            if change.opportunity_id is not None
            else "",
            by=_user(users, change.changed_by),
            before=_text(source),
            after=_text(target),
            note=change.note,
        )
