"""Customers without a lifecycle state, for tests of the "No state" cases.

``create_customer`` always gives a new customer a state and a first history
row. Stateless customers still reach a store: rows pulled by sync from a peer
that has none, and rows written before customers got a first state. This
helper inserts such a row the way those paths do, through the ORM with no
state and no history row.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from crmdesk.storage.models import Customer


def insert_stateless_customer(
    session: Session,
    name: str,
    at: datetime,
    *,
    team_id: uuid.UUID | None = None,
    owner_id: uuid.UUID | None = None,
) -> Customer:
    """Insert a customer with no state and no state history, created at ``at``."""
    customer = Customer(
        name=name,
        team_id=team_id,
        owner_id=owner_id,
        state_id=None,
        state_changed_at=None,
        created_at=at,
        updated_at=at,
    )
    session.add(customer)
    session.flush()
    return customer
