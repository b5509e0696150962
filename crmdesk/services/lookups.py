"""Small lists that forms and filters offer: users, customers, reasons, products."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.domain.errors import NotFoundError
from crmdesk.domain.playbook import LocalText, OutcomeResult
from crmdesk.storage.models import Customer, Opportunity, Reason, Team, User


@dataclass(frozen=True)
class Choice:
    """An id with the label a list shows for it."""

    id: uuid.UUID
    label: str


@dataclass(frozen=True)
class ReasonChoice:
    """A won or lost reason the outcome dialog offers."""

    id: uuid.UUID
    key: str
    name: LocalText
    result: OutcomeResult
    note_required: bool


def list_users(session: Session) -> list[Choice]:
    """Return every user, sorted by display name."""
    rows = session.execute(
        select(User.id, User.display_name)
        .where(User.deleted_at.is_(None))
        .order_by(User.display_name)
    )
    return [Choice(row.id, row.display_name) for row in rows]


def list_teams(session: Session) -> list[Choice]:
    """Return every team, sorted by name."""
    rows = session.execute(
        select(Team.id, Team.name).where(Team.deleted_at.is_(None)).order_by(Team.name)
    )
    return [Choice(row.id, row.name) for row in rows]


def list_customers(session: Session, text: str = "", limit: int = 200) -> list[Choice]:
    """Return customers whose name contains ``text``, sorted by name."""
    query = select(Customer.id, Customer.name).where(Customer.deleted_at.is_(None))
    if text.strip():
        query = query.where(Customer.name.icontains(text.strip(), autoescape=True))
    rows = session.execute(query.order_by(Customer.name).limit(limit))
    return [Choice(row.id, row.name) for row in rows]


def list_reasons(session: Session, series_id: uuid.UUID) -> list[ReasonChoice]:
    """Return the won and lost reasons of a series in their configured order."""
    rows = session.scalars(
        select(Reason)
        .where(Reason.series_id == series_id, Reason.deleted_at.is_(None))
        .order_by(Reason.result, Reason.position)
    )
    return [
        ReasonChoice(
            id=row.id,
            key=row.key,
            name=LocalText(row.name_en, row.name_zh),
            result=OutcomeResult(row.result),
            note_required=row.note_required,
        )
        for row in rows
    ]


# The minimum number of characters of an id start that names a record.
MIN_ID_PREFIX = 4


def ids_starting_with(ids: Iterable[uuid.UUID], text: str) -> list[uuid.UUID]:
    """Return the ids whose text, with or without hyphens, starts with ``text``."""
    prefix = text.strip().lower()
    bare = prefix.replace("-", "")
    return [
        row_id
        for row_id in ids
        if str(row_id).startswith(prefix) or row_id.hex.startswith(bare)
    ]


def find_opportunity(session: Session, value: str) -> uuid.UUID:
    """Return the id of the live deal named by its id, its start or its external key.

    The start of an id needs at least four characters, as ``crmdesk deals``
    prints ids shortened.

    Raises:
        NotFoundError: no live deal has this id, key or id start, or several
            deals share the key or the start. The message names what to pass
            instead.
    """
    wanted = value.strip()
    try:
        deal_id = uuid.UUID(wanted)
    except ValueError:
        deal_id = None
    if deal_id is not None:
        found = session.get(Opportunity, deal_id)
        if found is not None and found.deleted_at is None:
            return found.id
    rows = session.execute(
        select(Opportunity.id, Opportunity.external_source).where(
            Opportunity.external_key == wanted, Opportunity.deleted_at.is_(None)
        )
    ).all()
    if len(rows) == 1:
        found_id: uuid.UUID = rows[0].id
        return found_id
    if rows:
        sources = ", ".join(sorted(str(row.external_source) for row in rows))
        raise NotFoundError(
            f"deal key {value!r} is ambiguous: deals from {sources} share it. "
            "Name the deal by its id"
        )
    if len(wanted) >= MIN_ID_PREFIX:
        live = session.scalars(
            select(Opportunity.id).where(Opportunity.deleted_at.is_(None))
        )
        matches = ids_starting_with(live, wanted)
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise NotFoundError(
                f"deal {value!r} is ambiguous: {len(matches)} deals have ids that "
                "start with it. Give more of the id"
            )
    raise NotFoundError(
        f"deal {value!r} not found: pass a deal id (or its first {MIN_ID_PREFIX} "
        "characters or more) or the external key of an imported deal"
    )


def external_keys(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Return the external keys (import ids, demo keys) of the deals that have one."""
    keys: dict[uuid.UUID, str] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(Opportunity.id, Opportunity.external_key).where(
                Opportunity.id.in_(ids[start : start + 500]),
                Opportunity.external_key.is_not(None),
            )
        )
        keys.update({row[0]: str(row[1]) for row in rows})
    return keys
