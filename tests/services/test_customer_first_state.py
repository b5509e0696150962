"""The first lifecycle state ``create_customer`` gives a customer given no state.

The shipped b2b playbook has the series b2b-sales of team ``sales``; the
education playbook has series of the teams ``front-end``, ``teaching`` and
``back-end``. Both have a first state with the key ``prospect``, so these tests
check the playbook of the state, not only its key.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from crmdesk.domain.playbook_file import shipped_playbook
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.customer_board import load_customer_board
from crmdesk.services.customers import NewCustomer, create_customer
from crmdesk.services.playbooks import install_playbook
from crmdesk.services.workspace import ensure_user
from crmdesk.storage.models import (
    Customer,
    CustomerState,
    CustomerStateChange,
    PlaybookRow,
    Team,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def install(sessions, *keys: str) -> None:
    with sessions.begin() as session:
        for key in keys:
            install_playbook(session, shipped_playbook(key))


def rep_of_team(sessions, login: str, team_key: str) -> uuid.UUID:
    with sessions.begin() as session:
        team = session.scalars(select(Team).where(Team.key == team_key)).one()
        return ensure_user(session, login, login, team_id=team.id).id


def create(sessions, name: str, owner_id: uuid.UUID | None) -> uuid.UUID:
    with sessions.begin() as session:
        customer = create_customer(
            session,
            NewCustomer(name, owner_id=owner_id),
            Actor(None, ChangeSource.FORM, at=T0),
        )
        return customer.id


def state_and_history(
    sessions, customer_id: uuid.UUID
) -> tuple[tuple[str, str] | None, list[tuple[str | None, str]]]:
    """Return (playbook key, state key) of the customer and its history rows."""
    with sessions() as session:
        keys = {
            state_id: (playbook_key, state_key)
            for state_id, playbook_key, state_key in session.execute(
                select(CustomerState.id, PlaybookRow.key, CustomerState.key).join(
                    PlaybookRow, PlaybookRow.id == CustomerState.playbook_id
                )
            )
        }
        customer = session.get(Customer, customer_id)
        assert customer is not None
        current = None if customer.state_id is None else keys[customer.state_id]
        rows = session.execute(
            select(CustomerStateChange.from_state_id, CustomerStateChange.to_state_id)
            .where(CustomerStateChange.customer_id == customer_id)
            .order_by(CustomerStateChange.changed_at)
        ).all()
    history = [
        (None if start is None else keys[start][1], keys[end][1]) for start, end in rows
    ]
    return current, history


def test_b2b_team_gets_b2b_state(sessions):
    install(sessions, "education", "b2b")
    owner = rep_of_team(sessions, "bo", "sales")
    customer_id = create(sessions, "Acme", owner)
    current, history = state_and_history(sessions, customer_id)
    assert current == ("b2b", "prospect")
    assert history == [(None, "prospect")]


def test_education_team_gets_education_state(sessions):
    install(sessions, "education", "b2b")
    owner = rep_of_team(sessions, "fei", "front-end")
    customer_id = create(sessions, "Little Owls School", owner)
    current, history = state_and_history(sessions, customer_id)
    assert current == ("education", "prospect")
    assert history == [(None, "prospect")]
    with sessions() as session:
        education = session.scalars(
            select(PlaybookRow.id).where(PlaybookRow.key == "education")
        ).one()
        board = load_customer_board(session, education)
    assert [card.id for card in board.cards] == [customer_id]
    assert board.cards[0].state_id is not None


def test_team_without_series_stays_stateless(sessions):
    install(sessions, "education", "b2b")
    with sessions.begin() as session:
        session.add(Team(key="support", name="Support"))
    owner = rep_of_team(sessions, "sue", "support")
    customer_id = create(sessions, "Unsorted", owner)
    assert state_and_history(sessions, customer_id) == (None, [])


def test_no_owner_stays_stateless(sessions):
    install(sessions, "education", "b2b")
    customer_id = create(sessions, "Walk-in", None)
    assert state_and_history(sessions, customer_id) == (None, [])


def test_single_playbook_gives_first_state(sessions):
    install(sessions, "studio")
    customer_id = create(sessions, "Li Na", None)
    current, history = state_and_history(sessions, customer_id)
    assert current == ("studio", "enquiry")
    assert history == [(None, "enquiry")]


def test_team_without_series_uses_only_playbook(sessions):
    install(sessions, "b2b")
    with sessions.begin() as session:
        session.add(Team(key="support", name="Support"))
    owner = rep_of_team(sessions, "sue", "support")
    customer_id = create(sessions, "Helpdesk", owner)
    current, history = state_and_history(sessions, customer_id)
    assert current == ("b2b", "prospect")
    assert history == [(None, "prospect")]
