"""Creating and editing deals and customers (stage changes live in stages.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.domain.errors import NotFoundError, ValidationError
from crmdesk.domain.ids import new_id
from crmdesk.domain.money import Money, check_currency
from crmdesk.domain.playbook import StageKind
from crmdesk.domain.rules import effective_probability
from crmdesk.services.context import Actor
from crmdesk.services.stages import set_manual_probability
from crmdesk.storage.models import (
    Customer,
    Opportunity,
    Series,
    Stage,
    StageHistory,
    User,
)


@dataclass(frozen=True)
class NewCustomer:
    """The fields of a customer record made by hand or by an import."""

    name: str
    sector: str = ""
    country: str = ""
    phone: str = ""
    email: str = ""
    notes: str = ""
    team_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    state_id: uuid.UUID | None = None
    parent_id: uuid.UUID | None = None
    external_source: str | None = None
    external_key: str | None = None


def create_customer(session: Session, new: NewCustomer, actor: Actor) -> Customer:
    """Register a customer.

    Raises:
        ValidationError: the name is empty.
    """
    name = new.name.strip()
    if not name:
        raise ValidationError("a customer needs a name: enter the company or person")
    customer = Customer(
        name=name,
        sector=new.sector.strip(),
        country=new.country.strip(),
        phone=new.phone.strip(),
        email=new.email.strip(),
        notes=new.notes,
        team_id=new.team_id,
        owner_id=new.owner_id or actor.user_id,
        state_id=new.state_id,
        parent_id=new.parent_id,
        external_source=new.external_source,
        external_key=new.external_key,
        created_at=actor.at,
        updated_at=actor.at,
    )
    session.add(customer)
    session.flush()
    return customer


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


def _first_open_stage(session: Session, series_id: uuid.UUID) -> Stage:
    stage = session.scalars(
        select(Stage)
        .where(
            Stage.series_id == series_id,
            Stage.kind == StageKind.OPEN.value,
            Stage.deleted_at.is_(None),
        )
        .order_by(Stage.position)
    ).first()
    if stage is None:
        raise ValidationError(
            f"series {series_id} has no open stage to start a deal in"
        )
    return stage


def _amount_minor(amount: Decimal | None, currency: str) -> int | None:
    if amount is None:
        return None
    money = Money.parse(amount, currency)
    if money.minor < 0:
        raise ValidationError(f"invalid amount {amount}: enter zero or more")
    return money.minor


def create_opportunity(
    session: Session, new: NewOpportunity, actor: Actor, *, defer_flush: bool = False
) -> Opportunity:
    """Open a deal in its series and write its first stage history row.

    The deal starts in an open stage; a deal that is already won or lost is
    created open and then moved with ``move_opportunity`` so the outcome rules
    apply.

    The new row gets its id at once and is flushed before returning, unless
    ``defer_flush`` is true: an import then creates many deals and writes them in
    one flush. A deferred deal is not found by ``session.get`` until it is flushed.

    Raises:
        ValidationError: an empty title, a bad amount or currency, or a start stage
            that is not an open stage of the series.
        NotFoundError: the series, customer or owner does not exist.
    """
    series = session.get(Series, new.series_id)
    if series is None or series.deleted_at is not None:
        raise NotFoundError(f"series {new.series_id} not found")
    title = new.title.strip()
    if not title:
        raise ValidationError("a deal needs a title: say what is being sold")
    if new.customer_id is not None and session.get(Customer, new.customer_id) is None:
        raise NotFoundError(f"customer {new.customer_id} not found")
    owner_id = new.owner_id or actor.user_id
    owner = None if owner_id is None else session.get(User, owner_id)
    if owner_id is not None and owner is None:
        raise NotFoundError(f"user {owner_id} not found")

    if new.stage_id is None:
        stage = _first_open_stage(session, series.id)
    else:
        found = session.get(Stage, new.stage_id)
        if found is None or found.series_id != series.id:
            raise ValidationError(
                f"stage {new.stage_id} is not a stage of series {series.name_en!r}"
            )
        if StageKind(found.kind).is_result:
            raise ValidationError(
                f"a new deal cannot start in the result stage {found.name_en!r}: "
                f"create it open, then record the outcome"
            )
        stage = found

    currency = check_currency(new.currency or series.currency)
    opportunity = Opportunity(
        id=new_id(),
        series_id=series.id,
        stage_id=stage.id,
        customer_id=new.customer_id,
        product_id=new.product_id,
        owner_id=owner_id,
        team_id=new.team_id if new.team_id else (owner.team_id if owner else None),
        title=title,
        amount_minor=_amount_minor(new.amount, currency),
        currency=currency,
        expected_close=new.expected_close,
        manual_probability=None,
        notes=new.notes,
        stage_entered_at=actor.at,
        created_at=actor.at,
        updated_at=actor.at,
        created_by=actor.user_id,
        external_source=new.external_source,
        external_key=new.external_key,
    )
    session.add(opportunity)
    if not defer_flush:
        session.flush()
    if new.manual_probability is not None:
        set_manual_probability(
            session, opportunity.id, new.manual_probability, actor, "set at creation"
        )
    session.add(
        StageHistory(
            opportunity_id=opportunity.id,
            from_stage_id=None,
            to_stage_id=stage.id,
            changed_at=actor.at,
            changed_by=actor.user_id,
            amount_minor=opportunity.amount_minor,
            currency=currency,
            probability=effective_probability(
                StageKind.OPEN, stage.default_probability, new.manual_probability
            ),
            expected_close=new.expected_close,
            source=actor.source.value,
        )
    )
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
        opportunity.customer_id = edit.customer_id
    if edit.owner_id is not None:
        owner = session.get(User, edit.owner_id)
        if owner is None:
            raise NotFoundError(f"user {edit.owner_id} not found")
        opportunity.owner_id = owner.id
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
    return opportunity
