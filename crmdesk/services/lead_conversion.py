"""Converting a lead into a customer with its contact, and optionally a deal.

The steps follow the playbook: the lead becomes a customer record (or joins an
existing customer the rep chose, typically the one it was flagged against), the
lead's person becomes the customer's contact, and when the rep picks a series,
an opportunity opens in that series through ``deals.create_opportunity``.
The deal belongs to the user who converts, because a rep writes only their
own deals: a team mate who converts a rep's lead works the deal. The lead's
source and campaign are copied to the customer and the deal for reporting,
and the lead keeps the ids of what it became.

A new customer starts in the series' start state when a series is chosen and
it names one, else in the first lifecycle state.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.config.settings import DEFAULT_PHONE_REGION
from crmdesk.domain.errors import NotFoundError, ValidationError
from crmdesk.services.context import Actor
from crmdesk.services.customers import (
    NewContact,
    NewCustomer,
    add_contact,
    create_customer,
)
from crmdesk.services.deals import NewOpportunity, create_opportunity
from crmdesk.services.leads import LeadStatus, get_lead, require_open
from crmdesk.services.screening import fold_person
from crmdesk.storage.models import Contact, Customer, Series


@dataclass(frozen=True)
class ConvertOptions:
    """What a conversion makes besides the customer.

    ``customer_id`` names an existing customer to add the lead to instead of
    creating one. ``series_id`` opens a deal in that series, titled
    ``deal_title`` (default: the customer's name) with the optional amount in
    the series currency. ``allow_flagged`` converts a flagged lead into a new
    customer although it may be a duplicate.
    """

    customer_id: uuid.UUID | None = None
    series_id: uuid.UUID | None = None
    deal_title: str = ""
    amount: Decimal | None = None
    expected_close: date | None = None
    allow_flagged: bool = False


@dataclass(frozen=True)
class ConversionResult:
    """The ids of the records a conversion wrote or reused."""

    lead_id: uuid.UUID
    customer_id: uuid.UUID
    customer_created: bool
    contact_id: uuid.UUID | None
    opportunity_id: uuid.UUID | None


def _existing_contact(
    session: Session, customer_id: uuid.UUID, person: str, phone: str, email: str
) -> Contact | None:
    folded = fold_person(person)
    contacts = session.scalars(
        select(Contact).where(
            Contact.customer_id == customer_id, Contact.deleted_at.is_(None)
        )
    )
    for contact in contacts:
        if fold_person(contact.name) == folded:
            return contact
        if phone and contact.phone == phone:
            return contact
        if email and contact.email == email:
            return contact
    return None


def _start_state(session: Session, series_id: uuid.UUID | None) -> uuid.UUID | None:
    if series_id is None:
        return None
    series = session.get(Series, series_id)
    if series is None or series.deleted_at is not None:
        raise NotFoundError(f"series {series_id} not found")
    return series.start_state_id


def convert_lead(
    session: Session,
    lead_id: uuid.UUID,
    options: ConvertOptions,
    actor: Actor,
    *,
    region: str = DEFAULT_PHONE_REGION,
) -> ConversionResult:
    """Convert an open lead: customer and contact, then a deal when a series is set.

    Raises:
        NotFoundError: the lead, customer or series does not exist.
        ValidationError: the lead is not open, is flagged and neither a customer
            nor ``allow_flagged`` is given, or the deal fields are invalid.
    """
    lead = get_lead(session, lead_id)
    require_open(lead, "convert")
    name = lead.company or lead.person
    if (
        lead.status == LeadStatus.FLAGGED
        and options.customer_id is None
        and not options.allow_flagged
    ):
        raise ValidationError(
            f"lead {name!r} is flagged as a possible duplicate: convert it into "
            f"the existing customer, merge it, or clear the flag first"
        )
    contact_fields = NewContact(
        name=lead.person,
        job_title=lead.job_title,
        phone=lead.phone,
        email=lead.email,
    )
    created = options.customer_id is None
    contact_id: uuid.UUID | None = None
    if options.customer_id is None:
        customer = create_customer(
            session,
            NewCustomer(
                name=name,
                phone=lead.phone,
                email=lead.email,
                owner_id=lead.owner_id,
                team_id=lead.team_id,
                state_id=_start_state(session, options.series_id),
                source=lead.source,
                campaign=lead.campaign,
                lead_id=lead.id,
                contact=contact_fields if lead.person else None,
            ),
            actor,
            region=region,
        )
        if lead.person:
            contact_id = session.scalar(
                select(Contact.id).where(Contact.customer_id == customer.id)
            )
    else:
        found = session.get(Customer, options.customer_id)
        if found is None or found.deleted_at is not None:
            raise NotFoundError(f"customer {options.customer_id} not found")
        customer = found
        if not customer.source and not customer.campaign:
            customer.source = lead.source
            customer.campaign = lead.campaign
        if lead.person:
            contact = _existing_contact(
                session, customer.id, lead.person, lead.phone, lead.email
            )
            if contact is None:
                contact = add_contact(
                    session, customer.id, contact_fields, actor, region=region
                )
            contact_id = contact.id
    opportunity_id = None
    if options.series_id is not None:
        opportunity = create_opportunity(
            session,
            NewOpportunity(
                series_id=options.series_id,
                title=options.deal_title.strip() or customer.name,
                customer_id=customer.id,
                amount=options.amount,
                expected_close=options.expected_close,
                owner_id=actor.user_id or lead.owner_id,
                contact_id=contact_id,
                source=lead.source,
                campaign=lead.campaign,
                lead_id=lead.id,
            ),
            actor,
        )
        opportunity_id = opportunity.id
    lead.status = LeadStatus.CONVERTED
    lead.converted_customer_id = customer.id
    lead.converted_contact_id = contact_id
    lead.converted_opportunity_id = opportunity_id
    lead.converted_at = actor.at
    lead.updated_at = actor.at
    session.flush()
    return ConversionResult(lead.id, customer.id, created, contact_id, opportunity_id)
