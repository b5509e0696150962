"""The board widget: a series board with drag and drop through the stage service.

``BoardWidget`` loads a board through the task runner, shows one column per
stage, and turns drops and bulk actions into calls of the stage service, with
``ChangeSource.BOARD`` for drags and ``ChangeSource.BULK`` for ``move_selected``.
A rejected move changes nothing: the cards only move when the reloaded cards
come back, and the message bar explains why the service rejected the move.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.board import BoardStage, Card, CardFilter
from crmdesk.domain.errors import CrmError, MoveRejectedError, Rejection
from crmdesk.domain.playbook import OutcomeResult, StageKind
from crmdesk.services.board import Board, load_board, load_cards
from crmdesk.services.context import ChangeSource
from crmdesk.services.lookups import ReasonChoice, list_reasons
from crmdesk.services.stages import (
    BulkMoveResult,
    MoveResult,
    OutcomeInput,
    check_stage_move,
    move_opportunities,
    move_opportunity,
)
from crmdesk.ui.acting import actor_in
from crmdesk.ui.board.columns import BoardColumns
from crmdesk.ui.board.export import render_model_image
from crmdesk.ui.board.model import BoardModel, Role
from crmdesk.ui.customers.notice import announce
from crmdesk.ui.dialogs.outcome import OutcomeDialog
from crmdesk.ui.events import EventHub
from crmdesk.ui.formatting import major_amount
from crmdesk.ui.messages import rejections_text
from crmdesk.ui.tasks import TaskRunner

CLOCK_INTERVAL_MS = 60_000
"""How often the board measures its overdue and idle marks again."""

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _OutcomeCheck:
    rejections: dict[uuid.UUID, list[Rejection]]
    reasons: list[ReasonChoice]


class MessageBar(QFrame):
    """A dismissible message above the board, for rejected moves and errors."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("boardMessageBar")
        self.setStyleSheet(
            "#boardMessageBar { background: #fdecea; border: 1px solid #f1b0a9;"
            " border-radius: 6px; } #boardMessageBar QLabel { color: #7a1f17; }"
        )
        self._label = QLabel(self)
        self._label.setObjectName("boardMessage")
        self._label.setWordWrap(True)
        self._label.setTextFormat(Qt.TextFormat.PlainText)
        self._label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        close = QToolButton(self)
        close.setObjectName("boardMessageClose")
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip(self.tr("Dismiss the message"))
        close.setAccessibleName(self.tr("Dismiss the message"))
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 6, 8)
        layout.addWidget(self._label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(self, text: str) -> None:
        """Show ``text`` until it is dismissed or replaced."""
        self._label.setText(text)
        self.setAccessibleDescription(text)
        self.show()

    def text(self) -> str:
        """Return the message shown, or the last one shown."""
        return self._label.text()


class BoardWidget(QWidget):
    """The kanban board of one series.

    Signals:
        deal_activated(object): the ``uuid.UUID`` of a card that was double
            clicked or had Enter pressed on it.
        selection_changed(list): the ``uuid.UUID`` of every selected card.
        board_loaded(object): the ``uuid.UUID`` of the series, after a load or
            reload has filled the columns.
        move_failed(str): the message shown for a rejected or failed move.
        card_menu_requested(object, QPoint): the context menu of a card was
            asked for, with the deal's ``uuid.UUID`` and the global position.
    """

    deal_activated = Signal(object)
    selection_changed = Signal(list)
    board_loaded = Signal(object)
    move_failed = Signal(str)
    card_menu_requested = Signal(object, QPoint)

    def __init__(
        self,
        runner: TaskRunner,
        events: EventHub,
        language: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("boardWidget")
        self._runner = runner
        self._events = events
        self._language = language
        self._series_id: uuid.UUID | None = None
        self._board_name = ""

        self._model = BoardModel(language, self)
        self._model.drop_requested.connect(self._on_drop_requested)
        self._columns = BoardColumns(self._model, parent=self)
        self._columns.deal_activated.connect(self.deal_activated)
        self._columns.card_menu_requested.connect(self.card_menu_requested)
        self._columns.selection_model.selectionChanged.connect(
            self._on_selection_changed
        )

        self._message = MessageBar(self)
        scroll = QScrollArea(self)
        scroll.setObjectName("boardScrollArea")
        scroll.setWidget(self._columns)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        message_row = QVBoxLayout()
        message_row.setContentsMargins(12, 8, 12, 0)
        message_row.addWidget(self._message)
        layout.addLayout(message_row)
        layout.addWidget(scroll, 1)
        self.setAccessibleName(self.tr("Deal board"))

        events.deals_changed.connect(self._on_deals_changed)
        events.series_changed.connect(self._on_series_changed)

        # Planned activities turn overdue while the board is open, and the
        # day changes at midnight, so the marks are measured again each minute.
        self._clock = QTimer(self)
        self._clock.setInterval(CLOCK_INTERVAL_MS)
        self._clock.timeout.connect(self.refresh_clock)
        self._clock.start()

    # -- public interface -----------------------------------------------------

    def refresh_clock(self) -> None:
        """Measure the overdue and idle marks from the current date and time."""
        self._model.set_today(date.today())

    @property
    def model(self) -> BoardModel:
        """The board model shared by every column."""
        return self._model

    @property
    def columns(self) -> BoardColumns:
        """The column views and headers."""
        return self._columns

    @property
    def series_id(self) -> uuid.UUID | None:
        """The series shown, or None before the first ``show_series``."""
        return self._series_id

    def message_text(self) -> str:
        """Return the text of the message bar (the last message shown)."""
        return self._message.text()

    def show_series(self, series_id: uuid.UUID) -> None:
        """Load the board of a series through the runner and show it."""
        self._series_id = series_id
        self._runner.run_read(
            lambda session: load_board(session, series_id),
            self._on_board_loaded,
            self._on_load_failed,
        )

    def set_filter(self, card_filter: CardFilter) -> None:
        """Show only the cards that pass ``card_filter``; totals follow."""
        self._model.set_filter(card_filter)

    def selected_deal_ids(self) -> list[uuid.UUID]:
        """Return the ids of the selected cards in board order."""
        selected = self._columns.selection_model.selectedIndexes()
        ordered = sorted(
            selected, key=lambda index: (index.parent().row(), index.row())
        )
        return [
            deal_id
            for index in ordered
            if isinstance(deal_id := index.data(Role.DEAL_ID), uuid.UUID)
        ]

    def move_selected(self, stage_id: uuid.UUID) -> None:
        """Move every selected card to a stage as one bulk action."""
        ids = [
            deal_id
            for deal_id in self.selected_deal_ids()
            if (card := self._model.card(deal_id)) is not None
            and card.stage_id != stage_id
        ]
        if ids:
            self._request_move(ids, stage_id, ChangeSource.BULK)

    def stages(self) -> list[BoardStage]:
        """Return the stages of the board in order."""
        return self._model.stages()

    def render_image(self, width: int | None = None) -> QImage:
        """Render the whole board, every column and header, to an image."""
        return render_model_image(
            self._model, width or max(self.width(), 800), self._board_name
        )

    def set_language(self, language: str) -> None:
        """Label stages and cards in ``language`` (``en`` or ``zh_CN``)."""
        self._language = language
        self._model.set_language(language)
        self._columns.refresh_headers()
        self.setAccessibleName(self.tr("Deal board"))

    # -- loading --------------------------------------------------------------

    def _on_board_loaded(self, board: Board) -> None:
        if board.series_id != self._series_id:
            return
        self._board_name = board.series_name.get(self._language)
        self._model.load(board.stages, board.cards, board.currency, board.rates)
        self.board_loaded.emit(board.series_id)

    def _on_load_failed(self, error: Exception) -> None:
        log.error(
            "loading the board of series %s failed", self._series_id, exc_info=error
        )
        self._message.show_message(
            self.tr("The board could not be loaded: {error}").format(error=error)
        )

    def _on_deals_changed(self, ids: list[uuid.UUID]) -> None:
        series_id = self._series_id
        if series_id is None or not ids:
            return
        wanted = list(ids)
        self._runner.run_read(
            lambda session: load_cards(session, series_id, wanted),
            lambda cards: self._on_cards_loaded(series_id, wanted, cards),
            self._on_load_failed,
        )

    def _on_cards_loaded(
        self, series_id: uuid.UUID, ids: list[uuid.UUID], cards: list[Card]
    ) -> None:
        if series_id == self._series_id:
            self._model.update_cards(ids, cards)

    def _on_series_changed(self, series_id: object) -> None:
        if series_id == self._series_id and self._series_id is not None:
            self.show_series(self._series_id)

    def _on_selection_changed(self, *_args: Any) -> None:
        self.selection_changed.emit(self.selected_deal_ids())

    # -- moves ----------------------------------------------------------------

    def _on_drop_requested(self, ids: list[uuid.UUID], stage_id: uuid.UUID) -> None:
        self._request_move(ids, stage_id, ChangeSource.BOARD)

    def _request_move(
        self, ids: list[uuid.UUID], stage_id: uuid.UUID, source: ChangeSource
    ) -> None:
        stage = self._stage(stage_id)
        if stage is None:
            return
        self._message.hide()
        if not stage.kind.is_result:
            self._write_move(ids, stage_id, source, None)
            return
        if len(ids) > 1 and stage.kind is StageKind.WON:
            self._show_message(
                self.tr(
                    "Move won deals one at a time: each needs its own actual "
                    "amount and date."
                )
            )
            return
        series_id = self._series_id
        assert series_id is not None

        def check(session: Any) -> _OutcomeCheck:
            rejections = {
                deal_id: check_stage_move(
                    session, deal_id, stage_id, check_outcome=False
                )
                for deal_id in ids
            }
            return _OutcomeCheck(
                {k: v for k, v in rejections.items() if v},
                list_reasons(session, series_id),
            )

        self._runner.run_read(
            check,
            lambda checked: self._on_outcome_checked(ids, stage, source, checked),
            self._on_move_error,
        )

    def _on_outcome_checked(
        self,
        ids: list[uuid.UUID],
        stage: BoardStage,
        source: ChangeSource,
        checked: _OutcomeCheck,
    ) -> None:
        if checked.rejections:
            self._report_rejections(checked.rejections, stage)
            return
        first = self._model.card(ids[0])
        if first is None:
            return
        single = len(ids) == 1
        outcome = OutcomeDialog.ask(
            self,
            deal_title=first.title
            if single
            else self.tr("{count} deals").format(count=len(ids)),
            result=OutcomeResult(stage.kind.value),
            reasons=checked.reasons,
            expected_amount=major_amount(first.amount_minor, first.currency)
            if single
            else None,
            currency=first.currency,
            language=self._language,
        )
        if outcome is None:
            return
        target = self._result_stage(outcome, stage)
        if target is None:
            self._show_message(self.tr("This series has no stage for that result."))
            return
        self._write_move(ids, target.id, source, outcome)

    def _result_stage(
        self, outcome: OutcomeInput, dropped_on: BoardStage
    ) -> BoardStage | None:
        # The user may switch won and lost in the dialog; the deal then goes to
        # the series' stage of the chosen kind.
        kind = outcome.result.stage_kind
        if dropped_on.kind is kind:
            return dropped_on
        return next((s for s in self._model.stages() if s.kind is kind), None)

    def _write_move(
        self,
        ids: list[uuid.UUID],
        stage_id: uuid.UUID,
        source: ChangeSource,
        outcome: OutcomeInput | None,
    ) -> None:
        stage = self._stage(stage_id)
        assert stage is not None
        if len(ids) == 1 and source is ChangeSource.BOARD:
            deal_id = ids[0]
            self._runner.run_write(
                lambda session: move_opportunity(
                    session, deal_id, stage_id, actor_in(session, source), outcome
                ),
                lambda result: self._on_moved(deal_id, result),
                lambda error: self._on_single_move_failed(deal_id, stage, error),
            )
            return
        self._runner.run_write(
            lambda session: move_opportunities(
                session, ids, stage_id, actor_in(session, source), outcome
            ),
            lambda result: self._on_bulk_moved(ids, stage, result),
            self._on_move_error,
        )

    def _on_single_move_failed(
        self, deal_id: uuid.UUID, stage: BoardStage, error: Exception
    ) -> None:
        if isinstance(error, MoveRejectedError):
            self._report_rejections({deal_id: error.rejections}, stage)
        else:
            self._on_move_error(error)

    def _on_moved(self, deal_id: uuid.UUID, result: MoveResult) -> None:
        self._events.deals_changed.emit([deal_id])
        announce(self._events, result, self._language)

    def _on_bulk_moved(
        self, ids: list[uuid.UUID], stage: BoardStage, result: BulkMoveResult
    ) -> None:
        self._events.deals_changed.emit(list(ids))
        announce(self._events, result, self._language)
        if result.rejected:
            self._report_rejections(
                {
                    deal_id: error.rejections
                    for deal_id, error in result.rejected.items()
                },
                stage,
            )

    def _on_move_error(self, error: Exception) -> None:
        if not isinstance(error, CrmError):
            log.error("a stage move failed", exc_info=error)
        self._show_message(self.tr("The move failed: {error}").format(error=error))

    def _report_rejections(
        self, rejections: dict[uuid.UUID, list[Rejection]], stage: BoardStage
    ) -> None:
        stage_name = stage.name.get(self._language)
        paragraphs = []
        for deal_id, reasons in rejections.items():
            card = self._model.card(deal_id)
            title = card.title if card is not None else str(deal_id)
            heading = self.tr("“{deal}” cannot move to “{stage}”:").format(
                deal=title, stage=stage_name
            )
            paragraphs.append(
                heading
                + "\n"
                + rejections_text(reasons, self._stage_label(), self._language)
            )
        self._show_message("\n\n".join(paragraphs))

    def _show_message(self, text: str) -> None:
        self._message.show_message(text)
        self.move_failed.emit(text)

    def _stage(self, stage_id: uuid.UUID) -> BoardStage | None:
        return next((s for s in self._model.stages() if s.id == stage_id), None)

    def _stage_label(self) -> Callable[[str], str]:
        # The service names stages in English; show them in the interface language.
        labels = {s.name.en: s.name.get(self._language) for s in self._model.stages()}
        return lambda name: labels.get(name, name)
