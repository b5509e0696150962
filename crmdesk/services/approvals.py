"""Stage-triggered approvals: requests, the lead's decision, invalidation.

The rules, in the order a deal meets them:

- Entering a stage that has approval types opens one pending request per type.
  This holds for the board, the form, bulk moves, the command line and a new
  deal created in that stage. The request goes to the lead of the deal's team:
  ``Team.lead_id``, else the team's first user (by login) with the role "lead".
  A team without a lead gives a request with no approver. It stays pending, the
  inbox shows it as "no approver", and an admin may decide it.
- Re-entering the stage opens nothing when the type's current request is
  pending (it is still waiting), approved for the deal's amount, or rejected
  while the deal's amount is still the one that was rejected. An invalidated
  current request, or a rejected or approved one whose amount differs from the
  deal's, gets a new pending request.
- A rejected request keeps a blocking gate shut. The rep asks again by changing
  the deal: changing its amount opens a new pending request at once, and after
  any other edit of the deal (its ``updated_at`` later than the rejection)
  ``request_again`` opens one by hand.
- A blocking type (``blocks_promotion``) keeps the deal from moving forward (to
  a later open stage or to won) while its current request is pending or
  rejected, from the stage that opened it and from any later stage the deal
  reached. Moving back or to lost is always allowed. The stage service asks
  ``open_blocking`` before every move.
- The lead of the deal's team, or an admin, approves or rejects a pending
  request. A rejection needs a comment. An approval may correct the amount:
  the deal's ``amount_minor`` becomes the corrected amount in the same
  transaction, and the request keeps it as ``approved_amount_minor``.
- Changing the amount of a deal (``amount_changed``, called by every service
  that writes ``amount_minor``) invalidates its approved requests whose
  approved amount differs from the new one, each with an "invalidated" decision
  row, and opens a new pending request for each of them and for each rejected
  request, so a blocking gate applies again. Pending requests take the new
  amount. New requests open only while the deal has reached the type's stage
  (or is won); a deal moved back gets them when it enters the stage again.
- Every decision is an ``ApprovalDecision`` row; request rows change status
  but are never deleted.

Imports of historical data (``StageBatch``) open no requests and are not
gated: the deals they load closed or moved long ago, and a request nobody can
act on would fill the lead's inbox with noise.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Container, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from sqlalchemy import select, type_coerce
from sqlalchemy.orm import Session

from crmdesk.domain.errors import NotFoundError, ValidationError
from crmdesk.domain.money import Money
from crmdesk.domain.playbook import LocalText, StageKind
from crmdesk.domain.rules import OpenApproval
from crmdesk.services.context import Actor
from crmdesk.storage.models import (
    Approval,
    ApprovalDecision,
    ApprovalType,
    Customer,
    Opportunity,
    Stage,
    Team,
    User,
)
from crmdesk.storage.raw_values import RAW_TIME, RAW_UUID, UuidCache


class ApprovalStatus(StrEnum):
    """The status of a request (see ``Approval``)."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    INVALIDATED = "invalidated"


class Decision(StrEnum):
    """The decision an ``ApprovalDecision`` row records."""

    APPROVED = "approved"
    REJECTED = "rejected"
    INVALIDATED = "invalidated"


# Who may decide -------------------------------------------------------------------


def deal_team_id(session: Session, opportunity: Opportunity) -> uuid.UUID | None:
    """Return the deal's team, or its owner's team when the deal names none."""
    if opportunity.team_id is not None:
        return opportunity.team_id
    if opportunity.owner_id is None:
        return None
    owner = session.get(User, opportunity.owner_id)
    return None if owner is None else owner.team_id


def team_lead_id(session: Session, team_id: uuid.UUID | None) -> uuid.UUID | None:
    """Return the lead of a team: ``Team.lead_id``, else its first "lead" user.

    Returns None when the team has no lead (or the deal has no team).
    """
    if team_id is None:
        return None
    team = session.get(Team, team_id)
    if team is not None and team.lead_id is not None:
        lead = session.get(User, team.lead_id)
        if lead is not None and lead.deleted_at is None:
            return lead.id
    return session.scalars(
        select(User.id)
        .where(
            User.team_id == team_id,
            User.role == "lead",
            User.deleted_at.is_(None),
        )
        .order_by(User.login)
        .limit(1)
    ).first()


def check_decider(
    session: Session, opportunity: Opportunity, user_id: uuid.UUID | None
) -> User:
    """Return the user deciding a request of ``opportunity``, or raise.

    Only the lead of the deal's team or an admin may decide, and a lead not on
    a deal of their own: that request goes to an admin.

    Raises:
        ValidationError: no current user, or the user may not decide.
    """
    if user_id is None:
        raise ValidationError(
            "no current user is set in this store: start crmdesk once and enter "
            "who you are, then decide the request"
        )
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"user {user_id} not found")
    if user.role == "admin":
        return user
    team_id = deal_team_id(session, opportunity)
    lead_id = team_lead_id(session, team_id)
    if lead_id == user.id and opportunity.owner_id == user.id:
        raise ValidationError(
            f"{user.display_name} ({user.login}) owns the deal "
            f"{opportunity.title!r}: a request on one's own deal is decided by an "
            "admin"
        )
    if lead_id == user.id:
        return user
    team = None if team_id is None else session.get(Team, team_id)
    team_name = "no team" if team is None else f"team {team.name!r}"
    raise ValidationError(
        f"{user.display_name} ({user.login}) may not decide approvals of the deal "
        f"{opportunity.title!r}: only the lead of its {team_name} or an admin may"
    )


def may_decide(
    session: Session, opportunity_id: uuid.UUID, user_id: uuid.UUID | None
) -> bool:
    """Return whether ``user_id`` may decide the requests of a deal."""
    opportunity = session.get(Opportunity, opportunity_id)
    if opportunity is None:
        return False
    try:
        check_decider(session, opportunity, user_id)
    except (ValidationError, NotFoundError):
        return False
    return True


class _HasRequestColumns(Protocol):
    @property
    def approval_type_id(self) -> uuid.UUID: ...
    @property
    def status(self) -> str: ...
    @property
    def requested_at(self) -> datetime: ...
    @property
    def id(self) -> uuid.UUID: ...


_Request = TypeVar("_Request", bound=_HasRequestColumns)


# Reading requests ----------------------------------------------------------------


_RANK = {
    ApprovalStatus.PENDING.value: 3,
    ApprovalStatus.APPROVED.value: 3,
    ApprovalStatus.REJECTED.value: 2,
    ApprovalStatus.INVALIDATED.value: 1,
}
"""Rank of each status when choosing a type's current request; among equal
ranks the newest request wins."""


def _current_by_type(approvals: Iterable[_Request]) -> dict[uuid.UUID, _Request]:
    """Return each type's current request among a deal's requests.

    The current request is the pending or approved one if there is one, else
    the newest rejected one, else the newest invalidated one. Ids are UUIDv7,
    so a later request has a greater id.
    """
    current: dict[uuid.UUID, _Request] = {}
    for approval in approvals:
        current_request = current.get(approval.approval_type_id)
        key = (_RANK.get(approval.status, 0), approval.requested_at, approval.id)
        if current_request is None or key > (
            _RANK.get(current_request.status, 0),
            current_request.requested_at,
            current_request.id,
        ):
            current[approval.approval_type_id] = approval
    return current


def _deal_approvals(session: Session, opportunity_id: uuid.UUID) -> list[Approval]:
    return list(
        session.scalars(
            select(Approval).where(
                Approval.opportunity_id == opportunity_id,
                Approval.deleted_at.is_(None),
            )
        )
    )


def current_requests(
    session: Session, opportunity_id: uuid.UUID
) -> dict[uuid.UUID, Approval]:
    """Return the current request of each approval type of a deal."""
    return _current_by_type(_deal_approvals(session, opportunity_id))


def open_blocking(
    session: Session, opportunity_id: uuid.UUID, reached_position: int
) -> list[OpenApproval]:
    """Return the deal's blocking requests that are pending or rejected.

    Only requests of stages at or before ``reached_position`` (the position of
    the open stage the deal is in, or came from) count.
    """
    current = current_requests(session, opportunity_id)
    waiting = [
        a
        for a in current.values()
        if a.status in (ApprovalStatus.PENDING.value, ApprovalStatus.REJECTED.value)
    ]
    if not waiting:
        return []
    result = []
    for approval in sorted(waiting, key=lambda a: a.requested_at):
        kind = session.get(ApprovalType, approval.approval_type_id)
        stage = session.get(Stage, approval.stage_id)
        if kind is None or stage is None or not kind.blocks_promotion:
            continue
        if kind.deleted_at is not None or stage.position > reached_position:
            continue
        result.append(
            OpenApproval(kind.name_en, kind.name_zh, stage.name_en, approval.status)
        )
    return result


# Opening requests ---------------------------------------------------------------


def _new_request(
    session: Session,
    opportunity: Opportunity,
    kind: ApprovalType,
    actor: Actor,
) -> Approval:
    approval = Approval(
        opportunity_id=opportunity.id,
        approval_type_id=kind.id,
        stage_id=kind.stage_id,
        status=ApprovalStatus.PENDING.value,
        approver_id=team_lead_id(session, deal_team_id(session, opportunity)),
        amount_minor=opportunity.amount_minor,
        currency=opportunity.currency,
        approved_amount_minor=None,
        comment="",
        requested_at=actor.at,
        requested_by=actor.user_id,
    )
    session.add(approval)
    return approval


def _needs_new_request(current: Approval | None, amount_minor: int | None) -> bool:
    if current is None:
        return True
    status = current.status
    if status == ApprovalStatus.PENDING.value:
        return False
    if status == ApprovalStatus.APPROVED.value:
        return current.approved_amount_minor != amount_minor
    if status == ApprovalStatus.REJECTED.value:
        return current.amount_minor != amount_minor
    return True


def stage_types(session: Session, stage_id: uuid.UUID) -> list[ApprovalType]:
    """Return the live approval types of a stage in playbook order."""
    return list(
        session.scalars(
            select(ApprovalType)
            .where(ApprovalType.stage_id == stage_id, ApprovalType.deleted_at.is_(None))
            .order_by(ApprovalType.position)
        )
    )


def stage_entered(
    session: Session, opportunity: Opportunity, actor: Actor
) -> list[Approval]:
    """Open the requests of the stage ``opportunity`` has just entered.

    Call after the deal's ``stage_id`` is set. Returns the requests opened.
    """
    types = stage_types(session, opportunity.stage_id)
    if not types:
        return []
    current = current_requests(session, opportunity.id)
    opened = []
    for kind in types:
        current_request = current.get(kind.id)
        if (
            current_request is not None
            and current_request.status == ApprovalStatus.APPROVED.value
            and current_request.approved_amount_minor != opportunity.amount_minor
        ):
            _invalidate(session, current_request, opportunity.amount_minor, actor)
        if _needs_new_request(current_request, opportunity.amount_minor):
            opened.append(_new_request(session, opportunity, kind, actor))
    return opened


def _reached(session: Session, opportunity: Opportunity, stage_id: uuid.UUID) -> bool:
    """Return whether the deal is in or past ``stage_id`` (a won deal is past)."""
    deal_stage = session.get(Stage, opportunity.stage_id)
    approval_stage = session.get(Stage, stage_id)
    if deal_stage is None or approval_stage is None:
        return False
    if deal_stage.kind == StageKind.WON.value:
        return True
    return (
        deal_stage.kind == StageKind.OPEN.value
        and deal_stage.position >= approval_stage.position
    )


def _invalidate(
    session: Session, approval: Approval, new_amount: int | None, actor: Actor
) -> None:
    approval.status = ApprovalStatus.INVALIDATED.value
    session.add(
        ApprovalDecision(
            approval_id=approval.id,
            opportunity_id=approval.opportunity_id,
            decision=Decision.INVALIDATED.value,
            comment=_amount_change_note(
                approval.approved_amount_minor, new_amount, approval.currency
            ),
            amount_minor=new_amount,
            corrected_amount_minor=None,
            currency=approval.currency,
            decided_at=actor.at,
            decided_by=actor.user_id,
        )
    )


def _money_text(minor: int | None, currency: str) -> str:
    return "no amount" if minor is None else str(Money(minor, currency))


def _amount_change_note(old: int | None, new: int | None, currency: str) -> str:
    return (
        f"amount changed from {_money_text(old, currency)} "
        f"to {_money_text(new, currency)}"
    )


def amount_changed(
    session: Session,
    opportunity: Opportunity,
    actor: Actor,
    *,
    keep: uuid.UUID | None = None,
) -> list[Approval]:
    """Apply the deal's new ``amount_minor`` to its requests; return new requests.

    Approved requests for another amount are invalidated and asked again;
    rejected requests for another amount are asked again; pending requests take
    the new amount. ``keep`` names a request left alone (the one whose approval
    set the amount). Call after setting ``opportunity.amount_minor``.
    """
    amount = opportunity.amount_minor
    opened = []
    for approval in current_requests(session, opportunity.id).values():
        if approval.id == keep:
            continue
        if approval.status == ApprovalStatus.PENDING.value:
            if approval.amount_minor != amount or approval.currency != (
                opportunity.currency
            ):
                approval.amount_minor = amount
                approval.currency = opportunity.currency
            continue
        same_currency = approval.currency == opportunity.currency
        if approval.status == ApprovalStatus.APPROVED.value:
            if approval.approved_amount_minor == amount and same_currency:
                continue
            _invalidate(session, approval, amount, actor)
        elif approval.status == ApprovalStatus.REJECTED.value:
            if approval.amount_minor == amount and same_currency:
                continue
        else:
            continue
        kind = session.get(ApprovalType, approval.approval_type_id)
        if kind is None or kind.deleted_at is not None:
            continue
        if _reached(session, opportunity, approval.stage_id):
            opened.append(_new_request(session, opportunity, kind, actor))
    return opened


# Deciding ------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionResult:
    """A decision that was recorded, and the requests it opened elsewhere."""

    approval_id: uuid.UUID
    opportunity_id: uuid.UUID
    status: str
    approved_amount_minor: int | None
    reopened: tuple[uuid.UUID, ...] = ()


def _pending(session: Session, approval_id: uuid.UUID) -> tuple[Approval, Opportunity]:
    approval = session.get(Approval, approval_id)
    if approval is None or approval.deleted_at is not None:
        raise NotFoundError(f"approval request {approval_id} not found")
    opportunity = session.get(Opportunity, approval.opportunity_id)
    if opportunity is None or opportunity.deleted_at is not None:
        raise NotFoundError(f"deal of approval request {approval_id} not found")
    if approval.status != ApprovalStatus.PENDING.value:
        raise ValidationError(
            f"approval request {approval_id} is already {approval.status}: only a "
            f"pending request can be decided"
        )
    return approval, opportunity


def parse_amount(amount: str | Decimal, currency: str) -> int:
    """Read a corrected amount in the major unit of ``currency``; return minor units.

    Raises:
        ValidationError: not a number, too many decimals, or below zero.
    """
    money = Money.parse(amount, currency)
    if money.minor < 0:
        raise ValidationError(f"invalid amount {amount}: enter zero or more")
    return money.minor


def approve(
    session: Session,
    approval_id: uuid.UUID,
    actor: Actor,
    comment: str = "",
    amount: str | Decimal | None = None,
) -> DecisionResult:
    """Approve a pending request, optionally at a corrected amount.

    ``amount`` is in the major unit of the deal's currency. A corrected amount
    becomes the deal's amount; other approved requests of the deal for another
    amount are then invalidated and asked again.

    Raises:
        NotFoundError: the request or its deal does not exist.
        ValidationError: the request is not pending, the actor may not decide,
            or the amount is invalid.
    """
    approval, opportunity = _pending(session, approval_id)
    check_decider(session, opportunity, actor.user_id)
    corrected = None
    if amount is not None and str(amount).strip():
        corrected = parse_amount(amount, opportunity.currency)
    approved = opportunity.amount_minor if corrected is None else corrected
    approval.status = ApprovalStatus.APPROVED.value
    approval.approved_amount_minor = approved
    approval.comment = comment.strip()
    approval.decided_at = actor.at
    approval.decided_by = actor.user_id
    approval.amount_minor = opportunity.amount_minor
    session.add(
        ApprovalDecision(
            approval_id=approval.id,
            opportunity_id=opportunity.id,
            decision=Decision.APPROVED.value,
            comment=comment.strip(),
            amount_minor=opportunity.amount_minor,
            corrected_amount_minor=corrected,
            currency=opportunity.currency,
            decided_at=actor.at,
            decided_by=actor.user_id,
        )
    )
    reopened: list[Approval] = []
    if corrected is not None and corrected != opportunity.amount_minor:
        opportunity.amount_minor = corrected
        opportunity.updated_at = actor.at
        reopened = amount_changed(session, opportunity, actor, keep=approval.id)
    session.flush()
    return DecisionResult(
        approval.id,
        opportunity.id,
        approval.status,
        approved,
        tuple(a.id for a in reopened),
    )


def reject(
    session: Session, approval_id: uuid.UUID, actor: Actor, comment: str
) -> DecisionResult:
    """Reject a pending request with the comment the rep reads.

    Raises:
        NotFoundError: the request or its deal does not exist.
        ValidationError: the request is not pending, the actor may not decide,
            or the comment is empty.
    """
    approval, opportunity = _pending(session, approval_id)
    check_decider(session, opportunity, actor.user_id)
    text = comment.strip()
    if not text:
        raise ValidationError(
            "a rejection needs a comment: tell the rep what to change before "
            "asking again"
        )
    approval.status = ApprovalStatus.REJECTED.value
    approval.comment = text
    approval.decided_at = actor.at
    approval.decided_by = actor.user_id
    session.add(
        ApprovalDecision(
            approval_id=approval.id,
            opportunity_id=opportunity.id,
            decision=Decision.REJECTED.value,
            comment=text,
            amount_minor=approval.amount_minor,
            corrected_amount_minor=None,
            currency=approval.currency,
            decided_at=actor.at,
            decided_by=actor.user_id,
        )
    )
    session.flush()
    return DecisionResult(approval.id, opportunity.id, approval.status, None)


def request_again(session: Session, approval_id: uuid.UUID, actor: Actor) -> uuid.UUID:
    """Ask again for a rejected request after the deal was changed.

    Returns the id of the new pending request.

    Raises:
        NotFoundError: the request or its deal does not exist.
        ValidationError: the request is not the current rejected one of its
            type, or the deal was not changed since the rejection.
    """
    approval = session.get(Approval, approval_id)
    if approval is None or approval.deleted_at is not None:
        raise NotFoundError(f"approval request {approval_id} not found")
    opportunity = session.get(Opportunity, approval.opportunity_id)
    if opportunity is None or opportunity.deleted_at is not None:
        raise NotFoundError(f"deal of approval request {approval_id} not found")
    current = current_requests(session, opportunity.id).get(approval.approval_type_id)
    if approval.status != ApprovalStatus.REJECTED.value or current is not approval:
        raise ValidationError(
            f"approval request {approval_id} is {approval.status}, not the current "
            f"rejected request of its deal: only a rejected request can be asked "
            f"again"
        )
    decided = approval.decided_at
    if decided is not None and opportunity.updated_at <= decided:
        raise ValidationError(
            f"the deal {opportunity.title!r} has not changed since the rejection: "
            f"change what the lead asked for, then ask again"
        )
    kind = session.get(ApprovalType, approval.approval_type_id)
    if kind is None or kind.deleted_at is not None:
        raise ValidationError(
            f"the approval type of request {approval_id} was removed from the "
            f"playbook, so it cannot be asked again"
        )
    new = _new_request(session, opportunity, kind, actor)
    session.flush()
    return new.id


# Views for the inbox, the deal detail and the command line -----------------------


@dataclass(frozen=True)
class DecisionLine:
    """One decision of a request's history."""

    decision: str
    comment: str
    amount_minor: int | None
    corrected_amount_minor: int | None
    currency: str
    decided_at: datetime
    decided_by: str


@dataclass(frozen=True)
class ApprovalRecord:
    """A request as the inbox, the deal detail and the command line show it.

    ``approver`` is the display name of the approver, or "" when the team had no
    lead. ``current`` is False for a request replaced by a newer one of its type.
    """

    id: uuid.UUID
    opportunity_id: uuid.UUID
    deal_title: str
    customer: str
    owner: str
    team: str
    stage: LocalText
    name: LocalText
    blocks_promotion: bool
    status: str
    approver: str
    amount_minor: int | None
    approved_amount_minor: int | None
    currency: str
    deal_amount_minor: int | None
    comment: str
    requested_at: datetime
    requested_by: str
    decided_at: datetime | None
    decided_by: str
    current: bool
    history: tuple[DecisionLine, ...] = ()


class _Names:
    """Display names of users and teams, read once each."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.users: dict[uuid.UUID, str] = {}
        self.teams: dict[uuid.UUID, str] = {}

    def user(self, user_id: uuid.UUID | None) -> str:
        if user_id is None:
            return ""
        if user_id not in self.users:
            user = self.session.get(User, user_id)
            self.users[user_id] = "" if user is None else user.display_name
        return self.users[user_id]

    def team(self, team_id: uuid.UUID | None) -> str:
        if team_id is None:
            return ""
        if team_id not in self.teams:
            team = self.session.get(Team, team_id)
            self.teams[team_id] = "" if team is None else team.name
        return self.teams[team_id]


def _records(
    session: Session, approvals: list[Approval], *, with_history: bool
) -> list[ApprovalRecord]:
    names = _Names(session)
    by_deal: dict[uuid.UUID, list[Approval]] = {}
    for approval in approvals:
        by_deal.setdefault(approval.opportunity_id, []).append(approval)
    current_ids: set[uuid.UUID] = set()
    for deal_id in by_deal:
        current_ids.update(a.id for a in current_requests(session, deal_id).values())
    history: dict[uuid.UUID, list[DecisionLine]] = {}
    if with_history and approvals:
        rows = session.scalars(
            select(ApprovalDecision)
            .where(ApprovalDecision.approval_id.in_([a.id for a in approvals]))
            .order_by(ApprovalDecision.decided_at, ApprovalDecision.id)
        )
        for row in rows:
            history.setdefault(row.approval_id, []).append(
                DecisionLine(
                    row.decision,
                    row.comment,
                    row.amount_minor,
                    row.corrected_amount_minor,
                    row.currency,
                    row.decided_at,
                    names.user(row.decided_by),
                )
            )
    records = []
    for approval in approvals:
        deal = session.get(Opportunity, approval.opportunity_id)
        kind = session.get(ApprovalType, approval.approval_type_id)
        stage = session.get(Stage, approval.stage_id)
        if deal is None or kind is None or stage is None:
            continue
        customer = (
            None
            if deal.customer_id is None
            else session.get(Customer, deal.customer_id)
        )
        records.append(
            ApprovalRecord(
                id=approval.id,
                opportunity_id=deal.id,
                deal_title=deal.title,
                customer="" if customer is None else customer.name,
                owner=names.user(deal.owner_id),
                team=names.team(deal_team_id(session, deal)),
                stage=LocalText(stage.name_en, stage.name_zh),
                name=LocalText(kind.name_en, kind.name_zh),
                blocks_promotion=kind.blocks_promotion,
                status=approval.status,
                approver=names.user(approval.approver_id),
                amount_minor=approval.amount_minor,
                approved_amount_minor=approval.approved_amount_minor,
                currency=approval.currency,
                deal_amount_minor=deal.amount_minor,
                comment=approval.comment,
                requested_at=approval.requested_at,
                requested_by=names.user(approval.requested_by),
                decided_at=approval.decided_at,
                decided_by=names.user(approval.decided_by),
                current=approval.id in current_ids,
                history=tuple(history.get(approval.id, ())),
            )
        )
    return records


def deal_approvals(session: Session, opportunity_id: uuid.UUID) -> list[ApprovalRecord]:
    """Return every request of a deal with its decisions, newest first."""
    approvals = sorted(
        _deal_approvals(session, opportunity_id),
        key=lambda a: (a.requested_at, a.id),
        reverse=True,
    )
    return _records(session, approvals, with_history=True)


class InboxFilter(StrEnum):
    """The requests the inbox lists: pending, decided or all."""

    PENDING = "pending"
    DECIDED = "decided"
    ALL = "all"


def visible_team_ids(session: Session, user_id: uuid.UUID | None) -> set[uuid.UUID]:
    """Return the teams whose requests ``user_id`` decides (as their lead)."""
    if user_id is None:
        return set()
    led = set(session.scalars(select(Team.id).where(Team.lead_id == user_id)))
    user = session.get(User, user_id)
    if (
        user is not None
        and user.team_id is not None
        and user.role == "lead"
        and team_lead_id(session, user.team_id) == user.id
    ):
        led.add(user.team_id)
    return led


def inbox(
    session: Session,
    user_id: uuid.UUID | None,
    listing: InboxFilter = InboxFilter.PENDING,
) -> list[ApprovalRecord]:
    """Return the requests listed in the approvals inbox of ``user_id``.

    An admin sees every request; a team lead the requests of the deals of the
    teams they lead; anyone else the requests of their own deals. Decided means
    approved, rejected or invalidated. Pending requests come oldest first (the
    longest waiting on top), decided ones newest decision first.
    """
    query = (
        select(Approval)
        .join(Opportunity, Opportunity.id == Approval.opportunity_id)
        .where(Approval.deleted_at.is_(None), Opportunity.deleted_at.is_(None))
    )
    if listing is InboxFilter.PENDING:
        query = query.where(Approval.status == ApprovalStatus.PENDING.value)
    elif listing is InboxFilter.DECIDED:
        query = query.where(Approval.status != ApprovalStatus.PENDING.value)
    user = None if user_id is None else session.get(User, user_id)
    approvals = list(session.scalars(query))
    if user is None or user.role != "admin":
        teams = visible_team_ids(session, user_id)
        approvals = [a for a in approvals if _visible(session, a, teams, user_id)]
    if listing is InboxFilter.PENDING:
        approvals.sort(key=lambda a: (a.requested_at, a.id))
    else:
        approvals.sort(
            key=lambda a: (a.decided_at or a.requested_at, a.id), reverse=True
        )
    return _records(session, approvals, with_history=listing is not InboxFilter.PENDING)


def _visible(
    session: Session,
    approval: Approval,
    teams: set[uuid.UUID],
    user_id: uuid.UUID | None,
) -> bool:
    deal = session.get(Opportunity, approval.opportunity_id)
    if deal is None:
        return False
    if user_id is not None and deal.owner_id == user_id:
        return True
    return deal_team_id(session, deal) in teams


def find_approval(session: Session, value: str) -> Approval:
    """Return the request whose id is ``value``, or whose id starts with it.

    Raises:
        NotFoundError: no request matches, or a prefix matches several.
    """
    text = value.strip().lower()
    try:
        found = session.get(Approval, uuid.UUID(text))
    except ValueError:
        found = None
    if found is not None:
        return found
    if len(text) >= 4:
        matches = [
            a for a in session.scalars(select(Approval)) if str(a.id).startswith(text)
        ]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise NotFoundError(
                f"approval id {value!r} matches {len(matches)} requests: give more "
                f"of the id"
            )
    raise NotFoundError(
        f"approval request {value!r} not found: list the ids with "
        f"'crmdesk approvals list'"
    )


def card_badges(
    session: Session,
    *,
    opportunity_ids: Collection[uuid.UUID] | None = None,
    within: Container[uuid.UUID] | None = None,
) -> dict[uuid.UUID, str]:
    """Return "pending" or "rejected" for deals with such a current request.

    ``opportunity_ids`` limits the query to a few deals. ``within`` filters the
    result in Python instead, which suits a whole board: joining the board's
    deals in SQL would visit every deal of the series, while the requests
    table is far smaller. A deal with both statuses shows "rejected", as that
    one needs the rep.
    """
    waiting = select(Approval.opportunity_id).where(
        Approval.deleted_at.is_(None),
        Approval.status.in_(
            [ApprovalStatus.PENDING.value, ApprovalStatus.REJECTED.value]
        ),
    )
    if opportunity_ids is not None:
        waiting = waiting.where(Approval.opportunity_id.in_(list(opportunity_ids)))
    # Keys and times are read raw and compared as read (hex text and ISO text
    # on SQLite, which order like the values), because converting every row
    # cost more than the query. Only the deal ids are parsed, once each.
    rows = session.execute(
        select(
            type_coerce(Approval.opportunity_id, RAW_UUID),
            type_coerce(Approval.approval_type_id, RAW_UUID),
            Approval.status,
            type_coerce(Approval.requested_at, RAW_TIME),
            type_coerce(Approval.id, RAW_UUID),
        ).where(
            Approval.deleted_at.is_(None),
            Approval.opportunity_id.in_(waiting.scalar_subquery()),
        )
    )
    ids = UuidCache()
    current: dict[tuple[uuid.UUID, object], tuple[int, Any, Any, str]] = {}
    for raw_deal, raw_type, status, requested_at, raw_id in rows:
        deal_id = ids.get(raw_deal)
        if within is not None and deal_id not in within:
            continue
        candidate = (_RANK.get(status, 0), requested_at, raw_id, status)
        held = current.get((deal_id, raw_type))
        if held is None or candidate[:3] > held[:3]:
            current[(deal_id, raw_type)] = candidate
    badges: dict[uuid.UUID, str] = {}
    for (deal_id, _type), (_rank, _at, _id, status) in current.items():
        if status == ApprovalStatus.REJECTED.value:
            badges[deal_id] = status
        elif status == ApprovalStatus.PENDING.value:
            badges.setdefault(deal_id, status)
    return badges
