"""Approval requests and decisions of the demo workspace.

Every open deal of the demo in a stage with approval types gets the requests
that entering it opened, addressed to its team's lead, in the states a real
inbox holds: recent ones pending, older ones mostly approved (some requested_at at a
higher amount and approved at the deal's amount, as a lead's correction
leaves them), some rejected with a comment, and a few requested_at again after a
rejection or after the approved amount changed. Deal amounts stay as the
generator made them. Won deals that passed such a stage in the last 90 days carry the
request approved before they closed, so the inbox's Decided list has history.

The rows go in with Core statements like the rest of the demo, which is not
synced; the rules they follow are those of ``services.approvals``.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from crmdesk.domain.ids import new_id
from crmdesk.domain.money import Money
from crmdesk.domain.playbook import StageKind
from crmdesk.services.approvals import team_lead_id
from crmdesk.storage.bulk import insert_rows
from crmdesk.storage.models import (
    Approval,
    ApprovalDecision,
    ApprovalType,
    Opportunity,
    Stage,
    StageHistory,
)

APPROVE_COMMENTS = (
    "同意，按学期优惠价执行。",
    "可以，注意合同里的付款节点。",
    "同意。请在本周内完成签约。",
    "OK, the family is a good referral source.",
)
CORRECTION_COMMENTS = (
    "折扣控制在九折以内，按调整后的金额签约。",
    "赠送课时不计入优惠，金额已调整。",
    "Discount capped at 10 %; amount corrected.",
)
REJECT_COMMENTS = (
    "折扣超出权限，请与家长重新沟通价格。",
    "请先补充学习方案和课时安排再提交。",
    "价格低于最低价，需调整课时包后重新申请。",
    "Below the floor price: offer the 48-lesson package instead.",
)
RECENT_DAYS = 10
"""Requests opened within this many days before today are still pending."""
HISTORY_DAYS = 90


@dataclass
class _Rows:
    approvals: list[dict[str, Any]]
    decisions: list[dict[str, Any]]


@dataclass(frozen=True)
class _Deal:
    id: uuid.UUID
    stage_id: uuid.UUID
    owner_id: uuid.UUID | None
    team_id: uuid.UUID | None
    amount_minor: int | None
    currency: str
    entered_at: datetime


def add_demo_approvals(session: Session, rng: random.Random, end: datetime) -> int:
    """Insert the demo's approval requests and decisions; return the request count.

    ``end`` is the start of the demo's today, as a UTC instant.
    """
    types = list(
        session.scalars(select(ApprovalType).where(ApprovalType.deleted_at.is_(None)))
    )
    if not types:
        return 0
    by_stage: dict[uuid.UUID, list[ApprovalType]] = {}
    for kind in types:
        by_stage.setdefault(kind.stage_id, []).append(kind)
    leads: dict[uuid.UUID | None, uuid.UUID | None] = {}
    rows = _Rows([], [])
    for deal in _deals(session, list(by_stage)):
        if deal.team_id not in leads:
            leads[deal.team_id] = team_lead_id(session, deal.team_id)
        for kind in by_stage[deal.stage_id]:
            _open_request(rng, rows, deal, kind, leads[deal.team_id], end)
    for deal, entered, left in _won_deals(session, list(by_stage), end):
        if deal.team_id not in leads:
            leads[deal.team_id] = team_lead_id(session, deal.team_id)
        for kind in by_stage[entered]:
            _closed_request(rng, rows, deal, kind, leads[deal.team_id], left)
    connection = session.connection()
    approvals: Table = Approval.__table__  # type: ignore[assignment]
    decisions: Table = ApprovalDecision.__table__  # type: ignore[assignment]
    insert_rows(connection, approvals, rows.approvals)
    insert_rows(connection, decisions, rows.decisions)
    return len(rows.approvals)


def _deals(session: Session, stage_ids: list[uuid.UUID]) -> list[_Deal]:
    query = (
        select(
            Opportunity.id,
            Opportunity.stage_id,
            Opportunity.owner_id,
            Opportunity.team_id,
            Opportunity.amount_minor,
            Opportunity.currency,
            Opportunity.stage_entered_at,
        )
        .where(Opportunity.stage_id.in_(stage_ids), Opportunity.deleted_at.is_(None))
        .order_by(Opportunity.id)
    )
    return [_Deal(*row) for row in session.execute(query)]


def _won_deals(
    session: Session, stage_ids: list[uuid.UUID], end: datetime
) -> list[tuple[_Deal, uuid.UUID, datetime]]:
    """Return won deals that left an approval stage for won in the last 90 days,
    with that stage and when they left it."""
    won_stages = select(Stage.id).where(Stage.kind == StageKind.WON.value)
    query = (
        select(
            Opportunity.id,
            Opportunity.stage_id,
            Opportunity.owner_id,
            Opportunity.team_id,
            Opportunity.amount_minor,
            Opportunity.currency,
            Opportunity.stage_entered_at,
            StageHistory.from_stage_id,
        )
        .join(StageHistory, StageHistory.opportunity_id == Opportunity.id)
        .where(
            StageHistory.from_stage_id.in_(stage_ids),
            StageHistory.to_stage_id.in_(won_stages),
            Opportunity.stage_id == StageHistory.to_stage_id,
            Opportunity.stage_entered_at >= end - timedelta(days=HISTORY_DAYS),
            Opportunity.deleted_at.is_(None),
        )
        .order_by(Opportunity.id)
    )
    result = []
    seen: set[uuid.UUID] = set()
    for row in session.execute(query):
        if row[0] in seen or row[7] is None:
            continue
        seen.add(row[0])
        result.append((_Deal(*row[:7]), row[7], row[6]))
    return result


def _request(
    deal: _Deal,
    kind: ApprovalType,
    lead: uuid.UUID | None,
    at: datetime,
    amount: int | None,
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "opportunity_id": deal.id,
        "approval_type_id": kind.id,
        "stage_id": kind.stage_id,
        "status": "pending",
        "approver_id": lead,
        "amount_minor": amount,
        "currency": deal.currency,
        "approved_amount_minor": None,
        "comment": "",
        "requested_at": at,
        "requested_by": deal.owner_id,
        "decided_at": None,
        "decided_by": None,
        "version": 0,
        "deleted_at": None,
    }


def _decide(
    rows: _Rows,
    request: dict[str, Any],
    decision: str,
    at: datetime,
    lead: uuid.UUID | None,
    comment: str,
    corrected: int | None = None,
) -> None:
    if decision in ("approved", "rejected"):
        request["status"] = decision
        request["decided_at"] = at
        request["decided_by"] = lead
        request["comment"] = comment
        if decision == "approved":
            request["approved_amount_minor"] = (
                request["amount_minor"] if corrected is None else corrected
            )
    else:
        request["status"] = "invalidated"
    rows.decisions.append(
        {
            "id": new_id(),
            "approval_id": request["id"],
            "opportunity_id": request["opportunity_id"],
            "decision": decision,
            "comment": comment,
            "amount_minor": request["amount_minor"]
            if decision != "invalidated"
            else corrected,
            "corrected_amount_minor": corrected if decision == "approved" else None,
            "currency": request["currency"],
            "decided_at": at,
            "decided_by": lead
            if decision != "invalidated"
            else request["requested_by"],
            "version": 0,
            "deleted_at": None,
        }
    )


def _money(minor: int | None, currency: str) -> str:
    return "no amount" if minor is None else str(Money(minor, currency))


def _raised(amount: int | None, share: float) -> int | None:
    """Return the amount of which ``amount`` is ``share``, in whole hundreds."""
    if amount is None:
        return None
    return -(-int(amount / share) // 10_000) * 10_000


def _open_request(
    rng: random.Random,
    rows: _Rows,
    deal: _Deal,
    kind: ApprovalType,
    lead: uuid.UUID | None,
    end: datetime,
) -> None:
    requested_at = deal.entered_at
    request = _request(deal, kind, lead, requested_at, deal.amount_minor)
    rows.approvals.append(request)
    if requested_at >= end - timedelta(days=RECENT_DAYS) or lead is None:
        return
    decided = requested_at + timedelta(hours=rng.randint(2, 40))
    roll = rng.random()
    if roll < 0.45:
        _decide(rows, request, "approved", decided, lead, rng.choice(APPROVE_COMMENTS))
    elif roll < 0.65:
        # The rep requested_at for more; the lead approved the deal's amount.
        requested_amount = _raised(deal.amount_minor, 0.9)
        request["amount_minor"] = requested_amount
        _decide(
            rows,
            request,
            "approved",
            decided,
            lead,
            rng.choice(CORRECTION_COMMENTS),
            deal.amount_minor,
        )
    elif roll < 0.8:
        _decide(rows, request, "rejected", decided, lead, rng.choice(REJECT_COMMENTS))
    elif roll < 0.9:
        # Rejected at a higher amount, then requested_at again at the deal's amount.
        request["amount_minor"] = _raised(deal.amount_minor, 0.95)
        _decide(rows, request, "rejected", decided, lead, rng.choice(REJECT_COMMENTS))
        again = _lately(rng, decided, end)
        rows.approvals.append(_request(deal, kind, lead, again, deal.amount_minor))
    else:
        # Approved at a lower amount, then the rep raised it: reopened, pending.
        lower = None if deal.amount_minor is None else deal.amount_minor - 200_000
        request["amount_minor"] = lower
        _decide(rows, request, "approved", decided, lead, rng.choice(APPROVE_COMMENTS))
        changed = _lately(rng, decided, end)
        note = f"amount changed from {_money(lower, deal.currency)} to "
        note += _money(deal.amount_minor, deal.currency)
        _decide(rows, request, "invalidated", changed, lead, note, deal.amount_minor)
        rows.approvals.append(_request(deal, kind, lead, changed, deal.amount_minor))


def _lately(rng: random.Random, decided: datetime, end: datetime) -> datetime:
    """Return when a rep requested_at again: within the last days, after the decision.

    A request requested_at again long ago would have been decided by now.
    """
    recent = end - timedelta(hours=rng.randint(6, 24 * RECENT_DAYS))
    return max(recent, decided + timedelta(hours=3))


def _closed_request(
    rng: random.Random,
    rows: _Rows,
    deal: _Deal,
    kind: ApprovalType,
    lead: uuid.UUID | None,
    left: datetime,
) -> None:
    requested_at = left - timedelta(days=rng.randint(3, 12))
    request = _request(deal, kind, lead, requested_at, deal.amount_minor)
    rows.approvals.append(request)
    decided = requested_at + timedelta(hours=rng.randint(2, 30))
    _decide(rows, request, "approved", decided, lead, rng.choice(APPROVE_COMMENTS))
