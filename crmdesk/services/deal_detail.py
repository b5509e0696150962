"""Everything the deal detail panel shows about one deal, loaded in one call."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from crmdesk.domain.errors import NotFoundError
from crmdesk.domain.playbook import LocalText, StageKind
from crmdesk.domain.rules import effective_probability
from crmdesk.storage.models import (
    ChecklistAction,
    ChecklistItem,
    Customer,
    Opportunity,
    Outcome,
    ProbabilityRevision,
    Reason,
    Stage,
    StageHistory,
    User,
)


@dataclass(frozen=True)
class ChecklistLine:
    """One action of the deal's current stage and whether it is done."""

    action_id: uuid.UUID
    name: LocalText
    required: bool
    done: bool


@dataclass(frozen=True)
class HistoryLine:
    """One stage history row, with stage names resolved."""

    changed_at: datetime
    from_stage: LocalText | None
    to_stage: LocalText
    changed_by: str
    amount_minor: int | None
    currency: str
    probability: int
    expected_close: date | None
    source: str


@dataclass(frozen=True)
class OutcomeLine:
    """One outcome record; ``reopened_at`` is set once the deal was reopened."""

    id: uuid.UUID
    result: str
    reason: LocalText | None
    note: str
    actual_amount_minor: int | None
    currency: str
    actual_date: date | None
    recorded_at: datetime
    recorded_by: str
    reopened_at: datetime | None


@dataclass(frozen=True)
class RevisionLine:
    """One manual win probability revision; None means cleared."""

    probability: int | None
    reason: str
    changed_at: datetime
    changed_by: str


@dataclass(frozen=True)
class DealDetail:
    """A deal with its fields, checklist, history, outcomes and revisions."""

    id: uuid.UUID
    series_id: uuid.UUID
    stage_id: uuid.UUID
    stage: LocalText
    stage_kind: StageKind
    title: str
    customer_id: uuid.UUID | None
    customer: str
    owner_id: uuid.UUID | None
    owner: str
    amount_minor: int | None
    currency: str
    expected_close: date | None
    stage_probability: int
    manual_probability: int | None
    probability: int
    notes: str
    checklist: list[ChecklistLine]
    history: list[HistoryLine]
    outcomes: list[OutcomeLine]
    revisions: list[RevisionLine]


def _user_names(session: Session) -> dict[uuid.UUID, str]:
    return {
        row.id: row.display_name
        for row in session.execute(select(User.id, User.display_name))
    }


def load_deal_detail(session: Session, opportunity_id: uuid.UUID) -> DealDetail:
    """Load one deal for the detail panel.

    Raises:
        NotFoundError: the deal does not exist or was deleted.
    """
    opportunity = session.get(Opportunity, opportunity_id)
    if opportunity is None or opportunity.deleted_at is not None:
        raise NotFoundError(f"deal {opportunity_id} not found")
    stage = session.get(Stage, opportunity.stage_id)
    assert stage is not None
    customer = (
        None
        if opportunity.customer_id is None
        else session.get(Customer, opportunity.customer_id)
    )
    users = _user_names(session)
    kind = StageKind(stage.kind)
    return DealDetail(
        id=opportunity.id,
        series_id=opportunity.series_id,
        stage_id=stage.id,
        stage=LocalText(stage.name_en, stage.name_zh),
        stage_kind=kind,
        title=opportunity.title,
        customer_id=opportunity.customer_id,
        customer="" if customer is None else customer.name,
        owner_id=opportunity.owner_id,
        owner=users.get(opportunity.owner_id, "") if opportunity.owner_id else "",
        amount_minor=opportunity.amount_minor,
        currency=opportunity.currency,
        expected_close=opportunity.expected_close,
        stage_probability=stage.default_probability,
        manual_probability=opportunity.manual_probability,
        probability=effective_probability(
            kind, stage.default_probability, opportunity.manual_probability
        ),
        notes=opportunity.notes,
        checklist=_checklist(session, opportunity.id, stage.id),
        history=_history(session, opportunity.id, users),
        outcomes=_outcomes(session, opportunity.id, users),
        revisions=_revisions(session, opportunity.id, users),
    )


def _checklist(
    session: Session, opportunity_id: uuid.UUID, stage_id: uuid.UUID
) -> list[ChecklistLine]:
    done = set(
        session.scalars(
            select(ChecklistItem.action_id).where(
                ChecklistItem.opportunity_id == opportunity_id,
                ChecklistItem.done.is_(True),
            )
        )
    )
    actions = session.scalars(
        select(ChecklistAction)
        .where(
            ChecklistAction.stage_id == stage_id,
            ChecklistAction.deleted_at.is_(None),
        )
        .order_by(ChecklistAction.position)
    )
    return [
        ChecklistLine(
            action_id=action.id,
            name=LocalText(action.name_en, action.name_zh),
            required=action.required,
            done=action.id in done,
        )
        for action in actions
    ]


def _history(
    session: Session, opportunity_id: uuid.UUID, users: dict[uuid.UUID, str]
) -> list[HistoryLine]:
    source_stage = aliased(Stage)
    target_stage = aliased(Stage)
    rows = session.execute(
        select(StageHistory, source_stage, target_stage)
        .outerjoin(source_stage, source_stage.id == StageHistory.from_stage_id)
        .join(target_stage, target_stage.id == StageHistory.to_stage_id)
        .where(StageHistory.opportunity_id == opportunity_id)
        .order_by(StageHistory.changed_at, StageHistory.id)
    )
    lines = []
    for history, before, after in rows:
        lines.append(
            HistoryLine(
                changed_at=history.changed_at,
                from_stage=(
                    None
                    if before is None
                    else LocalText(before.name_en, before.name_zh)
                ),
                to_stage=LocalText(after.name_en, after.name_zh),
                changed_by=users.get(history.changed_by, "")
                if history.changed_by
                else "",
                amount_minor=history.amount_minor,
                currency=history.currency,
                probability=history.probability,
                expected_close=history.expected_close,
                source=history.source,
            )
        )
    return lines


def _outcomes(
    session: Session, opportunity_id: uuid.UUID, users: dict[uuid.UUID, str]
) -> list[OutcomeLine]:
    rows = session.execute(
        select(Outcome, Reason)
        .outerjoin(Reason, Reason.id == Outcome.reason_id)
        .where(Outcome.opportunity_id == opportunity_id)
        .order_by(Outcome.recorded_at, Outcome.id)
    )
    return [
        OutcomeLine(
            id=outcome.id,
            result=outcome.result,
            reason=None
            if reason is None
            else LocalText(reason.name_en, reason.name_zh),
            note=outcome.note,
            actual_amount_minor=outcome.actual_amount_minor,
            currency=outcome.currency,
            actual_date=outcome.actual_date,
            recorded_at=outcome.recorded_at,
            recorded_by=users.get(outcome.recorded_by, "")
            if outcome.recorded_by
            else "",
            reopened_at=outcome.reopened_at,
        )
        for outcome, reason in rows
    ]


def _revisions(
    session: Session, opportunity_id: uuid.UUID, users: dict[uuid.UUID, str]
) -> list[RevisionLine]:
    rows = session.scalars(
        select(ProbabilityRevision)
        .where(ProbabilityRevision.opportunity_id == opportunity_id)
        .order_by(ProbabilityRevision.changed_at, ProbabilityRevision.id)
    )
    return [
        RevisionLine(
            probability=row.probability,
            reason=row.reason,
            changed_at=row.changed_at,
            changed_by=users.get(row.changed_by, "") if row.changed_by else "",
        )
        for row in rows
    ]
