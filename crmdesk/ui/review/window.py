"""The pipeline review window of team leads: reports, drill-down and exports.

Open it from the main window with ``ReviewWindow(runner, events, language,
parent)`` and ``show()``. Every report is computed by the report service on the
task runner's worker, so the window stays responsive while a large store is
read. A deal change announced on the event hub refreshes the reports.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.playbook import LocalText
from crmdesk.domain.reports import ConversionRow, Distribution, Forecast, Funnel
from crmdesk.ui.events import EventHub
from crmdesk.ui.review.builders import ReportTables
from crmdesk.ui.review.charts import ReviewCharts, render_side_by_side
from crmdesk.ui.review.drilldown import DealListDialog
from crmdesk.ui.review.export import (
    SummaryContent,
    SummarySection,
    write_csv,
    write_pdf_summary,
)
from crmdesk.ui.review.filters import ReviewFilters
from crmdesk.ui.review.loading import (
    ReviewChoices,
    ReviewRequest,
    WinRates,
    load_choices,
    load_conversion,
    load_distribution,
    load_forecast,
    load_funnel,
    load_win_rates,
)
from crmdesk.ui.review.report_tab import ReportTab
from crmdesk.ui.review.table import Drill, money_cell
from crmdesk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

REFRESH_DELAY_MS = 400
"""Pause after the last announced deal change before the reports refresh."""

REPORTS = ("funnel", "distribution", "conversion", "win_rates", "forecast")


class ReviewWindow(QMainWindow):
    """Funnel, distribution, conversion, win rate and forecast reports of a team.

    Args:
        runner: the task runner every report and rate change goes through.
        events: the event hub; deal changes refresh the reports, and a rate set
            here is announced on it.
        language: zh_CN or en, for stage and series names.
        today: the date the default filters are placed around (tests fix it).

    Signals:
        reports_loaded(): every report of a refresh has landed.
    """

    reports_loaded = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        events: EventHub,
        language: str,
        parent: QWidget | None = None,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("reviewWindow")
        self._runner = runner
        self._events = events
        self.language = language
        self._choices: ReviewChoices | None = None
        self._request: ReviewRequest | None = None
        self._results: dict[str, Any] = {}
        self._generation = 0
        self._pending: set[str] = set()

        self.filters = ReviewFilters(today or date.today(), self)
        self.filters.language = language
        self.group_label = QLabel(self)
        self.group_combo = QComboBox(self)
        for by in ("stage", "rep", "product", "team"):
            self.group_combo.addItem("", by)
        self.tabs = QTabWidget(self)
        self.funnel_tab = ReportTab(parent=self)
        self.distribution_tab = ReportTab(parent=self)
        self.conversion_tab = ReportTab(parent=self)
        self.win_rates_tab = ReportTab(self._group_controls(), self)
        self.forecast_tab = ReportTab(parent=self)
        for tab in self._tabs().values():
            self.tabs.addTab(tab, "")
            tab.drill_requested.connect(self.open_drill)
        self.status_label = QLabel(self)
        self.statusBar().addWidget(self.status_label, 1)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filters)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self._make_actions()

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self.filters.refresh_requested.connect(self.refresh)
        self.group_combo.currentIndexChanged.connect(self._reload_win_rates)
        events.deals_changed.connect(self._on_deals_changed)
        events.series_changed.connect(lambda _series: self.load_choices())

        self.retranslate()
        self.resize(1280, 860)
        self.load_choices()

    def _group_controls(self) -> QWidget:
        controls = QWidget(self)
        row = QHBoxLayout(controls)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.group_label)
        row.addWidget(self.group_combo)
        row.addStretch(1)
        return controls

    def _tabs(self) -> dict[str, ReportTab]:
        return {
            "funnel": self.funnel_tab,
            "distribution": self.distribution_tab,
            "conversion": self.conversion_tab,
            "win_rates": self.win_rates_tab,
            "forecast": self.forecast_tab,
        }

    def _make_actions(self) -> None:
        self.refresh_action = QAction(self)
        self.refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.refresh_action.triggered.connect(self.refresh)
        self.csv_action = QAction(self)
        self.csv_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.csv_action.triggered.connect(lambda _checked=False: self.export_csv())
        self.png_action = QAction(self)
        self.png_action.setShortcut(QKeySequence("Ctrl+E"))
        self.png_action.triggered.connect(lambda _checked=False: self.export_png())
        self.pdf_action = QAction(self)
        self.pdf_action.setShortcut(QKeySequence.StandardKey.Print)
        self.pdf_action.triggered.connect(lambda _checked=False: self.save_pdf())
        self.close_action = QAction(self)
        self.close_action.setShortcut(QKeySequence.StandardKey.Close)
        self.close_action.triggered.connect(self.close)
        self.toolbar = QToolBar(self)
        self.toolbar.setObjectName("reviewActions")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (self.csv_action, self.png_action, self.pdf_action):
            self.toolbar.addAction(action)
        self.addToolBar(self.toolbar)
        # The filter row has its own Refresh button; the actions add shortcuts.
        self.addAction(self.refresh_action)
        self.addAction(self.close_action)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Pipeline review"))
        self.toolbar.setWindowTitle(self.tr("Review actions"))
        self.refresh_action.setText(self.tr("Refresh"))
        self.csv_action.setText(self.tr("Export table as CSV…"))
        self.png_action.setText(self.tr("Export chart as PNG…"))
        self.pdf_action.setText(self.tr("Save PDF summary…"))
        self.close_action.setText(self.tr("Close"))
        # Toolbar buttons show the tooltip, so it carries the shortcut too.
        for action in (self.csv_action, self.png_action, self.pdf_action):
            action.setToolTip(
                f"{action.text().rstrip('…')} ("
                f"{action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})"
            )
        self.group_label.setText(self.tr("Group by"))
        for index, text in enumerate(
            (self.tr("Stage"), self.tr("Rep"), self.tr("Product"), self.tr("Team"))
        ):
            self.group_combo.setItemText(index, text)
        titles = (
            self.tr("Funnel"),
            self.tr("Distribution"),
            self.tr("Conversion"),
            self.tr("Win rates"),
            self.tr("Forecast"),
        )
        for index, title in enumerate(titles):
            self.tabs.setTabText(index, title)
        self._render_all()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_language(self, language: str) -> None:
        """Show series and stage names in ``language`` (zh_CN or en)."""
        self.language = language
        self.filters.language = language
        if self._choices is not None:
            self.filters.set_choices(self._choices)
        self._render_all()

    # Loading

    def load_choices(self) -> None:
        """Load the series, teams and reps, then refresh every report."""
        self.status_label.setText(self.tr("Loading…"))
        self._runner.run_read(load_choices, self._on_choices, self._on_choices_failed)

    def _on_choices(self, choices: ReviewChoices) -> None:
        if not shiboken6.isValid(self):
            return
        self._choices = choices
        self.filters.set_choices(choices)
        self.refresh()

    def _on_choices_failed(self, error: Exception) -> None:
        log.error("loading the review filters failed", exc_info=error)
        if not shiboken6.isValid(self):
            return
        self.status_label.setText(
            self.tr("The store could not be read: {error}").format(error=error)
        )

    def refresh(self) -> None:
        """Compute every report again for the filters shown."""
        request = self.filters.request(self.group_combo.currentData())
        if request is None:
            return
        self._refresh_timer.stop()
        self._generation += 1
        self._request = request
        self._pending = set(REPORTS)
        self.status_label.setText(self.tr("Computing the reports…"))
        tasks: dict[str, Callable[[ReviewRequest], Any]] = {
            "funnel": load_funnel,
            "distribution": load_distribution,
            "conversion": load_conversion,
            "win_rates": load_win_rates,
            "forecast": load_forecast,
        }
        for key, make_task in tasks.items():
            self._runner.run_read(
                make_task(request),
                partial(self._on_report, self._generation, key),
                partial(self._on_report_failed, self._generation, key),
            )

    def _reload_win_rates(self) -> None:
        if self._request is None:
            return
        by = self.group_combo.currentData()
        self._request = ReviewRequest(
            self._request.report_filter, self._request.period, self._request.as_of, by
        )
        self._pending.add("win_rates")
        self._runner.run_read(
            load_win_rates(self._request),
            partial(self._on_report, self._generation, "win_rates"),
            partial(self._on_report_failed, self._generation, "win_rates"),
        )

    def _on_report(self, generation: int, key: str, result: Any) -> None:
        # A report can land after the window was deleted with its parent.
        if generation != self._generation or not shiboken6.isValid(self):
            return
        if key == "win_rates" and result.by != self.group_combo.currentData():
            return
        self._results[key] = result
        self._render(key)
        self._landed(key)

    def _on_report_failed(self, generation: int, key: str, error: Exception) -> None:
        log.error("computing the %s report failed", key, exc_info=error)
        if generation != self._generation or not shiboken6.isValid(self):
            return
        self._results.pop(key, None)
        self._tabs()[key].set_content(None, [])
        self._tabs()[key].set_headline(
            self.tr("This report could not be computed: {error}").format(error=error)
        )
        self._landed(key)

    def _landed(self, key: str) -> None:
        self._pending.discard(key)
        if self._pending:
            return
        self.status_label.setText(
            self.tr("Reports computed at {time}").format(
                time=datetime.now().strftime("%H:%M:%S")
            )
        )
        self.reports_loaded.emit()

    def _on_deals_changed(self, _ids: list[uuid.UUID]) -> None:
        if self._request is not None:
            self._refresh_timer.start()

    # Rendering

    def _builders(self) -> tuple[ReportTables, ReviewCharts]:
        names: dict[uuid.UUID, tuple[LocalText, LocalText]] = {}
        series = self._choices.series if self._choices else []
        for record in series:
            for stage in record.stages:
                names[stage.id] = (record.name, stage.name)
        several = (
            self._request is not None
            and self._request.report_filter.series_id is None
            and len(series) > 1
        )
        tables = ReportTables(self.language, names, several)
        return tables, ReviewCharts(tables.stage_label)

    def _render_all(self) -> None:
        for key in list(self._results):
            self._render(key)

    def _render(self, key: str) -> None:
        result = self._results.get(key)
        if result is None or self._request is None:
            return
        tables, charts = self._builders()
        tab = self._tabs()[key]
        if key == "funnel":
            funnel: Funnel = result
            tab.set_content(tables.funnel(funnel), charts.funnel(funnel))
        elif key == "distribution":
            distribution: Distribution = result
            tab.set_content(
                tables.distribution(distribution), charts.distribution(distribution)
            )
        elif key == "conversion":
            rows: list[ConversionRow] = result
            tab.set_content(tables.conversion(rows, self._request.period), [])
        elif key == "win_rates":
            rates: WinRates = result
            tab.set_content(tables.win_rates(rates.rows, rates.by), [])
        else:
            forecast: Forecast = result
            tab.set_content(tables.forecast(forecast), charts.forecast(forecast))
            tab.set_headline(self._forecast_headline(forecast))

    def _forecast_headline(self, forecast: Forecast) -> str:
        def money(value: Any) -> str:
            return money_cell(value, forecast.currency).text

        return self.tr(
            "<span style='font-size: 15pt'><b>Forecast {total} {currency}</b></span>"
            " = weighted open deals {weighted} + won in the window {won}"
        ).format(
            total=money(forecast.total),
            currency=forecast.currency,
            weighted=money(forecast.weighted),
            won=money(forecast.won_amount),
        )

    # Drill-down

    def open_drill(self, drill: Drill) -> DealListDialog | None:
        """Open the list of the deals behind a figure; return the dialog."""
        if self._request is None:
            return None
        dialog = DealListDialog(
            self._runner,
            self._events,
            self.language,
            self._request.report_filter,
            drill,
            self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    # Export

    def current_tab(self) -> ReportTab:
        """Return the tab on top."""
        tab = self.tabs.currentWidget()
        assert isinstance(tab, ReportTab)
        return tab

    def export_csv(self, path: Path | None = None) -> bool:
        """Write the current tab's table to CSV; ask for the file without ``path``."""
        table = self.current_tab().table()
        if table is None:
            self._tell(
                self.tr("Export table as CSV"), self.tr("The report is not loaded yet.")
            )
            return False
        if path is None:
            path = self._ask_path(
                self.tr("Export table as CSV"),
                f"{table.key}.csv",
                self.tr("CSV files (*.csv)"),
                ".csv",
            )
            if path is None:
                return False
        try:
            write_csv(table, path)
        except OSError as error:
            log.error("writing %s failed: %s", path, error)
            self._tell(
                self.tr("Export table as CSV"),
                self.tr(
                    "The table could not be written to {path}: {error}. Choose a "
                    "folder you can write to."
                ).format(path=path, error=error.strerror or error),
            )
            return False
        self.statusBar().showMessage(
            self.tr("Table saved to {path}").format(path=path), 5000
        )
        return True

    def export_png(self, path: Path | None = None) -> bool:
        """Write the current tab's charts, side by side, to a PNG file."""
        charts = self.current_tab().charts()
        if not charts:
            self._tell(
                self.tr("Export chart as PNG"),
                self.tr("This report has no chart: export its table as CSV instead."),
            )
            return False
        if path is None:
            path = self._ask_path(
                self.tr("Export chart as PNG"),
                f"{charts[0].key}.png",
                self.tr("PNG images (*.png)"),
                ".png",
            )
            if path is None:
                return False
        image = render_side_by_side(charts)
        if not image.save(str(path), "PNG"):  # type: ignore[call-overload]
            log.error("writing the chart image %s failed", path)
            self._tell(
                self.tr("Export chart as PNG"),
                self.tr(
                    "The image could not be written to {path}: choose a folder you "
                    "can write to."
                ).format(path=path),
            )
            return False
        self.statusBar().showMessage(
            self.tr("Chart saved to {path}").format(path=path), 5000
        )
        return True

    def save_pdf(self, path: Path | None = None) -> bool:
        """Write the printable summary of every report shown to an A4 PDF."""
        sections = [
            SummarySection(table, tab.charts())
            for tab in self._tabs().values()
            if (table := tab.table()) is not None
        ]
        if not sections:
            self._tell(
                self.tr("Save PDF summary"), self.tr("The reports are not loaded yet.")
            )
            return False
        if path is None:
            path = self._ask_path(
                self.tr("Save PDF summary"),
                f"pipeline-review-{date.today().isoformat()}.pdf",
                self.tr("PDF files (*.pdf)"),
                ".pdf",
            )
            if path is None:
                return False
        content = SummaryContent(
            title=self.tr("Pipeline review"),
            filters=self.filters.describe(),
            generated=self.tr("Generated on {time}").format(
                time=datetime.now().strftime("%Y-%m-%d %H:%M")
            ),
            sections=sections,
        )
        try:
            write_pdf_summary(content, path)
        except OSError as error:
            log.error("writing the PDF summary %s failed: %s", path, error)
            self._tell(
                self.tr("Save PDF summary"),
                self.tr(
                    "The summary could not be written to {path}: choose a folder "
                    "you can write to."
                ).format(path=path),
            )
            return False
        self.statusBar().showMessage(
            self.tr("Summary saved to {path}").format(path=path), 5000
        )
        return True

    def _ask_path(
        self, title: str, name: str, file_filter: str, suffix: str
    ) -> Path | None:
        chosen, _filter = QFileDialog.getSaveFileName(self, title, name, file_filter)
        if not chosen:
            return None
        if not chosen.lower().endswith(suffix):
            chosen += suffix
        return Path(chosen)

    def _tell(self, title: str, text: str) -> None:
        QMessageBox.warning(self, title, text)
