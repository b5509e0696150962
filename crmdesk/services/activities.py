"""The one service for activities: calls, visits, meetings, e-mails, trials, notes.

An activity belongs to a deal or to a customer. One logged on a deal also
carries the deal's customer, so the customer's timeline shows it, and the
deal's team, so it is shared like the deal.

An activity is either planned (``due_at`` set, ``done_at`` None) or done
(``done_at`` set). Cancelling sets ``deleted_at``: the row stays as a tombstone
and syncs like every other deletion.

Checklist completion. Logging a done activity on a deal, or completing a planned
one, ticks one checklist action of the deal's current stage whose ``activity``
names the activity's kind, through ``stages.set_checklist_action`` in the same
transaction, and stores the action on ``checklist_action_id``:

- when several actions of the stage name that kind, the first one by position
  that is not ticked yet is ticked, so two logged calls tick two call actions;
- when every matching action is ticked already, nothing is ticked and
  ``checklist_action_id`` stays None;
- cancelling an activity that ticked an action unticks that action, unless the
  deal has left the stage of the action (the deal passed that gate, and history
  is not rewritten) or another live activity of the deal also records the
  action.

Every function takes an open session and leaves the commit to the caller, so
one user action is one transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.domain.dates import business_zone
from crmdesk.domain.errors import NotFoundError, ValidationError
from crmdesk.domain.ids import new_id
from crmdesk.domain.playbook_file import ACTIVITY_TYPES
from crmdesk.services.context import Actor
from crmdesk.services.stages import set_checklist_action
from crmdesk.services.workspace import business_time_zone
from crmdesk.storage.models import (
    Activity,
    ChecklistAction,
    ChecklistItem,
    Contact,
    Customer,
    Opportunity,
)

MAX_DURATION_MINUTES = 24 * 60
"""The maximum duration of one activity; a longer one is a typing error."""

FUTURE_TOLERANCE = timedelta(minutes=5)
"""How far past the actor's clock a done activity may be dated.

Clocks of two machines differ by a little; a done time further ahead is a
planned activity entered in the wrong place.
"""

END_OF_DAY = time(23, 59)
"""The due time of an activity planned for a day without a time."""

MAX_SUBJECT = 300


@dataclass(frozen=True)
class Target:
    """The subject of an activity: a deal, or a customer without a deal."""

    opportunity_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None

    @classmethod
    def deal(cls, opportunity_id: uuid.UUID) -> Target:
        """Return the target of an activity on a deal."""
        return cls(opportunity_id=opportunity_id)

    @classmethod
    def customer(cls, customer_id: uuid.UUID) -> Target:
        """Return the target of an activity on a customer."""
        return cls(customer_id=customer_id)


@dataclass(frozen=True)
class DoneInput:
    """A done activity as a form or the command line collects it.

    ``done_at`` is an aware instant; ``duration_minutes`` may be None when the
    kind has no meaningful length, such as a note.
    """

    kind: str
    done_at: datetime
    subject: str = ""
    result: str = ""
    notes: str = ""
    duration_minutes: int | None = None
    contact_id: uuid.UUID | None = None


@dataclass(frozen=True)
class PlanInput:
    """A planned activity: the due day and time are wall-clock values in the
    business time zone; with ``due_time`` None the activity is due at 23:59."""

    kind: str
    due_date: date
    due_time: time | None = None
    subject: str = ""
    notes: str = ""
    contact_id: uuid.UUID | None = None


@dataclass(frozen=True)
class LogResult:
    """An activity written, and the checklist action it ticked, if any."""

    activity_id: uuid.UUID
    checklist_action_id: uuid.UUID | None


# Validation ------------------------------------------------------------------------


def check_kind(kind: str) -> str:
    """Return the activity kind in lower case.

    Raises:
        ValidationError: the kind is not one of ``ACTIVITY_TYPES``.
    """
    cleaned = kind.strip().lower()
    if cleaned not in ACTIVITY_TYPES:
        raise ValidationError(
            f"unknown activity kind {kind!r}: use one of " + ", ".join(ACTIVITY_TYPES)
        )
    return cleaned


def check_duration(minutes: int | None) -> int | None:
    """Return the duration in minutes, or None when none was given.

    Raises:
        ValidationError: the duration is negative or longer than a day.
    """
    if minutes is None:
        return None
    if minutes < 0:
        raise ValidationError(
            f"invalid duration {minutes} minutes: a duration cannot be negative"
        )
    if minutes > MAX_DURATION_MINUTES:
        raise ValidationError(
            f"invalid duration {minutes} minutes: one activity lasts at most "
            f"{MAX_DURATION_MINUTES} minutes (24 hours); split longer work into "
            "several activities"
        )
    return minutes


def check_done_at(done_at: datetime, now: datetime) -> datetime:
    """Return ``done_at`` as a UTC instant.

    Raises:
        ValidationError: the time is naive, or later than ``now`` (with
            ``FUTURE_TOLERANCE`` for clock differences).
    """
    if done_at.tzinfo is None:
        raise ValidationError(
            f"done time {done_at.isoformat()} has no time zone: pass an aware time"
        )
    if done_at > now + FUTURE_TOLERANCE:
        raise ValidationError(
            f"done time {done_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC is in the "
            "future: log it when it has happened, or plan it instead"
        )
    return done_at.astimezone(UTC)


def due_instant(due_date: date, due_time: time | None, zone: ZoneInfo) -> datetime:
    """Return the UTC instant of a wall-clock due day and time in ``zone``."""
    local = datetime.combine(due_date, due_time or END_OF_DAY, tzinfo=zone)
    return local.astimezone(UTC)


def check_due(
    due_date: date, due_time: time | None, zone: ZoneInfo, now: datetime
) -> datetime:
    """Return the due instant of a planned activity.

    Raises:
        ValidationError: the due day is before today in ``zone``.
    """
    today = now.astimezone(zone).date()
    if due_date < today:
        raise ValidationError(
            f"due date {due_date.isoformat()} is in the past (today is "
            f"{today.isoformat()} in {zone.key}): pick today or a later day, or "
            "log the activity as done"
        )
    return due_instant(due_date, due_time, zone)


def _check_subject(subject: str) -> str:
    cleaned = subject.strip()
    if len(cleaned) > MAX_SUBJECT:
        raise ValidationError(
            f"subject of {len(cleaned)} characters is too long: shorten it to "
            f"{MAX_SUBJECT} characters and put the rest in the notes"
        )
    return cleaned


def _zone(session: Session) -> ZoneInfo:
    return business_zone(business_time_zone(session))


# Writing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Owner:
    opportunity: Opportunity | None
    customer_id: uuid.UUID | None
    team_id: uuid.UUID | None


def _resolve(session: Session, target: Target) -> _Owner:
    if (target.opportunity_id is None) == (target.customer_id is None):
        raise ValidationError(
            "an activity needs exactly one of a deal or a customer: name one of them"
        )
    if target.opportunity_id is not None:
        deal = session.get(Opportunity, target.opportunity_id)
        if deal is None or deal.deleted_at is not None:
            raise NotFoundError(
                f"deal {target.opportunity_id} not found: pick an existing deal"
            )
        return _Owner(deal, deal.customer_id, deal.team_id)
    customer = session.get(Customer, target.customer_id)
    if customer is None or customer.deleted_at is not None:
        raise NotFoundError(
            f"customer {target.customer_id} not found: pick an existing customer"
        )
    return _Owner(None, customer.id, customer.team_id)


def _check_contact(
    session: Session, contact_id: uuid.UUID | None, customer_id: uuid.UUID | None
) -> None:
    if contact_id is None:
        return
    contact = session.get(Contact, contact_id)
    if contact is None or contact.deleted_at is not None:
        raise NotFoundError(f"contact {contact_id} not found: pick another contact")
    if contact.customer_id != customer_id:
        raise ValidationError(
            f"contact {contact.name!r} belongs to another customer: pick a contact "
            "of this activity's customer"
        )


def _get_activity(session: Session, activity_id: uuid.UUID) -> Activity:
    activity = session.get(Activity, activity_id)
    if activity is None or activity.deleted_at is not None:
        raise NotFoundError(f"activity {activity_id} not found")
    return activity


def _get_planned(session: Session, activity_id: uuid.UUID) -> Activity:
    activity = _get_activity(session, activity_id)
    if activity.done_at is not None:
        raise ValidationError(
            f"activity {activity_id} is already done: only a planned activity can "
            "be completed or rescheduled"
        )
    return activity


def log_activity(
    session: Session, target: Target, entry: DoneInput, actor: Actor
) -> LogResult:
    """Record a done activity and tick the checklist action it completes.

    Raises:
        ValidationError: the kind, duration, done time, subject or contact is
            invalid.
        NotFoundError: the deal, customer or contact does not exist.
    """
    kind = check_kind(entry.kind)
    duration = check_duration(entry.duration_minutes)
    done_at = check_done_at(entry.done_at, actor.at)
    subject = _check_subject(entry.subject)
    owner = _resolve(session, target)
    _check_contact(session, entry.contact_id, owner.customer_id)
    activity = Activity(
        id=new_id(),
        kind=kind,
        customer_id=owner.customer_id,
        opportunity_id=None if owner.opportunity is None else owner.opportunity.id,
        contact_id=entry.contact_id,
        team_id=owner.team_id,
        owner_id=actor.user_id,
        subject=subject,
        notes=entry.notes.strip(),
        done_at=done_at,
        duration_minutes=duration,
        result=entry.result.strip(),
        created_at=actor.at,
        updated_at=actor.at,
    )
    session.add(activity)
    if owner.opportunity is not None:
        activity.checklist_action_id = tick_matching_action(
            session, owner.opportunity, kind, actor
        )
    return LogResult(activity.id, activity.checklist_action_id)


def plan_activity(
    session: Session, target: Target, entry: PlanInput, actor: Actor
) -> uuid.UUID:
    """Record a planned activity due on a day (and time) of the business time zone.

    Raises:
        ValidationError: the kind, due date, subject or contact is invalid.
        NotFoundError: the deal, customer or contact does not exist.
    """
    kind = check_kind(entry.kind)
    due_at = check_due(entry.due_date, entry.due_time, _zone(session), actor.at)
    subject = _check_subject(entry.subject)
    owner = _resolve(session, target)
    _check_contact(session, entry.contact_id, owner.customer_id)
    activity = Activity(
        id=new_id(),
        kind=kind,
        customer_id=owner.customer_id,
        opportunity_id=None if owner.opportunity is None else owner.opportunity.id,
        contact_id=entry.contact_id,
        team_id=owner.team_id,
        owner_id=actor.user_id,
        subject=subject,
        notes=entry.notes.strip(),
        due_at=due_at,
        created_at=actor.at,
        updated_at=actor.at,
    )
    session.add(activity)
    return activity.id


def complete_activity(
    session: Session,
    activity_id: uuid.UUID,
    actor: Actor,
    *,
    result: str = "",
    duration_minutes: int | None = None,
    done_at: datetime | None = None,
) -> LogResult:
    """Mark a planned activity done, by default now, and tick its checklist action.

    The due time stays on the row, so reports can compare planned and done.

    Raises:
        ValidationError: the activity is done already, or the duration or done
            time is invalid.
        NotFoundError: the activity does not exist or was cancelled.
    """
    activity = _get_planned(session, activity_id)
    duration = check_duration(duration_minutes)
    when = check_done_at(done_at or actor.at, actor.at)
    activity.done_at = when
    activity.duration_minutes = duration
    activity.result = result.strip()
    activity.updated_at = actor.at
    if activity.opportunity_id is not None:
        deal = session.get(Opportunity, activity.opportunity_id)
        if deal is not None and deal.deleted_at is None:
            activity.checklist_action_id = tick_matching_action(
                session, deal, activity.kind, actor
            )
    return LogResult(activity.id, activity.checklist_action_id)


def reschedule_activity(
    session: Session,
    activity_id: uuid.UUID,
    due_date: date,
    due_time: time | None,
    actor: Actor,
) -> datetime:
    """Move a planned activity to another day and time of the business time zone.

    Returns the new due instant.

    Raises:
        ValidationError: the activity is done already, or the day is in the past.
        NotFoundError: the activity does not exist or was cancelled.
    """
    activity = _get_planned(session, activity_id)
    due_at = check_due(due_date, due_time, _zone(session), actor.at)
    activity.due_at = due_at
    activity.updated_at = actor.at
    return due_at


def cancel_activity(session: Session, activity_id: uuid.UUID, actor: Actor) -> None:
    """Cancel a planned activity or delete a logged one, keeping a tombstone.

    A done activity that ticked a checklist action unticks it, as the module
    docstring describes.

    Raises:
        NotFoundError: the activity does not exist or was cancelled already.
    """
    activity = _get_activity(session, activity_id)
    activity.deleted_at = actor.at
    activity.updated_at = actor.at
    if activity.checklist_action_id is not None and activity.opportunity_id:
        _untick_if_only_source(session, activity, actor)


def follow_deal_customer(
    session: Session, opportunity: Opportunity, actor: Actor
) -> int:
    """Give a deal's live activities the deal's current customer; return how many
    changed. Called when a deal moves to another customer, so the activities
    show on the new customer's timeline."""
    activities = session.scalars(
        select(Activity).where(
            Activity.opportunity_id == opportunity.id,
            Activity.deleted_at.is_(None),
        )
    ).all()
    changed = 0
    for activity in activities:
        if activity.customer_id != opportunity.customer_id:
            # The contact stays: the person was called even if they belong to
            # the former customer.
            activity.customer_id = opportunity.customer_id
            activity.updated_at = actor.at
            changed += 1
    return changed


# Checklist completion --------------------------------------------------------------


def matching_actions(
    session: Session, opportunity: Opportunity, kind: str
) -> list[uuid.UUID]:
    """Return the live actions of the deal's current stage that name ``kind``,
    not ticked yet, in checklist order."""
    ticked = (
        select(ChecklistItem.action_id)
        .where(
            ChecklistItem.opportunity_id == opportunity.id,
            ChecklistItem.done.is_(True),
        )
        .scalar_subquery()
    )
    return list(
        session.scalars(
            select(ChecklistAction.id)
            .where(
                ChecklistAction.stage_id == opportunity.stage_id,
                ChecklistAction.activity == kind,
                ChecklistAction.deleted_at.is_(None),
                ChecklistAction.id.not_in(ticked),
            )
            .order_by(ChecklistAction.position)
        )
    )


def tick_matching_action(
    session: Session, opportunity: Opportunity, kind: str, actor: Actor
) -> uuid.UUID | None:
    """Tick the first open action of the deal's stage that ``kind`` completes.

    Returns the ticked action, or None when no open action names the kind.
    """
    actions = matching_actions(session, opportunity, kind)
    if not actions:
        return None
    set_checklist_action(session, opportunity.id, actions[0], True, actor)
    return actions[0]


def _untick_if_only_source(session: Session, activity: Activity, actor: Actor) -> None:
    action_id = activity.checklist_action_id
    deal = session.get(Opportunity, activity.opportunity_id)
    action = session.get(ChecklistAction, action_id)
    if deal is None or action is None or deal.deleted_at is not None:
        return
    if action.stage_id != deal.stage_id:
        return
    others = session.scalar(
        select(Activity.id).where(
            Activity.opportunity_id == deal.id,
            Activity.checklist_action_id == action_id,
            Activity.deleted_at.is_(None),
            Activity.id != activity.id,
        )
    )
    if others is not None:
        return
    assert action_id is not None
    set_checklist_action(session, deal.id, action_id, False, actor)
