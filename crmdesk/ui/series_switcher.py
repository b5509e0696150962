"""One kanban board per series, in a tab bar; Ctrl+1 to Ctrl+9 pick a series."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QStackedWidget, QTabBar, QVBoxLayout, QWidget

from crmdesk.domain.board import CardFilter
from crmdesk.services.playbooks import SeriesRecord
from crmdesk.ui.board.widget import BoardWidget
from crmdesk.ui.events import EventHub
from crmdesk.ui.tasks import TaskRunner


class SeriesSwitcher(QWidget):
    """Tabs of the series over a stack of boards; a board loads when first shown.

    Every board gets the same filter, so switching series keeps the filter bar's
    meaning. Board signals are forwarded from whichever board sent them.

    Signals:
        current_changed(object): the UUID of the series now shown.
        deal_activated(object): the UUID of a deal double-clicked on a board.
        selection_changed(list): the selected deal UUIDs of the current board.
        board_loaded(object): the UUID of a series whose board finished loading.
        move_failed(str): the translated reason a card move was rejected.
        counts_changed(): the cards shown on the current board, or their
            totals, changed.
        card_menu_requested(object, QPoint): a card's context menu was asked
            for, with the deal's UUID and the global position.
    """

    current_changed = Signal(object)
    deal_activated = Signal(object)
    selection_changed = Signal(list)
    board_loaded = Signal(object)
    move_failed = Signal(str)
    counts_changed = Signal()
    card_menu_requested = Signal(object, QPoint)

    def __init__(
        self,
        runner: TaskRunner,
        events: EventHub,
        language: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._events = events
        self._language = language
        self._series: list[SeriesRecord] = []
        self._boards: dict[uuid.UUID, BoardWidget] = {}
        self._filter = CardFilter()

        self.tab_bar = QTabBar(self)
        self.tab_bar.setExpanding(False)
        self.tab_bar.setDocumentMode(True)
        self.stack = QStackedWidget(self)
        self.empty_label = QLabel(self)
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.empty_label)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.tab_bar)
        layout.addWidget(self.stack, 1)

        for number in range(1, 10):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{number}"), self)
            shortcut.activated.connect(lambda index=number - 1: self.show_index(index))
        self.tab_bar.currentChanged.connect(self._on_tab_changed)
        self.retranslate()

    def retranslate(self) -> None:
        self.empty_label.setText(self.tr("No series is installed in this store yet."))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_language(self, language: str) -> None:
        """Label tabs and boards in ``language`` (zh_CN or en)."""
        self._language = language
        for index, series in enumerate(self._series):
            self.tab_bar.setTabText(index, self._tab_text(series))
        for board in self._boards.values():
            board.set_language(language)

    def set_series(self, series: list[SeriesRecord], current: uuid.UUID | None) -> None:
        """Show tabs for ``series`` and open ``current``, or the first series.

        Boards of series that are gone are closed; boards of series that remain
        are kept as they are.
        """
        self._series = list(series)
        kept = {s.id for s in self._series}
        for series_id in [key for key in self._boards if key not in kept]:
            board = self._boards.pop(series_id)
            self.stack.removeWidget(board)
            board.deleteLater()

        self.tab_bar.blockSignals(True)
        while self.tab_bar.count():
            self.tab_bar.removeTab(0)
        for index, record in enumerate(self._series):
            self.tab_bar.addTab(self._tab_text(record))
            if index < 9:
                shortcut = QKeySequence(f"Ctrl+{index + 1}")
                self.tab_bar.setTabToolTip(
                    index, shortcut.toString(QKeySequence.SequenceFormat.NativeText)
                )
        self.tab_bar.blockSignals(False)

        ids = [s.id for s in self._series]
        if not ids:
            self.stack.setCurrentWidget(self.empty_label)
            self.current_changed.emit(None)
            return
        index = ids.index(current) if current in ids else 0
        if self.tab_bar.currentIndex() == index:
            self._on_tab_changed(index)
        else:
            self.tab_bar.setCurrentIndex(index)

    def series(self) -> list[SeriesRecord]:
        """The series shown as tabs, in order."""
        return list(self._series)

    def current_series(self) -> SeriesRecord | None:
        """The series whose board is shown, or None when there is none."""
        index = self.tab_bar.currentIndex()
        if 0 <= index < len(self._series):
            return self._series[index]
        return None

    def current_board(self) -> BoardWidget | None:
        """The board shown, or None when no series is installed."""
        series = self.current_series()
        return None if series is None else self._boards.get(series.id)

    def board(self, series_id: uuid.UUID) -> BoardWidget | None:
        """The board of a series, or None when it was not opened yet."""
        return self._boards.get(series_id)

    def show_index(self, index: int) -> None:
        """Show the board of the series at ``index`` (0-based), if there is one."""
        if 0 <= index < len(self._series):
            self.tab_bar.setCurrentIndex(index)

    def show_series(self, series_id: uuid.UUID) -> None:
        """Show the board of ``series_id``, if it is one of the tabs."""
        for index, series in enumerate(self._series):
            if series.id == series_id:
                self.show_index(index)
                return

    def set_filter(self, card_filter: CardFilter) -> None:
        """Filter every open board with ``card_filter``."""
        self._filter = card_filter
        for board in self._boards.values():
            board.set_filter(card_filter)

    def _tab_text(self, series: SeriesRecord) -> str:
        return series.name.get(self._language)

    def _on_tab_changed(self, index: int) -> None:
        if not 0 <= index < len(self._series):
            return
        series = self._series[index]
        board = self._boards.get(series.id)
        if board is None:
            board = self._make_board(series.id)
        self.stack.setCurrentWidget(board)
        self.current_changed.emit(series.id)

    def _make_board(self, series_id: uuid.UUID) -> BoardWidget:
        board = BoardWidget(self._runner, self._events, self._language, self)
        self._boards[series_id] = board
        self.stack.addWidget(board)
        board.deal_activated.connect(self.deal_activated)
        board.board_loaded.connect(self.board_loaded)
        board.move_failed.connect(self.move_failed)
        board.card_menu_requested.connect(self.card_menu_requested)
        board.model.totals_changed.connect(
            lambda source=board: self._forward_counts(source)
        )
        board.selection_changed.connect(
            lambda ids, source=board: self._forward_selection(source, ids)
        )
        board.set_filter(self._filter)
        board.show_series(series_id)
        return board

    def _forward_counts(self, source: BoardWidget) -> None:
        if source is self.current_board():
            self.counts_changed.emit()

    def _forward_selection(self, source: BoardWidget, ids: list[uuid.UUID]) -> None:
        if source is self.current_board():
            self.selection_changed.emit(ids)
