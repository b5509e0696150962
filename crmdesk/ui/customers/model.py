"""The customer board model: states as top-level rows, customers as children.

It follows ``BoardModel``. One model contains the whole board, and each column
is a ``QListView`` whose root index is a state row. A child row stores only a
customer id, and the card data lives in a dict of immutable ``CustomerCard``
records. The filter removes hidden cards from the child rows, so views, counts
and totals cover the visible cards only. A drop only emits ``drop_requested``;
the board calls the state service and the rows move when the reloaded cards
arrive.
"""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date
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

from crmdesk.domain.customer_board import (
    BoardState,
    CustomerCard,
    CustomerFilter,
    CustomerTotals,
    customer_totals,
)

MIME_TYPE = "application/x-crmdesk-customer-ids"
"""Mime type of dragged customer cards: the customer ids as ASCII lines."""

_STATE_ID = 0
"""``internalId`` of a state index; a card index stores its state row + 1."""

_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


class CustomerRole(IntEnum):
    """Item data roles of the customer board model beyond Qt's own."""

    CARD = Qt.ItemDataRole.UserRole + 1
    """The ``CustomerCard`` of a customer row."""
    CUSTOMER_ID = Qt.ItemDataRole.UserRole + 2
    """The ``uuid.UUID`` of a customer row."""
    STATE = Qt.ItemDataRole.UserRole + 3
    """The ``BoardState`` of a state row, or of the state a customer is in."""
    TOTALS = Qt.ItemDataRole.UserRole + 4
    """The ``CustomerTotals`` of the visible cards of a state row."""
    DAYS_IN_STATE = Qt.ItemDataRole.UserRole + 5
    """Whole days since the customer entered its state."""
    HIDDEN_COUNT = Qt.ItemDataRole.UserRole + 6
    """How many cards of a state row the filter hides."""


def _order_key(card: CustomerCard) -> tuple[float, uuid.UUID]:
    # The order of the board query: the latest arrival in a state first.
    return (-card.state_since.timestamp(), card.id)


class CustomerBoardModel(QAbstractItemModel):
    """A customer board as a two-level item model.

    Signals:
        totals_changed(): the count or totals of at least one state changed.
        drop_requested(list, object): cards were dropped on a column; the
            customer ids (``uuid.UUID``) and the target ``BoardState``.
    """

    totals_changed = Signal()
    drop_requested = Signal(list, object)

    def __init__(self, language: str = "en", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._language = language
        self._states: list[BoardState] = []
        self._state_rows: dict[uuid.UUID | None, int] = {}
        self._cards: dict[uuid.UUID, CustomerCard] = {}
        self._rows: list[list[uuid.UUID]] = []
        self._totals: dict[int, CustomerTotals] = {}
        self._filter = CustomerFilter()
        self._today = date.today()
        self.no_state_label = ""
        # A playbook without series has no deals, so cards show no deal counts.
        self.show_deals = True

    # -- loading and updating -------------------------------------------------

    def load(self, states: Sequence[BoardState], cards: Iterable[CustomerCard]) -> None:
        """Replace the whole board; views must set their root indexes again.

        ``cards`` must come in board order, latest arrival in a state first, as
        ``load_customer_board`` returns them: sorting ten thousand cards again
        would cost more than the rest of the load.
        """
        self.beginResetModel()
        self._states = list(states)
        self._state_rows = {state.id: row for row, state in enumerate(self._states)}
        self._cards = {card.id: card for card in cards}
        self._today = date.today()
        self._rows = [[] for _ in self._states]
        for card in self._cards.values():
            row = self._state_rows.get(card.state_id)
            if row is not None and self._filter.matches(card):
                self._rows[row].append(card.id)
        self._totals.clear()
        self.endResetModel()
        self.totals_changed.emit()

    def update_cards(
        self, reloaded: Iterable[uuid.UUID], cards: Iterable[CustomerCard]
    ) -> None:
        """Apply reloaded cards: move, insert, repaint or remove their rows.

        A customer in ``reloaded`` with no card in ``cards`` was deleted and
        disappears.
        """
        fresh = {card.id: card for card in cards}
        for customer_id in reloaded:
            if customer_id not in fresh:
                self._remove(customer_id)
                self._cards.pop(customer_id, None)
        for card in fresh.values():
            self._cards[card.id] = card
            self._place(card.id)
        self.totals_changed.emit()

    def set_filter(self, card_filter: CustomerFilter) -> None:
        """Show only the cards that pass ``card_filter``; totals follow."""
        self._filter = card_filter
        for row, state in enumerate(self._states):
            wanted = sorted(
                (
                    card
                    for card in self._cards.values()
                    if card.state_id == state.id and card_filter.matches(card)
                ),
                key=_order_key,
            )
            self._replace_children(row, [card.id for card in wanted])
        self.totals_changed.emit()

    def set_language(self, language: str) -> None:
        """Label states in ``language`` (``en`` or ``zh_CN``)."""
        self._language = language
        if self._states:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._states) - 1, 0)
            )

    def set_today(self, today: date) -> None:
        """Set the date that days in state are counted to."""
        self._today = today

    # -- queries --------------------------------------------------------------

    @property
    def language(self) -> str:
        """The interface language of state labels."""
        return self._language

    @property
    def card_filter(self) -> CustomerFilter:
        """The filter in force."""
        return self._filter

    def states(self) -> list[BoardState]:
        """Return the columns in board order."""
        return list(self._states)

    def state_label(self, state: BoardState) -> str:
        """Return the column title of a state in the interface language."""
        if state.id is None and self.no_state_label:
            return self.no_state_label
        return state.name.get(self._language)

    def state_index(self, state_id: uuid.UUID | None) -> QModelIndex:
        """Return the index of a state row, invalid when the state is not shown."""
        row = self._state_rows.get(state_id)
        return QModelIndex() if row is None else self.index(row, 0)

    def customer_index(self, customer_id: uuid.UUID) -> QModelIndex:
        """Return the index of a visible card, invalid when hidden or unknown."""
        card = self._cards.get(customer_id)
        if card is None:
            return QModelIndex()
        row = self._state_rows.get(card.state_id)
        if row is None or customer_id not in self._rows[row]:
            return QModelIndex()
        return self.index(self._rows[row].index(customer_id), 0, self.index(row, 0))

    def card(self, customer_id: uuid.UUID) -> CustomerCard | None:
        """Return the card of a customer on the board, visible or not."""
        return self._cards.get(customer_id)

    def visible_cards(self, state_id: uuid.UUID | None) -> list[CustomerCard]:
        """Return the visible cards of a state in board order."""
        row = self._state_rows.get(state_id)
        if row is None:
            return []
        return [self._cards[customer_id] for customer_id in self._rows[row]]

    def state_totals(self, state_id: uuid.UUID | None) -> CustomerTotals:
        """Return the customer count and open deals of a state's visible cards."""
        row = self._state_rows[state_id]
        cached = self._totals.get(row)
        if cached is None:
            cached = customer_totals(self.visible_cards(state_id))
            self._totals[row] = cached
        return cached

    def hidden_count(self, state_id: uuid.UUID | None) -> int:
        """Return how many cards of a state the filter hides."""
        row = self._state_rows[state_id]
        in_state = sum(1 for card in self._cards.values() if card.state_id == state_id)
        return in_state - len(self._rows[row])

    def days_in_state(self, card: CustomerCard) -> int:
        """Return the whole days between the customer entering its state and today."""
        entered = card.state_since.astimezone(UTC).date()
        return max(0, (self._today - entered).days)

    def position_of(self, state_id: uuid.UUID | None) -> int | None:
        """Return the lifecycle position of a state, None for no state."""
        row = self._state_rows.get(state_id)
        if row is None or state_id is None:
            return None
        return self._states[row].position

    # -- QAbstractItemModel ---------------------------------------------------

    def index(self, row: int, column: int, parent: _Index = _ROOT) -> QModelIndex:
        if column != 0 or row < 0:
            return QModelIndex()
        if not parent.isValid():
            if row >= len(self._states):
                return QModelIndex()
            return self.createIndex(row, 0, _STATE_ID)
        if parent.internalId() != _STATE_ID:
            return QModelIndex()
        if row >= len(self._rows[parent.row()]):
            return QModelIndex()
        return self.createIndex(row, 0, parent.row() + 1)

    def parent(self, child: _Index = _ROOT) -> QModelIndex:  # type: ignore[override]
        if not child.isValid() or child.internalId() == _STATE_ID:
            return QModelIndex()
        return self.createIndex(child.internalId() - 1, 0, _STATE_ID)

    def rowCount(self, parent: _Index = _ROOT) -> int:
        if not parent.isValid():
            return len(self._states)
        if parent.column() != 0 or parent.internalId() != _STATE_ID:
            return 0
        return len(self._rows[parent.row()])

    def columnCount(self, parent: _Index = _ROOT) -> int:
        return 1

    def hasChildren(self, parent: _Index = _ROOT) -> bool:
        return self.rowCount(parent) > 0

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == _STATE_ID:
            return self._state_data(self._states[index.row()], role)
        customer_id = self._rows[index.internalId() - 1][index.row()]
        return self._card_data(self._cards[customer_id], role)

    def _state_data(self, state: BoardState, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.state_label(state)
        if role == CustomerRole.STATE:
            return state
        if role == CustomerRole.TOTALS:
            return self.state_totals(state.id)
        if role == CustomerRole.HIDDEN_COUNT:
            return self.hidden_count(state.id)
        return None

    def _card_data(self, card: CustomerCard, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return card.name
        if role == CustomerRole.CARD:
            return card
        if role == CustomerRole.CUSTOMER_ID:
            return card.id
        if role == CustomerRole.STATE:
            return self._states[self._state_rows[card.state_id]]
        if role == CustomerRole.DAYS_IN_STATE:
            return self.days_in_state(card)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._describe(card)
        return None

    def _describe(self, card: CustomerCard) -> str:
        lines = [card.name]
        if card.contact:
            lines.append(self.tr("Primary contact: {name}").format(name=card.contact))
        if card.owner:
            lines.append(self.tr("Owner: {name}").format(name=card.owner))
        if self.show_deals:
            lines.append(self.tr("%n open deal(s)", "", card.open_deals))
        lines.append(self.tr("%n day(s) in this state", "", self.days_in_state(card)))
        return "\n".join(lines)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.internalId() == _STATE_ID:
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
            customer_id = self.data(index, CustomerRole.CUSTOMER_ID)
            if isinstance(customer_id, uuid.UUID) and str(customer_id) not in ids:
                ids.append(str(customer_id))
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
            and self._drop_state(parent) is not None
        )

    def dropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: _Index,
    ) -> bool:
        """Emit ``drop_requested`` for the dropped cards that change state.

        Returns False in every case: the view must not remove the dragged rows,
        which move once the state service has accepted the change.
        """
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        state = self._drop_state(parent)
        assert state is not None
        raw = data.data(MIME_TYPE).data().decode("ascii")
        ids = []
        for line in raw.splitlines():
            card = self._cards.get(uuid.UUID(line.strip())) if line.strip() else None
            if card is not None and card.state_id != state.id:
                ids.append(card.id)
        if ids:
            self.drop_requested.emit(ids, state)
        return False

    def _drop_state(self, parent: _Index) -> BoardState | None:
        if not parent.isValid():
            return None
        if parent.internalId() == _STATE_ID:
            return self._states[parent.row()]
        return self._states[parent.internalId() - 1]

    # -- row bookkeeping --------------------------------------------------------

    def _locate(self, customer_id: uuid.UUID) -> tuple[int, int] | None:
        for state_row, ids in enumerate(self._rows):
            if customer_id in ids:
                return state_row, ids.index(customer_id)
        return None

    def _remove(self, customer_id: uuid.UUID) -> None:
        where = self._locate(customer_id)
        if where is None:
            return
        state_row, row = where
        self.beginRemoveRows(self.index(state_row, 0), row, row)
        del self._rows[state_row][row]
        self._totals.pop(state_row, None)
        self.endRemoveRows()

    def _place(self, customer_id: uuid.UUID) -> None:
        card = self._cards[customer_id]
        target_row = self._state_rows.get(card.state_id)
        if target_row is None or not self._filter.matches(card):
            self._remove(customer_id)
            return
        self._remove(customer_id)
        keys = [_order_key(self._cards[c]) for c in self._rows[target_row]]
        position = bisect.bisect_left(keys, _order_key(card))
        self.beginInsertRows(self.index(target_row, 0), position, position)
        self._rows[target_row].insert(position, customer_id)
        self._totals.pop(target_row, None)
        self.endInsertRows()

    def _replace_children(self, state_row: int, wanted: list[uuid.UUID]) -> None:
        current = self._rows[state_row]
        if current == wanted:
            return
        parent = self.index(state_row, 0)
        if current:
            self.beginRemoveRows(parent, 0, len(current) - 1)
            self._rows[state_row] = []
            self._totals.pop(state_row, None)
            self.endRemoveRows()
        if wanted:
            self.beginInsertRows(parent, 0, len(wanted) - 1)
            self._rows[state_row] = list(wanted)
            self._totals.pop(state_row, None)
            self.endInsertRows()
