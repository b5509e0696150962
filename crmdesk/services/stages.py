"""The one service for stage changes, outcomes, reopening and win probability.

The board, the detail form, bulk actions, the importer and the command line all
reach these rules, so the same checks, history rows and outbox entries result
whatever the entry point. Each decision is a pure planning step: ``plan_move``
and ``plan_probability`` (and ``deals.plan_create``) take the deal's current
values and the series facts and return the rejections or the rows to write.
``move_opportunity`` and ``set_manual_probability`` apply a plan to ORM objects,
so the outbox listener journals it; ``stage_batch.StageBatch`` applies the same
plans with Core statements for imports and journals them itself.

The ORM functions take an open session and leave the commit to the caller, so
one user action is one transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.domain.errors import (
    MoveRejectedError,
    NotFoundError,
    Rejection,
    ValidationError,
)
from crmdesk.domain.ids import new_id
from crmdesk.domain.money import Money
from crmdesk.domain.playbook import LocalText, OutcomeResult, SeriesRules, StageKind
from crmdesk.domain.rules import (
    OpenApproval,
    RejectionCode,
    StagePosition,
    check_approvals,
    check_move,
    effective_probability,
)
from crmdesk.services import approvals
from crmdesk.services.context import Actor, utc_now
from crmdesk.services.customer_states import (
    CustomerStateEffect,
    apply_won_deal,
    won_deal_reopened,
)
from crmdesk.storage.models import (
    ChecklistAction,
    ChecklistItem,
    Opportunity,
    Outcome,
    ProbabilityRevision,
    Reason,
    Series,
    Stage,
    StageHistory,
)


@dataclass(frozen=True)
class OutcomeInput:
    """The outcome the dialog collects when a deal enters a result stage.

    ``actual_amount`` is in the major unit of the deal's currency (yuan, dollars).
    """

    result: OutcomeResult
    reason_id: uuid.UUID | None = None
    note: str = ""
    actual_amount: Decimal | None = None
    actual_date: date | None = None


@dataclass(frozen=True)
class MoveResult:
    """A stage move that was applied."""

    opportunity_id: uuid.UUID
    from_stage_id: uuid.UUID
    to_stage_id: uuid.UUID
    probability: int
    outcome_id: uuid.UUID | None = None
    reopened_outcome_id: uuid.UUID | None = None
    customer_state: CustomerStateEffect | None = None


@dataclass
class BulkMoveResult:
    """The result of a bulk move: the moves applied and the deals rejected, with why."""

    moved: list[MoveResult] = field(default_factory=list)
    rejected: dict[uuid.UUID, MoveRejectedError] = field(default_factory=dict)


# Series facts -----------------------------------------------------------------


@dataclass(frozen=True)
class StageFacts:
    """The facts about one stage that planning needs."""

    id: uuid.UUID
    name_en: str
    kind: StageKind
    position: int
    default_probability: int

    @classmethod
    def of(cls, stage: Stage) -> StageFacts:
        """Return the facts of a stage row."""
        return cls(
            stage.id,
            stage.name_en,
            StageKind(stage.kind),
            stage.position,
            stage.default_probability,
        )


@dataclass(frozen=True)
class ReasonFacts:
    """A reason of a series: its English name and whether it needs a note."""

    id: uuid.UUID
    name_en: str
    note_required: bool


@dataclass(frozen=True)
class SeriesFacts:
    """The facts of a series that planning needs: rules, live stages and reasons."""

    id: uuid.UUID
    name_en: str
    currency: str
    deleted: bool
    rules: SeriesRules
    stages: dict[uuid.UUID, StageFacts]
    positions: dict[uuid.UUID, StagePosition]
    lost_reasons: dict[uuid.UUID, ReasonFacts]
    won_reasons: dict[uuid.UUID, ReasonFacts]
    end_state_id: uuid.UUID | None = None

    def first_open_stage(self) -> StageFacts | None:
        """Return the open stage with the lowest position, where new deals start."""
        for stage in self.stages.values():
            if stage.kind is StageKind.OPEN:
                return stage
        return None


# Series facts by series id, shared by the calls of one caller (see move_opportunity).
SeriesFactsCache = dict[uuid.UUID, SeriesFacts]


def load_series_facts(session: Session, series_id: uuid.UUID) -> SeriesFacts:
    """Read the facts of a series; stages are ordered by position.

    Raises:
        NotFoundError: the series does not exist.
    """
    series = session.get(Series, series_id)
    if series is None:
        raise NotFoundError(f"series {series_id} not found")
    stages = session.scalars(
        select(Stage)
        .where(Stage.series_id == series_id, Stage.deleted_at.is_(None))
        .order_by(Stage.position)
    ).all()
    # Deleted reasons stay valid for a move, as recorded outcomes refer to them.
    reasons = session.scalars(select(Reason).where(Reason.series_id == series_id)).all()
    rules = SeriesRules(
        allow_skip=series.allow_skip,
        allow_backward=series.allow_backward,
        allow_reopen=series.allow_reopen,
        checklist_gates=series.checklist_gates,
    )
    stage_facts = [StageFacts.of(stage) for stage in stages]
    return SeriesFacts(
        id=series.id,
        name_en=series.name_en,
        currency=series.currency,
        deleted=series.deleted_at is not None,
        rules=rules,
        stages={stage.id: stage for stage in stage_facts},
        positions={
            s.id: StagePosition(s.id, s.name_en, s.kind, s.position)
            for s in stage_facts
        },
        lost_reasons={
            r.id: ReasonFacts(r.id, r.name_en, r.note_required)
            for r in reasons
            if r.result == OutcomeResult.LOST.value
        },
        won_reasons={
            r.id: ReasonFacts(r.id, r.name_en, r.note_required)
            for r in reasons
            if r.result == OutcomeResult.WON.value
        },
        end_state_id=series.end_state_id,
    )


def cached_series_facts(
    session: Session, series_id: uuid.UUID, cache: SeriesFactsCache
) -> SeriesFacts:
    """Return the facts of a series from ``cache``, reading them on a miss."""
    facts = cache.get(series_id)
    if facts is None:
        facts = load_series_facts(session, series_id)
        cache[series_id] = facts
    return facts


# Planning ----------------------------------------------------------------------


@dataclass(frozen=True)
class DealState:
    """The values of a deal that stage planning reads.

    ``current_outcome_id`` is the deal's outcome that is not reopened, if any; a
    move out of a result stage marks it reopened. ``origin_stage_id`` is the open
    stage a won or lost deal was in before its result: reopening and reverting
    are checked against the series rules as moves from there.
    """

    id: uuid.UUID
    series_id: uuid.UUID
    stage_id: uuid.UUID
    amount_minor: int | None
    currency: str
    expected_close: date | None
    manual_probability: int | None
    current_outcome_id: uuid.UUID | None = None
    origin_stage_id: uuid.UUID | None = None


@dataclass(frozen=True)
class MovePlan:
    """The rows one allowed move writes.

    ``opportunity`` contains the deal's fields the move sets, ``history``,
    ``outcome`` and ``revision`` the column values of new rows (ids included),
    and ``reopen`` the fields set on the reopened outcome
    ``result.reopened_outcome_id``.
    """

    result: MoveResult
    opportunity: dict[str, Any]
    history: dict[str, Any]
    outcome: dict[str, Any] | None = None
    reopen: dict[str, Any] | None = None
    revision: dict[str, Any] | None = None

    def deal_after(self, deal: DealState) -> DealState:
        """Return the deal's values once the move is applied."""
        fields = self.opportunity
        outcome_id = deal.current_outcome_id
        if self.reopen is not None:
            outcome_id = None
        if self.outcome is not None:
            outcome_id = self.outcome["id"]
        origin = None
        if self.outcome is not None:
            # Entering a result keeps the stage the deal came from; a revert
            # from won to lost keeps the stage it had before the first result.
            came_from = self.history["from_stage_id"]
            origin = deal.origin_stage_id if self.reopen is not None else came_from
        return replace(
            deal,
            stage_id=fields["stage_id"],
            amount_minor=fields.get("amount_minor", deal.amount_minor),
            expected_close=fields.get("expected_close", deal.expected_close),
            manual_probability=fields.get(
                "manual_probability", deal.manual_probability
            ),
            current_outcome_id=outcome_id,
            origin_stage_id=origin,
        )


@dataclass(frozen=True)
class ProbabilityPlan:
    """The rows a manual probability change writes, and the probability after it."""

    opportunity: dict[str, Any]
    revision: dict[str, Any]
    probability: int


def gate_stage_id(deal: DealState) -> uuid.UUID | None:
    """Return the stage whose required actions gate a move of ``deal``.

    That is the deal's stage, or for a won or lost deal the open stage it came
    from, since reopening and reverting count as moves from there.
    """
    if deal.origin_stage_id is not None:
        return deal.origin_stage_id
    return deal.stage_id


def gate_applies(facts: SeriesFacts, deal: DealState) -> bool:
    """Return whether a move of ``deal`` needs its open required actions."""
    stage_id = gate_stage_id(deal)
    current = None if stage_id is None else facts.stages.get(stage_id)
    return (
        facts.rules.checklist_gates
        and current is not None
        and not current.kind.is_result
    )


def move_rejections(
    facts: SeriesFacts,
    deal: DealState,
    stage_id: uuid.UUID,
    outcome: OutcomeInput | None,
    open_actions: Sequence[LocalText],
    *,
    check_outcome: bool = True,
    at: datetime | None = None,
    open_approvals: Sequence[OpenApproval] = (),
) -> list[Rejection]:
    """Return every reason a move would be rejected, or an empty list.

    ``at`` is when the move happens (now by default); a won deal's close date may
    not lie after it.

    ``open_actions`` are the required actions of the deal's current stage not
    done yet; they matter only when ``gate_applies``. ``open_approvals`` are the
    deal's blocking approval requests not approved yet; they stop a promotion.
    """
    target = facts.positions.get(stage_id)
    if target is None:
        return [
            Rejection(
                RejectionCode.OTHER_SERIES,
                f"stage {stage_id} is not a stage of this deal's series",
                {"stage": str(stage_id)},
            )
        ]
    current = facts.positions[deal.stage_id]
    actions = list(open_actions) if gate_applies(facts, deal) else []
    stages = list(facts.positions.values())
    rejections = check_move(facts.rules, stages, current, target, actions)
    origin = None
    if deal.origin_stage_id is not None:
        origin = facts.positions.get(deal.origin_stage_id)
    # The rule just checked allows the reopening. Where the deal may go is then
    # decided as a move from the stage it was in before the result.
    reopening = current.kind.is_result and origin is not None
    if not rejections and reopening and origin is not None and target != origin:
        rejections = check_move(facts.rules, stages, origin, target, actions)
    if open_approvals:
        gate = origin if reopening and origin is not None else current
        rejections = rejections + check_approvals(gate, target, open_approvals)
    if not rejections and outcome is not None and not target.kind.is_result:
        rejections = [
            Rejection(
                RejectionCode.OUTCOME_NOT_EXPECTED,
                f"stage {target.name!r} is an open stage: an outcome (won or lost, "
                f"reason, amount) is recorded only when a deal enters a result "
                f"stage",
                {"stage": target.name},
            )
        ]
    if not rejections and check_outcome and target.kind.is_result:
        rejections = _check_outcome(
            facts, facts.stages[stage_id], outcome, at or utc_now()
        )
    return rejections


def _check_outcome(
    facts: SeriesFacts,
    target: StageFacts,
    outcome: OutcomeInput | None,
    at: datetime,
) -> list[Rejection]:
    if outcome is None:
        return [
            Rejection(
                RejectionCode.OUTCOME_REQUIRED,
                f"moving a deal to {target.name_en!r} needs an outcome: "
                f"record whether it was won or lost",
                {"stage": target.name_en},
            )
        ]
    if outcome.result.stage_kind is not target.kind:
        return [
            Rejection(
                RejectionCode.OUTCOME_MISMATCH,
                f"stage {target.name_en!r} is for {target.kind.value} deals, but the "
                f"outcome says {outcome.result.value}",
                {"stage": target.name_en, "result": outcome.result.value},
            )
        ]
    if outcome.result is OutcomeResult.WON:
        return _check_won(outcome, at) or _check_won_reason(facts, outcome)
    return _check_lost(facts, outcome)


def _check_won(outcome: OutcomeInput, at: datetime) -> list[Rejection]:
    rejections: list[Rejection] = []
    if outcome.actual_amount is None:
        rejections.append(
            Rejection(
                RejectionCode.AMOUNT_REQUIRED,
                "a won deal needs its actual amount",
            )
        )
    elif outcome.actual_amount < 0:
        rejections.append(
            Rejection(
                RejectionCode.AMOUNT_REQUIRED,
                f"invalid actual amount {outcome.actual_amount}: enter zero or more",
                {"amount": str(outcome.actual_amount)},
            )
        )
    if outcome.actual_date is None:
        rejections.append(
            Rejection(RejectionCode.DATE_REQUIRED, "a won deal needs its close date")
        )
    elif outcome.actual_date > latest_close_date(at):
        rejections.append(
            Rejection(
                RejectionCode.DATE_IN_FUTURE,
                f"invalid close date {outcome.actual_date.isoformat()}: a won deal "
                f"closes on or before today",
                {"date": outcome.actual_date.isoformat()},
            )
        )
    return rejections


def latest_close_date(at: datetime) -> date:
    """Return the last date a deal won at instant ``at`` may give as its close date.

    One day past the UTC date of ``at``, because the business may already be on
    the next calendar day east of UTC.
    """
    return at.astimezone(UTC).date() + timedelta(days=1)


def _check_won_reason(facts: SeriesFacts, outcome: OutcomeInput) -> list[Rejection]:
    """Check a won reason: it is optional, but one that is given must be a won
    reason of the series, with a note when the reason requires one."""
    if outcome.reason_id is None:
        return []
    reason = facts.won_reasons.get(outcome.reason_id)
    if reason is None:
        return [
            Rejection(
                RejectionCode.REASON_UNKNOWN,
                f"reason {outcome.reason_id} is not a won reason of this series",
                {"reason": str(outcome.reason_id)},
            )
        ]
    if reason.note_required and not outcome.note.strip():
        return [
            Rejection(
                RejectionCode.NOTE_REQUIRED,
                f"the reason {reason.name_en!r} needs a note that says more",
                {"reason": reason.name_en},
            )
        ]
    return []


def _check_lost(facts: SeriesFacts, outcome: OutcomeInput) -> list[Rejection]:
    if outcome.reason_id is None:
        return [
            Rejection(
                RejectionCode.REASON_REQUIRED,
                "a lost deal needs a reason from the series' list",
            )
        ]
    reason = facts.lost_reasons.get(outcome.reason_id)
    if reason is None:
        return [
            Rejection(
                RejectionCode.REASON_UNKNOWN,
                f"reason {outcome.reason_id} is not a lost reason of this series",
                {"reason": str(outcome.reason_id)},
            )
        ]
    if reason.note_required and not outcome.note.strip():
        return [
            Rejection(
                RejectionCode.NOTE_REQUIRED,
                f"the reason {reason.name_en!r} needs a note that says more",
                {"reason": reason.name_en},
            )
        ]
    return []


def plan_move(
    facts: SeriesFacts,
    deal: DealState,
    stage_id: uuid.UUID,
    actor: Actor,
    outcome: OutcomeInput | None,
    open_actions: Sequence[LocalText],
    open_approvals: Sequence[OpenApproval] = (),
) -> MovePlan:
    """Decide a move: check it and return the rows it writes.

    Entering a result stage records ``outcome``; leaving one marks the current
    outcome reopened. A won outcome sets the deal's amount and close date to the
    actual ones, and any outcome clears a manual probability with a revision.
    The history row carries the amount, effective probability and close date
    after the move.

    Raises:
        MoveRejectedError: the move breaks a rule.
        ValidationError: the actual amount has more decimals than the currency.
    """
    rejections = move_rejections(
        facts,
        deal,
        stage_id,
        outcome,
        open_actions,
        at=actor.at,
        open_approvals=open_approvals,
    )
    if rejections:
        raise MoveRejectedError(rejections)
    from_stage = facts.stages[deal.stage_id]
    target = facts.stages[stage_id]

    reopen = None
    reopened_id = None
    if from_stage.kind.is_result and deal.current_outcome_id is not None:
        reopened_id = deal.current_outcome_id
        reopen = {"reopened_at": actor.at, "reopened_by": actor.user_id}

    fields: dict[str, Any] = {}
    amount_minor = deal.amount_minor
    expected_close = deal.expected_close
    manual = deal.manual_probability
    outcome_row: dict[str, Any] | None = None
    revision = None
    if outcome is not None and target.kind.is_result:
        actual_minor = None
        if outcome.actual_amount is not None:
            actual_minor = Money.parse(outcome.actual_amount, deal.currency).minor
        outcome_row = {
            "id": new_id(),
            "opportunity_id": deal.id,
            "result": outcome.result.value,
            "reason_id": outcome.reason_id,
            "note": outcome.note.strip(),
            "actual_amount_minor": actual_minor,
            "currency": deal.currency,
            "actual_date": outcome.actual_date,
            "recorded_at": actor.at,
            "recorded_by": actor.user_id,
            "reopened_at": None,
            "reopened_by": None,
        }
        if outcome.result is OutcomeResult.WON:
            # The deal is worth what was actually sold; history keeps the estimate.
            amount_minor = actual_minor
            fields["amount_minor"] = actual_minor
            if outcome.actual_date is not None:
                expected_close = outcome.actual_date
                fields["expected_close"] = expected_close
        if manual is not None:
            # A manual rate estimates an open deal's chance. Once the result is
            # known it no longer applies, so a reopened deal starts from the
            # stage default.
            revision = revision_values(deal.id, None, "outcome recorded", actor)
            manual = None
            fields["manual_probability"] = None
    fields["stage_id"] = stage_id
    fields["stage_entered_at"] = actor.at
    fields["updated_at"] = actor.at
    probability = effective_probability(target.kind, target.default_probability, manual)
    history = history_values(
        deal.id,
        from_stage.id,
        stage_id,
        actor,
        amount_minor=amount_minor,
        currency=deal.currency,
        probability=probability,
        expected_close=expected_close,
    )
    result = MoveResult(
        opportunity_id=deal.id,
        from_stage_id=from_stage.id,
        to_stage_id=stage_id,
        probability=probability,
        outcome_id=None if outcome_row is None else outcome_row["id"],
        reopened_outcome_id=reopened_id,
    )
    return MovePlan(result, fields, history, outcome_row, reopen, revision)


def history_values(
    opportunity_id: uuid.UUID,
    from_stage_id: uuid.UUID | None,
    to_stage_id: uuid.UUID,
    actor: Actor,
    *,
    amount_minor: int | None,
    currency: str,
    probability: int,
    expected_close: date | None,
) -> dict[str, Any]:
    """Return the column values of a stage history row."""
    return {
        "id": new_id(),
        "opportunity_id": opportunity_id,
        "from_stage_id": from_stage_id,
        "to_stage_id": to_stage_id,
        "changed_at": actor.at,
        "changed_by": actor.user_id,
        "amount_minor": amount_minor,
        "currency": currency,
        "probability": probability,
        "expected_close": expected_close,
        "source": actor.source.value,
    }


def revision_values(
    opportunity_id: uuid.UUID, probability: int | None, reason: str, actor: Actor
) -> dict[str, Any]:
    """Return the column values of a probability revision row."""
    return {
        "id": new_id(),
        "opportunity_id": opportunity_id,
        "probability": probability,
        "reason": reason,
        "changed_at": actor.at,
        "changed_by": actor.user_id,
    }


def check_probability(probability: int | None) -> None:
    """Raise ValidationError unless ``probability`` is None or 0..100."""
    if probability is not None and not 0 <= probability <= 100:
        raise ValidationError(
            f"invalid win probability {probability}: enter a percentage from 0 to 100"
        )


def plan_probability(
    stage: StageFacts,
    deal: DealState,
    probability: int | None,
    actor: Actor,
    reason: str,
) -> ProbabilityPlan:
    """Decide a manual probability change of a deal in ``stage``.

    Raises:
        ValidationError: the probability is outside 0..100, or the deal is won or
            lost, where the result fixes the probability.
    """
    check_probability(probability)
    if stage.kind.is_result:
        raise ValidationError(
            f"the deal is {stage.kind.value}, so its win probability is fixed; reopen "
            f"it first to set a rate by hand"
        )
    return ProbabilityPlan(
        opportunity={"manual_probability": probability, "updated_at": actor.at},
        revision=revision_values(deal.id, probability, reason.strip(), actor),
        probability=effective_probability(
            stage.kind, stage.default_probability, probability
        ),
    )


# The ORM path ---------------------------------------------------------------------


def _get_opportunity(session: Session, opportunity_id: uuid.UUID) -> Opportunity:
    opportunity = session.get(Opportunity, opportunity_id)
    if opportunity is None or opportunity.deleted_at is not None:
        raise NotFoundError(f"deal {opportunity_id} not found")
    return opportunity


def open_required_actions(
    session: Session, opportunity_id: uuid.UUID | None, stage_id: uuid.UUID
) -> list[LocalText]:
    """Return the labels of the required actions of a stage not done yet.

    With ``opportunity_id`` None, every required action of the stage is open, as
    for a deal that has no checklist rows yet.
    """
    query = (
        select(ChecklistAction.name_en, ChecklistAction.name_zh)
        .where(
            ChecklistAction.stage_id == stage_id,
            ChecklistAction.required.is_(True),
            ChecklistAction.deleted_at.is_(None),
        )
        .order_by(ChecklistAction.position)
    )
    if opportunity_id is not None:
        done = (
            select(ChecklistItem.action_id)
            .where(
                ChecklistItem.opportunity_id == opportunity_id,
                ChecklistItem.done.is_(True),
            )
            .scalar_subquery()
        )
        query = query.where(ChecklistAction.id.not_in(done))
    return [LocalText(row.name_en, row.name_zh) for row in session.execute(query)]


def current_outcome(session: Session, opportunity_id: uuid.UUID) -> Outcome | None:
    """Return the deal's latest outcome that is not reopened, if any."""
    return session.scalars(
        select(Outcome)
        .where(Outcome.opportunity_id == opportunity_id, Outcome.reopened_at.is_(None))
        .order_by(Outcome.recorded_at.desc())
    ).first()


def origin_stage(session: Session, opportunity_id: uuid.UUID) -> uuid.UUID | None:
    """Return the open stage a deal was last in, from its stage history."""
    return session.scalars(
        select(StageHistory.to_stage_id)
        .join(Stage, Stage.id == StageHistory.to_stage_id)
        .where(
            StageHistory.opportunity_id == opportunity_id,
            Stage.kind == StageKind.OPEN.value,
        )
        .order_by(StageHistory.changed_at.desc(), StageHistory.id.desc())
        .limit(1)
    ).first()


def deal_state(
    opportunity: Opportunity,
    current_outcome_id: uuid.UUID | None = None,
    origin_stage_id: uuid.UUID | None = None,
) -> DealState:
    """Return the planning values of a deal row."""
    return DealState(
        id=opportunity.id,
        series_id=opportunity.series_id,
        stage_id=opportunity.stage_id,
        amount_minor=opportunity.amount_minor,
        currency=opportunity.currency,
        expected_close=opportunity.expected_close,
        manual_probability=opportunity.manual_probability,
        current_outcome_id=current_outcome_id,
        origin_stage_id=origin_stage_id,
    )


def _loaded_state(
    session: Session, opportunity: Opportunity, facts: SeriesFacts
) -> tuple[DealState, Outcome | None]:
    """Return a deal's planning values with, for a won or lost deal, its current
    outcome and the open stage it came from."""
    stage = facts.stages.get(opportunity.stage_id)
    if stage is None or not stage.kind.is_result:
        return deal_state(opportunity), None
    outcome = current_outcome(session, opportunity.id)
    state = deal_state(
        opportunity,
        None if outcome is None else outcome.id,
        origin_stage(session, opportunity.id),
    )
    return state, outcome


def _open_actions(
    session: Session, facts: SeriesFacts, deal: DealState
) -> list[LocalText]:
    stage_id = gate_stage_id(deal)
    if stage_id is None or not gate_applies(facts, deal):
        return []
    return open_required_actions(session, deal.id, stage_id)


def check_stage_move(
    session: Session,
    opportunity_id: uuid.UUID,
    stage_id: uuid.UUID,
    outcome: OutcomeInput | None = None,
    *,
    check_outcome: bool = True,
) -> list[Rejection]:
    """Return every reason a move would be rejected, without changing anything.

    With ``check_outcome=False`` the outcome is not examined, so the board can ask
    whether a drop on a result stage is allowed before it opens the outcome dialog.
    """
    opportunity = _get_opportunity(session, opportunity_id)
    facts = load_series_facts(session, opportunity.series_id)
    deal, _outcome = _loaded_state(session, opportunity, facts)
    return move_rejections(
        facts,
        deal,
        stage_id,
        outcome,
        _open_actions(session, facts, deal),
        check_outcome=check_outcome,
        open_approvals=_open_approvals(session, facts, deal),
    )


def move_opportunity(
    session: Session,
    opportunity_id: uuid.UUID,
    stage_id: uuid.UUID,
    actor: Actor,
    outcome: OutcomeInput | None = None,
    *,
    facts_cache: SeriesFactsCache | None = None,
) -> MoveResult:
    """Move a deal to a stage, enforcing the series rules and the checklist gate.

    ``plan_move`` decides the move and this applies it to the ORM rows. Entering
    a result stage records ``outcome``; leaving one reopens the deal and marks
    its outcome record as reopened, keeping it. Every move appends a stage
    history row with the amount, effective probability and close date after it.

    ``facts_cache`` lets a caller that moves many deals in one transaction read
    each series' rules and stages once: pass the same empty dict to every call.
    It must not outlive a change to the playbook.

    Raises:
        MoveRejectedError: the move breaks a rule; nothing was changed.
        NotFoundError: the deal does not exist.
        ValidationError: the actual amount does not fit the deal's currency.
    """
    opportunity = _get_opportunity(session, opportunity_id)
    cache = {} if facts_cache is None else facts_cache
    facts = cached_series_facts(session, opportunity.series_id, cache)
    return _apply_move(session, opportunity, facts, stage_id, actor, outcome)


def _apply_move(
    session: Session,
    opportunity: Opportunity,
    facts: SeriesFacts,
    stage_id: uuid.UUID,
    actor: Actor,
    outcome: OutcomeInput | None,
) -> MoveResult:
    deal, reopened = _loaded_state(session, opportunity, facts)
    plan = plan_move(
        facts,
        deal,
        stage_id,
        actor,
        outcome,
        _open_actions(session, facts, deal),
        _open_approvals(session, facts, deal),
    )
    if plan.reopen is not None and reopened is not None:
        for key, value in plan.reopen.items():
            setattr(reopened, key, value)
    if plan.outcome is not None:
        session.add(Outcome(**plan.outcome))
    if plan.revision is not None:
        session.add(ProbabilityRevision(**plan.revision))
    for key, value in plan.opportunity.items():
        setattr(opportunity, key, value)
    session.add(StageHistory(**plan.history))
    left = facts.stages[deal.stage_id].kind
    effect = _customer_state_hook(session, opportunity, facts, plan, left, actor)
    # The approval queries flush the session; running them last keeps the move,
    # its customer change and the approval rows in one flush, as StageBatch
    # writes them.
    _approvals_after_move(session, opportunity, deal, actor)
    if effect is None:
        return plan.result
    return replace(plan.result, customer_state=effect)


def enters_won(plan: MovePlan) -> bool:
    """Return True when a move records a won outcome."""
    return plan.outcome is not None and plan.outcome["result"] == OutcomeResult.WON


def _customer_state_hook(
    session: Session,
    opportunity: Opportunity,
    facts: SeriesFacts,
    plan: MovePlan,
    left: StageKind,
    actor: Actor,
) -> CustomerStateEffect | None:
    """Move the customer of a won deal to the series' end state.

    A won deal that is reopened or reverted to lost keeps its customer's state;
    the effect reports it (see ``customer_states``).
    """
    if enters_won(plan):
        return apply_won_deal(session, opportunity, facts.end_state_id, actor)
    if left is StageKind.WON:
        return won_deal_reopened(session, opportunity, facts.end_state_id)
    return None


def _open_approvals(
    session: Session, facts: SeriesFacts, deal: DealState
) -> list[OpenApproval]:
    """Return the deal's blocking approval requests that keep it from promotion."""
    stage_id = gate_stage_id(deal)
    stage = None if stage_id is None else facts.stages.get(stage_id)
    if stage is None or stage.kind.is_result:
        return []
    return approvals.open_blocking(session, deal.id, stage.position)


def _approvals_after_move(
    session: Session, opportunity: Opportunity, before: DealState, actor: Actor
) -> None:
    """Open the requests of the entered stage; a won amount may invalidate some."""
    if opportunity.amount_minor != before.amount_minor:
        approvals.amount_changed(session, opportunity, actor)
    approvals.stage_entered(session, opportunity, actor)


def move_opportunities(
    session: Session,
    opportunity_ids: list[uuid.UUID],
    stage_id: uuid.UUID,
    actor: Actor,
    outcome: OutcomeInput | None = None,
) -> BulkMoveResult:
    """Move several deals to one stage; each deal is checked and moved on its own.

    Deals whose move is rejected stay where they are and are listed in
    ``rejected``; the others are moved, each with its own history row.
    """
    result = BulkMoveResult()
    facts_by_series: SeriesFactsCache = {}
    for opportunity_id in opportunity_ids:
        opportunity = _get_opportunity(session, opportunity_id)
        facts = cached_series_facts(session, opportunity.series_id, facts_by_series)
        try:
            moved = _apply_move(session, opportunity, facts, stage_id, actor, outcome)
        except MoveRejectedError as error:
            result.rejected[opportunity_id] = error
        else:
            result.moved.append(moved)
    return result


def set_manual_probability(
    session: Session,
    opportunity_id: uuid.UUID,
    probability: int | None,
    actor: Actor,
    reason: str = "",
) -> int:
    """Set a deal's manual win probability in percent, or clear it with None.

    Every call is kept as a revision with who, when and why. Returns the
    effective probability afterwards.

    Raises:
        ValidationError: the probability is outside 0..100, or the deal is won or
            lost, where the result fixes the probability.
    """
    check_probability(probability)
    opportunity = _get_opportunity(session, opportunity_id)
    stage = session.get(Stage, opportunity.stage_id)
    assert stage is not None
    plan = plan_probability(
        StageFacts.of(stage), deal_state(opportunity), probability, actor, reason
    )
    for key, value in plan.opportunity.items():
        setattr(opportunity, key, value)
    session.add(ProbabilityRevision(**plan.revision))
    return plan.probability


def set_checklist_action(
    session: Session,
    opportunity_id: uuid.UUID,
    action_id: uuid.UUID,
    done: bool,
    actor: Actor,
) -> None:
    """Tick or untick one checklist action of a deal."""
    opportunity = _get_opportunity(session, opportunity_id)
    action = session.get(ChecklistAction, action_id)
    stage = None if action is None else session.get(Stage, action.stage_id)
    if action is None or stage is None or stage.series_id != opportunity.series_id:
        raise NotFoundError(
            f"checklist action {action_id} is not an action of this deal's series"
        )
    item = session.scalars(
        select(ChecklistItem).where(
            ChecklistItem.opportunity_id == opportunity_id,
            ChecklistItem.action_id == action_id,
        )
    ).first()
    if item is None:
        session.add(
            ChecklistItem(
                opportunity_id=opportunity_id,
                action_id=action_id,
                done=done,
                changed_at=actor.at,
                changed_by=actor.user_id,
            )
        )
    elif item.done != done:
        item.done = done
        item.changed_at = actor.at
        item.changed_by = actor.user_id
