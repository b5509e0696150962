"""The Import leads dialog: a file, an optional mapping, and the row report."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crmdesk.config.settings import DEFAULT_PHONE_REGION
from crmdesk.domain.errors import CrmError
from crmdesk.services.context import ChangeSource
from crmdesk.services.imports.lead_mapping import load_lead_mapping
from crmdesk.services.imports.leads import (
    LeadImportResult,
    default_lead_report_path,
    import_leads,
)
from crmdesk.ui.acting import actor_in
from crmdesk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


class ImportLeadsDialog(QDialog):
    """Imports a CSV or .xlsx file of leads and lists the rejected and flagged rows.

    ``report_folder`` is the data folder; the CSV report goes into its
    import-reports folder.

    Signals:
        imported(object): the ``LeadImportResult`` of a finished import.
    """

    imported = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        report_folder: Path,
        parent: QWidget | None = None,
        *,
        phone_region: str = DEFAULT_PHONE_REGION,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._report_folder = report_folder
        self._phone_region = phone_region
        self.result: LeadImportResult | None = None
        self.setWindowTitle(self.tr("Import leads"))
        self.resize(760, 480)

        self.file_edit = QLineEdit(self)
        self.file_edit.setPlaceholderText(self.tr("A .csv or .xlsx file"))
        self.file_button = QPushButton(self.tr("Browse…"), self)
        self.mapping_edit = QLineEdit(self)
        self.mapping_edit.setPlaceholderText(
            self.tr("Optional: without one, columns are found by their names")
        )
        self.mapping_button = QPushButton(self.tr("Browse…"), self)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.file_button)
        mapping_row = QHBoxLayout()
        mapping_row.addWidget(self.mapping_edit, 1)
        mapping_row.addWidget(self.mapping_button)
        form = QFormLayout()
        form.addRow(self.tr("File"), file_row)
        form.addRow(self.tr("Column mapping"), mapping_row)

        self.summary_label = QLabel(self)
        self.summary_label.setWordWrap(True)
        self.rows_table = QTableWidget(0, 3, self)
        self.rows_table.setHorizontalHeaderLabels(
            [self.tr("Line"), self.tr("Outcome"), self.tr("Reason")]
        )
        self.rows_table.verticalHeader().hide()
        self.rows_table.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.Stretch
        )
        self.rows_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.import_button = self.buttons.addButton(
            self.tr("Import"), QDialogButtonBox.ButtonRole.ActionRole
        )
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.rows_table, 1)
        layout.addWidget(self.buttons)
        self.file_button.clicked.connect(self._browse_file)
        self.mapping_button.clicked.connect(self._browse_mapping)
        self.import_button.clicked.connect(self.start_import)
        self.buttons.rejected.connect(self.reject)

    def _browse_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Import leads"),
            "",
            self.tr("Lead files (*.csv *.xlsx);;All files (*)"),
        )
        if path:
            self.file_edit.setText(path)

    def _browse_mapping(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Column mapping"), "", self.tr("Mapping files (*.toml)")
        )
        if path:
            self.mapping_edit.setText(path)

    def start_import(self) -> None:
        """Import the chosen file in one transaction; nothing is kept on an error."""
        text = self.file_edit.text().strip()
        if not text:
            self._show_summary(self.tr("Choose the file to import first."), error=True)
            return
        path = Path(text)
        mapping_text = self.mapping_edit.text().strip()
        mapping_path = Path(mapping_text) if mapping_text else None
        region = self._phone_region
        folder = self._report_folder
        self.import_button.setEnabled(False)
        self._show_summary(self.tr("Importing {file}…").format(file=path.name))

        def run(session: Any) -> LeadImportResult:
            mapping = load_lead_mapping(mapping_path) if mapping_path else None
            actor = actor_in(session, ChangeSource.IMPORT)
            return import_leads(
                session,
                path,
                mapping,
                actor,
                region=region,
                report_path=default_lead_report_path(folder, actor.at),
            )

        self._runner.run_write(run, self._on_imported, self._on_failed)

    def _show_summary(self, text: str, *, error: bool = False) -> None:
        self.summary_label.setStyleSheet("color: #b3261e;" if error else "")
        self.summary_label.setText(text)

    def _on_imported(self, result: LeadImportResult) -> None:
        self.import_button.setEnabled(True)
        self.result = result
        text = self.tr(
            "{rows} rows: {imported} imported, {flagged} flagged as possible "
            "duplicates, {rejected} rejected."
        ).format(
            rows=result.rows,
            imported=result.imported,
            flagged=result.flagged,
            rejected=result.rejected,
        )
        if result.updated or result.unchanged:
            text += " " + self.tr(
                "{updated} updated and {unchanged} unchanged from an earlier import."
            ).format(updated=result.updated, unchanged=result.unchanged)
        if result.report_path is not None:
            text += " " + self.tr("Report: {path}").format(path=result.report_path)
        self._show_summary(text)
        outcomes = {"rejected": self.tr("Rejected"), "flagged": self.tr("Flagged")}
        listed = sorted(result.listed, key=lambda row: row.line)
        self.rows_table.setRowCount(len(listed))
        for index, row in enumerate(listed):
            for column, value in enumerate(
                (str(row.line), outcomes[row.outcome], row.reason)
            ):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                self.rows_table.setItem(index, column, item)
        self.rows_table.resizeColumnToContents(0)
        self.rows_table.resizeColumnToContents(1)
        self.imported.emit(result)

    def _on_failed(self, error: Exception) -> None:
        self.import_button.setEnabled(True)
        if not isinstance(error, CrmError):
            log.error("importing leads failed", exc_info=error)
        self._show_summary(
            self.tr("Nothing was imported: {error}").format(error=error), error=True
        )
