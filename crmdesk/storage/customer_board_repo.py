"""The query behind the customer board: one card row per live customer."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, or_, select, type_coerce
from sqlalchemy.orm import Session

from crmdesk.storage.models import Contact, Customer, Opportunity, Stage, User
from crmdesk.storage.raw_values import (
    RAW_TIME,
    RAW_UUID,
    UuidCache,
    parse_utc,
    parse_uuid,
)


class CustomerCardRow(NamedTuple):
    """The fields of one customer that its card shows, as stored."""

    id: uuid.UUID
    state_id: uuid.UUID | None
    name: str
    owner_id: uuid.UUID | None
    owner: str | None
    contact: str | None
    open_deals: int
    state_since: datetime


def fetch_customer_cards(
    session: Session,
    state_ids: Collection[uuid.UUID] | None,
    *,
    include_stateless: bool = True,
    customer_ids: Collection[uuid.UUID] | None = None,
) -> list[CustomerCardRow]:
    """Return the card rows of live customers, most recent state change first.

    ``state_ids`` limits the rows to customers in those states (None: any
    state); ``include_stateless`` adds customers with no state.
    ``customer_ids`` limits the rows to those customers.

    Open deals and the primary contact are each read with one grouped
    subquery, so the query reads the deals and contacts tables once.
    """
    open_deals = (
        select(
            Opportunity.customer_id.label("customer_id"),
            func.count().label("open_deals"),
        )
        .join(Stage, Stage.id == Opportunity.stage_id)
        .where(
            Stage.kind == "open",
            Opportunity.deleted_at.is_(None),
            Opportunity.customer_id.is_not(None),
        )
        .group_by(Opportunity.customer_id)
        .subquery()
    )
    contacts = (
        select(
            Contact.customer_id.label("customer_id"),
            func.min(Contact.name).label("name"),
        )
        .where(Contact.is_primary.is_(True), Contact.deleted_at.is_(None))
        .group_by(Contact.customer_id)
        .subquery()
    )
    since = func.coalesce(Customer.state_changed_at, Customer.created_at)
    # Keys and times are read raw and parsed here, as on the deal board, because
    # SQLAlchemy's per-value processing costs more than the query.
    query = (
        select(
            type_coerce(Customer.id, RAW_UUID),
            type_coerce(Customer.state_id, RAW_UUID),
            Customer.name,
            type_coerce(Customer.owner_id, RAW_UUID),
            User.display_name,
            contacts.c.name,
            func.coalesce(open_deals.c.open_deals, 0),
            type_coerce(since, RAW_TIME),
        )
        .outerjoin(User, User.id == Customer.owner_id)
        .outerjoin(contacts, contacts.c.customer_id == Customer.id)
        .outerjoin(open_deals, open_deals.c.customer_id == Customer.id)
        .where(Customer.deleted_at.is_(None))
        .order_by(since.desc(), Customer.id)
    )
    if state_ids is not None:
        in_states = Customer.state_id.in_(list(state_ids))
        if include_stateless:
            query = query.where(or_(in_states, Customer.state_id.is_(None)))
        else:
            query = query.where(in_states)
    elif not include_stateless:
        query = query.where(Customer.state_id.is_not(None))
    if customer_ids is not None:
        query = query.where(Customer.id.in_(list(customer_ids)))
    ids = UuidCache()
    return [
        CustomerCardRow(
            parse_uuid(row[0]),
            ids.get_optional(row[1]),
            row[2],
            ids.get_optional(row[3]),
            row[4],
            row[5],
            row[6],
            parse_utc(row[7]),
        )
        for row in session.execute(query)
    ]
