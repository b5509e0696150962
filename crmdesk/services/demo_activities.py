"""Demo activities: the calls, visits and trials behind the demo's open deals.

For every open deal of the generated workspace:

- each ticked checklist action of the deal's current stage that names an
  activity kind gets the done activity that ticked it, at the time of the tick,
  with ``checklist_action_id`` set, as ``activities.log_activity`` would record;
- about half get one more done activity (a note, call or e-mail) between
  entering the stage and the day before ``today``;
- about two thirds get one planned activity, due from five days before
  ``today`` to fourteen days after it in business hours, so the board shows
  overdue and upcoming ones.

The rows go in with one ``executemany`` per batch, like the rest of the demo,
and are not journalled: a demo store is not synced. Everything here is invented
sample data for the Chinese education business of the demo.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from crmdesk.domain.ids import new_id
from crmdesk.domain.playbook import StageKind
from crmdesk.storage.bulk import insert_rows
from crmdesk.storage.models import (
    Activity,
    ChecklistAction,
    ChecklistItem,
    Opportunity,
    Stage,
)

BATCH_ROWS = 20_000

SUBJECTS = {
    "call": ("电话沟通课程安排", "确认试听时间", "回访家长意向", "电话跟进报价"),
    "visit": ("上门拜访校长", "到校参观教学环境", "拜访机构负责人"),
    "meeting": ("课程方案讨论会", "与家长面谈学习计划", "机构合作洽谈"),
    "email": ("发送课程资料", "发送报价单", "发送试听安排"),
    "trial": ("试听课", "体验课", "学员能力测评"),
    "note": ("家长偏好周末上课", "预算有限，关注优惠", "孩子对编程兴趣很高"),
}

RESULTS = {
    "call": ("家长有兴趣，约了试听", "暂未决定，下周再联系", "确认了上课时间"),
    "visit": ("校长认可方案", "参观后反馈良好"),
    "meeting": ("双方同意推进", "需要再调整方案"),
    "email": ("已发送", "家长已回复"),
    "trial": ("孩子很喜欢", "试听效果一般，需跟进"),
    "note": ("",),
}

DURATIONS = {
    "call": (5, 10, 15, 20),
    "visit": (45, 60, 90),
    "meeting": (30, 45, 60),
    "email": (None,),
    "trial": (45, 60, 90),
    "note": (None,),
}

EXTRA_KINDS = ("note", "call", "email")
PLANNED_KINDS = ("call", "call", "visit", "meeting", "trial", "email")


def insert_demo_activities(
    session: Session, rng: random.Random, end: datetime, zone: tzinfo
) -> int:
    """Insert the demo activities of every open deal; return how many.

    ``end`` is the UTC instant at which ``today`` starts in the business zone
    ``zone``; no done activity lies after it.
    """
    deals = session.execute(
        select(
            Opportunity.id,
            Opportunity.customer_id,
            Opportunity.team_id,
            Opportunity.owner_id,
            Opportunity.stage_entered_at,
        )
        .join(Stage, Stage.id == Opportunity.stage_id)
        .where(Stage.kind == StageKind.OPEN.value, Opportunity.deleted_at.is_(None))
        .order_by(Opportunity.id)
    ).all()
    ticks = _ticks_by_deal(session)
    table: Table = Activity.__table__  # type: ignore[assignment]
    rows: list[dict[str, Any]] = []
    total = 0
    for deal in deals:
        for action_id, kind, ticked_at in ticks.get(deal.id, ()):
            rows.append(_done(rng, deal, kind, ticked_at, action_id))
        if rng.random() < 0.5 and deal.stage_entered_at < end - timedelta(days=1):
            kind = rng.choice(EXTRA_KINDS)
            at = _between(rng, deal.stage_entered_at, end - timedelta(days=1))
            rows.append(_done(rng, deal, kind, at, None))
        if rng.random() < 0.67:
            rows.append(_planned(rng, deal, end, zone))
        if len(rows) >= BATCH_ROWS:
            insert_rows(session.connection(), table, rows)
            total += len(rows)
            rows = []
    if rows:
        insert_rows(session.connection(), table, rows)
        total += len(rows)
    return total


def _ticks_by_deal(
    session: Session,
) -> dict[uuid.UUID, list[tuple[uuid.UUID, str, datetime]]]:
    """Return the ticked actions that name an activity kind, of each open deal's
    current stage, with the time of the tick."""
    rows = session.execute(
        select(
            ChecklistItem.opportunity_id,
            ChecklistAction.id,
            ChecklistAction.activity,
            ChecklistItem.changed_at,
        )
        .join(ChecklistAction, ChecklistAction.id == ChecklistItem.action_id)
        .join(Opportunity, Opportunity.id == ChecklistItem.opportunity_id)
        .where(
            ChecklistItem.done.is_(True),
            ChecklistAction.activity.is_not(None),
            ChecklistAction.stage_id == Opportunity.stage_id,
        )
        .order_by(ChecklistItem.opportunity_id, ChecklistItem.changed_at)
    )
    result: dict[uuid.UUID, list[tuple[uuid.UUID, str, datetime]]] = {}
    for deal_id, action_id, kind, ticked_at in rows:
        if kind is not None:
            result.setdefault(deal_id, []).append((action_id, kind, ticked_at))
    return result


def _base(deal: Any, kind: str, at: datetime) -> dict[str, Any]:
    return {
        "id": new_id(),
        "kind": kind,
        "customer_id": deal.customer_id,
        "opportunity_id": deal.id,
        "contact_id": None,
        "team_id": deal.team_id,
        "owner_id": deal.owner_id,
        "notes": "",
        "due_at": None,
        "done_at": None,
        "duration_minutes": None,
        "result": "",
        "checklist_action_id": None,
        "created_at": at,
        "updated_at": at,
        "version": 0,
        "deleted_at": None,
    }


def _done(
    rng: random.Random,
    deal: Any,
    kind: str,
    at: datetime,
    action_id: uuid.UUID | None,
) -> dict[str, Any]:
    row = _base(deal, kind, at)
    row["subject"] = rng.choice(SUBJECTS[kind])
    row["done_at"] = at
    row["duration_minutes"] = rng.choice(DURATIONS[kind])
    row["result"] = rng.choice(RESULTS[kind])
    row["checklist_action_id"] = action_id
    return row


def _planned(
    rng: random.Random, deal: Any, end: datetime, zone: tzinfo
) -> dict[str, Any]:
    kind = rng.choice(PLANNED_KINDS)
    today = end.astimezone(zone).date()
    day = today + timedelta(days=rng.randint(-5, 14))
    local = datetime.combine(day, time(rng.randint(9, 17), rng.choice((0, 30))), zone)
    created = min(end, deal.stage_entered_at + timedelta(hours=1))
    row = _base(deal, kind, created)
    row["subject"] = rng.choice(SUBJECTS[kind])
    row["due_at"] = local
    return row


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    gap = int((end - start).total_seconds())
    return start + timedelta(seconds=rng.randint(1, max(1, gap - 1)))
