"""Many deal creations and stage moves in one transaction, written in bulk.

``StageBatch`` is the import's path to the stage service. Each ``create``,
``move`` and ``set_manual_probability`` is decided by the same planning
functions as the single-deal services (``deals.plan_create``,
``stages.plan_move``, ``stages.plan_probability``), against deal values the
batch keeps in memory. ``finish`` then writes every row with SQLAlchemy Core:
one executemany INSERT per table with each new row's final values, and one
executemany UPDATE by primary key for rows that existed before the batch.

Contract with the outbox: Core statements bypass the ``before_flush`` journal
listener, so the batch journals explicitly through ``storage.outbox``. Each call
is one journal event, as if it had been its own flush: an insert entry for each
new row with the values it was created with, and an update entry for each
changed row with the columns that call changed, their values before it, and
the row's server version. The entries are byte for byte those the ORM path
builds; only ``seq``, ``mutation_id``, ``created_at`` and the clock stamps
differ. Until ``finish`` the session sees none of the batch's rows.

A move that wins a deal also moves the deal's customer to the series' end
state, as ``customer_states.apply_won_deal`` does on the ORM path: the
customer's state columns and a ``CustomerStateChange`` row are part of the
move's event.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from crmdesk.domain.errors import NotFoundError
from crmdesk.domain.playbook import LocalText, StageKind
from crmdesk.services.context import Actor
from crmdesk.services.customer_states import (
    CustomerFacts,
    CustomerStateEffect,
    StateFacts,
    plan_won_deal,
    reopen_effect,
)
from crmdesk.services.deals import (
    NewOpportunity,
    PeopleCache,
    plan_create,
    resolve_people,
)
from crmdesk.services.stages import (
    DealState,
    MovePlan,
    MoveResult,
    OutcomeInput,
    SeriesFacts,
    SeriesFactsCache,
    cached_series_facts,
    current_outcome,
    enters_won,
    gate_applies,
    open_required_actions,
    origin_stage,
    plan_move,
    plan_probability,
)
from crmdesk.storage.bulk import ROW_ID, insert_rows, update_rows
from crmdesk.storage.models import (
    Base,
    Customer,
    CustomerState,
    CustomerStateChange,
    Opportunity,
    Outcome,
    ProbabilityRevision,
    StageHistory,
)
from crmdesk.storage.outbox import (
    insert_changes,
    journal_entry,
    jsonable,
    order_entries,
    write_journal,
)

# The columns of existing rows that a batch may change, written by its UPDATEs.
_UPDATED_COLUMNS: dict[type[Base], tuple[str, ...]] = {
    Opportunity: (
        "stage_id",
        "stage_entered_at",
        "updated_at",
        "amount_minor",
        "currency",
        "expected_close",
        "manual_probability",
    ),
    Outcome: ("reopened_at", "reopened_by"),
    Customer: ("state_id", "state_changed_at", "updated_at"),
}
# Parents before children, so foreign keys hold at every INSERT.
_INSERT_ORDER: tuple[type[Base], ...] = (
    Opportunity,
    Outcome,
    ProbabilityRevision,
    StageHistory,
    CustomerStateChange,
)


@dataclasses.dataclass
class _Row:
    """A row the batch writes: its values now and whether it is new.

    For a row that existed, ``values`` holds only the updatable columns.
    ``current_outcome_id`` and ``origin_stage_id`` are used on deals only.
    """

    model: type[Base]
    values: dict[str, Any]
    version: int
    new: bool
    current_outcome_id: uuid.UUID | None = None
    origin_stage_id: uuid.UUID | None = None

    def copy(self) -> _Row:
        return dataclasses.replace(self, values=dict(self.values))


@dataclasses.dataclass
class _Operation:
    """One journaled row write of an event."""

    kind: str
    model: type[Base]
    row_id: uuid.UUID
    changes: dict[str, Any]
    base_values: dict[str, Any]
    base_version: int


class StageBatch:
    """Creates and moves deals in memory and writes them at ``finish``.

    The rules, rejections and rows are those of ``create_opportunity``,
    ``move_opportunity`` and ``set_manual_probability``; only the writing
    differs. A rejected call raises as the service does and records nothing.
    Wrap the calls for one deal in ``unit()`` to drop all of them when one is
    rejected.

    Deals created by the batch have no checklist rows, so the checklist gate
    sees all required actions of their stage as open. The batch must be the
    only writer of the deals and customers it touches until ``finish``.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._facts: SeriesFactsCache = {}
        self._people = PeopleCache()
        self._rows: dict[tuple[type[Base], uuid.UUID], _Row] = {}
        self._events: list[list[_Operation]] = []
        self._required: dict[uuid.UUID, list[LocalText]] = {}
        self._states: dict[uuid.UUID, StateFacts | None] = {}
        # Rows as they were before the current unit; None for rows it created.
        self._undo: dict[tuple[type[Base], uuid.UUID], _Row | None] | None = None

    # Units ----------------------------------------------------------------------

    @contextmanager
    def unit(self) -> Iterator[None]:
        """Undo every call made inside the block when the block raises."""
        if self._undo is not None:
            raise RuntimeError("a StageBatch unit is already open; units do not nest")
        self._undo = {}
        events = len(self._events)
        try:
            yield
        except BaseException:
            self._restore(events)
            raise
        finally:
            self._undo = None

    @contextmanager
    def trial(self) -> Iterator[None]:
        """Run calls to see whether they raise, then undo them in any case."""
        with self.unit():
            events = len(self._events)
            yield
            self._restore(events)

    def _restore(self, events: int) -> None:
        assert self._undo is not None
        del self._events[events:]
        for key, row in self._undo.items():
            if row is None:
                self._rows.pop(key, None)
            else:
                self._rows[key] = row
        self._undo.clear()

    def _touch(self, model: type[Base], row_id: uuid.UUID) -> None:
        if self._undo is None:
            return
        key = (model, row_id)
        if key not in self._undo:
            row = self._rows.get(key)
            self._undo[key] = None if row is None else row.copy()

    # Deal state --------------------------------------------------------------

    def deal(self, opportunity_id: uuid.UUID) -> DealState:
        """Return a deal's planning values, as the batch's calls left them.

        Raises:
            NotFoundError: the deal does not exist or is deleted.
        """
        row = self._deal_row(opportunity_id)
        values = row.values
        return DealState(
            id=opportunity_id,
            series_id=values["series_id"],
            stage_id=values["stage_id"],
            amount_minor=values["amount_minor"],
            currency=values["currency"],
            expected_close=values["expected_close"],
            manual_probability=values["manual_probability"],
            current_outcome_id=row.current_outcome_id,
            origin_stage_id=row.origin_stage_id,
        )

    def _deal_row(self, opportunity_id: uuid.UUID) -> _Row:
        row = self._rows.get((Opportunity, opportunity_id))
        if row is not None:
            return row
        opportunity = self.session.get(Opportunity, opportunity_id)
        if opportunity is None or opportunity.deleted_at is not None:
            raise NotFoundError(f"deal {opportunity_id} not found")
        values = {
            key: getattr(opportunity, key) for key in _UPDATED_COLUMNS[Opportunity]
        }
        values["series_id"] = opportunity.series_id
        values["customer_id"] = opportunity.customer_id
        row = _Row(Opportunity, values, opportunity.version, new=False)
        facts = cached_series_facts(self.session, opportunity.series_id, self._facts)
        stage = facts.stages.get(opportunity.stage_id)
        if stage is not None and stage.kind.is_result:
            outcome = current_outcome(self.session, opportunity_id)
            if outcome is not None:
                row.current_outcome_id = outcome.id
                self._load_outcome(outcome)
            row.origin_stage_id = origin_stage(self.session, opportunity_id)
        self._touch(Opportunity, opportunity_id)
        self._rows[(Opportunity, opportunity_id)] = row
        return row

    def _load_outcome(self, outcome: Outcome) -> None:
        key = (Outcome, outcome.id)
        if key in self._rows:
            return
        values = {
            column: getattr(outcome, column) for column in _UPDATED_COLUMNS[Outcome]
        }
        self._touch(Outcome, outcome.id)
        self._rows[key] = _Row(Outcome, values, outcome.version, new=False)

    def _open_actions(self, deal: DealState, row: _Row) -> list[LocalText]:
        facts = self._facts[deal.series_id]
        if not gate_applies(facts, deal):
            return []
        if not row.new:
            return open_required_actions(self.session, deal.id, deal.stage_id)
        actions = self._required.get(deal.stage_id)
        if actions is None:
            actions = open_required_actions(self.session, None, deal.stage_id)
            self._required[deal.stage_id] = actions
        return actions

    # Calls ---------------------------------------------------------------------

    def create(self, new: NewOpportunity, actor: Actor) -> uuid.UUID:
        """Plan a new deal as ``create_opportunity`` does; return its id.

        Raises:
            ValidationError, NotFoundError: as ``create_opportunity``.
        """
        facts = cached_series_facts(self.session, new.series_id, self._facts)
        owner_id, team_id = resolve_people(self.session, new, actor, self._people)
        plan = plan_create(facts, new, owner_id, team_id, actor)
        event: list[_Operation] = []
        self._insert(event, Opportunity, plan.opportunity)
        if plan.revision is not None:
            self._insert(event, ProbabilityRevision, plan.revision)
        self._insert(event, StageHistory, plan.history)
        self._events.append(event)
        return plan.opportunity["id"]  # type: ignore[no-any-return]

    def move(
        self,
        opportunity_id: uuid.UUID,
        stage_id: uuid.UUID,
        actor: Actor,
        outcome: OutcomeInput | None = None,
    ) -> MoveResult:
        """Plan a stage move as ``move_opportunity`` does.

        Raises:
            MoveRejectedError, NotFoundError, ValidationError: as
                ``move_opportunity``; nothing is recorded.
        """
        row = self._deal_row(opportunity_id)
        deal = self.deal(opportunity_id)
        facts = cached_series_facts(self.session, deal.series_id, self._facts)
        # Imported history opens no approval requests and meets no approval
        # gate: those moves already happened (see services/approvals.py).
        plan = plan_move(
            facts, deal, stage_id, actor, outcome, self._open_actions(deal, row)
        )
        event: list[_Operation] = []
        reopened_id = plan.result.reopened_outcome_id
        if plan.reopen is not None and reopened_id is not None:
            self._update(event, Outcome, reopened_id, plan.reopen)
        if plan.outcome is not None:
            self._insert(event, Outcome, plan.outcome)
        if plan.revision is not None:
            self._insert(event, ProbabilityRevision, plan.revision)
        self._update(event, Opportunity, opportunity_id, plan.opportunity)
        self._insert(event, StageHistory, plan.history)
        after = plan.deal_after(deal)
        deal_row = self._rows[(Opportunity, opportunity_id)]
        deal_row.current_outcome_id = after.current_outcome_id
        deal_row.origin_stage_id = after.origin_stage_id
        left = facts.stages[deal.stage_id].kind
        effect = self._customer_state(event, deal_row, facts, plan, left, actor)
        self._events.append(event)
        if effect is None:
            return plan.result
        return dataclasses.replace(plan.result, customer_state=effect)

    # Customer states ------------------------------------------------------------

    def _customer_state(
        self,
        event: list[_Operation],
        deal_row: _Row,
        facts: SeriesFacts,
        plan: MovePlan,
        left: StageKind,
        actor: Actor,
    ) -> CustomerStateEffect | None:
        """Apply a win to the deal's customer, as ``apply_won_deal`` does."""
        customer_id: uuid.UUID | None = deal_row.values["customer_id"]
        won = enters_won(plan)
        if customer_id is None or not (won or left is StageKind.WON):
            return None
        customer = self._customer(customer_id)
        if customer is None:
            return None
        current = self._state(customer.state_id)
        end = self._state(facts.end_state_id)
        if not won:
            return reopen_effect(customer, current, end)
        if end is None:
            return None
        effect, state_plan = plan_won_deal(
            customer, current, end, plan.result.opportunity_id, actor
        )
        if state_plan is not None:
            self._update(event, Customer, customer_id, state_plan.customer)
            self._insert(event, CustomerStateChange, state_plan.history)
        return effect

    def _customer(self, customer_id: uuid.UUID) -> CustomerFacts | None:
        """Return a customer's planning values as the batch's calls left them."""
        key = (Customer, customer_id)
        row = self._rows.get(key)
        if row is None:
            customer = self.session.get(Customer, customer_id)
            if customer is None:
                return None
            values = {
                column: getattr(customer, column)
                for column in _UPDATED_COLUMNS[Customer]
            }
            values["name"] = customer.name
            values["team_id"] = customer.team_id
            values["deleted"] = customer.deleted_at is not None
            row = _Row(Customer, values, customer.version, new=False)
            self._touch(Customer, customer_id)
            self._rows[key] = row
        values = row.values
        return CustomerFacts(
            customer_id,
            values["name"],
            values["state_id"],
            values["team_id"],
            values["deleted"],
        )

    def _state(self, state_id: uuid.UUID | None) -> StateFacts | None:
        if state_id is None:
            return None
        if state_id not in self._states:
            row = self.session.get(CustomerState, state_id)
            self._states[state_id] = None if row is None else StateFacts.of(row)
        return self._states[state_id]

    def set_manual_probability(
        self,
        opportunity_id: uuid.UUID,
        probability: int | None,
        actor: Actor,
        reason: str = "",
    ) -> int:
        """Plan a manual probability change as ``set_manual_probability`` does.

        Returns the effective probability afterwards.

        Raises:
            ValidationError, NotFoundError: as ``set_manual_probability``.
        """
        deal = self.deal(opportunity_id)
        facts = cached_series_facts(self.session, deal.series_id, self._facts)
        plan = plan_probability(
            facts.stages[deal.stage_id], deal, probability, actor, reason
        )
        event: list[_Operation] = []
        self._insert(event, ProbabilityRevision, plan.revision)
        self._update(event, Opportunity, opportunity_id, plan.opportunity)
        self._events.append(event)
        return plan.probability

    def _insert(
        self, event: list[_Operation], model: type[Base], values: dict[str, Any]
    ) -> None:
        row_id: uuid.UUID = values["id"]
        self._touch(model, row_id)
        self._rows[(model, row_id)] = _Row(model, dict(values), 0, new=True)
        event.append(
            _Operation("insert", model, row_id, insert_changes(model, values), {}, 0)
        )

    def _update(
        self,
        event: list[_Operation],
        model: type[Base],
        row_id: uuid.UUID,
        values: dict[str, Any],
    ) -> None:
        """Set ``values`` on a row; journal the columns whose value changed."""
        self._touch(model, row_id)
        row = self._rows[(model, row_id)]
        changes: dict[str, Any] = {}
        bases: dict[str, Any] = {}
        for key, value in values.items():
            before = row.values[key]
            if before == value:
                continue
            changes[key] = jsonable(value)
            bases[key] = jsonable(before)
            row.values[key] = value
        if changes:
            event.append(
                _Operation("update", model, row_id, changes, bases, row.version)
            )

    # Writing -------------------------------------------------------------------

    def finish(self) -> None:
        """Write every planned row and its outbox entries; the batch is then empty.

        Pending ORM rows are flushed first, because new deals may refer to them.
        ORM instances of updated rows in the session are expired, so they are
        read again with the batch's values.
        """
        self.session.flush()
        connection = self.session.connection()
        new_rows: dict[type[Base], list[dict[str, Any]]] = {
            model: [] for model in _INSERT_ORDER
        }
        changed_rows: dict[type[Base], list[tuple[uuid.UUID, _Row]]] = {
            model: [] for model in _UPDATED_COLUMNS
        }
        for (model, row_id), row in self._rows.items():
            if row.new:
                new_rows[model].append(row.values)
            else:
                changed_rows[model].append((row_id, row))
        for model in _INSERT_ORDER:
            insert_rows(connection, _table(model), new_rows[model])
        for model, columns in _UPDATED_COLUMNS.items():
            table = _table(model)
            updates = [
                {ROW_ID: row_id, **{key: row.values[key] for key in columns}}
                for row_id, row in changed_rows[model]
            ]
            update_rows(connection, table, updates)
            for update_row in updates:
                self._expire(model, update_row[ROW_ID])
        self._journal()
        self._rows.clear()
        self._events.clear()

    def _journal(self) -> None:
        now = datetime.now(UTC)
        events: list[list[dict[str, Any]]] = []
        for event in self._events:
            inserts: list[dict[str, Any]] = []
            updates: list[dict[str, Any]] = []
            for operation in event:
                entry = journal_entry(
                    operation.model.__tablename__,
                    operation.row_id,
                    operation.kind,
                    operation.changes,
                    now,
                    base_version=operation.base_version,
                    base_values=operation.base_values,
                )
                (inserts if operation.kind == "insert" else updates).append(entry)
            events.append(order_entries(inserts, updates, []))
        write_journal(self.session, events)

    def _expire(self, model: type[Base], row_id: uuid.UUID) -> None:
        key = self.session.identity_key(model, row_id)
        instance = self.session.identity_map.get(key)
        if instance is not None:
            self.session.expire(instance)


def _table(model: type[Base]) -> Table:
    return Base.metadata.tables[model.__tablename__]
