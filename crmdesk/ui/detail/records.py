"""The read-only records of a deal: stage history, outcomes, probability revisions."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crmdesk.services.deal_detail import DealDetail
from crmdesk.ui.formatting import amount_text, date_text, instant_text, percent_text


def _table(parent: QWidget) -> QTableWidget:
    table = QTableWidget(parent)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(
        QHeaderView.ResizeMode.ResizeToContents
    )
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for row_index, row in enumerate(rows):
        for column, text in enumerate(row):
            table.setItem(row_index, column, QTableWidgetItem(text))


class DealRecords(QWidget):
    """Tables of stage history, outcome records (with reopening) and revisions."""

    def __init__(self, language: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._language = language
        self._detail: DealDetail | None = None
        self.history_label = QLabel(self)
        self.history_table = _table(self)
        self.outcomes_label = QLabel(self)
        self.outcomes_table = _table(self)
        self.revisions_label = QLabel(self)
        self.revisions_table = _table(self)
        layout = QVBoxLayout(self)
        for label, table in (
            (self.history_label, self.history_table),
            (self.outcomes_label, self.outcomes_table),
            (self.revisions_label, self.revisions_table),
        ):
            layout.addWidget(label)
            layout.addWidget(table, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.history_label.setText(self.tr("Stage history"))
        self.outcomes_label.setText(self.tr("Outcomes"))
        self.revisions_label.setText(self.tr("Win probability revisions"))
        self.history_table.setColumnCount(7)
        self.history_table.setHorizontalHeaderLabels(
            [
                self.tr("When"),
                self.tr("From"),
                self.tr("To"),
                self.tr("By"),
                self.tr("Amount"),
                self.tr("Probability"),
                self.tr("Via"),
            ]
        )
        self.outcomes_table.setColumnCount(7)
        self.outcomes_table.setHorizontalHeaderLabels(
            [
                self.tr("Recorded"),
                self.tr("Result"),
                self.tr("Reason"),
                self.tr("Actual amount"),
                self.tr("Date"),
                self.tr("Note"),
                self.tr("Reopened"),
            ]
        )
        self.revisions_table.setColumnCount(4)
        self.revisions_table.setHorizontalHeaderLabels(
            [self.tr("When"), self.tr("Rate"), self.tr("Reason"), self.tr("By")]
        )
        if self._detail is not None:
            self.show_detail(self._detail)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_language(self, language: str) -> None:
        """Label stages and reasons in ``language`` (zh_CN or en)."""
        self._language = language
        if self._detail is not None:
            self.show_detail(self._detail)

    def show_detail(self, detail: DealDetail) -> None:
        """Fill the three tables from a loaded deal."""
        self._detail = detail
        language = self._language
        _fill(
            self.history_table,
            [
                [
                    instant_text(line.changed_at),
                    "" if line.from_stage is None else line.from_stage.get(language),
                    line.to_stage.get(language),
                    line.changed_by,
                    amount_text(line.amount_minor, line.currency),
                    percent_text(line.probability),
                    self._source_text(line.source),
                ]
                for line in reversed(detail.history)
            ],
        )
        _fill(
            self.outcomes_table,
            [
                [
                    instant_text(line.recorded_at),
                    self._result_text(line.result),
                    "" if line.reason is None else line.reason.get(language),
                    amount_text(line.actual_amount_minor, line.currency),
                    date_text(line.actual_date),
                    line.note,
                    instant_text(line.reopened_at),
                ]
                for line in reversed(detail.outcomes)
            ],
        )
        _fill(
            self.revisions_table,
            [
                [
                    instant_text(line.changed_at),
                    self.tr("cleared")
                    if line.probability is None
                    else percent_text(line.probability),
                    line.reason,
                    line.changed_by,
                ]
                for line in reversed(detail.revisions)
            ],
        )

    def _result_text(self, result: str) -> str:
        if result == "won":
            return self.tr("Won")
        if result == "lost":
            return self.tr("Lost")
        return result

    def _source_text(self, source: str) -> str:
        names = {
            "board": self.tr("board"),
            "form": self.tr("form"),
            "bulk": self.tr("bulk move"),
            "import": self.tr("import"),
            "cli": self.tr("command line"),
            "demo": self.tr("demo"),
            "report": self.tr("report"),
        }
        return names.get(source, source)
