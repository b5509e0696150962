"""The one service for stage changes, outcomes, reopening and win probability.

The board, the detail form, bulk actions, the importer and the command line all
call these functions, so the same rules, history rows and outbox entries result
whatever the entry point. Each function takes an open session and leaves the
commit to the caller, so one user action is one transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

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
    RejectionCode,
    StagePosition,
    check_move,
    effective_probability,
)
from crmdesk.services.context import Actor
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
    """What the outcome dialog collects when a deal enters a result stage.

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


@dataclass
class BulkMoveResult:
    """What a bulk move did: the moves applied and the deals rejected, with why."""

    moved: list[MoveResult] = field(default_factory=list)
    rejected: dict[uuid.UUID, MoveRejectedError] = field(default_factory=dict)


@dataclass(frozen=True)
class _SeriesFacts:
    rules: SeriesRules
    stages: dict[uuid.UUID, Stage]
    positions: dict[uuid.UUID, StagePosition]


# Series facts by series id, shared by the calls of one caller (see move_opportunity).
SeriesFactsCache = dict[uuid.UUID, _SeriesFacts]


def _series_facts(session: Session, series_id: uuid.UUID) -> _SeriesFacts:
    series = session.get(Series, series_id)
    if series is None:
        raise NotFoundError(f"series {series_id} not found")
    stages = session.scalars(
        select(Stage)
        .where(Stage.series_id == series_id, Stage.deleted_at.is_(None))
        .order_by(Stage.position)
    ).all()
    rules = SeriesRules(
        allow_skip=series.allow_skip,
        allow_backward=series.allow_backward,
        allow_reopen=series.allow_reopen,
        checklist_gates=series.checklist_gates,
    )
    return _SeriesFacts(
        rules=rules,
        stages={s.id: s for s in stages},
        positions={
            s.id: StagePosition(s.id, s.name_en, StageKind(s.kind), s.position)
            for s in stages
        },
    )


def _get_opportunity(session: Session, opportunity_id: uuid.UUID) -> Opportunity:
    opportunity = session.get(Opportunity, opportunity_id)
    if opportunity is None or opportunity.deleted_at is not None:
        raise NotFoundError(f"deal {opportunity_id} not found")
    return opportunity


def open_required_actions(
    session: Session, opportunity_id: uuid.UUID, stage_id: uuid.UUID
) -> list[LocalText]:
    """Return the labels of the required actions of a stage not done yet."""
    done = (
        select(ChecklistItem.action_id)
        .where(
            ChecklistItem.opportunity_id == opportunity_id,
            ChecklistItem.done.is_(True),
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(ChecklistAction.name_en, ChecklistAction.name_zh)
        .where(
            ChecklistAction.stage_id == stage_id,
            ChecklistAction.required.is_(True),
            ChecklistAction.deleted_at.is_(None),
            ChecklistAction.id.not_in(done),
        )
        .order_by(ChecklistAction.position)
    )
    return [LocalText(row.name_en, row.name_zh) for row in rows]


def _check_outcome(
    session: Session,
    opportunity: Opportunity,
    target: Stage,
    outcome: OutcomeInput | None,
) -> list[Rejection]:
    kind = StageKind(target.kind)
    if outcome is None:
        return [
            Rejection(
                RejectionCode.OUTCOME_REQUIRED,
                f"moving a deal to {target.name_en!r} needs an outcome: "
                f"record whether it was won or lost",
                {"stage": target.name_en},
            )
        ]
    if outcome.result.stage_kind is not kind:
        return [
            Rejection(
                RejectionCode.OUTCOME_MISMATCH,
                f"stage {target.name_en!r} is for {kind.value} deals, but the "
                f"outcome says {outcome.result.value}",
                {"stage": target.name_en, "result": outcome.result.value},
            )
        ]
    if outcome.result is OutcomeResult.WON:
        return _check_won(outcome)
    return _check_lost(session, opportunity, outcome)


def _check_won(outcome: OutcomeInput) -> list[Rejection]:
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
    return rejections


def _check_lost(
    session: Session, opportunity: Opportunity, outcome: OutcomeInput
) -> list[Rejection]:
    if outcome.reason_id is None:
        return [
            Rejection(
                RejectionCode.REASON_REQUIRED,
                "a lost deal needs a reason from the series' list",
            )
        ]
    reason = session.get(Reason, outcome.reason_id)
    if (
        reason is None
        or reason.series_id != opportunity.series_id
        or reason.result != OutcomeResult.LOST.value
    ):
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
    facts = _series_facts(session, opportunity.series_id)
    return _rejections(session, opportunity, facts, stage_id, outcome, check_outcome)


def _rejections(
    session: Session,
    opportunity: Opportunity,
    facts: _SeriesFacts,
    stage_id: uuid.UUID,
    outcome: OutcomeInput | None,
    check_outcome: bool,
) -> list[Rejection]:
    target = facts.positions.get(stage_id)
    if target is None:
        return [
            Rejection(
                RejectionCode.OTHER_SERIES,
                f"stage {stage_id} is not a stage of this deal's series",
                {"stage": str(stage_id)},
            )
        ]
    current = facts.positions[opportunity.stage_id]
    open_actions: list[LocalText] = []
    if facts.rules.checklist_gates and not current.kind.is_result:
        open_actions = open_required_actions(
            session, opportunity.id, opportunity.stage_id
        )
    rejections = check_move(
        facts.rules, list(facts.positions.values()), current, target, open_actions
    )
    if not rejections and check_outcome and target.kind.is_result:
        rejections = _check_outcome(
            session, opportunity, facts.stages[stage_id], outcome
        )
    return rejections


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

    Entering a result stage records ``outcome``; leaving one reopens the deal and
    marks its outcome record as reopened, keeping it. Every move appends a stage
    history row with the amount, effective probability and close date after it.

    ``facts_cache`` lets a caller that moves many deals in one transaction (an
    import) read each series' rules and stages once: pass the same empty dict to
    every call. It must not outlive a change to the playbook.

    Raises:
        MoveRejectedError: the move breaks a rule; nothing was changed.
        NotFoundError: the deal does not exist.
    """
    opportunity = _get_opportunity(session, opportunity_id)
    cache = {} if facts_cache is None else facts_cache
    facts = cache.get(opportunity.series_id)
    if facts is None:
        facts = _series_facts(session, opportunity.series_id)
        cache[opportunity.series_id] = facts
    return _apply_move(session, opportunity, facts, stage_id, actor, outcome)


def _apply_move(
    session: Session,
    opportunity: Opportunity,
    facts: _SeriesFacts,
    stage_id: uuid.UUID,
    actor: Actor,
    outcome: OutcomeInput | None,
) -> MoveResult:
    rejections = _rejections(session, opportunity, facts, stage_id, outcome, True)
    if rejections:
        raise MoveRejectedError(rejections)

    from_stage = facts.stages[opportunity.stage_id]
    target = facts.stages[stage_id]
    reopened_id = None
    if StageKind(from_stage.kind).is_result:
        reopened_id = _mark_reopened(session, opportunity.id, actor)

    outcome_id = None
    if outcome is not None and StageKind(target.kind).is_result:
        outcome_id = _record_outcome(session, opportunity, outcome, actor)

    opportunity.stage_id = stage_id
    opportunity.stage_entered_at = actor.at
    opportunity.updated_at = actor.at
    probability = effective_probability(
        StageKind(target.kind),
        target.default_probability,
        opportunity.manual_probability,
    )
    session.add(
        StageHistory(
            opportunity_id=opportunity.id,
            from_stage_id=from_stage.id,
            to_stage_id=stage_id,
            changed_at=actor.at,
            changed_by=actor.user_id,
            amount_minor=opportunity.amount_minor,
            currency=opportunity.currency,
            probability=probability,
            expected_close=opportunity.expected_close,
            source=actor.source.value,
        )
    )
    return MoveResult(
        opportunity_id=opportunity.id,
        from_stage_id=from_stage.id,
        to_stage_id=stage_id,
        probability=probability,
        outcome_id=outcome_id,
        reopened_outcome_id=reopened_id,
    )


def _mark_reopened(
    session: Session, opportunity_id: uuid.UUID, actor: Actor
) -> uuid.UUID | None:
    current = session.scalars(
        select(Outcome)
        .where(Outcome.opportunity_id == opportunity_id, Outcome.reopened_at.is_(None))
        .order_by(Outcome.recorded_at.desc())
    ).first()
    if current is None:
        return None
    current.reopened_at = actor.at
    current.reopened_by = actor.user_id
    return current.id


def _record_outcome(
    session: Session, opportunity: Opportunity, outcome: OutcomeInput, actor: Actor
) -> uuid.UUID:
    actual_minor = None
    if outcome.actual_amount is not None:
        actual_minor = Money.parse(outcome.actual_amount, opportunity.currency).minor
    # The id is set here, not at flush time, so recording an outcome needs no
    # flush: an import records thousands of them in one transaction.
    row = Outcome(
        id=new_id(),
        opportunity_id=opportunity.id,
        result=outcome.result.value,
        reason_id=outcome.reason_id,
        note=outcome.note.strip(),
        actual_amount_minor=actual_minor,
        currency=opportunity.currency,
        actual_date=outcome.actual_date,
        recorded_at=actor.at,
        recorded_by=actor.user_id,
    )
    session.add(row)
    if outcome.result is OutcomeResult.WON:
        # The deal is worth what was actually sold; history keeps the estimate.
        opportunity.amount_minor = actual_minor
        if outcome.actual_date is not None:
            opportunity.expected_close = outcome.actual_date
    if opportunity.manual_probability is not None:
        # A manual rate estimates an open deal's chance; once the result is known
        # it no longer applies, so a reopened deal starts from the stage default.
        _revise_probability(session, opportunity, None, "outcome recorded", actor)
    return row.id


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
    facts_by_series: dict[uuid.UUID, _SeriesFacts] = {}
    for opportunity_id in opportunity_ids:
        opportunity = _get_opportunity(session, opportunity_id)
        facts = facts_by_series.get(opportunity.series_id)
        if facts is None:
            facts = _series_facts(session, opportunity.series_id)
            facts_by_series[opportunity.series_id] = facts
        try:
            moved = _apply_move(session, opportunity, facts, stage_id, actor, outcome)
        except MoveRejectedError as error:
            result.rejected[opportunity_id] = error
        else:
            result.moved.append(moved)
    return result


def _revise_probability(
    session: Session,
    opportunity: Opportunity,
    probability: int | None,
    reason: str,
    actor: Actor,
) -> None:
    opportunity.manual_probability = probability
    opportunity.updated_at = actor.at
    session.add(
        ProbabilityRevision(
            opportunity_id=opportunity.id,
            probability=probability,
            reason=reason,
            changed_at=actor.at,
            changed_by=actor.user_id,
        )
    )


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
    if probability is not None and not 0 <= probability <= 100:
        raise ValidationError(
            f"invalid win probability {probability}: enter a percentage from 0 to 100"
        )
    opportunity = _get_opportunity(session, opportunity_id)
    stage = session.get(Stage, opportunity.stage_id)
    assert stage is not None
    kind = StageKind(stage.kind)
    if kind.is_result:
        raise ValidationError(
            f"the deal is {kind.value}, so its win probability is fixed; reopen it "
            f"first to set a rate by hand"
        )
    _revise_probability(session, opportunity, probability, reason.strip(), actor)
    return effective_probability(kind, stage.default_probability, probability)


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
