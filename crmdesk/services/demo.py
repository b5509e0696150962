"""Generate a demo workspace: the education playbook with teams, customers and deals.

The workspace is deterministic: the same ``seed``, deal count and ``today`` give
the same rows, apart from the UUIDv7 keys, which embed the time they were made.
Every date is placed relative to ``today`` so the data looks current.

Why it bypasses the stage service: a demo of 100,000 deals has about a million
stage history rows, and calling ``move_opportunity`` once per move through the ORM
would take many minutes. This is a generated sample workspace, not a user's
change, so the deals, history, outcomes, probability revisions and checklist ticks
are written with SQLAlchemy Core bulk inserts (``executemany``) in one
transaction. The rows are the ones the services would write for the same moves:

- each deal starts with a history row from no stage into the first open stage,
  and each later row's ``from_stage_id`` is the previous row's ``to_stage_id``;
- every move is one that ``rules.check_move`` allows in its series, and before a
  deal leaves an open stage of a series with checklist gates, every required
  action of that stage was ticked at an earlier time;
- a history row's probability is the effective probability after the move, its
  amount and expected close date are the deal's values after the move;
- entering the won or lost stage records an outcome with a reason from the
  series' list, and a note where the reason needs one;
- winning sets the deal's amount to the actual amount and its expected close
  date to the actual date, and recording an outcome clears a manual probability
  with a revision;
- leaving a result stage marks the outcome as reopened at the time of the move;
- ``stage_entered_at`` is the time of the deal's last history row.

No outbox rows are written: a demo store is not synced. The few rows written
through the ORM (playbook, teams, users, settings) journal themselves like any
ORM write, so the generator deletes the outbox rows of its own transaction, and it
sets the workspace setting ``demo_workspace`` to mark the store as a demo.
"""

from __future__ import annotations

import json
import logging
import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import Table, delete, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from crmdesk.domain.errors import ValidationError
from crmdesk.domain.ids import new_id
from crmdesk.domain.playbook_file import shipped_playbook
from crmdesk.services import demo_customers
from crmdesk.services import demo_people as people
from crmdesk.services.demo_activities import insert_demo_activities
from crmdesk.services.demo_approvals import add_demo_approvals
from crmdesk.services.demo_leads import add_demo_leads
from crmdesk.services.demo_rows import DealContext, DealRows, simulate_deal
from crmdesk.services.demo_walk import SeriesWalk
from crmdesk.services.playbooks import (
    SeriesRecord,
    install_playbook,
    list_customer_states,
    list_series,
)
from crmdesk.services.workspace import (
    ensure_user,
    set_base_currency,
    set_business_time_zone,
    set_current_user,
    set_setting,
)
from crmdesk.storage import playbook_repo
from crmdesk.storage.bulk import insert_rows
from crmdesk.storage.models import (
    Base,
    ChecklistItem,
    Customer,
    Opportunity,
    OutboxEntry,
    Outcome,
    ProbabilityRevision,
    Product,
    StageHistory,
)

log = logging.getLogger(__name__)

PLAYBOOK_KEY = "education"
DEMO_SETTING = "demo_workspace"
"""Workspace setting that marks a generated demo store, with how it was made."""

BUSINESS_ZONE_NAME = "Asia/Shanghai"
BUSINESS_ZONE = timezone(timedelta(hours=8), BUSINESS_ZONE_NAME)
"""Outcome dates are calendar dates in China, where the demo business sits."""

SERIES_SHARES = (
    ("new-customer", 10),
    ("trial-conversion", 45),
    ("repeat-referral", 45),
)
"""Percent of the demo deals in each education series.

The front-end series gets 10 %, so ``--deals 100000`` puts 10,000 cards on the
front-end board, which is the board the benchmarks open. The middle and back-end
series share the rest equally. Small counts keep every series populated.
"""

CUSTOMERS_PER_DEAL = 0.7
BATCH_DEALS = 5_000
MAX_DEALS = 2_000_000
GENERATION_CACHE_KIB = 262_144


@dataclass(frozen=True)
class DemoSummary:
    """Counts of the rows ``generate_demo`` wrote, by table, and of deals by series."""

    seed: int
    today: date
    deals_by_series: dict[str, int]
    users: int
    customers: int
    products: int
    stage_history: int
    outcomes: int
    probability_revisions: int
    checklist_items: int

    @property
    def deals(self) -> int:
        """The number of deals over all series."""
        return sum(self.deals_by_series.values())


def split_deals(total: int) -> dict[str, int]:
    """Split ``total`` deals over the education series by ``SERIES_SHARES``.

    Each series gets its share rounded down; the rounding remainder goes to the
    series in order. With three deals or more every series gets at least one.
    """
    counts = {key: total * share // 100 for key, share in SERIES_SHARES}
    keys = [key for key, _ in SERIES_SHARES]
    remainder = total - sum(counts.values())
    for index in range(remainder):
        counts[keys[(index + 1) % len(keys)]] += 1
    if total >= len(keys):
        for key in keys:
            while counts[key] == 0:
                donor = max(keys, key=lambda k: counts[k])
                counts[donor] -= 1
                counts[key] += 1
    return counts


def store_has_deals(session: Session) -> bool:
    """Return True when the store contains any deal, deleted or not."""
    return session.scalar(select(func.count()).select_from(Opportunity)) != 0


def generate_demo(
    sessions: sessionmaker[Session],
    deals: int,
    seed: int = 7,
    today: date | None = None,
) -> DemoSummary:
    """Fill an empty store with a generated education workspace, in one transaction.

    Args:
        sessions: the session factory of the store.
        deals: how many deals to generate, 1 to 2,000,000.
        seed: the seed of the random generator; the same seed gives the same data.
        today: the date the data is placed around (default: the current date).

    Raises:
        ValidationError: the deal count is out of range, or the store already has
            deals (a demo never mixes with real data).
    """
    if not 1 <= deals <= MAX_DEALS:
        raise ValidationError(
            f"invalid number of demo deals {deals}: use 1 to {MAX_DEALS:,}"
        )
    reference = today or datetime.now(BUSINESS_ZONE).date()
    rng = random.Random(seed)
    with sessions.begin() as session:
        if store_has_deals(session):
            raise ValidationError(
                "the store already has deals: generate the demo into an empty store"
            )
        outbox_mark = session.scalar(select(func.max(OutboxEntry.seq))) or 0
        # A million history rows update two indexes in scattered places. With
        # SQLite's default 2 MB page cache, most of the time went to re-reading
        # index pages, so this transaction gets a larger cache.
        session.execute(text(f"PRAGMA cache_size = -{GENERATION_CACHE_KIB}"))
        try:
            summary = _generate(session, rng, deals, seed, reference)
        finally:
            session.execute(text("PRAGMA cache_size = -2000"))
        # The demo is not synced, so drop what the ORM journaled in this transaction.
        session.execute(delete(OutboxEntry).where(OutboxEntry.seq > outbox_mark))
    log.info(
        "generated a demo workspace: %d deals, %d history rows (seed %d)",
        summary.deals,
        summary.stage_history,
        seed,
    )
    return summary


def _generate(
    session: Session, rng: random.Random, deals: int, seed: int, today: date
) -> DemoSummary:
    install_playbook(session, shipped_playbook(PLAYBOOK_KEY))
    set_base_currency(session, "CNY")
    # The generated dates are calendar days in China, so the reports and the
    # activity dialogs count days there too.
    set_business_time_zone(session, BUSINESS_ZONE_NAME)
    team_users = _create_people(session)
    session.flush()
    set_setting(
        session,
        DEMO_SETTING,
        json.dumps({"seed": seed, "deals": deals, "today": today.isoformat()}),
    )
    end = datetime.combine(today, time(), BUSINESS_ZONE).astimezone(UTC)
    products = _insert_products(session)
    states = {state.key: state.id for state in list_customer_states(session)}
    series_by_key = {
        record.key: record
        for record in list_series(session)
        if record.key in dict(SERIES_SHARES)
    }
    counts = split_deals(deals)
    totals = _Totals()
    for key, _share in SERIES_SHARES:
        record = series_by_key[key]
        context = DealContext(
            series=record,
            walk=SeriesWalk(record.rules, record.stage_positions()),
            team_id=team_users[record.team_key][0],
            lead_id=team_users[record.team_key][1][0],
            reps=team_users[record.team_key][1],
            products=products,
            end=end,
            zone=BUSINESS_ZONE,
        )
        _generate_series(session, rng, context, states, counts[key], totals)
    demo_customers.assign_lifecycle(session, rng, end)
    add_demo_leads(session, team_users["front-end"][1], end)
    insert_demo_activities(session, random.Random(seed), end, BUSINESS_ZONE)
    add_demo_approvals(session, random.Random(seed), end)

    return DemoSummary(
        seed=seed,
        today=today,
        deals_by_series=counts,
        users=sum(len(users) for _, users in team_users.values()) + 1,
        customers=totals.customers,
        products=len(products),
        stage_history=totals.stage_history,
        outcomes=totals.outcomes,
        probability_revisions=totals.probability_revisions,
        checklist_items=totals.checklist_items,
    )


def _generate_series(
    session: Session,
    rng: random.Random,
    context: DealContext,
    states: dict[str, uuid.UUID],
    count: int,
    totals: _Totals,
) -> None:
    """Insert the customers and ``count`` deals of one series, in batches."""
    customers = _insert_customers(
        session, rng, context, states, math.ceil(count * CUSTOMERS_PER_DEAL)
    )
    totals.customers += len(customers)
    for start in range(0, count, BATCH_DEALS):
        batch = DealRows()
        for _ in range(min(BATCH_DEALS, count - start)):
            totals.deals += 1
            simulate_deal(rng, context, customers, totals.deals, batch)
        _insert_deal_rows(session, batch)
        totals.add(batch)


@dataclass
class _Totals:
    deals: int = 0
    customers: int = 0
    stage_history: int = 0
    outcomes: int = 0
    probability_revisions: int = 0
    checklist_items: int = 0

    def add(self, batch: DealRows) -> None:
        self.stage_history += len(batch.history)
        self.outcomes += len(batch.outcomes)
        self.probability_revisions += len(batch.revisions)
        self.checklist_items += len(batch.checklist_items)


def _create_people(
    session: Session,
) -> dict[str, tuple[uuid.UUID, list[uuid.UUID]]]:
    """Create the demo teams' users; return team key -> (team id, user ids).

    The first user of each team is its lead. The current user is the lead of the
    front-end team.
    """
    result: dict[str, tuple[uuid.UUID, list[uuid.UUID]]] = {}
    for team_def in people.TEAMS:
        team = playbook_repo.team_by_key(session, team_def.key)
        if team is None:
            raise ValidationError(
                f"the education playbook names no team {team_def.key!r}"
            )
        team.name = team_def.name
        team.region = team_def.region
        user_ids = []
        for position, (login, name) in enumerate(team_def.members):
            role = "lead" if position == 0 else "rep"
            user = ensure_user(session, login, name, role=role, team_id=team.id)
            user_ids.append(user.id)
        team.lead_id = user_ids[0]
        result[team_def.key] = (team.id, user_ids)
        if team_def.members[0][0] == people.CURRENT_USER_LOGIN:
            set_current_user(session, user_ids[0])
    ensure_user(session, *people.ADMIN, role="admin")
    return result


def _insert_products(session: Session) -> list[tuple[uuid.UUID, str, int]]:
    """Insert the course products; return (id, name, list price in fen) tuples."""
    products = [
        (new_id(), course.name, course.price_yuan * 100) for course in people.COURSES
    ]
    rows = [
        {
            "id": product_id,
            "name": name,
            "family": course.family,
            "list_price_minor": price,
            "currency": "CNY",
            "version": 0,
            "deleted_at": None,
        }
        for (product_id, name, price), course in zip(
            products, people.COURSES, strict=True
        )
    ]
    _bulk_insert(session, Product, rows)
    return products


def _insert_customers(
    session: Session,
    rng: random.Random,
    context: DealContext,
    states: dict[str, uuid.UUID],
    count: int,
) -> list[tuple[uuid.UUID, str | None, str]]:
    """Insert the customers of one series' deals.

    Returns (id, surname or None for an organisation, name) tuples, which the
    deals of the series draw from.
    """
    series = context.series
    state_keys = _customer_state_keys(series, states)
    rows = []
    light: list[tuple[uuid.UUID, str | None, str]] = []
    for _ in range(count):
        is_organisation = rng.random() < 0.12
        if is_organisation:
            name = people.organisation_name(rng)
            surname = None
            sector = "学校" if "学" in name else "企业"
        else:
            name = people.parent_name(rng)
            surname = name[0]
            sector = "家庭"
        created = context.end - timedelta(
            seconds=rng.randrange(541 * 86400, 720 * 86400)
        )
        row_id = new_id()
        rows.append(
            {
                "id": row_id,
                "name": name,
                "state_id": states[rng.choice(state_keys)],
                "team_id": context.team_id,
                "owner_id": rng.choice(context.reps),
                "parent_id": None,
                "sector": sector,
                "country": "中国",
                "phone": people.mobile_number(rng),
                "email": "",
                "notes": "",
                "external_source": None,
                "external_key": None,
                "created_at": created,
                "updated_at": created,
                "version": 0,
                "deleted_at": None,
            }
        )
        light.append((row_id, surname, name))
    for start in range(0, len(rows), BATCH_DEALS):
        _bulk_insert(session, Customer, rows[start : start + BATCH_DEALS])
    return light


def _customer_state_keys(
    series: SeriesRecord, states: dict[str, uuid.UUID]
) -> list[str]:
    """Return the lifecycle states a customer of this series may be in."""
    by_id = {state_id: key for key, state_id in states.items()}
    keys = list(states)
    start = by_id.get(series.start_state_id) if series.start_state_id else None
    end = by_id.get(series.end_state_id) if series.end_state_id else None
    if start is None:
        return keys[:1]
    first = keys.index(start)
    last = keys.index(end) if end is not None else first
    return keys[first : max(first, last) + 1]


def _insert_deal_rows(session: Session, batch: DealRows) -> None:
    _bulk_insert(session, Opportunity, batch.deals)
    _bulk_insert(session, StageHistory, batch.history)
    _bulk_insert(session, Outcome, batch.outcomes)
    _bulk_insert(session, ProbabilityRevision, batch.revisions)
    _bulk_insert(session, ChecklistItem, batch.checklist_items)


def _bulk_insert(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]]
) -> None:
    """Insert rows with one ``executemany``; the ORM journal does not see it."""
    table: Table = model.__table__  # type: ignore[assignment]
    insert_rows(session.connection(), table, rows)
