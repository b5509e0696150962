"""Writing planned deals through the deal and stage services, idempotently.

Both importers turn each source row into a ``DealPlan``: the deal's fields, the
open stage it starts in, the stage the file gives now, and when each step
happened. ``DealWriter`` creates new deals with ``create_opportunity`` and moves
them with ``move_opportunity``, so imports get the same rules, history rows and
outbox entries as every other entry point.

Before writing, the path of moves is checked with the same pure rules the stage
service applies (``rules.check_move`` and the outcome checks), so a row the rules
reject is reported and nothing of it is written. The import needs no savepoint
per row because of this check.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from sqlalchemy.orm import Session

from crmdesk.domain.errors import CrmError, Rejection
from crmdesk.domain.playbook import LocalText, OutcomeResult, StageKind
from crmdesk.domain.rules import RejectionCode, check_move
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.deals import NewOpportunity, create_opportunity
from crmdesk.services.imports import store
from crmdesk.services.playbooks import SeriesRecord, StageRecord
from crmdesk.services.stages import (
    OutcomeInput,
    SeriesFactsCache,
    move_opportunity,
    open_required_actions,
)
from crmdesk.storage.models import Opportunity, Reason, Series, Stage


class RowRejectedError(CrmError):
    """A source row cannot be imported; the message is the report's reason."""


class ImportAbortedError(CrmError):
    """A service rejected a write that the pre-check allowed.

    Part of the row may already be written, so the whole import must be rolled
    back. This points at a difference between the pre-check and the service.
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


def check_outcome(
    series: SeriesRecord, target: StageRecord, outcome: OutcomeInput | None
) -> list[Rejection]:
    """Return why ``outcome`` cannot be recorded on entering a result stage.

    These are the checks the stage service makes, done without the store so an
    import can check a row before it writes any part of it.
    """
    if outcome is None:
        return [
            Rejection(
                RejectionCode.OUTCOME_REQUIRED,
                f"moving a deal to {target.name.en!r} needs an outcome",
            )
        ]
    if outcome.result.stage_kind is not target.kind:
        return [
            Rejection(
                RejectionCode.OUTCOME_MISMATCH,
                f"stage {target.name.en!r} is for {target.kind.value} deals, but the "
                f"outcome is {outcome.result.value}",
            )
        ]
    if outcome.result is OutcomeResult.WON:
        rejections = []
        if outcome.actual_amount is None:
            rejections.append(
                Rejection(
                    RejectionCode.AMOUNT_REQUIRED, "a won deal needs its actual amount"
                )
            )
        elif outcome.actual_amount < 0:
            rejections.append(
                Rejection(
                    RejectionCode.AMOUNT_REQUIRED,
                    f"invalid actual amount {outcome.actual_amount}: it is negative",
                )
            )
        if outcome.actual_date is None:
            rejections.append(
                Rejection(
                    RejectionCode.DATE_REQUIRED, "a won deal needs its close date"
                )
            )
        return rejections
    reasons = {r.id: r for r in series.reasons_for(OutcomeResult.LOST)}
    if outcome.reason_id is None:
        return [
            Rejection(
                RejectionCode.REASON_REQUIRED,
                "a lost deal needs a reason from the series' list",
            )
        ]
    reason = reasons.get(outcome.reason_id)
    if reason is None:
        return [
            Rejection(
                RejectionCode.REASON_UNKNOWN,
                f"reason {outcome.reason_id} is not a lost reason of this series",
            )
        ]
    if reason.note_required and not outcome.note.strip():
        return [
            Rejection(
                RejectionCode.NOTE_REQUIRED,
                f"the lost reason {reason.key!r} needs a note",
            )
        ]
    return []


def check_path(
    series: SeriesRecord,
    current: StageRecord,
    path: list[StageRecord],
    outcome: OutcomeInput | None,
    open_actions: Callable[[StageRecord], list[LocalText]],
) -> list[Rejection]:
    """Return why the moves along ``path`` would be rejected, or an empty list.

    ``open_actions`` returns the names of the required actions of a stage that
    are not done yet on this deal.
    """
    positions = series.stage_positions()
    for target in path:
        actions: list[LocalText] = []
        if series.rules.checklist_gates and current.kind is StageKind.OPEN:
            actions = open_actions(current)
        rejections = check_move(
            series.rules,
            positions,
            current.to_position(),
            target.to_position(),
            actions,
        )
        if not rejections and target.kind.is_result:
            rejections = check_outcome(series, target, outcome)
        if rejections:
            return rejections
        current = target
    return []


def _required_actions(stage: StageRecord) -> list[LocalText]:
    return [action.name for action in stage.checklist if action.required]


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
    file has not changed.
    """

    def __init__(self, session: Session, series: SeriesRecord, source: str) -> None:
        self.session = session
        self.series = series
        self.source = source
        self.facts_cache: SeriesFactsCache = {}
        self._queued: list[tuple[DealPlan, Opportunity, list[StageRecord]]] = []
        self.existing: dict[str, Opportunity] = store.deals_by_key(session, source)
        self.last_imported_stage = store.last_imported_stages(
            session, [deal.id for deal in self.existing.values()]
        )
        # The session's identity map references rows weakly. Keeping the series,
        # stage and reason rows here lets the services find them without SQL.
        self._pinned: list[object] = [
            session.get(Series, series.id),
            *(session.get(Stage, stage.id) for stage in series.stages),
            *(session.get(Reason, reason.id) for reason in series.reasons),
        ]

    def write(
        self, plan: DealPlan, prepare: Callable[[DealPlan], DealPlan] | None = None
    ) -> RowStatus:
        """Create or move the deal of ``plan``; moves of new deals wait for ``finish``.

        ``prepare`` runs only when a new deal passed the rule check, just before
        it is created. It may create the customer or owner of the deal and return
        the plan with their ids, so a rejected row leaves no such rows behind.

        Raises:
            RowRejectedError: the rules reject the row; nothing of it was written.
            ImportAbortedError: a service rejected a write after part of the row
                was written; roll back the import.
        """
        if plan.external_key is not None:
            deal = self.existing.get(plan.external_key)
            if deal is not None:
                return self._update(plan, deal)
        return self._create(plan, prepare)

    def _create(
        self, plan: DealPlan, prepare: Callable[[DealPlan], DealPlan] | None
    ) -> RowStatus:
        path = self._path(plan, plan.start_stage)
        rejections = check_path(
            self.series, plan.start_stage, path, plan.outcome, _required_actions
        )
        if rejections:
            raise RowRejectedError(describe_rejections(rejections))
        if prepare is not None:
            plan = prepare(plan)
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
            deal = create_opportunity(self.session, new, actor, defer_flush=True)
        except CrmError as error:
            # create_opportunity checks its input before it adds any row.
            raise RowRejectedError(str(error)) from None
        if plan.external_key is not None:
            self.existing[plan.external_key] = deal
        if path:
            self._queued.append((plan, deal, path))
        return RowStatus.IMPORTED

    def _update(self, plan: DealPlan, deal: Opportunity) -> RowStatus:
        target = plan.target_stage
        if deal.deleted_at is not None:
            # NOTE: a deal deleted in the app stays deleted; the file does not
            # bring it back.
            return RowStatus.UNCHANGED
        if deal.series_id != self.series.id:
            raise RowRejectedError(
                f"deal {plan.external_key!r} was imported into another series "
                f"({deal.series_id}), not {self.series.key!r}: import it into that "
                f"series"
            )
        last = self.last_imported_stage.get(deal.id)
        if target.id in (deal.stage_id, last):
            return RowStatus.UNCHANGED
        current = self.series.stage(deal.stage_id)
        path = self._path(plan, current)

        def open_actions(stage: StageRecord) -> list[LocalText]:
            return open_required_actions(self.session, deal.id, stage.id)

        rejections = check_path(self.series, current, path, plan.outcome, open_actions)
        if rejections:
            raise RowRejectedError(
                f"deal {plan.external_key!r} is in {current.name.en!r} and the file "
                f"moves it to {target.name.en!r}, but {describe_rejections(rejections)}"
            )
        self._move_along(plan, deal, path)
        return RowStatus.UPDATED

    def finish(self) -> None:
        """Make the moves of the new deals; call once after the last ``write``.

        New deals are created first and flushed together, then moved. The stage
        service finds a deal by id, which for a pending row costs a flush, so
        moving each deal right after creating it would flush once per deal.

        Raises:
            ImportAbortedError: a service rejected a move that the check allowed.
        """
        self.session.flush()
        for plan, deal, path in self._queued:
            self._move_along(plan, deal, path)
        self._queued.clear()

    def _path(self, plan: DealPlan, current: StageRecord) -> list[StageRecord]:
        path: list[StageRecord] = []
        for stage in plan.via:
            if current.kind is StageKind.OPEN and stage.position > current.position:
                path += plan_path(self.series, current, stage)
                current = stage
        return path + plan_path(self.series, current, plan.target_stage)

    def _move_along(
        self, plan: DealPlan, deal: Opportunity, path: list[StageRecord]
    ) -> None:
        for stage in path:
            at = plan.stage_times.get(stage.id, plan.target_at)
            outcome = plan.outcome if stage.kind.is_result else None
            actor = Actor(plan.actor_user_id, ChangeSource.IMPORT, at=at)
            try:
                move_opportunity(
                    self.session,
                    deal.id,
                    stage.id,
                    actor,
                    outcome,
                    facts_cache=self.facts_cache,
                )
            except CrmError as error:
                raise ImportAbortedError(
                    f"line {plan.line}: moving deal {plan.external_key or plan.title!r}"
                    f" to {stage.name.en!r} failed after the import's check allowed "
                    f"it: {error}. Nothing was imported"
                ) from error
        self.last_imported_stage[deal.id] = plan.target_stage.id
