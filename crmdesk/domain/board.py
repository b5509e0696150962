"""Board records: the cards of a series and the totals of a column.

Totals are computed per deal in exact decimals: the weighted amount of a column
is the sum of each deal's amount times its own probability, never a column
amount times an average rate.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import NamedTuple

from crmdesk.domain.money import convert, convert_exact, currency_exponent
from crmdesk.domain.playbook import LocalText, StageKind


class Card(NamedTuple):
    """The fields of one deal that its board card shows, with the effective probability.

    A named tuple rather than a dataclass: a board builds ten thousand of them
    on open, and a tuple is several times cheaper to create.
    """

    id: uuid.UUID
    stage_id: uuid.UUID
    title: str
    customer: str
    amount_minor: int | None
    currency: str
    expected_close: date | None
    probability: int
    manual_probability: int | None
    checklist_done: int
    checklist_total: int
    owner_id: uuid.UUID | None
    owner: str
    stage_entered_at: datetime
    # The deal's planned activity due soonest, when it has one: its kind (call,
    # visit ...) and due instant. The board marks it overdue once due is past.
    next_activity_kind: str | None = None
    next_activity_due: datetime | None = None
    # "pending" or "rejected" when the deal has such a current approval request.
    approval: str = ""


@dataclass(frozen=True)
class BoardStage:
    """A column of the board."""

    id: uuid.UUID
    key: str
    name: LocalText
    kind: StageKind
    position: int
    default_probability: int
    checklist_total: int


@dataclass(frozen=True)
class Totals:
    """Count, amount total and weighted total of some cards, in the base currency.

    ``count`` includes deals with no amount; the amounts count only deals that have
    one.
    """

    count: int
    amount: Decimal
    weighted: Decimal


def card_amount(card: Card, base: str, rates: dict[str, Decimal]) -> Decimal | None:
    """Return a card's amount in the base currency, or None when it has none."""
    if card.amount_minor is None:
        return None
    return convert(card.amount_minor, card.currency, base, rates)


def totals(cards: Iterable[Card], base: str, rates: dict[str, Decimal]) -> Totals:
    """Add up cards: count, amount and per-deal weighted amount in ``base``.

    Amounts are summed exactly in minor units per currency (the weighted sum as
    minor units times percent), and each currency's sum is converted once, so
    the result does not depend on the order of the cards.

    Raises:
        ValidationError: a card is in a currency with no exchange rate to ``base``.
    """
    count = 0
    amounts: dict[str, int] = {}
    weighted: dict[str, int] = {}
    for card in cards:
        count += 1
        if card.amount_minor is None:
            continue
        amounts[card.currency] = amounts.get(card.currency, 0) + card.amount_minor
        weighted[card.currency] = (
            weighted.get(card.currency, 0) + card.amount_minor * card.probability
        )
    return Totals(
        count,
        sum_in_base(amounts, base, rates),
        sum_in_base(weighted, base, rates, scale=100),
    )


def sum_in_base(
    minor_by_currency: dict[str, int],
    base: str,
    rates: dict[str, Decimal],
    *,
    scale: int = 1,
) -> Decimal:
    """Convert per-currency sums of minor units, divided by ``scale``, to ``base``.

    ``scale=100`` turns sums of minor units times a percentage into amounts.
    """
    quantum = Decimal(1).scaleb(-currency_exponent(base))
    total = Decimal(0)
    for currency, minor in minor_by_currency.items():
        value = Decimal(minor) / scale
        total += convert_exact(value, currency, base, rates)
    return total.quantize(quantum, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class CardFilter:
    """The cards the board shows, selected by owner, expected close range and text.

    Empty fields do not filter. The close range is inclusive; cards with no
    expected close date are hidden when either bound is set.
    """

    owner_id: uuid.UUID | None = None
    close_from: date | None = None
    close_to: date | None = None
    text: str = ""

    def matches(self, card: Card) -> bool:
        """Return True when ``card`` passes every filter that is set."""
        if self.owner_id is not None and card.owner_id != self.owner_id:
            return False
        if self.close_from is not None or self.close_to is not None:
            if card.expected_close is None:
                return False
            if self.close_from is not None and card.expected_close < self.close_from:
                return False
            if self.close_to is not None and card.expected_close > self.close_to:
                return False
        needle = self.text.strip().casefold()
        if needle:
            haystack = f"{card.title}\n{card.customer}\n{card.owner}".casefold()
            if needle not in haystack:
                return False
        return True

    @property
    def active(self) -> bool:
        """True when at least one filter is set."""
        return bool(
            self.owner_id or self.close_from or self.close_to or self.text.strip()
        )
