"""One tab of the review: its charts, a headline, a note and the report table."""

from __future__ import annotations

from PySide6.QtCharts import QChartView
from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from crmdesk.ui.review.charts import ChartSpec
from crmdesk.ui.review.table import DRILL_ROLE, ReportTable, ReportTableModel

CHART_HEIGHT = 280
"""Minimum height in pixels of the chart row of a tab."""


class ReportTab(QWidget):
    """Shows one report: charts side by side above its table.

    ``controls`` is an optional widget placed above everything, such as the win
    rate grouping selector.

    Signals:
        drill_requested(object): the ``Drill`` of a double-clicked cell.
    """

    drill_requested = Signal(object)

    def __init__(
        self, controls: QWidget | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._charts: list[ChartSpec] = []
        self._views: list[QChartView] = []
        self.headline = QLabel(self)
        self.headline.setWordWrap(True)
        self.headline.hide()
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: palette(placeholder-text);")
        self.chart_row = QHBoxLayout()
        self.model = ReportTableModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )

        self._layout = QVBoxLayout(self)
        if controls is not None:
            self._layout.addWidget(controls)
        self._layout.addWidget(self.headline)
        self._layout.addLayout(self.chart_row, 0)
        self._layout.addWidget(self.note)
        self._layout.addWidget(self.view, 1)
        self.view.doubleClicked.connect(self._on_double_clicked)

    def set_content(self, table: ReportTable | None, charts: list[ChartSpec]) -> None:
        """Show a report's table and new charts in place of the old ones."""
        self.model.set_table(table)
        self.note.setText("" if table is None else table.note)
        self.view.resizeColumnsToContents()
        self._charts = list(charts)
        for view in self._views:
            self.chart_row.removeWidget(view)
            view.deleteLater()
        self._views = []
        for spec in charts:
            view = QChartView(spec.build(), self)
            view.setRenderHint(QPainter.RenderHint.Antialiasing)
            view.setMinimumHeight(CHART_HEIGHT)
            view.setAccessibleName(spec.title)
            self.chart_row.addWidget(view, 1)
            self._views.append(view)
        # Charts and table share the height; a tab without charts gives it all
        # to the table.
        index = self._layout.indexOf(self.chart_row)
        self._layout.setStretch(index, 1 if charts else 0)

    def set_headline(self, text: str) -> None:
        """Show a line in large type above the charts; empty hides it."""
        self.headline.setText(text)
        self.headline.setVisible(bool(text))

    def table(self) -> ReportTable | None:
        """Return the report table shown, or None before the report loaded."""
        return self.model.table()

    def charts(self) -> list[ChartSpec]:
        """Return the specs of the charts shown, for export."""
        return list(self._charts)

    def chart_views(self) -> list[QChartView]:
        """Return the chart views on the tab."""
        return list(self._views)

    def _on_double_clicked(self, index: QModelIndex) -> None:
        drill = index.data(DRILL_ROLE)
        if drill is not None:
            self.drill_requested.emit(drill)
