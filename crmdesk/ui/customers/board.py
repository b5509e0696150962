"""The customer board: lifecycle states as columns, drag a customer to change state.

``CustomerBoardWidget`` loads a playbook's customer board through the task
runner and turns drops into calls of the customer state service
(``change_customer_state`` for one card, ``change_customer_states`` for
several). Moving customers back to an earlier state asks for the note the
service requires; moving forward needs none. A rejected drop changes nothing:
cards only move when the reloaded cards come back, and the message bar says
why the change was rejected.
"""

from __future__ import annotations

import logging
import uuid

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from crmdesk.domain.customer_board import BoardState, CustomerCard, CustomerFilter
from crmdesk.domain.errors import CrmError
from crmdesk.services.context import ChangeSource
from crmdesk.services.customer_board import (
    CustomerBoard,
    load_customer_board,
    load_customer_cards,
)
from crmdesk.services.customer_states import (
    BulkStateResult,
    change_customer_state,
    change_customer_states,
)
from crmdesk.ui.acting import actor_in
from crmdesk.ui.board.widget import MessageBar
from crmdesk.ui.customers.columns import CustomerColumns
from crmdesk.ui.customers.model import CustomerBoardModel, CustomerRole
from crmdesk.ui.customers.note_dialog import StateNoteDialog
from crmdesk.ui.events import EventHub
from crmdesk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


class CustomerBoardWidget(QWidget):
    """The board of customers by lifecycle state, for one playbook.

    Signals:
        customer_activated(object): the ``uuid.UUID`` of a card double clicked
            or with Enter pressed on it.
        board_loaded(object): the ``uuid.UUID`` of the playbook, after a load.
        state_change_failed(str): the message shown for a rejected change.
    """

    customer_activated = Signal(object)
    board_loaded = Signal(object)
    state_change_failed = Signal(str)

    def __init__(
        self,
        runner: TaskRunner,
        events: EventHub,
        language: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("customerBoard")
        self._runner = runner
        self._events = events
        self._language = language
        self._playbook_id: uuid.UUID | None = None
        self._requested = False
        self._stale = False

        self._model = CustomerBoardModel(language, self)
        self._model.drop_requested.connect(self._on_drop_requested)
        self._columns = CustomerColumns(self._model, self)
        self._columns.customer_activated.connect(self.customer_activated)
        self.title = QLabel(self)
        self.title.setObjectName("customerBoardTitle")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self._message = MessageBar(self)
        scroll = QScrollArea(self)
        scroll.setWidget(self._columns)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        top = QVBoxLayout()
        top.setContentsMargins(12, 8, 12, 0)
        top.addWidget(self.title)
        top.addWidget(self._message)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)

        events.customers_changed.connect(self._on_customers_changed)
        # Open deal counts follow the deals, which do not say their customers.
        events.deals_changed.connect(lambda _ids: self._mark_stale())
        events.series_changed.connect(lambda _series: self._mark_stale())
        self.retranslate()

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("Customer board"))
        self._model.no_state_label = self.tr("No state")
        self._columns.rebuild()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- public interface -----------------------------------------------------

    @property
    def model(self) -> CustomerBoardModel:
        """The board model shared by every column."""
        return self._model

    @property
    def columns(self) -> CustomerColumns:
        """The column views and headers."""
        return self._columns

    @property
    def playbook_id(self) -> uuid.UUID | None:
        """The playbook shown, or None before the first load."""
        return self._playbook_id

    def message_text(self) -> str:
        """Return the text of the message bar (the last message shown)."""
        return self._message.text()

    def message_visible(self) -> bool:
        """Return True while the message bar is shown."""
        return not self._message.isHidden()

    def show_playbook(self, playbook_id: uuid.UUID | None) -> None:
        """Load the board of a playbook (None: the first with states) and show it."""
        self._playbook_id = playbook_id
        self._requested = True
        self._stale = False
        self._runner.run_read(
            lambda session: load_customer_board(session, playbook_id),
            self._on_loaded,
            self._on_load_failed,
        )

    def set_playbook(self, playbook_id: uuid.UUID | None) -> None:
        """Show a playbook's board: load it now when visible, else when shown.

        A store of a hundred thousand deals has tens of thousands of customers,
        so a hidden board does not load them until the user opens it.
        """
        if self.isVisible():
            self.show_playbook(playbook_id)
            return
        self._playbook_id = playbook_id
        self._requested = True
        self._stale = True

    def reload(self) -> None:
        """Load the shown playbook's board again."""
        self.show_playbook(self._playbook_id)

    def set_filter(self, card_filter: CustomerFilter) -> None:
        """Show only the cards that pass ``card_filter``; totals follow."""
        self._model.set_filter(card_filter)

    def selected_customer_ids(self) -> list[uuid.UUID]:
        """Return the ids of the selected cards in board order."""
        selected = self._columns.selection_model.selectedIndexes()
        ordered = sorted(selected, key=lambda i: (i.parent().row(), i.row()))
        return [
            customer_id
            for index in ordered
            if isinstance(
                customer_id := index.data(CustomerRole.CUSTOMER_ID), uuid.UUID
            )
        ]

    def set_language(self, language: str) -> None:
        """Label states and cards in ``language`` (``en`` or ``zh_CN``)."""
        self._language = language
        self._model.set_language(language)
        self._columns.refresh_headers()

    def move_customers(self, ids: list[uuid.UUID], state: BoardState) -> None:
        """Change the state of customers, as a drop of their cards on ``state`` does."""
        self._on_drop_requested(ids, state)

    # -- loading --------------------------------------------------------------

    def _on_loaded(self, board: CustomerBoard) -> None:
        if self._playbook_id not in (None, board.playbook_id):
            return
        self._playbook_id = board.playbook_id
        self.title.setText(
            self.tr("Customers of {playbook}").format(
                playbook=board.playbook_name.get(self._language)
            )
        )
        self._model.show_deals = board.has_series
        self._model.load(board.states, board.cards)
        self.board_loaded.emit(board.playbook_id)

    def _on_load_failed(self, error: Exception) -> None:
        log.error("loading the customer board failed", exc_info=error)
        self._show_message(
            self.tr("The customer board could not be loaded: {error}").format(
                error=error
            )
        )

    def _mark_stale(self) -> None:
        if not self._requested:
            return
        if self.isVisible():
            self.reload()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def _on_customers_changed(self, ids: list[uuid.UUID]) -> None:
        if not ids or not self._requested:
            return
        wanted = list(ids)
        self._runner.run_read(
            lambda session: load_customer_cards(session, wanted),
            lambda cards: self._on_cards_loaded(wanted, cards),
            self._on_load_failed,
        )

    def _on_cards_loaded(self, ids: list[uuid.UUID], cards: list[CustomerCard]) -> None:
        self._model.update_cards(ids, cards)

    # -- state changes --------------------------------------------------------

    def _on_drop_requested(self, ids: list[uuid.UUID], state: BoardState) -> None:
        self._message.hide()
        target_label = self._model.state_label(state)
        if state.id is None:
            self._show_message(
                self.tr(
                    "A customer's state cannot be cleared: drop the card on one of "
                    "the lifecycle states."
                )
            )
            return
        cards = [card for i in ids if (card := self._model.card(i)) is not None]
        if not cards:
            return
        backward = [
            card
            for card in cards
            if (position := self._model.position_of(card.state_id)) is not None
            and position > state.position
        ]
        note = ""
        if backward:
            first = backward[0]
            names = (
                f"“{first.name}”"
                if len(backward) == 1
                else self.tr("%n customer(s)", "", len(backward))
            )
            from_state = self._model.states()[
                [s.id for s in self._model.states()].index(first.state_id)
            ]
            answer = StateNoteDialog.ask(
                self,
                names,
                self._model.state_label(from_state),
                target_label,
                required=True,
            )
            if answer is None:
                return
            note = answer
        self._write(ids, state, note)

    def _write(self, ids: list[uuid.UUID], state: BoardState, note: str) -> None:
        state_id = state.id
        assert state_id is not None
        if len(ids) == 1:
            customer_id = ids[0]
            self._runner.run_write(
                lambda session: change_customer_state(
                    session,
                    customer_id,
                    state_id,
                    actor_in(session, ChangeSource.BOARD),
                    note,
                ),
                lambda _result: self._events.customers_changed.emit([customer_id]),
                lambda error: self._on_failed({customer_id: error}, state),
            )
            return
        self._runner.run_write(
            lambda session: change_customer_states(
                session, ids, state_id, actor_in(session, ChangeSource.BULK), note
            ),
            lambda result: self._on_bulk_done(ids, state, result),
            lambda error: self._on_failed(dict.fromkeys(ids, error), state),
        )

    def _on_bulk_done(
        self, ids: list[uuid.UUID], state: BoardState, result: BulkStateResult
    ) -> None:
        self._events.customers_changed.emit(list(ids))
        if result.rejected:
            self._report(result.rejected, state)

    def _on_failed(self, errors: dict[uuid.UUID, Exception], state: BoardState) -> None:
        reasons: dict[uuid.UUID, str] = {}
        for customer_id, error in errors.items():
            if not isinstance(error, CrmError):
                log.error(
                    "changing the state of customer %s failed",
                    customer_id,
                    exc_info=error,
                )
            reasons[customer_id] = str(error)
        self._report(reasons, state)

    def _report(self, reasons: dict[uuid.UUID, str], state: BoardState) -> None:
        label = self._model.state_label(state)
        paragraphs = []
        for customer_id, reason in reasons.items():
            card = self._model.card(customer_id)
            name = card.name if card is not None else str(customer_id)
            heading = self.tr("“{customer}” cannot move to “{state}”:").format(
                customer=name, state=label
            )
            paragraphs.append(f"{heading}\n{reason}")
        self._show_message("\n\n".join(paragraphs))

    def _show_message(self, text: str) -> None:
        self._message.show_message(text)
        self.state_change_failed.emit(text)
