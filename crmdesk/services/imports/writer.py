"""Writing planned deals through the stage service's batch writer, idempotently.

Both importers turn each source row into a ``DealPlan``: the deal's fields, the
open stage it starts in, the stage the file gives now, and when each step
happened. ``DealWriter`` creates and moves the deals with ``StageBatch``, which
plans every step with the same functions as ``create_opportunity`` and
``move_opportunity``, so imports get the same rules, history rows and outbox
entries as every other entry point, written in bulk at ``finish``.

The steps of one row run in a ``StageBatch.unit``: when the rules reject one
step, the row is reported and nothing of it is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from sqlalchemy.orm import Session

from crmdesk.domain.errors import CrmError, MoveRejectedError, Rejection
from crmdesk.domain.playbook import StageKind
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.deals import NewOpportunity
from crmdesk.services.imports import store
from crmdesk.services.playbooks import SeriesRecord, StageRecord
from crmdesk.services.stage_batch import StageBatch
from crmdesk.services.stages import OutcomeInput


class RowRejectedError(CrmError):
    """A source row cannot be imported; the message is the report's reason."""


class ImportAbortedError(CrmError):
    """An import cannot go on and must be rolled back whole.

    Importers raise it for errors that are not about one row.
    """


class RowStatus(StrEnum):
    """The effect of an import on one row."""

    IMPORTED = "imported"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class DealPlan:
    """A deal as a source row describes it, ready to be written.

    ``stage_times`` gives the time the deal entered each stage on its way; a
    stage missing from it is entered at ``target_at``. ``actor_user_id`` is the
    user recorded on the history rows (the deal's owner in the source).
    ``via`` lists open stages the deal passed on its way to the target, such as
    Engaging for a deal lost after engaging. Without it, a move to the lost stage
    is a single step.
    """

    line: int
    external_key: str | None
    title: str
    series_id: uuid.UUID
    start_stage: StageRecord
    created_at: datetime
    target_stage: StageRecord
    target_at: datetime
    currency: str
    customer_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    product_id: uuid.UUID | None = None
    amount: Decimal | None = None
    expected_close: date | None = None
    notes: str = ""
    outcome: OutcomeInput | None = None
    stage_times: Mapping[uuid.UUID, datetime] = field(default_factory=dict)
    actor_user_id: uuid.UUID | None = None
    via: tuple[StageRecord, ...] = ()


def plan_path(
    series: SeriesRecord, current: StageRecord, target: StageRecord
) -> list[StageRecord]:
    """Return the stages a deal passes through from ``current`` to ``target``.

    When the series forbids skipping, a forward move goes through every open
    stage in between. Moves to the lost stage, backward moves and reopening are
    single steps, and the rules decide whether they are allowed.
    """
    if current.id == target.id:
        return []
    forward = target.kind is StageKind.WON or (
        target.kind is StageKind.OPEN and target.position > current.position
    )
    if current.kind is StageKind.OPEN and forward and not series.rules.allow_skip:
        between = [
            stage
            for stage in series.open_stages
            if stage.position > current.position
            and (target.kind is not StageKind.OPEN or stage.position < target.position)
        ]
        return [*between, target]
    return [target]


def event_time(day: date, step: int = 0) -> datetime:
    """Return the UTC instant an import records for an event on a calendar day.

    Sources give dates, not times. Noon UTC keeps the calendar day the same in
    every time zone from UTC-11 to UTC+11. ``step`` adds seconds, so events of one
    deal on the same day (created, then moved) keep their order in the history.
    """
    return datetime.combine(day, time(12, 0), tzinfo=UTC) + timedelta(seconds=step)


def describe_rejections(rejections: list[Rejection]) -> str:
    """Join rejection messages into one report reason."""
    return "; ".join(rejection.message for rejection in rejections)


class DealWriter:
    """Creates and moves the deals of one import, reusing loaded rows.

    Deals are matched by ``(external_source, external_key)``. A deal that exists
    is moved only when the file's stage differs from the stage the last import
    put it in, so a stage a user set by hand after an import is kept when the
    file has not changed. Nothing is written before ``finish``.
    """

    def __init__(self, session: Session, series: SeriesRecord, source: str) -> None:
        self.session = session
        self.series = series
        self.source = source
        self.batch = StageBatch(session)
        existing = store.deals_by_key(session, source)
        self.deal_ids: dict[str, uuid.UUID] = {
            key: deal.id for key, deal in existing.items()
        }
        self.deleted: set[uuid.UUID] = {
            deal.id for deal in existing.values() if deal.deleted_at is not None
        }
        self.last_imported_stage = store.last_imported_stages(
            session, list(self.deal_ids.values())
        )

    def write(
        self, plan: DealPlan, prepare: Callable[[DealPlan], DealPlan] | None = None
    ) -> RowStatus:
        """Create or move the deal of ``plan`` in the batch.

        ``prepare`` runs only when a new deal passed the rules, just before it
        is created. It may create the customer or owner of the deal and return
        the plan with their ids, so a rejected row leaves no such rows behind.

        Raises:
            RowRejectedError: the rules reject the row; nothing of it was written.
        """
        if plan.external_key is not None:
            deal_id = self.deal_ids.get(plan.external_key)
            if deal_id is not None:
                return self._update(plan, deal_id)
        return self._create(plan, prepare)

    def _create(
        self, plan: DealPlan, prepare: Callable[[DealPlan], DealPlan] | None
    ) -> RowStatus:
        path = self._path(plan, plan.start_stage)
        if prepare is not None:
            with self.batch.trial():
                self._create_and_move(plan, path)
            plan = prepare(plan)
        with self.batch.unit():
            deal_id = self._create_and_move(plan, path)
        if plan.external_key is not None:
            self.deal_ids[plan.external_key] = deal_id
        self.last_imported_stage[deal_id] = plan.target_stage.id
        return RowStatus.IMPORTED

    def _create_and_move(self, plan: DealPlan, path: list[StageRecord]) -> uuid.UUID:
        new = NewOpportunity(
            series_id=plan.series_id,
            title=plan.title,
            customer_id=plan.customer_id,
            amount=plan.amount,
            currency=plan.currency,
            expected_close=plan.expected_close,
            owner_id=plan.owner_id,
            team_id=plan.team_id,
            product_id=plan.product_id,
            stage_id=plan.start_stage.id,
            notes=plan.notes,
            external_source=self.source if plan.external_key is not None else None,
            external_key=plan.external_key,
        )
        actor = Actor(plan.actor_user_id, ChangeSource.IMPORT, at=plan.created_at)
        try:
            deal_id = self.batch.create(new, actor)
            self._move_along(plan, deal_id, path)
        except MoveRejectedError as error:
            raise RowRejectedError(describe_rejections(error.rejections)) from None
        except CrmError as error:
            raise RowRejectedError(str(error)) from None
        return deal_id

    def _update(self, plan: DealPlan, deal_id: uuid.UUID) -> RowStatus:
        target = plan.target_stage
        if deal_id in self.deleted:
            # NOTE: a deal deleted in the app stays deleted; the file does not
            # bring it back.
            return RowStatus.UNCHANGED
        deal = self.batch.deal(deal_id)
        if deal.series_id != self.series.id:
            raise RowRejectedError(
                f"deal {plan.external_key!r} was imported into another series "
                f"({deal.series_id}), not {self.series.key!r}: import it into that "
                f"series"
            )
        last = self.last_imported_stage.get(deal_id)
        if target.id in (deal.stage_id, last):
            return RowStatus.UNCHANGED
        current = self.series.stage(deal.stage_id)
        path = self._path(plan, current)
        try:
            with self.batch.unit():
                self._move_along(plan, deal_id, path)
        except CrmError as error:
            reasons = (
                describe_rejections(error.rejections)
                if isinstance(error, MoveRejectedError)
                else str(error)
            )
            raise RowRejectedError(
                f"deal {plan.external_key!r} is in {current.name.en!r} and the file "
                f"moves it to {target.name.en!r}, but {reasons}"
            ) from None
        self.last_imported_stage[deal_id] = target.id
        return RowStatus.UPDATED

    def finish(self) -> None:
        """Write the deals, their history and outcomes; call once after the last
        ``write``."""
        self.batch.finish()

    def _path(self, plan: DealPlan, current: StageRecord) -> list[StageRecord]:
        path: list[StageRecord] = []
        for stage in plan.via:
            if current.kind is StageKind.OPEN and stage.position > current.position:
                path += plan_path(self.series, current, stage)
                current = stage
        return path + plan_path(self.series, current, plan.target_stage)

    def _move_along(
        self, plan: DealPlan, deal_id: uuid.UUID, path: list[StageRecord]
    ) -> None:
        for stage in path:
            at = plan.stage_times.get(stage.id, plan.target_at)
            outcome = plan.outcome if stage.kind.is_result else None
            actor = Actor(plan.actor_user_id, ChangeSource.IMPORT, at=at)
            self.batch.move(deal_id, stage.id, actor, outcome)
