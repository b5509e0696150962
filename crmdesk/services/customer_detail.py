"""Everything the customer detail panel shows about one customer, in one call."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.domain.customer_board import BoardState
from crmdesk.domain.playbook import LocalText, StageKind
from crmdesk.services.customer_states import (
    StateHistoryLine,
    customer_history,
    customer_playbook_id,
    get_customer,
)
from crmdesk.storage import playbook_repo
from crmdesk.storage.models import (
    Contact,
    CustomerState,
    Opportunity,
    Series,
    Stage,
    Team,
    User,
)


@dataclass(frozen=True)
class ContactLine:
    """One contact person of the customer."""

    id: uuid.UUID
    name: str
    job_title: str
    phone: str
    email: str
    is_primary: bool


@dataclass(frozen=True)
class CustomerDealLine:
    """One live deal of the customer, with its series and stage."""

    id: uuid.UUID
    title: str
    series: LocalText
    stage: LocalText
    stage_kind: StageKind
    amount_minor: int | None
    currency: str
    owner: str


@dataclass(frozen=True)
class CustomerDetail:
    """A customer with its fields, state, contacts, state history and deals.

    ``states`` are the live states of the customer's playbook in lifecycle
    order, the choices of a state change; empty when the playbook is unknown
    and no playbook has states.
    """

    id: uuid.UUID
    name: str
    state_id: uuid.UUID | None
    state: LocalText | None
    state_since: datetime
    states: list[BoardState]
    owner: str
    team: str
    sector: str
    country: str
    phone: str
    email: str
    source: str
    campaign: str
    notes: str
    created_at: datetime
    contacts: list[ContactLine]
    history: list[StateHistoryLine]
    deals: list[CustomerDealLine]


def _user_name(session: Session, user_id: uuid.UUID | None) -> str:
    user = None if user_id is None else session.get(User, user_id)
    return "" if user is None else user.display_name


def _team_name(session: Session, team_id: uuid.UUID | None) -> str:
    team = None if team_id is None else session.get(Team, team_id)
    return "" if team is None else team.name


def _states(session: Session, playbook_id: uuid.UUID | None) -> list[BoardState]:
    if playbook_id is None:
        # A customer with no state and no deals may take any playbook's state.
        rows = playbook_repo.live_states(session)
    else:
        rows = [
            row
            for row in playbook_repo.states_of(session, playbook_id)
            if row.deleted_at is None
        ]
    return [
        BoardState(row.id, row.key, LocalText(row.name_en, row.name_zh), row.position)
        for row in rows
    ]


def _contacts(session: Session, customer_id: uuid.UUID) -> list[ContactLine]:
    rows = session.scalars(
        select(Contact)
        .where(Contact.customer_id == customer_id, Contact.deleted_at.is_(None))
        .order_by(Contact.is_primary.desc(), Contact.name)
    )
    return [
        ContactLine(
            row.id, row.name, row.job_title, row.phone, row.email, row.is_primary
        )
        for row in rows
    ]


def _deals(session: Session, customer_id: uuid.UUID) -> list[CustomerDealLine]:
    rows = session.execute(
        select(
            Opportunity.id,
            Opportunity.title,
            Series.name_en,
            Series.name_zh,
            Stage.name_en,
            Stage.name_zh,
            Stage.kind,
            Opportunity.amount_minor,
            Opportunity.currency,
            User.display_name,
        )
        .join(Series, Series.id == Opportunity.series_id)
        .join(Stage, Stage.id == Opportunity.stage_id)
        .outerjoin(User, User.id == Opportunity.owner_id)
        .where(Opportunity.customer_id == customer_id, Opportunity.deleted_at.is_(None))
        .order_by(Opportunity.created_at.desc())
    )
    return [
        CustomerDealLine(
            id=row[0],
            title=row[1],
            series=LocalText(row[2], row[3]),
            stage=LocalText(row[4], row[5]),
            stage_kind=StageKind(row[6]),
            amount_minor=row[7],
            currency=row[8],
            owner=row[9] or "",
        )
        for row in rows
    ]


def load_customer_detail(session: Session, customer_id: uuid.UUID) -> CustomerDetail:
    """Load one customer for the detail panel.

    Raises:
        NotFoundError: the customer does not exist or was deleted.
    """
    customer = get_customer(session, customer_id)
    state = (
        None
        if customer.state_id is None
        else session.get(CustomerState, customer.state_id)
    )
    return CustomerDetail(
        id=customer.id,
        name=customer.name,
        state_id=customer.state_id,
        state=None if state is None else LocalText(state.name_en, state.name_zh),
        state_since=customer.state_changed_at or customer.created_at,
        states=_states(session, customer_playbook_id(session, customer)),
        owner=_user_name(session, customer.owner_id),
        team=_team_name(session, customer.team_id),
        sector=customer.sector,
        country=customer.country,
        phone=customer.phone,
        email=customer.email,
        source=customer.source,
        campaign=customer.campaign,
        notes=customer.notes,
        created_at=customer.created_at,
        contacts=_contacts(session, customer.id),
        history=customer_history(session, customer.id),
        deals=_deals(session, customer.id),
    )
