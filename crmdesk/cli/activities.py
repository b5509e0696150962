"""``crmdesk activities``: log, plan, complete, reschedule, cancel and list activities.

Times typed here are wall-clock times in the business time zone (the workspace
setting, UTC unless set), the zone the desktop uses for due dates.
"""

from __future__ import annotations

import argparse
import json
import uuid
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.cli.context import CliContext
from crmdesk.cli.output import format_table, positive_count
from crmdesk.domain.dates import business_zone
from crmdesk.domain.errors import NotFoundError, ValidationError
from crmdesk.domain.playbook_file import ACTIVITY_TYPES
from crmdesk.services.activities import (
    DoneInput,
    PlanInput,
    Target,
    cancel_activity,
    complete_activity,
    log_activity,
    plan_activity,
    reschedule_activity,
)
from crmdesk.services.context import ChangeSource
from crmdesk.services.lookups import find_opportunity
from crmdesk.services.people import find_user
from crmdesk.services.timeline import ActivityRecord, get_activity, list_activities
from crmdesk.services.workspace import business_time_zone
from crmdesk.storage.models import Activity, Customer

COLUMNS = (
    "id",
    "kind",
    "state",
    "due",
    "done",
    "minutes",
    "deal",
    "customer",
    "subject",
    "result",
    "owner",
)
MIN_ID_PREFIX = 8


def register(subparsers: Any) -> None:
    """Add the ``activities`` command and its sub-commands."""
    parser = subparsers.add_parser(
        "activities",
        help="log, plan and list calls, visits, meetings and other activities",
        description="Log done activities, plan activities with a due date, mark "
        "planned ones done, and list them. Times are in the business time zone. "
        "Logging an activity on a deal ticks the checklist action of the deal's "
        "stage that names the activity's kind.",
    )
    commands = parser.add_subparsers(dest="activities_command", metavar="ACTION")
    commands.required = True
    kinds = ", ".join(ACTIVITY_TYPES)

    log = commands.add_parser("log", help="record an activity that happened")
    _add_target(log)
    log.add_argument("kind", metavar="KIND", help=f"one of {kinds}")
    log.add_argument(
        "--at",
        metavar="'YYYY-MM-DD HH:MM'",
        help="when it happened, business time zone (default: now)",
    )
    log.add_argument(
        "--duration", type=int, metavar="MINUTES", help="length in minutes"
    )
    log.add_argument("--subject", default="", help="short title")
    log.add_argument("--result", default="", help="what came of it")
    log.add_argument("--notes", default="", help="longer notes")
    _add_format(log)
    log.set_defaults(handler=run_log)

    plan = commands.add_parser("plan", help="plan an activity with a due date")
    _add_target(plan)
    plan.add_argument("kind", metavar="KIND", help=f"one of {kinds}")
    plan.add_argument(
        "--due", required=True, metavar="YYYY-MM-DD", help="due day, business zone"
    )
    plan.add_argument(
        "--time", metavar="HH:MM", help="due time, business zone (default: 23:59)"
    )
    plan.add_argument("--subject", default="", help="short title")
    plan.add_argument("--notes", default="", help="longer notes")
    _add_format(plan)
    plan.set_defaults(handler=run_plan)

    done = commands.add_parser("done", help="mark a planned activity done")
    done.add_argument("activity", metavar="ACTIVITY", help="activity id or prefix")
    done.add_argument(
        "--at",
        metavar="'YYYY-MM-DD HH:MM'",
        help="when it happened, business time zone (default: now)",
    )
    done.add_argument(
        "--duration", type=int, metavar="MINUTES", help="length in minutes"
    )
    done.add_argument("--result", default="", help="what came of it")
    _add_format(done)
    done.set_defaults(handler=run_done)

    move = commands.add_parser("reschedule", help="move a planned activity")
    move.add_argument("activity", metavar="ACTIVITY", help="activity id or prefix")
    move.add_argument("--due", required=True, metavar="YYYY-MM-DD", help="new day")
    move.add_argument("--time", metavar="HH:MM", help="new time (default: 23:59)")
    _add_format(move)
    move.set_defaults(handler=run_reschedule)

    cancel = commands.add_parser(
        "cancel", help="cancel a planned activity or delete a logged one"
    )
    cancel.add_argument("activity", metavar="ACTIVITY", help="activity id or prefix")
    cancel.set_defaults(handler=run_cancel)

    _register_list(commands)


def _register_list(commands: Any) -> None:
    listing = commands.add_parser("list", help="list activities")
    listing.add_argument(
        "--deal", help="only this deal (id, its first characters, or external key)"
    )
    listing.add_argument("--customer", help="only this customer (id or name)")
    listing.add_argument("--owner", help="only this owner (login or name)")
    state = listing.add_mutually_exclusive_group()
    state.add_argument("--planned", action="store_true", help="only planned ones")
    state.add_argument("--done", action="store_true", help="only done ones")
    state.add_argument(
        "--overdue", action="store_true", help="only planned ones past their due time"
    )
    listing.add_argument(
        "--limit",
        type=positive_count,
        default=50,
        help="show at most this many (default 50)",
    )
    _add_format(listing)
    listing.set_defaults(handler=run_list)


def _add_target(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument(
        "--deal", help="the deal (id, its first characters, or external key)"
    )
    group.add_argument("--customer", help="the customer (id or exact name)")


def _add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help="output format"
    )


# Parsing ---------------------------------------------------------------------------


def parse_day(text: str) -> date:
    """Return a YYYY-MM-DD date.

    Raises:
        ValidationError: the text is not such a date.
    """
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            f"invalid date {text!r}: write it as YYYY-MM-DD, such as 2026-12-05"
        ) from None


def parse_clock(text: str | None) -> time | None:
    """Return an HH:MM time, or None when none was given.

    Raises:
        ValidationError: the text is not such a time.
    """
    if text is None:
        return None
    try:
        clock = time.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            f"invalid time {text!r}: write it as HH:MM, such as 14:30"
        ) from None
    if clock.tzinfo is not None:
        raise ValidationError(
            f"invalid time {text!r}: times are in the business time zone, so "
            f"leave out the UTC offset and write the local time, such as 14:30"
        )
    return clock


def parse_moment(text: str | None, zone_name: str) -> datetime | None:
    """Return 'YYYY-MM-DD HH:MM' in the business time zone as a UTC instant.

    Raises:
        ValidationError: the text is not such a date and time.
    """
    if text is None:
        return None
    try:
        naive = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            f"invalid time {text!r}: write it as 'YYYY-MM-DD HH:MM', such as "
            "'2026-12-05 14:30'"
        ) from None
    try:
        if naive.tzinfo is not None:
            return naive.astimezone(UTC)
        return naive.replace(tzinfo=business_zone(zone_name)).astimezone(UTC)
    except OverflowError:
        raise ValidationError(
            f"invalid time {text!r}: the year is out of range; write a date "
            f"such as '2026-12-05 14:30'"
        ) from None


def find_customer(session: Session, value: str) -> uuid.UUID:
    """Return the live customer named by its id or its exact name (any case).

    Raises:
        NotFoundError: no customer matches, or several share the name.
    """
    wanted = value.strip()
    try:
        customer_id: uuid.UUID | None = uuid.UUID(wanted)
    except ValueError:
        customer_id = None
    if customer_id is not None:
        found = session.get(Customer, customer_id)
        if found is not None and found.deleted_at is None:
            return found.id
    rows = session.scalars(
        select(Customer.id).where(
            Customer.name.ilike(wanted.replace("%", r"\%").replace("_", r"\_"), "\\"),
            Customer.deleted_at.is_(None),
        )
    ).all()
    if len(rows) == 1:
        return rows[0]
    if rows:
        raise NotFoundError(
            f"customer name {value!r} is ambiguous: {len(rows)} customers share it "
            f"({', '.join(str(row) for row in rows)}). Name the customer by its id"
        )
    raise NotFoundError(f"customer {value!r} not found: pass a customer id or name")


def find_activity(session: Session, value: str) -> uuid.UUID:
    """Return the live activity whose id is ``value`` or starts with it.

    Raises:
        NotFoundError: no live activity matches, or the prefix is ambiguous.
        ValidationError: the prefix is shorter than eight characters.
    """
    wanted = value.strip().lower()
    try:
        return uuid.UUID(wanted)
    except ValueError:
        pass
    if len(wanted) < MIN_ID_PREFIX:
        raise ValidationError(
            f"activity id {value!r} is too short: give at least {MIN_ID_PREFIX} "
            "characters of the id that `crmdesk activities list` shows"
        )
    ids = [
        row
        for row in session.scalars(
            select(Activity.id).where(Activity.deleted_at.is_(None))
        )
        if str(row).startswith(wanted)
    ]
    if len(ids) == 1:
        return ids[0]
    if ids:
        raise NotFoundError(
            f"activity id {value!r} is ambiguous: {len(ids)} activities start with "
            "it. Give more characters"
        )
    raise NotFoundError(f"activity {value!r} not found: check `activities list`")


def _target(session: Session, args: argparse.Namespace) -> Target:
    if args.deal:
        return Target.deal(find_opportunity(session, args.deal))
    return Target.customer(find_customer(session, args.customer))


# Output ----------------------------------------------------------------------------


def _local(value: datetime | None, zone_name: str) -> str | None:
    if value is None:
        return None
    return value.astimezone(business_zone(zone_name)).strftime("%Y-%m-%d %H:%M")


def _row(record: ActivityRecord, zone_name: str, now: datetime) -> dict[str, Any]:
    if not record.planned:
        state = "done"
    elif record.is_overdue(now):
        state = "overdue"
    else:
        state = "planned"
    action = record.checklist_action
    return {
        "id": str(record.id),
        "kind": record.kind,
        "state": state,
        "due": _local(record.due_at, zone_name),
        "done": _local(record.done_at, zone_name),
        "minutes": record.duration_minutes,
        "deal": record.deal_title,
        "deal_id": None
        if record.opportunity_id is None
        else str(record.opportunity_id),
        "customer": record.customer,
        "customer_id": None if record.customer_id is None else str(record.customer_id),
        "subject": record.subject,
        "result": record.result,
        "notes": record.notes,
        "owner": record.owner,
        "checklist_action": None if action is None else action.en,
    }


def _print(rows: list[dict[str, Any]], output_format: str) -> None:
    if output_format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = [[("" if row[c] is None else str(row[c])) for c in COLUMNS] for row in rows]
    print(format_table(COLUMNS, table, right_aligned=(5,)))


def _print_one(
    session: Session,
    activity_id: uuid.UUID,
    args: argparse.Namespace,
    zone_name: str,
    now: datetime,
) -> None:
    row = _row(get_activity(session, activity_id), zone_name, now)
    if args.format == "json":
        print(json.dumps(row, ensure_ascii=False, indent=2))
        return
    _print([row], "table")
    if row["checklist_action"]:
        print(f"Ticked checklist action: {row['checklist_action']}")


# Handlers --------------------------------------------------------------------------


def run_log(args: argparse.Namespace, context: CliContext) -> int:
    """Record a done activity and print it."""
    actor = context.actor(ChangeSource.CLI)
    with context.sessions.begin() as session:
        zone_name = business_time_zone(session)
        done_at = parse_moment(args.at, zone_name) or actor.at
        result = log_activity(
            session,
            _target(session, args),
            DoneInput(
                kind=args.kind,
                done_at=done_at,
                subject=args.subject,
                result=args.result,
                notes=args.notes,
                duration_minutes=args.duration,
            ),
            actor,
        )
        session.flush()
        _print_one(session, result.activity_id, args, zone_name, actor.at)
    return 0


def run_plan(args: argparse.Namespace, context: CliContext) -> int:
    """Record a planned activity and print it."""
    actor = context.actor(ChangeSource.CLI)
    with context.sessions.begin() as session:
        zone_name = business_time_zone(session)
        activity_id = plan_activity(
            session,
            _target(session, args),
            PlanInput(
                kind=args.kind,
                due_date=parse_day(args.due),
                due_time=parse_clock(args.time),
                subject=args.subject,
                notes=args.notes,
            ),
            actor,
        )
        session.flush()
        _print_one(session, activity_id, args, zone_name, actor.at)
    return 0


def run_done(args: argparse.Namespace, context: CliContext) -> int:
    """Mark a planned activity done and print it."""
    actor = context.actor(ChangeSource.CLI)
    with context.sessions.begin() as session:
        zone_name = business_time_zone(session)
        activity_id = find_activity(session, args.activity)
        complete_activity(
            session,
            activity_id,
            actor,
            result=args.result,
            duration_minutes=args.duration,
            done_at=parse_moment(args.at, zone_name),
        )
        session.flush()
        _print_one(session, activity_id, args, zone_name, actor.at)
    return 0


def run_reschedule(args: argparse.Namespace, context: CliContext) -> int:
    """Move a planned activity to another due day and time and print it."""
    actor = context.actor(ChangeSource.CLI)
    with context.sessions.begin() as session:
        zone_name = business_time_zone(session)
        activity_id = find_activity(session, args.activity)
        reschedule_activity(
            session, activity_id, parse_day(args.due), parse_clock(args.time), actor
        )
        session.flush()
        _print_one(session, activity_id, args, zone_name, actor.at)
    return 0


def run_cancel(args: argparse.Namespace, context: CliContext) -> int:
    """Cancel a planned activity or delete a logged one."""
    actor = context.actor(ChangeSource.CLI)
    with context.sessions.begin() as session:
        activity_id = find_activity(session, args.activity)
        cancel_activity(session, activity_id, actor)
    print(f"Cancelled activity {activity_id}.")
    return 0


def run_list(args: argparse.Namespace, context: CliContext) -> int:
    """Print activities, planned first (soonest due first), then done ones."""
    now = datetime.now(UTC)
    with context.sessions() as session:
        zone_name = business_time_zone(session)
        planned: bool | None = None
        if args.planned or args.overdue:
            planned = True
        elif args.done:
            planned = False
        records = list_activities(
            session,
            opportunity_id=find_opportunity(session, args.deal) if args.deal else None,
            customer_id=find_customer(session, args.customer)
            if args.customer
            else None,
            owner_id=find_user(session, args.owner).id if args.owner else None,
            planned=planned,
            due_before=now if args.overdue else None,
            limit=max(args.limit, 0),
        )
    rows = [_row(record, zone_name, now) for record in records]
    _print(rows, args.format)
    return 0
