"""Customer board records: a card per customer, states as columns, and filters.

The board of a playbook shows its lifecycle states as columns, in lifecycle
order, and one card per live customer in the column of the customer's state.
Customers with no state yet get a column of their own, ahead of the states.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from crmdesk.domain.playbook import LocalText


class CustomerCard(NamedTuple):
    """The fields of one customer that its card shows.

    ``state_id`` is None for a customer with no lifecycle state yet.
    ``state_since`` is when the customer entered its state, or when it was
    created for a customer whose state was never changed. ``contact`` is the
    name of the primary contact, or empty. A named tuple, because a board
    builds ten thousand of them on open.
    """

    id: uuid.UUID
    state_id: uuid.UUID | None
    name: str
    owner_id: uuid.UUID | None
    owner: str
    contact: str
    open_deals: int
    state_since: datetime


@dataclass(frozen=True)
class BoardState:
    """A column of the customer board: a lifecycle state, or no state (id None)."""

    id: uuid.UUID | None
    key: str
    name: LocalText
    position: int


@dataclass(frozen=True)
class CustomerTotals:
    """The number of customers in a column and their open deals added up."""

    count: int
    open_deals: int


def customer_totals(cards: Iterable[CustomerCard]) -> CustomerTotals:
    """Count customers and add up their open deals."""
    count = 0
    open_deals = 0
    for card in cards:
        count += 1
        open_deals += card.open_deals
    return CustomerTotals(count, open_deals)


@dataclass(frozen=True)
class CustomerFilter:
    """The customers the board shows, selected by owner and text.

    Empty fields do not filter. The text matches the customer's name, its
    primary contact and its owner, ignoring case.
    """

    owner_id: uuid.UUID | None = None
    text: str = ""

    def matches(self, card: CustomerCard) -> bool:
        """Return True when ``card`` passes every filter that is set."""
        if self.owner_id is not None and card.owner_id != self.owner_id:
            return False
        needle = self.text.strip().casefold()
        if needle:
            haystack = f"{card.name}\n{card.contact}\n{card.owner}".casefold()
            if needle not in haystack:
                return False
        return True

    @property
    def active(self) -> bool:
        """True when at least one filter is set."""
        return bool(self.owner_id or self.text.strip())
