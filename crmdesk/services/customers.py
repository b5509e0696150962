"""Registering customers with their contacts, customer first or from a lead.

``create_customer`` screens the phone and e-mail of the customer and of its
contact the same way leads are screened (E.164 phones in the configured region,
lower-case e-mail), gives the customer its first lifecycle state and writes the
first state history row. ``check_new_customer`` runs the same screening without
writing and returns the possible duplicates, so a form can warn before saving.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.config.settings import DEFAULT_PHONE_REGION
from crmdesk.domain.errors import NotFoundError, ValidationError
from crmdesk.services.context import Actor
from crmdesk.services.duplicates import (
    Candidate,
    DuplicateIndex,
    DuplicateMatch,
    match_rank,
)
from crmdesk.services.screening import check_email, normalise_phone
from crmdesk.storage.models import (
    Contact,
    Customer,
    CustomerState,
    CustomerStateChange,
    PlaybookRow,
    Series,
    Team,
    User,
)


@dataclass(frozen=True)
class NewContact:
    """The fields of a person at a customer."""

    name: str
    job_title: str = ""
    phone: str = ""
    email: str = ""
    notes: str = ""


@dataclass(frozen=True)
class NewCustomer:
    """The fields of a customer record made by hand, by an import or from a lead.

    ``state_id`` defaults to the first lifecycle state (see ``first_state_id``).
    ``contact`` is stored as the customer's primary contact.
    """

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
    source: str = ""
    campaign: str = ""
    lead_id: uuid.UUID | None = None
    contact: NewContact | None = None


def _screened_phone(text: str, region: str, label: str) -> str:
    try:
        number = normalise_phone(text, region)
    except ValidationError as error:
        raise ValidationError(f"{label}: {error}") from None
    return "" if number is None else number.e164


def _screened_email(text: str, label: str) -> str:
    try:
        return check_email(text)
    except ValidationError as error:
        raise ValidationError(f"{label}: {error}") from None


def screen_customer(
    new: NewCustomer, region: str = DEFAULT_PHONE_REGION
) -> NewCustomer:
    """Return ``new`` with its names stripped and phones and e-mail normalised.

    Raises:
        ValidationError: the name is empty, the contact has no name, or a phone
            or e-mail is invalid. The message names the field.
    """
    name = new.name.strip()
    if not name:
        raise ValidationError("a customer needs a name: enter the company or person")
    contact = new.contact
    if contact is not None:
        if not any(
            (contact.name.strip(), contact.phone.strip(), contact.email.strip())
        ):
            contact = None
        elif not contact.name.strip():
            raise ValidationError(
                "the contact has a phone or e-mail but no name: enter the person's "
                "name, or clear the contact fields"
            )
        else:
            contact = NewContact(
                name=contact.name.strip(),
                job_title=contact.job_title.strip(),
                phone=_screened_phone(contact.phone, region, "contact phone"),
                email=_screened_email(contact.email, "contact e-mail"),
                notes=contact.notes,
            )
    return NewCustomer(
        name=name,
        sector=new.sector.strip(),
        country=new.country.strip(),
        phone=_screened_phone(new.phone, region, "customer phone"),
        email=_screened_email(new.email, "customer e-mail"),
        notes=new.notes,
        team_id=new.team_id,
        owner_id=new.owner_id,
        state_id=new.state_id,
        parent_id=new.parent_id,
        external_source=new.external_source,
        external_key=new.external_key,
        source=new.source.strip(),
        campaign=new.campaign.strip(),
        lead_id=new.lead_id,
        contact=contact,
    )


def check_new_customer(
    session: Session,
    new: NewCustomer,
    region: str = DEFAULT_PHONE_REGION,
    index: DuplicateIndex | None = None,
) -> list[DuplicateMatch]:
    """Screen a customer before it is saved and return its possible duplicates.

    The customer's name is compared as a company name; the contact's name as a
    person at that company; both phones and e-mails exactly.

    Raises:
        ValidationError: as ``screen_customer``.
    """
    screened = screen_customer(new, region)
    known = index if index is not None else DuplicateIndex.load(session, region)
    contact = screened.contact
    candidates = [
        Candidate(
            company=screened.name,
            phone=screened.phone,
            email=screened.email,
            lead_id=screened.lead_id,
        )
    ]
    if contact is not None:
        candidates.append(
            Candidate(
                company=screened.name,
                person=contact.name,
                phone=contact.phone,
                email=contact.email,
                lead_id=screened.lead_id,
            )
        )
    matches: dict[tuple[str, uuid.UUID], DuplicateMatch] = {}
    for candidate in candidates:
        for match in known.find(candidate):
            key = (match.record.value, match.record_id)
            if key not in matches or match_rank(match) < match_rank(matches[key]):
                matches[key] = match
    return sorted(matches.values(), key=match_rank)


def first_state_id(
    session: Session, team_id: uuid.UUID | None = None
) -> uuid.UUID | None:
    """Return the first lifecycle state a new customer of a team gets, or None.

    The state is the first by position of the playbook whose live series the
    team owns (the first such series by playbook key and position). Without a
    team, or for a team that owns no series, it is the first state of the only
    live playbook with live states. With several such playbooks and no series
    of the team, the playbook is unknown and the result is None. The customer
    then shows in the "No state" column, because a state of another playbook
    would hide it from its own playbook's board and from the win hook.
    """
    if team_id is not None:
        playbook_id = session.scalar(
            select(Series.playbook_id)
            .join(Team, Team.key == Series.team_key)
            .join(PlaybookRow, PlaybookRow.id == Series.playbook_id)
            .where(
                Team.id == team_id,
                Series.deleted_at.is_(None),
                PlaybookRow.deleted_at.is_(None),
            )
            .order_by(PlaybookRow.key, Series.position)
            .limit(1)
        )
        if playbook_id is not None:
            state_id = session.scalar(
                select(CustomerState.id)
                .where(
                    CustomerState.playbook_id == playbook_id,
                    CustomerState.deleted_at.is_(None),
                )
                .order_by(CustomerState.position)
                .limit(1)
            )
            if state_id is not None:
                return state_id
    first_states = session.execute(
        select(CustomerState.playbook_id, CustomerState.id)
        .join(PlaybookRow, PlaybookRow.id == CustomerState.playbook_id)
        .where(CustomerState.deleted_at.is_(None), PlaybookRow.deleted_at.is_(None))
        .order_by(PlaybookRow.key, CustomerState.position)
    ).all()
    playbook_ids = {playbook_id for playbook_id, _state_id in first_states}
    if len(playbook_ids) != 1:
        return None
    only_state_id: uuid.UUID = first_states[0][1]
    return only_state_id


def _owner_and_team(
    session: Session, new: NewCustomer, actor: Actor
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    owner_id = new.owner_id or actor.user_id
    team_id = new.team_id
    if owner_id is not None and team_id is None:
        owner = session.get(User, owner_id)
        if owner is None:
            raise NotFoundError(f"user {owner_id} not found")
        team_id = owner.team_id
    return owner_id, team_id


def create_customer(
    session: Session,
    new: NewCustomer,
    actor: Actor,
    *,
    region: str = DEFAULT_PHONE_REGION,
) -> Customer:
    """Register a customer, with its primary contact when ``new.contact`` is set.

    The customer gets ``new.state_id`` or the first lifecycle state of its
    team's playbook (see ``first_state_id``) and, when it has a state, a first
    state history row.
    The team defaults to the owner's team, so the customer and its contact are
    shared within that team.

    Raises:
        ValidationError: the name is empty, or a phone or e-mail is invalid.
        NotFoundError: the owner or the state does not exist.
    """
    screened = screen_customer(new, region)
    owner_id, team_id = _owner_and_team(session, screened, actor)
    state_id = screened.state_id
    if state_id is None:
        state_id = first_state_id(session, team_id)
    elif session.get(CustomerState, state_id) is None:
        raise NotFoundError(f"customer state {state_id} not found")
    customer = Customer(
        name=screened.name,
        sector=screened.sector,
        country=screened.country,
        phone=screened.phone,
        email=screened.email,
        notes=screened.notes,
        team_id=team_id,
        owner_id=owner_id,
        state_id=state_id,
        state_changed_at=actor.at if state_id is not None else None,
        parent_id=screened.parent_id,
        source=screened.source,
        campaign=screened.campaign,
        lead_id=screened.lead_id,
        external_source=screened.external_source,
        external_key=screened.external_key,
        created_at=actor.at,
        updated_at=actor.at,
    )
    session.add(customer)
    session.flush()
    if state_id is not None:
        session.add(
            CustomerStateChange(
                customer_id=customer.id,
                team_id=team_id,
                from_state_id=None,
                to_state_id=state_id,
                note="",
                changed_at=actor.at,
                changed_by=actor.user_id,
            )
        )
    if screened.contact is not None:
        _insert_contact(session, customer, screened.contact, actor, primary=True)
    session.flush()
    return customer


def _insert_contact(
    session: Session,
    customer: Customer,
    contact: NewContact,
    actor: Actor,
    *,
    primary: bool,
) -> Contact:
    row = Contact(
        customer_id=customer.id,
        team_id=customer.team_id,
        name=contact.name,
        job_title=contact.job_title,
        phone=contact.phone,
        email=contact.email,
        is_primary=primary,
        notes=contact.notes,
        created_at=actor.at,
        updated_at=actor.at,
    )
    session.add(row)
    return row


def add_contact(
    session: Session,
    customer_id: uuid.UUID,
    new: NewContact,
    actor: Actor,
    *,
    region: str = DEFAULT_PHONE_REGION,
) -> Contact:
    """Add a contact to a customer; the first contact becomes the primary one.

    Raises:
        NotFoundError: the customer does not exist or is deleted.
        ValidationError: the name is empty, or the phone or e-mail is invalid.
    """
    customer = session.get(Customer, customer_id)
    if customer is None or customer.deleted_at is not None:
        raise NotFoundError(f"customer {customer_id} not found")
    name = new.name.strip()
    if not name:
        raise ValidationError("a contact needs a name: enter the person's name")
    screened = NewContact(
        name=name,
        job_title=new.job_title.strip(),
        phone=_screened_phone(new.phone, region, "contact phone"),
        email=_screened_email(new.email, "contact e-mail"),
        notes=new.notes,
    )
    has_primary = session.scalar(
        select(Contact.id).where(
            Contact.customer_id == customer_id,
            Contact.is_primary.is_(True),
            Contact.deleted_at.is_(None),
        )
    )
    contact = _insert_contact(
        session, customer, screened, actor, primary=has_primary is None
    )
    customer.updated_at = actor.at
    session.flush()
    return contact
