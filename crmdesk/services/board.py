"""Loading a series board: its columns and cards, and per-column totals."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from crmdesk.config.memory import collection_paused
from crmdesk.domain.board import BoardStage, Card, Totals, totals
from crmdesk.domain.errors import NotFoundError
from crmdesk.domain.playbook import LocalText, StageKind
from crmdesk.domain.rules import effective_probability
from crmdesk.services.approvals import card_badges
from crmdesk.services.workspace import base_currency, exchange_rates
from crmdesk.storage import board_repo
from crmdesk.storage.models import Series


@dataclass(frozen=True)
class Board:
    """A series board as loaded: columns in order and every card."""

    series_id: uuid.UUID
    series_name: LocalText
    currency: str
    rates: dict[str, Decimal]
    stages: list[BoardStage]
    cards: list[Card]

    def cards_in(self, stage_id: uuid.UUID) -> list[Card]:
        """Return the cards of one column."""
        return [card for card in self.cards if card.stage_id == stage_id]

    def column_totals(self) -> list[tuple[BoardStage, Totals]]:
        """Return each column with its totals in the base currency."""
        by_stage: dict[uuid.UUID, list[Card]] = {s.id: [] for s in self.stages}
        for card in self.cards:
            by_stage.setdefault(card.stage_id, []).append(card)
        return [
            (stage, totals(by_stage[stage.id], self.currency, self.rates))
            for stage in self.stages
        ]


def _stage(row: board_repo.StageRow) -> BoardStage:
    return BoardStage(
        id=row.id,
        key=row.key,
        name=LocalText(row.name_en, row.name_zh),
        kind=StageKind(row.kind),
        position=row.position,
        default_probability=row.default_probability,
        checklist_total=row.checklist_total,
    )


def _card(row: board_repo.CardRow, stage: BoardStage) -> Card:
    # Positional arguments, in Card's field order: a board builds ten thousand
    # cards on open, and keyword arguments cost a third more per card.
    return Card(
        row.id,
        row.stage_id,
        row.title,
        row.customer or "",
        row.amount_minor,
        row.currency,
        row.expected_close,
        effective_probability(
            stage.kind, stage.default_probability, row.manual_probability
        ),
        row.manual_probability,
        row.checklist_done,
        stage.checklist_total,
        row.owner_id,
        row.owner or "",
        row.stage_entered_at,
        row.next_activity_kind,
        row.next_activity_due,
    )


@collection_paused()
def load_board(session: Session, series_id: uuid.UUID) -> Board:
    """Load the columns and all live cards of a series.

    Raises:
        NotFoundError: the series does not exist.
    """
    series = session.get(Series, series_id)
    if series is None or series.deleted_at is not None:
        raise NotFoundError(f"series {series_id} not found")
    stages = [_stage(row) for row in board_repo.fetch_stages(session, series_id)]
    by_id = {stage.id: stage for stage in stages}
    cards = [
        _card(row, by_id[row.stage_id])
        for row in board_repo.fetch_cards(session, series_id)
    ]
    badges = card_badges(session, within={card.id for card in cards})
    if badges:
        cards = [
            card._replace(approval=badges[card.id]) if card.id in badges else card
            for card in cards
        ]
    return Board(
        series_id=series.id,
        series_name=LocalText(series.name_en, series.name_zh),
        currency=base_currency(session),
        rates=exchange_rates(session),
        stages=stages,
        cards=cards,
    )


def load_cards(
    session: Session, series_id: uuid.UUID, opportunity_ids: list[uuid.UUID]
) -> list[Card]:
    """Reload the cards of some deals of a series, after they changed."""
    stages = {
        row.id: _stage(row) for row in board_repo.fetch_stages(session, series_id)
    }
    badges = card_badges(session, opportunity_ids=opportunity_ids)
    return [
        _card(row, stages[row.stage_id])._replace(approval=badges.get(row.id, ""))
        for row in board_repo.fetch_cards(session, series_id, opportunity_ids)
    ]
