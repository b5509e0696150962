"""Turn one planned demo deal into the rows the services would have written.

``simulate_deal`` replays a planned stage path the way ``create_opportunity``,
``move_opportunity``, ``set_manual_probability`` and ``set_checklist_action``
would, and appends the resulting rows (as column dictionaries for a Core insert)
to a ``DealRows`` batch. The rules it follows are listed in ``demo``'s docstring.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from crmdesk.domain.playbook import OutcomeResult, StageKind
from crmdesk.domain.rules import effective_probability
from crmdesk.services import demo_people as people
from crmdesk.services.context import ChangeSource
from crmdesk.services.demo_walk import PlannedStage, SeriesWalk
from crmdesk.services.playbooks import SeriesRecord, StageRecord

Row = dict[str, Any]

MAX_AGE_DAYS = 540
"""The oldest generated deal was created this many days before ``today``."""

# Reason strings the stage service writes on probability revisions it makes itself.
CREATION_REASON = "set at creation"
OUTCOME_REASON = "outcome recorded"

MANUAL_CHOICES = (0, 5, 15, 20, 40, 50, 70, 90)


@dataclass(frozen=True)
class DealContext:
    """The series, people and products that every deal of one series shares.

    ``products`` are (id, name, list price in fen) tuples; ``end`` is the UTC
    instant the generated history stops at (the start of ``today``).
    """

    series: SeriesRecord
    walk: SeriesWalk
    team_id: uuid.UUID
    lead_id: uuid.UUID
    reps: list[uuid.UUID]
    products: list[tuple[uuid.UUID, str, int]]
    end: datetime
    zone: tzinfo


@dataclass
class DealRows:
    """Rows of a batch of generated deals, by table, in insert order."""

    deals: list[Row] = field(default_factory=list)
    history: list[Row] = field(default_factory=list)
    outcomes: list[Row] = field(default_factory=list)
    revisions: list[Row] = field(default_factory=list)
    checklist_items: list[Row] = field(default_factory=list)


def _final_stage(rng: random.Random, walk: SeriesWalk) -> PlannedStage:
    """Draw where a deal ends: about 45 % open, 30 % won and 25 % lost."""
    roll = rng.random()
    if roll < 0.30:
        return walk.won
    if roll < 0.55:
        return walk.lost
    weights = [len(walk.open) - index for index in range(len(walk.open))]
    return rng.choices(walk.open, weights)[0]


def _round_yuan(value: float) -> int:
    """Round a yuan amount to whole hundreds and return it in fen."""
    return max(1, round(value / 100)) * 100 * 100


def new_key() -> uuid.UUID:
    """Return a random UUIDv7 made from the clock and ``os.urandom``.

    The same layout as ``ids.new_id`` (48-bit millisecond time, version 7,
    variant 10, random bits), at a fraction of the cost: the demo makes about
    two million keys, and ``uuid6.uuid7`` took about 9 µs each.
    """
    millis = time.time_ns() // 1_000_000
    random_bits = int.from_bytes(os.urandom(10), "big")
    value = (
        (millis << 80)
        | (0x7 << 76)
        | ((random_bits >> 62) & 0xFFF) << 64
        | (0b10 << 62)
        | (random_bits & ((1 << 62) - 1))
    )
    return uuid.UUID(int=value)


class _DealState:
    """The deal as the services would hold it while its moves are replayed."""

    def __init__(self, context: DealContext, deal_id: uuid.UUID, owner: uuid.UUID):
        self.context = context
        self.id = deal_id
        self.owner = owner
        self.amount: int | None = None
        self.expected_close: date | None = None
        self.manual: int | None = None
        self.stage: StageRecord = context.series.open_stages[0]
        self.open_outcome: Row | None = None
        self.ticked: set[uuid.UUID] = set()
        self.updated_at: datetime | None = None

    def probability(self, stage: StageRecord) -> int:
        return effective_probability(stage.kind, stage.default_probability, self.manual)

    def actor(self, rng: random.Random) -> uuid.UUID:
        return self.context.lead_id if rng.random() < 0.15 else self.owner


def simulate_deal(
    rng: random.Random,
    context: DealContext,
    customers: list[tuple[uuid.UUID, str | None, str]],
    number: int,
    rows: DealRows,
) -> None:
    """Plan one deal of ``context.series`` and append its rows to ``rows``.

    ``number`` makes the deal's external key (``demo-000042``), which is unique in
    the store and stays the same between runs with the same seed.
    """
    walk = context.walk
    final = _final_stage(rng, walk)
    path = walk.plan(rng, final)
    stages = {stage.id: stage for stage in context.series.stages}

    customer_id, surname, customer_name = rng.choice(customers)
    product_id, course, price = rng.choice(context.products)
    owner = rng.choice(context.reps)
    deal = _DealState(context, new_key(), owner)

    created = context.end - timedelta(
        seconds=rng.randrange(86_400, MAX_AGE_DAYS * 86_400)
    )
    available = int((context.end - created).total_seconds() // 60) - 1
    span = min(available, max(len(path) + 1, int(rng.uniform(3, 200) * 1440)))
    offsets = sorted(rng.sample(range(1, span + 1), len(path)))
    times = [created + timedelta(minutes=offset) for offset in offsets]

    if surname is None:
        title = f"{course} 团体课 · {customer_name}"
        scale: float = rng.randint(5, 30)
    else:
        title = f"{course} · {people.learner_name(rng, surname)}"
        scale = rng.choice((1, 1, 1, 2, 1.5))
    if rng.random() >= 0.08:
        deal.amount = _round_yuan(price / 100 * scale * rng.uniform(0.8, 1.1))
    if rng.random() >= 0.12:
        deal.expected_close = (created + timedelta(days=rng.randint(14, 120))).date()

    manual_at_creation = rng.random() < 0.04
    if manual_at_creation:
        deal.manual = rng.choice(MANUAL_CHOICES)
        _revision(rows, deal, deal.manual, CREATION_REASON, created, owner)
    _history(rows, deal, None, deal.stage, created, owner)

    revise_at = rng.randrange(len(path) + 1) if rng.random() < 0.03 else -1
    enter = created
    for index, leave in enumerate([*times, context.end]):
        if index == revise_at and not deal.stage.kind.is_result:
            moment = _between(rng, enter, leave)
            deal.manual = rng.choice(MANUAL_CHOICES)
            note = rng.choice(people.REVISION_NOTES)
            _revision(rows, deal, deal.manual, note, moment, context.lead_id)
        is_last = index == len(path)
        if not deal.stage.kind.is_result:
            _tick_checklist(rng, rows, deal, enter, leave, leaving=not is_last)
        if is_last:
            break
        target = stages[path[index].id]
        _move(rng, rows, deal, target, leave)
        enter = leave

    last_change = times[-1] if times else created
    rows.deals.append(
        {
            "id": deal.id,
            "series_id": context.series.id,
            "stage_id": deal.stage.id,
            "customer_id": customer_id,
            "product_id": product_id,
            "owner_id": owner,
            "team_id": context.team_id,
            "title": title,
            "amount_minor": deal.amount,
            "currency": context.series.currency,
            "expected_close": deal.expected_close,
            "manual_probability": deal.manual,
            "notes": "",
            "stage_entered_at": last_change,
            "created_at": created,
            "updated_at": max(last_change, deal.updated_at or created),
            "created_by": owner,
            "external_source": "demo",
            "external_key": f"demo-{number:06d}",
            "version": 0,
            "deleted_at": None,
        }
    )


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """Return an instant strictly after ``start`` and strictly before ``end``."""
    gap = int((end - start).total_seconds())
    return start + timedelta(seconds=rng.randrange(1, max(2, gap)))


def _tick_checklist(
    rng: random.Random,
    rows: DealRows,
    deal: _DealState,
    enter: datetime,
    leave: datetime,
    *,
    leaving: bool,
) -> None:
    """Tick actions of the deal's current stage while it is in it.

    Before a gated stage is left every required action is ticked; otherwise
    required actions are ticked most of the time and optional ones sometimes.
    """
    gated = deal.context.series.rules.checklist_gates
    for action in deal.stage.checklist:
        if action.id in deal.ticked:
            continue
        if not action.required:
            chance = 0.4
        elif not leaving:
            chance = 0.5
        elif gated:
            chance = 1.0
        else:
            chance = 0.85
        if rng.random() >= chance:
            continue
        deal.ticked.add(action.id)
        rows.checklist_items.append(
            {
                "id": new_key(),
                "opportunity_id": deal.id,
                "action_id": action.id,
                "done": True,
                "changed_at": _between(rng, enter, leave),
                "changed_by": deal.owner,
                "version": 0,
                "deleted_at": None,
            }
        )


def _move(
    rng: random.Random,
    rows: DealRows,
    deal: _DealState,
    target: StageRecord,
    at: datetime,
) -> None:
    """Apply one stage move the way ``move_opportunity`` does."""
    actor = deal.actor(rng)
    if deal.stage.kind.is_result and deal.open_outcome is not None:
        deal.open_outcome["reopened_at"] = at
        deal.open_outcome["reopened_by"] = actor
        deal.open_outcome = None
    if target.kind.is_result:
        _record_outcome(rng, rows, deal, target, at, actor)
    previous = deal.stage
    deal.stage = target
    deal.updated_at = at
    _history(rows, deal, previous, target, at, actor)


def _record_outcome(
    rng: random.Random,
    rows: DealRows,
    deal: _DealState,
    target: StageRecord,
    at: datetime,
    actor: uuid.UUID,
) -> None:
    result = OutcomeResult.WON if target.kind is StageKind.WON else OutcomeResult.LOST
    reasons = deal.context.series.reasons_for(result)
    weights = [0.3 if reason.note_required else 3.0 for reason in reasons]
    reason = rng.choices(reasons, weights)[0]
    notes = people.WON_NOTES if result is OutcomeResult.WON else people.LOST_NOTES
    note = rng.choice(notes) if reason.note_required or rng.random() < 0.1 else ""
    actual_date = at.astimezone(deal.context.zone).date()
    actual_amount = None
    if result is OutcomeResult.WON:
        base = deal.amount if deal.amount is not None else 980_000
        actual_amount = _round_yuan(base / 100 * rng.choice((1.0, 1.0, 0.95, 0.9)))
    outcome = {
        "id": new_key(),
        "opportunity_id": deal.id,
        "result": result.value,
        "reason_id": reason.id,
        "note": note,
        "actual_amount_minor": actual_amount,
        "currency": deal.context.series.currency,
        "actual_date": actual_date,
        "recorded_at": at,
        "recorded_by": actor,
        "reopened_at": None,
        "reopened_by": None,
        "version": 0,
        "deleted_at": None,
    }
    rows.outcomes.append(outcome)
    deal.open_outcome = outcome
    if result is OutcomeResult.WON:
        deal.amount = actual_amount
        deal.expected_close = actual_date
    if deal.manual is not None:
        deal.manual = None
        _revision(rows, deal, None, OUTCOME_REASON, at, actor)


def _history(
    rows: DealRows,
    deal: _DealState,
    previous: StageRecord | None,
    target: StageRecord,
    at: datetime,
    actor: uuid.UUID,
) -> None:
    rows.history.append(
        {
            "id": new_key(),
            "opportunity_id": deal.id,
            "from_stage_id": None if previous is None else previous.id,
            "to_stage_id": target.id,
            "changed_at": at,
            "changed_by": actor,
            "amount_minor": deal.amount,
            "currency": deal.context.series.currency,
            "probability": deal.probability(target),
            "expected_close": deal.expected_close,
            "source": ChangeSource.DEMO.value,
            "version": 0,
            "deleted_at": None,
        }
    )


def _revision(
    rows: DealRows,
    deal: _DealState,
    probability: int | None,
    reason: str,
    at: datetime,
    actor: uuid.UUID,
) -> None:
    deal.updated_at = at
    rows.revisions.append(
        {
            "id": new_key(),
            "opportunity_id": deal.id,
            "probability": probability,
            "reason": reason,
            "changed_at": at,
            "changed_by": actor,
            "version": 0,
            "deleted_at": None,
        }
    )
