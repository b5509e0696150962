"""Creating and editing deals (stage changes live in stages.py).

Customers are created in customers.py; ``NewCustomer`` and ``create_customer``
are re-exported here for the importers and tests that take them from this module.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from crmdesk.domain.errors import NotFoundError, ValidationError
from crmdesk.domain.ids import new_id
from crmdesk.domain.money import Money, check_currency
from crmdesk.domain.playbook import StageKind
from crmdesk.domain.rules import effective_probability
from crmdesk.services import approvals, customers
from crmdesk.services.activities import follow_deal_customer
from crmdesk.services.context import Actor
from crmdesk.services.stages import (
    SeriesFacts,
    check_probability,
    history_values,
    load_series_facts,
    revision_values,
)
from crmdesk.storage.models import (
    Customer,
    Opportunity,
    ProbabilityRevision,
    StageHistory,
    User,
)

# Kept as names of this module for code written before customers.py existed.
NewCustomer = customers.NewCustomer
create_customer = customers.create_customer


@dataclass(frozen=True)
class NewOpportunity:
    """The fields of a new deal.

    ``amount`` is the expected amount in the major unit of ``currency``, or None
    when it is not known yet. ``stage_id`` defaults to the first open stage.
    """

    series_id: uuid.UUID
    title: str
    customer_id: uuid.UUID | None = None
    amount: Decimal | None = None
    currency: str | None = None
    expected_close: date | None = None
    owner_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    product_id: uuid.UUID | None = None
    stage_id: uuid.UUID | None = None
    manual_probability: int | None = None
    notes: str = ""
    external_source: str | None = None
    external_key: str | None = None
    contact_id: uuid.UUID | None = None
    source: str = ""
    campaign: str = ""
    lead_id: uuid.UUID | None = None


def _amount_minor(amount: Decimal | None, currency: str) -> int | None:
    if amount is None:
        return None
    money = Money.parse(amount, currency)
    if money.minor < 0:
        raise ValidationError(f"invalid amount {amount}: enter zero or more")
    return money.minor


@dataclass
class PeopleCache:
    """Customers and owners already found, so a batch looks each up once.

    ``owner_teams`` maps a user id to that user's team id.
    """

    customers: set[uuid.UUID] = field(default_factory=set)
    owner_teams: dict[uuid.UUID, uuid.UUID | None] = field(default_factory=dict)


def resolve_people(
    session: Session,
    new: NewOpportunity,
    actor: Actor,
    cache: PeopleCache | None = None,
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """Check the customer and owner of a new deal; return its owner and team ids.

    The owner defaults to the actor, and the team to the owner's team.

    Raises:
        NotFoundError: the customer or owner does not exist.
    """
    known = PeopleCache() if cache is None else cache
    customer_id = new.customer_id
    if customer_id is not None and customer_id not in known.customers:
        if session.get(Customer, customer_id) is None:
            raise NotFoundError(f"customer {customer_id} not found")
        known.customers.add(customer_id)
    owner_id = new.owner_id or actor.user_id
    owner_team = None
    if owner_id is not None:
        if owner_id not in known.owner_teams:
            owner = session.get(User, owner_id)
            if owner is None:
                raise NotFoundError(f"user {owner_id} not found")
            known.owner_teams[owner_id] = owner.team_id
        owner_team = known.owner_teams[owner_id]
    return owner_id, new.team_id if new.team_id else owner_team


@dataclass(frozen=True)
class CreatePlan:
    """The rows that opening a deal writes: the deal, its first history row and,
    when a manual probability is given, its revision (column values, ids set)."""

    opportunity: dict[str, Any]
    history: dict[str, Any]
    revision: dict[str, Any] | None
    probability: int


def plan_create(
    facts: SeriesFacts,
    new: NewOpportunity,
    owner_id: uuid.UUID | None,
    team_id: uuid.UUID | None,
    actor: Actor,
) -> CreatePlan:
    """Decide the rows of a new deal from its series facts and resolved owner.

    Raises:
        NotFoundError: the series is deleted.
        ValidationError: an empty title, a bad amount, currency or probability,
            or a start stage that is not an open stage of the series.
    """
    if facts.deleted:
        raise NotFoundError(f"series {facts.id} not found")
    title = new.title.strip()
    if not title:
        raise ValidationError("a deal needs a title: say what is being sold")
    if new.stage_id is None:
        stage = facts.first_open_stage()
        if stage is None:
            raise ValidationError(
                f"series {facts.id} has no open stage to start a deal in"
            )
    else:
        found = facts.stages.get(new.stage_id)
        if found is None:
            raise ValidationError(
                f"stage {new.stage_id} is not a stage of series {facts.name_en!r}"
            )
        if found.kind.is_result:
            raise ValidationError(
                f"a new deal cannot start in the result stage {found.name_en!r}: "
                f"create it open, then record the outcome"
            )
        stage = found
    check_probability(new.manual_probability)
    currency = check_currency(new.currency or facts.currency)
    amount_minor = _amount_minor(new.amount, currency)
    opportunity_id = new_id()
    opportunity = {
        "id": opportunity_id,
        "series_id": facts.id,
        "stage_id": stage.id,
        "customer_id": new.customer_id,
        "product_id": new.product_id,
        "owner_id": owner_id,
        "team_id": team_id,
        "title": title,
        "amount_minor": amount_minor,
        "currency": currency,
        "expected_close": new.expected_close,
        "manual_probability": new.manual_probability,
        "notes": new.notes,
        "stage_entered_at": actor.at,
        "created_at": actor.at,
        "updated_at": actor.at,
        "created_by": actor.user_id,
        "external_source": new.external_source,
        "external_key": new.external_key,
        "contact_id": new.contact_id,
        "source": new.source,
        "campaign": new.campaign,
        "lead_id": new.lead_id,
    }
    revision = None
    if new.manual_probability is not None:
        revision = revision_values(
            opportunity_id, new.manual_probability, "set at creation", actor
        )
    probability = effective_probability(
        StageKind.OPEN, stage.default_probability, new.manual_probability
    )
    history = history_values(
        opportunity_id,
        None,
        stage.id,
        actor,
        amount_minor=amount_minor,
        currency=currency,
        probability=probability,
        expected_close=new.expected_close,
    )
    return CreatePlan(opportunity, history, revision, probability)


def create_opportunity(
    session: Session, new: NewOpportunity, actor: Actor
) -> Opportunity:
    """Open a deal in its series and write its first stage history row.

    ``plan_create`` decides the rows and this adds them as ORM rows and flushes.
    ``contact_id``, ``source``, ``campaign`` and ``lead_id`` come from a
    converted lead. The deal starts in an open stage; a deal that is already
    won or lost is created open and then moved with ``move_opportunity`` so the
    outcome rules apply. A manual probability is stored on the deal with a revision row.

    Raises:
        ValidationError: an empty title, a bad amount, currency or probability,
            or a start stage that is not an open stage of the series.
        NotFoundError: the series, customer or owner does not exist.
    """
    facts = load_series_facts(session, new.series_id)
    if facts.deleted:
        raise NotFoundError(f"series {new.series_id} not found")
    owner_id, team_id = resolve_people(session, new, actor)
    plan = plan_create(facts, new, owner_id, team_id, actor)
    opportunity = Opportunity(**plan.opportunity)
    session.add(opportunity)
    if plan.revision is not None:
        session.add(ProbabilityRevision(**plan.revision))
    session.add(StageHistory(**plan.history))
    session.flush()
    approvals.stage_entered(session, opportunity, actor)
    return opportunity


@dataclass(frozen=True)
class OpportunityEdit:
    """Field changes from the detail form; fields left as None stay as they are.

    ``clear_amount`` and ``clear_expected_close`` empty those fields.
    """

    title: str | None = None
    customer_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    amount: Decimal | None = None
    clear_amount: bool = False
    currency: str | None = None
    expected_close: date | None = None
    clear_expected_close: bool = False
    notes: str | None = None


def update_opportunity(
    session: Session, opportunity_id: uuid.UUID, edit: OpportunityEdit, actor: Actor
) -> Opportunity:
    """Apply field edits to a deal (stage and probability have their own services).

    Raises:
        ValidationError: an empty title or a bad amount or currency.
        NotFoundError: the deal, customer or owner does not exist.
    """
    opportunity = session.get(Opportunity, opportunity_id)
    if opportunity is None or opportunity.deleted_at is not None:
        raise NotFoundError(f"deal {opportunity_id} not found")
    if edit.title is not None:
        title = edit.title.strip()
        if not title:
            raise ValidationError("a deal needs a title: say what is being sold")
        opportunity.title = title
    if edit.customer_id is not None:
        if session.get(Customer, edit.customer_id) is None:
            raise NotFoundError(f"customer {edit.customer_id} not found")
        if opportunity.customer_id != edit.customer_id:
            opportunity.customer_id = edit.customer_id
            follow_deal_customer(session, opportunity, actor)
    if edit.owner_id is not None:
        owner = session.get(User, edit.owner_id)
        if owner is None:
            raise NotFoundError(f"user {edit.owner_id} not found")
        opportunity.owner_id = owner.id
    amount_before = (opportunity.amount_minor, opportunity.currency)
    if edit.currency is not None:
        opportunity.currency = check_currency(edit.currency)
    if edit.clear_amount:
        opportunity.amount_minor = None
    elif edit.amount is not None:
        opportunity.amount_minor = _amount_minor(edit.amount, opportunity.currency)
    if edit.clear_expected_close:
        opportunity.expected_close = None
    elif edit.expected_close is not None:
        opportunity.expected_close = edit.expected_close
    if edit.notes is not None:
        opportunity.notes = edit.notes
    opportunity.updated_at = actor.at
    if (opportunity.amount_minor, opportunity.currency) != amount_before:
        approvals.amount_changed(session, opportunity, actor)
    return opportunity
