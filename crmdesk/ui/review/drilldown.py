"""The deals behind a report figure, where a lead sets or revises their win rates."""

from __future__ import annotations

import logging
import uuid
from functools import partial
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.errors import CrmError
from crmdesk.domain.playbook import StageKind
from crmdesk.domain.reports import ReportFilter
from crmdesk.services.deal_detail import RevisionLine
from crmdesk.ui.events import EventHub
from crmdesk.ui.formatting import amount_text, date_text
from crmdesk.ui.review.loading import (
    DealList,
    DealRow,
    load_deal_list,
    load_revisions,
    set_rate,
)
from crmdesk.ui.review.rate_editor import RateEditor
from crmdesk.ui.review.table import Drill
from crmdesk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

SORT_ROLE = Qt.ItemDataRole.UserRole + 2
"""Model role of the value a column sorts by (numbers as numbers)."""

_Index = QModelIndex | QPersistentModelIndex


AMOUNT_COLUMN = 4
CLOSE_COLUMN = 5
RATE_COLUMN = 6


class DealListModel(QAbstractTableModel):
    """The deals of a drill-down list, one row per deal.

    Amounts are shown in each deal's own currency and sort by their number of
    minor units, whatever the currency.
    """

    COLUMNS = 7

    def __init__(self, language: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.language = language
        self._rows: list[DealRow] = []

    def set_rows(self, rows: list[DealRow]) -> None:
        """Show ``rows`` in place of the current deals."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def deal(self, row: int) -> DealRow | None:
        """Return the deal on ``row``, or None."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, deal_id: uuid.UUID) -> int:
        """Return the row of a deal, or -1 when it is not listed."""
        for number, deal in enumerate(self._rows):
            if deal.id == deal_id:
                return number
        return -1

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.COLUMNS

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            role != Qt.ItemDataRole.DisplayRole
            or orientation != Qt.Orientation.Horizontal
        ):
            return None
        names = (
            self.tr("Title"),
            self.tr("Customer"),
            self.tr("Owner"),
            self.tr("Stage"),
            self.tr("Amount"),
            self.tr("Expected close"),
            self.tr("Win probability"),
        )
        return names[section] if 0 <= section < len(names) else None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        deal = self.deal(index.row()) if index.isValid() else None
        if deal is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(deal, column)
        if role == SORT_ROLE:
            return self._sort_value(deal, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            AMOUNT_COLUMN,
            RATE_COLUMN,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column == 3:
            return deal.series.get(self.language)
        return None

    def _text(self, deal: DealRow, column: int) -> str:
        if column == 0:
            return deal.title
        if column == 1:
            return deal.customer
        if column == 2:
            return deal.owner
        if column == 3:
            return deal.stage.get(self.language)
        if column == AMOUNT_COLUMN:
            return amount_text(deal.amount_minor, deal.currency)
        if column == CLOSE_COLUMN:
            return date_text(deal.expected_close)
        if deal.manual_probability is not None:
            return self.tr("{rate} % (set by hand)").format(rate=deal.probability)
        return f"{deal.probability} %"

    def _sort_value(self, deal: DealRow, column: int) -> Any:
        if column == AMOUNT_COLUMN:
            return float(deal.amount_minor or 0)
        if column == CLOSE_COLUMN:
            return date_text(deal.expected_close)
        if column == RATE_COLUMN:
            return deal.probability
        return self._text(deal, column).casefold()


class DealListDialog(QDialog):
    """Lists the deals behind a figure; a lead sets their win rates from it.

    A rate change goes through the stage service as made from the report, is
    announced on the event hub, and reloads the list and the deal's revisions.

    Signals:
        rate_changed(object): the ``uuid.UUID`` of a deal whose rate was set.
        deals_loaded(int): the list (re)loaded with this many deals.
    """

    rate_changed = Signal(object)
    deals_loaded = Signal(int)

    def __init__(
        self,
        runner: TaskRunner,
        events: EventHub,
        language: str,
        report_filter: ReportFilter,
        drill: Drill,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dealListDialog")
        self._runner = runner
        self._events = events
        self._filter = report_filter
        self._drill = drill
        self._missing = 0
        self._closed = False

        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.count_label = QLabel(self)
        self.model = DealListModel(language, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.view = QTableView(self)
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        # Large deals first: they move the forecast most.
        self.view.sortByColumn(AMOUNT_COLUMN, Qt.SortOrder.DescendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Interactive
        )
        self.view.horizontalHeader().setStretchLastSection(True)
        self.editor = RateEditor(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.view)
        splitter.addWidget(self.editor)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.count_label)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.buttons)

        self.buttons.rejected.connect(self.reject)
        self.view.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.editor.rate_submitted.connect(self._submit_rate)
        self.finished.connect(self._on_finished)
        self.retranslate()
        self.resize(980, 640)
        self.reload()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Deals behind the figure"))
        self.heading.setText(f"<b>{self._drill.title}</b>")
        self._show_count()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def reload(self) -> None:
        """Load the deals behind the figure again."""
        task = load_deal_list(
            self._filter,
            self._drill.figure,
            self._drill.ids or None,
            self._drill.win_rate,
            self._drill.conversion,
            self._drill.distribution,
        )
        self._runner.run_read(task, self._on_deals, self._on_failed)

    def select_deal(self, deal_id: uuid.UUID) -> bool:
        """Make a listed deal the current one; False when it is not listed."""
        row = self.model.row_of(deal_id)
        if row < 0:
            return False
        self.view.setCurrentIndex(self.proxy.mapFromSource(self.model.index(row, 0)))
        return True

    def current_deal(self) -> DealRow | None:
        """Return the deal whose rate the editor shows, or None."""
        index = self.proxy.mapToSource(self.view.currentIndex())
        return self.model.deal(index.row()) if index.isValid() else None

    def _on_deals(self, deals: DealList) -> None:
        if self._gone():
            return
        current = self.current_deal()
        self._missing = deals.missing
        self.model.set_rows(deals.rows)
        self.view.resizeColumnsToContents()
        self._show_count()
        if current is None or not self.select_deal(current.id):
            self.editor.show_deal(None)
        self.deals_loaded.emit(len(deals.rows))

    def _show_count(self) -> None:
        text = self.tr("%n deal(s)", "", self.model.rowCount())
        if self._missing:
            text += " " + self.tr("(%n deleted deal(s) not listed)", "", self._missing)
        self.count_label.setText(text)

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        deal = self.model.deal(self.proxy.mapToSource(current).row())
        self.editor.show_deal(deal)
        if deal is not None:
            self._runner.run_read(
                load_revisions(deal.id),
                partial(self._on_revisions, deal.id),
                self._on_failed,
            )

    def _on_revisions(self, deal_id: uuid.UUID, lines: list[RevisionLine]) -> None:
        if self._gone():
            return
        deal = self.current_deal()
        if deal is None or deal.id != deal_id:
            return
        self.editor.show_revisions(lines)

    def _submit_rate(self, probability: int | None, reason: str) -> None:
        deal = self.current_deal()
        if deal is None or deal.stage_kind is not StageKind.OPEN:
            return
        self.editor.set_busy(True)
        self._runner.run_write(
            set_rate(deal.id, probability, reason),
            partial(self._on_rate_set, deal.id),
            self._on_rate_failed,
        )

    def _on_rate_set(self, deal_id: uuid.UUID, _probability: int) -> None:
        log.info("win probability of deal %s set from the pipeline review", deal_id)
        if not self._gone():
            self.editor.set_busy(False)
            self.editor.clear_reason()
            self.reload()
        self._events.deals_changed.emit([deal_id])
        self.rate_changed.emit(deal_id)

    def _on_rate_failed(self, error: Exception) -> None:
        if self._gone():
            return
        self.editor.set_busy(False)
        if isinstance(error, CrmError):
            self.editor.show_error(str(error))
            return
        log.error("setting a win probability failed", exc_info=error)
        self.editor.show_error(
            self.tr("The rate could not be saved: {error}").format(error=error)
        )

    def _on_failed(self, error: Exception) -> None:
        log.error("loading the deals behind a figure failed", exc_info=error)
        if not self._gone():
            self.count_label.setText(
                self.tr("The deals could not be loaded: {error}").format(error=error)
            )

    def _on_finished(self, _result: int) -> None:
        self._closed = True

    def _gone(self) -> bool:
        # A task's callback can land after the dialog was closed, or deleted
        # with its parent window; then it must not touch the widgets.
        return self._closed or not shiboken6.isValid(self)
