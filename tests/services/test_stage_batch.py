"""The batch writer writes what the single-deal services write, row for row.

One scripted sequence of creates, moves and probability changes runs once
through create_opportunity / move_opportunity / set_manual_probability, each
call in its own transaction, and once through StageBatch on a second store.
Ids differ between the stores, so every id is replaced by a label built from
keys (series, stage, reason, state, login, external key, customer name) or from
creation order. The deals have customers in different lifecycle states, so the
comparison covers the customer state changes that winning a deal writes.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from helpers.customers import insert_stateless_customer
from helpers.pipeline import PLAYBOOK, SALES, Pipeline, install
from sqlalchemy import select

from crmdesk.domain.errors import CrmError, MoveRejectedError
from crmdesk.domain.playbook import (
    CustomerStateDef,
    LocalText,
    OutcomeResult,
    SeriesRules,
)
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.customer_states import CustomerStateEffect, WinEffect
from crmdesk.services.deals import (
    NewCustomer,
    NewOpportunity,
    create_customer,
    create_opportunity,
)
from crmdesk.services.stage_batch import StageBatch
from crmdesk.services.stages import (
    OutcomeInput,
    move_opportunity,
    set_manual_probability,
)
from crmdesk.services.workspace import ensure_user
from crmdesk.storage.db import open_store
from crmdesk.storage.models import (
    Customer,
    CustomerState,
    CustomerStateChange,
    Opportunity,
    OutboxEntry,
    Outcome,
    ProbabilityRevision,
    Reason,
    Series,
    Stage,
    StageHistory,
    User,
)

# After every close date the script gives, so no win lies in the future.
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
# A series that allows skipping, moving back and reopening, without gates.
FREE = replace(
    SALES,
    key="free",
    rules=SeriesRules(
        allow_skip=True, allow_backward=True, allow_reopen=True, checklist_gates=False
    ),
)
# A state after the series' end state "customer", for a customer past it.
PARTNER = CustomerStateDef("partner", LocalText("Partner", "合作伙伴"))
BOOK = replace(
    PLAYBOOK, states=(*PLAYBOOK.states, PARTNER), series=(*PLAYBOOK.series, FREE)
)
DEAL_TABLES = {
    Opportunity,
    StageHistory,
    Outcome,
    ProbabilityRevision,
    Customer,
    CustomerStateChange,
}
# Customer name -> lifecycle state key (None: no state yet), and deal -> customer.
CUSTOMERS = {"Alpha": "lead", "Beta": "partner", "Delta": None}
DEAL_CUSTOMERS = {"a": "Alpha", "b": "Beta", "d": "Delta"}


def won(amount: str, day: date) -> OutcomeInput:
    return OutcomeInput(
        OutcomeResult.WON, actual_amount=Decimal(amount), actual_date=day
    )


def lost(reason: str, note: str = "") -> tuple[str, str]:
    return (reason, note)


# (step kind, deal key, arguments). Moves give (series, stage) and an outcome:
# an OutcomeInput for won, or a (reason key, note) pair for lost.
SCRIPT: list[tuple[str, str, Any]] = [
    ("create", "a", {"series": "free", "amount": "1000", "close": date(2026, 6, 30)}),
    ("create", "b", {"series": "free", "amount": "250.5", "probability": 30}),
    ("create", "c", {"series": "sales", "amount": "80"}),
    ("create", "d", {"series": "strict"}),
    ("move", "a", ("free", "qualified", None)),
    ("probability", "a", 55),
    ("move", "a", ("free", "proposal", None)),
    ("move", "a", ("free", "qualified", None)),  # backward
    ("move", "a", ("free", "won", OutcomeInput(OutcomeResult.WON))),  # rejected
    ("move", "a", ("free", "won", won("1200.50", date(2026, 5, 4)))),
    ("probability", "a", 10),  # rejected: the result fixes the rate
    ("move", "a", ("free", "lost", lost("price"))),  # won -> lost revert
    ("move", "a", ("free", "won", won("900", date(2026, 5, 9)))),  # lost -> won
    ("move", "a", ("free", "proposal", None)),  # reopen
    ("probability", "a", None),
    ("move", "b", ("free", "lost", lost("other"))),  # rejected: note required
    ("move", "b", ("free", "lost", lost("other", "  went elsewhere "))),
    ("move", "b", ("free", "new", None)),  # reopen lost
    ("probability", "b", 70),
    ("move", "b", ("free", "proposal", None)),
    ("move", "c", ("sales", "qualified", None)),
    ("move", "c", ("sales", "proposal", None)),  # rejected: required action open
    ("move", "c", ("sales", "won", won("80", date(2026, 4, 1)))),  # rejected
    ("move", "c", ("sales", "new", None)),  # backward
    ("move", "c", ("strict", "won", None)),  # rejected: another series
    ("move", "d", ("strict", "won", won("10", date(2026, 4, 2)))),
    ("move", "d", ("strict", "open", None)),  # rejected: no reopening
    ("move", "d", ("strict", "lost", lost("price"))),  # rejected: no reverting
    ("move", "b", ("free", "won", won("300", date(2026, 5, 20)))),  # Beta past end
]


class Store:
    """One store with the test playbook and a user, and the script's deal ids."""

    def __init__(self, path: Path) -> None:
        self.engine, self.sessions = open_store(path)
        with self.sessions.begin() as session:
            self.pipeline: Pipeline = install(session, BOOK)
            self.user_id = ensure_user(session, "ana", "Ana", role="rep").id
            states = {row.key: row.id for row in session.scalars(select(CustomerState))}
            self.customers: dict[str, uuid.UUID] = {}
            for name, key in CUSTOMERS.items():
                if key is None:
                    customer = insert_stateless_customer(session, name, T0)
                else:
                    customer = create_customer(
                        session,
                        NewCustomer(name, state_id=states[key]),
                        Actor(self.user_id, ChangeSource.FORM, at=T0),
                    )
                self.customers[name] = customer.id
        self.deals: dict[str, uuid.UUID] = {}
        # (step, customer name, effect) of every move that reported one.
        self.effects: list[tuple[int, str, WinEffect]] = []

    def actor(self, step: int) -> Actor:
        user = self.user_id if step % 2 else None
        return Actor(user, ChangeSource.FORM, at=T0 + timedelta(hours=step))

    def new_opportunity(self, key: str, args: dict[str, Any]) -> NewOpportunity:
        amount = args.get("amount")
        customer = DEAL_CUSTOMERS.get(key)
        return NewOpportunity(
            series_id=self.pipeline.series[args["series"]],
            customer_id=None if customer is None else self.customers[customer],
            title=f"Deal {key}",
            amount=None if amount is None else Decimal(amount),
            expected_close=args.get("close"),
            manual_probability=args.get("probability"),
            external_source="script",
            external_key=key,
        )

    def move_args(self, args: tuple[str, str, Any]) -> tuple[uuid.UUID, Any]:
        series, stage, outcome = args
        if isinstance(outcome, tuple):
            reason, note = outcome
            outcome = OutcomeInput(
                OutcomeResult.LOST,
                reason_id=self.pipeline.reasons[(series, reason)],
                note=note,
            )
        return self.pipeline.stage(series, stage), outcome

    def note_effect(self, step: int, effect: CustomerStateEffect | None) -> None:
        if effect is not None:
            self.effects.append((step, effect.customer, effect.effect))


def run_single(store: Store) -> list[tuple[str, ...]]:
    """Run the script through the single-deal services; return rejections."""
    rejected: list[tuple[str, ...]] = []
    for step, (kind, key, args) in enumerate(SCRIPT):
        actor = store.actor(step)
        try:
            with store.sessions.begin() as session:
                if kind == "create":
                    new = store.new_opportunity(key, args)
                    store.deals[key] = create_opportunity(session, new, actor).id
                elif kind == "move":
                    stage_id, outcome = store.move_args(args)
                    result = move_opportunity(
                        session, store.deals[key], stage_id, actor, outcome
                    )
                    store.note_effect(step, result.customer_state)
                else:
                    set_manual_probability(session, store.deals[key], args, actor)
        except MoveRejectedError as error:
            rejected.append((str(step), *(r.code for r in error.rejections)))
        except CrmError as error:
            rejected.append((str(step), type(error).__name__))
    return rejected


def run_batch(store: Store) -> list[tuple[str, ...]]:
    """Run the script through one StageBatch in one transaction; return rejections."""
    rejected: list[tuple[str, ...]] = []
    with store.sessions.begin() as session:
        batch = StageBatch(session)
        for step, (kind, key, args) in enumerate(SCRIPT):
            actor = store.actor(step)
            try:
                if kind == "create":
                    new = store.new_opportunity(key, args)
                    store.deals[key] = batch.create(new, actor)
                elif kind == "move":
                    stage_id, outcome = store.move_args(args)
                    result = batch.move(store.deals[key], stage_id, actor, outcome)
                    store.note_effect(step, result.customer_state)
                else:
                    batch.set_manual_probability(store.deals[key], args, actor)
            except MoveRejectedError as error:
                rejected.append((str(step), *(r.code for r in error.rejections)))
            except CrmError as error:
                rejected.append((str(step), type(error).__name__))
        batch.finish()
    return rejected


def labels(store: Store) -> dict[str, str]:
    """Map every id string of the store to a label that is equal across stores."""
    result: dict[str, str] = {}
    with store.sessions() as session:
        series_keys = {row.id: row.key for row in session.scalars(select(Series))}
        for row in session.scalars(select(Series)):
            result[str(row.id)] = f"series:{row.key}"
        for stage in session.scalars(select(Stage)):
            result[str(stage.id)] = f"stage:{series_keys[stage.series_id]}:{stage.key}"
        for reason in session.scalars(select(Reason)):
            result[str(reason.id)] = (
                f"reason:{series_keys[reason.series_id]}:{reason.key}"
            )
        for user in session.scalars(select(User)):
            result[str(user.id)] = f"user:{user.login}"
        for state in session.scalars(select(CustomerState)):
            result[str(state.id)] = f"state:{state.key}"
        for customer in session.scalars(select(Customer)):
            result[str(customer.id)] = f"customer:{customer.name}"
        changes = session.scalars(
            select(CustomerStateChange).order_by(
                CustomerStateChange.changed_at, CustomerStateChange.id
            )
        )
        for change in changes:
            customer_label = result[str(change.customer_id)]
            result[str(change.id)] = f"state_change:{customer_label}"
        for deal in session.scalars(select(Opportunity)):
            result[str(deal.id)] = f"deal:{deal.external_key}"
        for model, time_column in (
            (StageHistory, StageHistory.changed_at),
            (Outcome, Outcome.recorded_at),
            (ProbabilityRevision, ProbabilityRevision.changed_at),
        ):
            counts: dict[str, int] = defaultdict(int)
            rows = session.scalars(select(model).order_by(time_column, model.id))
            for row in rows:
                deal = result[str(row.opportunity_id)]
                counts[deal] += 1
                result[str(row.id)] = f"{model.__tablename__}:{deal}:{counts[deal]}"
    return result


def canonical(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, uuid.UUID):
        value = str(value)
    if isinstance(value, dict):
        return {key: canonical(item, names) for key, item in value.items()}
    if isinstance(value, str):
        return names.get(value, value)
    return value


def table_rows(store: Store, names: dict[str, str]) -> dict[str, list[Any]]:
    result: dict[str, list[Any]] = {}
    with store.sessions() as session:
        for model in DEAL_TABLES:
            columns = [column.key for column in model.__table__.columns]
            rows = [
                {key: canonical(getattr(row, key), names) for key in columns}
                for row in session.scalars(select(model))
            ]
            result[model.__tablename__] = sorted(rows, key=lambda row: row["id"])
    return result


def outbox_events(store: Store, names: dict[str, str]) -> list[list[Any]]:
    """Return the deal tables' outbox entries, grouped by clock stamp in seq order.

    Entries of one event are sorted, because the ORM orders updates of one
    flush by the session's identity set.
    """
    tables = {model.__tablename__ for model in DEAL_TABLES}
    events: dict[int, list[Any]] = {}
    with store.sessions() as session:
        entries = session.scalars(select(OutboxEntry).order_by(OutboxEntry.seq))
        for entry in entries:
            if entry.table_name not in tables:
                continue
            events.setdefault(entry.hlc, []).append(
                (
                    entry.table_name,
                    canonical(entry.row_id, names),
                    entry.operation,
                    json.dumps(canonical(json.loads(entry.changes), names)),
                    json.dumps(canonical(json.loads(entry.base_values), names)),
                    entry.base_version,
                )
            )
    return [sorted(event) for event in events.values()]


@pytest.fixture
def stores(tmp_path: Path):
    single = Store(tmp_path / "single.sqlite3")
    batch = Store(tmp_path / "batch.sqlite3")
    yield single, batch
    single.engine.dispose()
    batch.engine.dispose()


def test_batch_and_single_reject_the_same_steps(stores):
    single, batch = stores
    assert run_batch(batch) == run_single(single)


def test_rejection_codes_are_as_worked_out(stores):
    single, _batch = stores
    assert run_single(single) == [
        ("8", "amount_required", "date_required"),
        ("10", "ValidationError"),
        ("15", "note_required"),
        ("21", "required_actions_open"),
        ("22", "skip_forbidden", "required_actions_open"),
        ("24", "other_series"),
        ("26", "reopen_forbidden"),
        ("27", "reopen_forbidden"),
    ]


def test_batch_and_single_report_same_effects(stores):
    single, batch = stores
    run_single(single)
    run_batch(batch)
    assert batch.effects == single.effects


def test_win_effects_are_as_worked_out(stores):
    single, _batch = stores
    run_single(single)
    assert single.effects == [
        (9, "Alpha", WinEffect.MOVED),  # lead -> customer
        (11, "Alpha", WinEffect.KEPT_ON_REOPEN),  # won -> lost revert
        (12, "Alpha", WinEffect.ALREADY_THERE),  # lost -> won again
        (13, "Alpha", WinEffect.KEPT_ON_REOPEN),  # reopened to proposal
        (25, "Delta", WinEffect.MOVED),  # no state -> customer
        (28, "Beta", WinEffect.PAST_END),  # partner stays partner
    ]


def test_batch_writes_the_same_rows(stores):
    single, batch = stores
    run_single(single)
    run_batch(batch)
    single_rows = table_rows(single, labels(single))
    batch_rows = table_rows(batch, labels(batch))
    for table, rows in single_rows.items():
        assert batch_rows[table] == rows, table


def test_batch_writes_the_same_outbox_entries(stores):
    single, batch = stores
    run_single(single)
    run_batch(batch)
    single_events = outbox_events(single, labels(single))
    batch_events = outbox_events(batch, labels(batch))
    assert len(batch_events) == len(single_events)
    for index, event in enumerate(single_events):
        assert batch_events[index] == event, index


def test_script_rows_match_hand_count(stores):
    _single, batch = stores
    run_batch(batch)
    rows = table_rows(batch, labels(batch))
    # 4 creates and 14 allowed moves; outcomes: a won, lost, won; b lost, won;
    # d won.
    assert len(rows["stage_history"]) == 18
    assert len(rows["outcomes"]) == 6
    # b at creation and 70; a 55, cleared by its first outcome, cleared by hand;
    # b cleared by its lost outcome and by its won outcome.
    assert len(rows["probability_revisions"]) == 7
    deal_a = next(r for r in rows["opportunities"] if r["external_key"] == "a")
    assert deal_a["stage_id"] == "stage:free:proposal"
    assert deal_a["amount_minor"] == 90000
    assert deal_a["expected_close"] == date(2026, 5, 9)
    assert deal_a["manual_probability"] is None
    reopened = [r for r in rows["outcomes"] if r["reopened_at"] is not None]
    assert len(reopened) == 4
    # Creating Alpha and Beta writes their first states at T0 (Delta is stored
    # without one). Alpha's first win and Delta's win move a customer; the rest
    # keep states.
    changes = sorted(
        rows["customer_state_history"],
        key=lambda r: (r["changed_at"], r["customer_id"]),
    )
    assert [
        (r["customer_id"], r["from_state_id"], r["to_state_id"]) for r in changes
    ] == [
        ("customer:Alpha", None, "state:lead"),
        ("customer:Beta", None, "state:partner"),
        ("customer:Alpha", "state:lead", "state:customer"),
        ("customer:Delta", None, "state:customer"),
    ]
    assert [r["opportunity_id"] for r in changes] == [None, None, "deal:a", "deal:d"]
    assert [r["changed_at"] for r in changes] == [
        T0,
        T0,
        T0 + timedelta(hours=9),
        T0 + timedelta(hours=25),
    ]
    assert changes[0]["changed_by"] == "user:ana"
    assert changes[2]["changed_by"] == "user:ana"
    states = {r["name"]: r["state_id"] for r in rows["customers"]}
    assert states == {
        "Alpha": "state:customer",
        "Beta": "state:partner",
        "Delta": "state:customer",
    }
    changed_at = {r["name"]: r["state_changed_at"] for r in rows["customers"]}
    assert changed_at["Alpha"] == T0 + timedelta(hours=9)
    assert changed_at["Beta"] == T0
    assert changed_at["Delta"] == T0 + timedelta(hours=25)


def test_rejected_unit_leaves_no_rows_of_its_deal(stores):
    _single, store = stores
    with store.sessions.begin() as session:
        batch = StageBatch(session)
        with batch.unit():
            kept = batch.create(
                store.new_opportunity("kept", {"series": "free"}), store.actor(0)
            )
            batch.move(kept, store.pipeline.stage("free", "qualified"), store.actor(1))
        with pytest.raises(MoveRejectedError), batch.unit():
            dropped = batch.create(
                store.new_opportunity("dropped", {"series": "strict"}), store.actor(0)
            )
            won_stage = store.pipeline.stage("strict", "won")
            batch.move(dropped, won_stage, store.actor(1), won("5", date(2026, 4, 1)))
            batch.move(dropped, store.pipeline.stage("strict", "open"), store.actor(2))
        batch.finish()
    with store.sessions() as session:
        keys = list(session.scalars(select(Opportunity.external_key)))
        history = list(session.scalars(select(StageHistory.opportunity_id)))
        outcomes = list(session.scalars(select(Outcome.id)))
        journaled = set(session.scalars(select(OutboxEntry.row_id)))
    assert keys == ["kept"]
    assert history == [kept, kept]
    assert outcomes == []
    assert dropped not in journaled
    assert kept in journaled
