"""The board model: stages as top-level rows, the deals of each stage as children.

One ``BoardModel`` contains a whole series board. Each column of the board is a
``QListView`` on this model whose root index is a stage row. A child row stores
only a deal id; the card data lives in a dict of immutable ``Card`` records that
the board replaces when a deal changes.

The filter hides cards by removing them from the child rows, so views, counts
and totals all cover the visible cards only.

Edits never go through ``setData``: a drop emits ``drop_requested`` and the
board calls the stage service; the model changes when the reloaded cards
arrive.
"""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from crmdesk.domain.board import BoardStage, Card, CardFilter, Totals, totals
from crmdesk.domain.playbook import StageKind

MIME_TYPE = "application/x-crmdesk-deal-ids"
"""Mime type of dragged cards: the deal ids as ASCII lines."""

IDLE_DAYS = 30
"""An open deal that stayed longer than this many days in its stage is idle."""

_STAGE_ID = 0
"""``internalId`` of a stage index; a card index stores its stage row + 1."""

_Index = QModelIndex | QPersistentModelIndex

_ROOT = QModelIndex()
"""The invalid index that stands for the root, as a default argument."""


class Role(IntEnum):
    """Item data roles of the board model beyond Qt's own."""

    CARD = Qt.ItemDataRole.UserRole + 1
    """The ``Card`` of a deal row."""
    DEAL_ID = Qt.ItemDataRole.UserRole + 2
    """The ``uuid.UUID`` of a deal row."""
    STAGE = Qt.ItemDataRole.UserRole + 3
    """The ``BoardStage`` of a stage row, or of the stage a deal row is in."""
    TOTALS = Qt.ItemDataRole.UserRole + 4
    """The ``Totals`` of the visible cards of a stage row."""
    OVERDUE = Qt.ItemDataRole.UserRole + 5
    """True for an open deal whose expected close date is before today."""
    IDLE = Qt.ItemDataRole.UserRole + 6
    """True for an open deal that is longer than ``IDLE_DAYS`` in its stage."""
    DAYS_IN_STAGE = Qt.ItemDataRole.UserRole + 7
    """Whole days since the deal entered its stage."""
    HIDDEN_COUNT = Qt.ItemDataRole.UserRole + 8
    """How many cards of a stage row the filter hides."""
    ACTIVITY_OVERDUE = Qt.ItemDataRole.UserRole + 9
    """True when the deal's next planned activity was due before now."""


def _order_key(card: Card) -> tuple[float, uuid.UUID]:
    # The order of the board query: the newest arrival in a stage first.
    return (-card.stage_entered_at.timestamp(), card.id)


class BoardModel(QAbstractItemModel):
    """A series board as a two-level item model.

    Signals:
        totals_changed(): the count or totals of at least one stage changed.
        drop_requested(list, object): cards were dropped on a stage; the deal
            ids (``uuid.UUID``) and the target stage id. The model does not
            move them itself.
    """

    totals_changed = Signal()
    drop_requested = Signal(list, object)

    def __init__(self, language: str = "en", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._language = language
        self._currency = "CNY"
        self._rates: dict[str, Decimal] = {}
        self._stages: list[BoardStage] = []
        self._stage_rows: dict[uuid.UUID, int] = {}
        self._cards: dict[uuid.UUID, Card] = {}
        self._rows: list[list[uuid.UUID]] = []
        self._totals: dict[int, Totals] = {}
        self._filter = CardFilter()
        self._today = date.today()
        self._now = datetime.now(UTC)

    # -- loading and updating -------------------------------------------------

    def load(
        self,
        stages: Sequence[BoardStage],
        cards: Iterable[Card],
        currency: str,
        rates: dict[str, Decimal],
    ) -> None:
        """Replace the whole board; views must set their root indexes again."""
        self.beginResetModel()
        self._stages = list(stages)
        self._stage_rows = {stage.id: row for row, stage in enumerate(self._stages)}
        self._currency = currency
        self._rates = dict(rates)
        self._cards = {card.id: card for card in cards}
        self._today = date.today()
        self._now = datetime.now(UTC)
        self._rows = [[] for _ in self._stages]
        for card in sorted(self._cards.values(), key=_order_key):
            row = self._stage_rows.get(card.stage_id)
            if row is not None and self._filter.matches(card):
                self._rows[row].append(card.id)
        self._totals.clear()
        self.endResetModel()
        self.totals_changed.emit()

    def update_cards(
        self, reloaded: Iterable[uuid.UUID], cards: Iterable[Card]
    ) -> None:
        """Apply reloaded cards: move, insert, repaint or remove their rows.

        ``reloaded`` names every deal that was asked for; a deal among them with no
        card in ``cards`` was deleted or left the series and disappears.
        """
        fresh = {card.id: card for card in cards}
        for deal_id in reloaded:
            if deal_id not in fresh:
                self._remove_card(deal_id)
                self._cards.pop(deal_id, None)
        for card in fresh.values():
            self._cards[card.id] = card
            self._place(card.id)
        self.totals_changed.emit()

    def set_filter(self, card_filter: CardFilter) -> None:
        """Show only the cards that pass ``card_filter``; totals follow."""
        self._filter = card_filter
        for row in range(len(self._stages)):
            stage_id = self._stages[row].id
            wanted = sorted(
                (
                    card
                    for card in self._cards.values()
                    if card.stage_id == stage_id and card_filter.matches(card)
                ),
                key=_order_key,
            )
            self._replace_children(row, [card.id for card in wanted])
        self.totals_changed.emit()

    def set_language(self, language: str) -> None:
        """Label stages in ``language`` (``en`` or ``zh_CN``)."""
        self._language = language
        if self._stages:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._stages) - 1, 0)
            )

    def set_today(self, today: date, now: datetime | None = None) -> None:
        """Set the date that overdue and idle marks are measured from, and the
        instant that overdue activities are measured from (default: now)."""
        self._today = today
        self._now = now or datetime.now(UTC)
        for row in range(len(self._stages)):
            count = len(self._rows[row])
            if count:
                parent = self.index(row, 0)
                self.dataChanged.emit(
                    self.index(0, 0, parent), self.index(count - 1, 0, parent)
                )

    # -- queries --------------------------------------------------------------

    @property
    def language(self) -> str:
        """The interface language of stage labels."""
        return self._language

    @property
    def currency(self) -> str:
        """The base currency of the totals."""
        return self._currency

    @property
    def card_filter(self) -> CardFilter:
        """The filter in force."""
        return self._filter

    @property
    def today(self) -> date:
        """The date overdue and idle marks are measured from."""
        return self._today

    def stages(self) -> list[BoardStage]:
        """Return the stages in board order."""
        return list(self._stages)

    def stage_index(self, stage_id: uuid.UUID) -> QModelIndex:
        """Return the index of a stage row, invalid when the stage is not shown."""
        row = self._stage_rows.get(stage_id)
        return QModelIndex() if row is None else self.index(row, 0)

    def deal_index(self, deal_id: uuid.UUID) -> QModelIndex:
        """Return the index of a visible card, invalid when it is hidden or unknown."""
        card = self._cards.get(deal_id)
        if card is None:
            return QModelIndex()
        stage_row = self._stage_rows.get(card.stage_id)
        if stage_row is None or deal_id not in self._rows[stage_row]:
            return QModelIndex()
        return self.index(
            self._rows[stage_row].index(deal_id), 0, self.index(stage_row, 0)
        )

    def card(self, deal_id: uuid.UUID) -> Card | None:
        """Return the card of a deal on the board, visible or not."""
        return self._cards.get(deal_id)

    def visible_cards(self, stage_id: uuid.UUID) -> list[Card]:
        """Return the visible cards of a stage in board order."""
        row = self._stage_rows.get(stage_id)
        if row is None:
            return []
        return [self._cards[deal_id] for deal_id in self._rows[row]]

    def stage_totals(self, stage_id: uuid.UUID) -> Totals:
        """Return count, amount and weighted totals of a stage's visible cards."""
        row = self._stage_rows[stage_id]
        cached = self._totals.get(row)
        if cached is None:
            cached = totals(self.visible_cards(stage_id), self._currency, self._rates)
            self._totals[row] = cached
        return cached

    def hidden_count(self, stage_id: uuid.UUID) -> int:
        """Return how many cards of a stage the filter hides."""
        row = self._stage_rows[stage_id]
        in_stage = sum(1 for card in self._cards.values() if card.stage_id == stage_id)
        return in_stage - len(self._rows[row])

    def is_overdue(self, card: Card) -> bool:
        """True when an open deal's expected close date is before today."""
        return (
            self._is_open(card)
            and card.expected_close is not None
            and card.expected_close < self._today
        )

    def is_activity_overdue(self, card: Card) -> bool:
        """True when the deal's next planned activity was due before now.

        Due instants are absolute, so the comparison needs no time zone; the
        due time was entered in the business time zone. "Now" is the time of
        the last load or ``set_today``.
        """
        due = card.next_activity_due
        return due is not None and due < self._now

    def days_in_stage(self, card: Card) -> int:
        """Return the whole days between the deal entering its stage and today."""
        entered = card.stage_entered_at.astimezone(UTC).date()
        return max(0, (self._today - entered).days)

    def is_idle(self, card: Card) -> bool:
        """True when an open deal stayed longer than ``IDLE_DAYS`` in its stage."""
        return self._is_open(card) and self.days_in_stage(card) > IDLE_DAYS

    def is_open(self, card: Card) -> bool:
        """True when the card's deal is in an open stage, not won or lost."""
        return self._is_open(card)

    def _is_open(self, card: Card) -> bool:
        row = self._stage_rows.get(card.stage_id)
        return row is not None and self._stages[row].kind is StageKind.OPEN

    # -- QAbstractItemModel ---------------------------------------------------

    def index(self, row: int, column: int, parent: _Index = _ROOT) -> QModelIndex:
        if column != 0 or row < 0:
            return QModelIndex()
        if not parent.isValid():
            if row >= len(self._stages):
                return QModelIndex()
            return self.createIndex(row, 0, _STAGE_ID)
        if parent.internalId() != _STAGE_ID:
            return QModelIndex()
        if row >= len(self._rows[parent.row()]):
            return QModelIndex()
        return self.createIndex(row, 0, parent.row() + 1)

    def parent(self, child: _Index = _ROOT) -> QModelIndex:  # type: ignore[override]
        if not child.isValid() or child.internalId() == _STAGE_ID:
            return QModelIndex()
        return self.createIndex(child.internalId() - 1, 0, _STAGE_ID)

    def rowCount(self, parent: _Index = _ROOT) -> int:
        if not parent.isValid():
            return len(self._stages)
        if parent.column() != 0 or parent.internalId() != _STAGE_ID:
            return 0
        return len(self._rows[parent.row()])

    def columnCount(self, parent: _Index = _ROOT) -> int:
        return 1

    def hasChildren(self, parent: _Index = _ROOT) -> bool:
        return self.rowCount(parent) > 0

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == _STAGE_ID:
            return self._stage_data(self._stages[index.row()], role)
        deal_id = self._rows[index.internalId() - 1][index.row()]
        return self._card_data(self._cards[deal_id], role)

    def _stage_data(self, stage: BoardStage, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return stage.name.get(self._language)
        if role == Role.STAGE:
            return stage
        if role == Role.TOTALS:
            return self.stage_totals(stage.id)
        if role == Role.HIDDEN_COUNT:
            return self.hidden_count(stage.id)
        return None

    def _card_data(self, card: Card, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return card.title
        if role == Role.CARD:
            return card
        if role == Role.DEAL_ID:
            return card.id
        if role == Role.STAGE:
            return self._stages[self._stage_rows[card.stage_id]]
        if role == Role.OVERDUE:
            return self.is_overdue(card)
        if role == Role.IDLE:
            return self.is_idle(card)
        if role == Role.DAYS_IN_STAGE:
            return self.days_in_stage(card)
        if role == Role.ACTIVITY_OVERDUE:
            return self.is_activity_overdue(card)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._describe(card)
        return None

    def _describe(self, card: Card) -> str:
        parts = [card.customer, card.title] if card.customer else [card.title]
        text = " — ".join(parts)
        if self.is_overdue(card):
            text += "\n" + self.tr("Expected close date has passed.")
        if self.is_idle(card):
            text += "\n" + self.tr("In this stage for {days} days.").format(
                days=self.days_in_stage(card)
            )
        if self.is_activity_overdue(card):
            text += "\n" + self.tr("The next planned activity is overdue.")
        return text

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.internalId() == _STAGE_ID:
            return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsDropEnabled
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsDragEnabled
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    # -- drag and drop --------------------------------------------------------

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        ids: list[str] = []
        for index in indexes:
            deal_id = self.data(index, Role.DEAL_ID)
            if isinstance(deal_id, uuid.UUID) and str(deal_id) not in ids:
                ids.append(str(deal_id))
        data = QMimeData()
        data.setData(MIME_TYPE, QByteArray("\n".join(ids).encode("ascii")))
        return data

    def canDropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: _Index,
    ) -> bool:
        return (
            data.hasFormat(MIME_TYPE)
            and action == Qt.DropAction.MoveAction
            and self._drop_stage(parent) is not None
        )

    def dropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: _Index,
    ) -> bool:
        """Emit ``drop_requested`` for the dropped cards that change stage.

        Returns False in every case, because the move is only requested here: the
        view must not remove the dragged rows, and the rows move once the stage
        service has accepted the move.
        """
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        stage = self._drop_stage(parent)
        assert stage is not None
        raw = data.data(MIME_TYPE).data().decode("ascii")
        ids = []
        for line in raw.splitlines():
            card = self._cards.get(uuid.UUID(line.strip())) if line.strip() else None
            if card is not None and card.stage_id != stage.id:
                ids.append(card.id)
        if ids:
            self.drop_requested.emit(ids, stage.id)
        return False

    def _drop_stage(self, parent: _Index) -> BoardStage | None:
        if not parent.isValid():
            return None
        if parent.internalId() == _STAGE_ID:
            return self._stages[parent.row()]
        return self._stages[parent.internalId() - 1]

    # -- row bookkeeping --------------------------------------------------------

    def _locate(self, deal_id: uuid.UUID) -> tuple[int, int] | None:
        for stage_row, ids in enumerate(self._rows):
            if deal_id in ids:
                return stage_row, ids.index(deal_id)
        return None

    def _remove_card(self, deal_id: uuid.UUID) -> None:
        where = self._locate(deal_id)
        if where is None:
            return
        stage_row, row = where
        self.beginRemoveRows(self.index(stage_row, 0), row, row)
        del self._rows[stage_row][row]
        self._totals.pop(stage_row, None)
        self.endRemoveRows()

    def _place(self, deal_id: uuid.UUID) -> None:
        card = self._cards[deal_id]
        target_row = self._stage_rows.get(card.stage_id)
        if target_row is None or not self._filter.matches(card):
            self._remove_card(deal_id)
            return
        where = self._locate(deal_id)
        others = [d for d in self._rows[target_row] if d != deal_id]
        keys = [_order_key(self._cards[d]) for d in others]
        position = bisect.bisect_left(keys, _order_key(card))
        target_parent = self.index(target_row, 0)
        if where is None:
            self.beginInsertRows(target_parent, position, position)
            self._rows[target_row].insert(position, deal_id)
            self._totals.pop(target_row, None)
            self.endInsertRows()
            return
        source_row, row = where
        if source_row == target_row and row == position:
            self._totals.pop(target_row, None)
            changed = self.index(row, 0, target_parent)
            self.dataChanged.emit(changed, changed)
            return
        # beginMoveRows counts the destination before the row is taken out.
        destination = position
        if source_row == target_row and position > row:
            destination += 1
        self.beginMoveRows(
            self.index(source_row, 0), row, row, target_parent, destination
        )
        del self._rows[source_row][row]
        self._rows[target_row].insert(position, deal_id)
        self._totals.pop(source_row, None)
        self._totals.pop(target_row, None)
        self.endMoveRows()
        moved = self.index(position, 0, target_parent)
        self.dataChanged.emit(moved, moved)

    def _replace_children(self, stage_row: int, wanted: list[uuid.UUID]) -> None:
        current = self._rows[stage_row]
        if current == wanted:
            return
        parent = self.index(stage_row, 0)
        if current:
            self.beginRemoveRows(parent, 0, len(current) - 1)
            self._rows[stage_row] = []
            self._totals.pop(stage_row, None)
            self.endRemoveRows()
        if wanted:
            self.beginInsertRows(parent, 0, len(wanted) - 1)
            self._rows[stage_row] = list(wanted)
            self._totals.pop(stage_row, None)
            self.endInsertRows()
