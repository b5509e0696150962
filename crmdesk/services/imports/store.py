"""The queries importers run up front, so no row needs a query of its own."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.services.context import ChangeSource
from crmdesk.storage.models import (
    Customer,
    Opportunity,
    Product,
    StageHistory,
    Team,
    User,
)

# SQLite accepts at most 32,766 bound parameters per statement (since 3.32).
_CHUNK = 5000


def deals_by_key(session: Session, source: str) -> dict[str, Opportunity]:
    """Return the deals imported from ``source``, by external key."""
    rows = session.scalars(
        select(Opportunity).where(Opportunity.external_source == source)
    )
    return {row.external_key: row for row in rows if row.external_key is not None}


def last_imported_stages(
    session: Session, deal_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """Return the stage each deal was put in by its latest import step.

    History rows are ordered by time, then by id: ids are UUIDv7, so rows written
    later sort after rows with the same time.
    """
    result: dict[uuid.UUID, uuid.UUID] = {}
    for start in range(0, len(deal_ids), _CHUNK):
        chunk = list(deal_ids[start : start + _CHUNK])
        rows = session.execute(
            select(StageHistory.opportunity_id, StageHistory.to_stage_id)
            .where(
                StageHistory.opportunity_id.in_(chunk),
                StageHistory.source == ChangeSource.IMPORT.value,
            )
            .order_by(StageHistory.changed_at, StageHistory.id)
        )
        for deal_id, stage_id in rows:
            result[deal_id] = stage_id
    return result


def users_by_login(session: Session) -> dict[str, User]:
    """Return every user by login."""
    return {row.login: row for row in session.scalars(select(User))}


def teams_by_key(session: Session) -> dict[str, Team]:
    """Return every team by key."""
    return {row.key: row for row in session.scalars(select(Team))}


def customers_by_key(session: Session, source: str) -> dict[str, Customer]:
    """Return the customers imported from ``source``, by external key."""
    rows = session.scalars(select(Customer).where(Customer.external_source == source))
    return {row.external_key: row for row in rows if row.external_key is not None}


def products_by_name(session: Session) -> dict[str, Product]:
    """Return every product by name."""
    return {row.name: row for row in session.scalars(select(Product))}
