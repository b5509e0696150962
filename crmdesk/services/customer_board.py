"""Loading a customer board: a playbook's states as columns and a card per customer.

A playbook with states and no series works on this board alone; a playbook
with series shows it beside the deal boards.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from crmdesk.config.memory import collection_paused
from crmdesk.domain.customer_board import (
    BoardState,
    CustomerCard,
    CustomerTotals,
    customer_totals,
)
from crmdesk.domain.errors import NotFoundError
from crmdesk.domain.playbook import LocalText
from crmdesk.storage import customer_board_repo, playbook_repo
from crmdesk.storage.models import PlaybookRow

NO_STATE_KEY = ""
"""Key of the column of customers with no lifecycle state yet."""

NO_STATE_NAME = LocalText("No state", "未设状态")


@dataclass(frozen=True)
class PlaybookChoice:
    """A playbook that has lifecycle states, with whether it has series."""

    id: uuid.UUID
    key: str
    name: LocalText
    has_series: bool


@dataclass(frozen=True)
class CustomerBoard:
    """A customer board as loaded: columns in lifecycle order and every card.

    The column of customers with no state (id None) comes first, and only when
    such customers exist. ``has_series`` is False for a playbook that works
    without deals, whose cards need no deal counts.
    """

    playbook_id: uuid.UUID
    playbook_name: LocalText
    states: list[BoardState]
    cards: list[CustomerCard]
    has_series: bool = True

    def cards_in(self, state_id: uuid.UUID | None) -> list[CustomerCard]:
        """Return the cards of one column."""
        return [card for card in self.cards if card.state_id == state_id]

    def column_totals(self) -> list[tuple[BoardState, CustomerTotals]]:
        """Return each column with its customer count and open deals."""
        return [
            (state, customer_totals(self.cards_in(state.id))) for state in self.states
        ]


def list_state_playbooks(session: Session) -> list[PlaybookChoice]:
    """Return the live playbooks that have at least one live state, by key."""
    choices = []
    for row in playbook_repo.live_playbooks(session):
        states = [
            s for s in playbook_repo.states_of(session, row.id) if s.deleted_at is None
        ]
        if not states:
            continue
        series = [
            s for s in playbook_repo.series_of(session, row.id) if s.deleted_at is None
        ]
        choices.append(
            PlaybookChoice(
                row.id, row.key, LocalText(row.name_en, row.name_zh), bool(series)
            )
        )
    return choices


def _states(session: Session, playbook_id: uuid.UUID) -> list[BoardState]:
    return [
        BoardState(row.id, row.key, LocalText(row.name_en, row.name_zh), row.position)
        for row in playbook_repo.states_of(session, playbook_id)
        if row.deleted_at is None
    ]


def _card(row: customer_board_repo.CustomerCardRow) -> CustomerCard:
    return CustomerCard(
        row.id,
        row.state_id,
        row.name,
        row.owner_id,
        row.owner or "",
        row.contact or "",
        row.open_deals,
        row.state_since,
    )


def _playbook(session: Session, playbook_id: uuid.UUID | None) -> PlaybookRow:
    if playbook_id is not None:
        row = session.get(PlaybookRow, playbook_id)
        if row is None or row.deleted_at is not None:
            raise NotFoundError(f"playbook {playbook_id} not found")
        return row
    choices = list_state_playbooks(session)
    if not choices:
        raise NotFoundError(
            "no installed playbook has customer states: install a playbook with "
            "[[states]] first"
        )
    found = session.get(PlaybookRow, choices[0].id)
    assert found is not None
    return found


@collection_paused()
def load_customer_board(
    session: Session, playbook_id: uuid.UUID | None = None
) -> CustomerBoard:
    """Load the columns and every live customer card of a playbook's states.

    With ``playbook_id`` None the first playbook with states (by key) is used.

    Raises:
        NotFoundError: the playbook does not exist, or none has states.
    """
    playbook = _playbook(session, playbook_id)
    states = _states(session, playbook.id)
    rows = customer_board_repo.fetch_customer_cards(
        session, [state.id for state in states if state.id is not None]
    )
    cards = [_card(row) for row in rows]
    if any(card.state_id is None for card in cards):
        states.insert(0, BoardState(None, NO_STATE_KEY, NO_STATE_NAME, -1))
    series = playbook_repo.series_of(session, playbook.id)
    return CustomerBoard(
        playbook_id=playbook.id,
        playbook_name=LocalText(playbook.name_en, playbook.name_zh),
        states=states,
        cards=cards,
        has_series=any(row.deleted_at is None for row in series),
    )


def load_customer_cards(
    session: Session, customer_ids: list[uuid.UUID]
) -> list[CustomerCard]:
    """Reload the cards of some customers, after they changed.

    A customer that was deleted has no card in the result.
    """
    rows = customer_board_repo.fetch_customer_cards(
        session, None, customer_ids=customer_ids
    )
    return [_card(row) for row in rows]


def list_customer_cards(session: Session) -> list[CustomerCard]:
    """Return the card of every live customer, whatever its playbook."""
    rows = customer_board_repo.fetch_customer_cards(session, None)
    return [_card(row) for row in rows]
