"""The sync issues panel: open conflicts and refused changes, and their actions.

A dock of the main window. The table lists each open issue by table, record,
field and kind. Below it, the selected issue's values (mine, theirs, base) sit
side by side with the server's message, with buttons for only the actions that
issue offers. Reading and resolving run on the sync runner's worker.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crmdesk.ui.sync.runner import IssueRecord, SyncRunner

log = logging.getLogger(__name__)

KEEP_THEIRS = "keep_theirs"
USE_MINE = "use_mine"
RESTORE = "restore"
ACTIONS = (KEEP_THEIRS, USE_MINE, RESTORE)


# Columns that hold money in minor units (cents, fen).
MINOR_UNIT_FIELDS = {"amount_minor", "actual_amount_minor", "list_price_minor"}


def value_text(value: Any, field: str | None = None) -> str:
    """Format an issue value (JSON data) for reading: scalars plain, rest as JSON.

    Money in minor units is shown in major units with two decimals, followed by
    the stored number, because the issue does not carry the currency and a few
    currencies (JPY) have no minor units.
    """
    if value is None:
        return "—"
    if field in MINOR_UNIT_FIELDS and isinstance(value, int):
        return QCoreApplication.translate(
            "SyncIssuesPanel", "{amount} ({minor} in minor units)"
        ).format(amount=f"{value / 100:,.2f}", minor=f"{value:,}")
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "\n".join(f"{key}: {value_text(item)}" for key, item in value.items())
    return json.dumps(value, ensure_ascii=False)


class SyncIssuesPanel(QDockWidget):
    """Lists the open sync issues and resolves the selected one.

    Signals:
        resolved(str, object): the table name and row id of a resolved issue.
    """

    resolved = Signal(str, object)

    def __init__(self, sync: SyncRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncIssues")
        self._sync = sync
        self._issues: list[IssueRecord] = []
        self._busy = False

        body = QWidget(self)
        self.table = QTableWidget(0, 4, body)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._show_selected)

        self.empty_label = QLabel(body)
        self.message_label = QLabel(body)
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.mine_title = QLabel(body)
        self.theirs_title = QLabel(body)
        self.base_title = QLabel(body)
        self.mine_view = self._value_view(body, "syncMine")
        self.theirs_view = self._value_view(body, "syncTheirs")
        self.base_view = self._value_view(body, "syncBase")
        values = QGridLayout()
        for column, (title, view) in enumerate(
            (
                (self.mine_title, self.mine_view),
                (self.theirs_title, self.theirs_view),
                (self.base_title, self.base_view),
            )
        ):
            title.setBuddy(view)
            values.addWidget(title, 0, column)
            values.addWidget(view, 1, column)

        self.buttons: dict[str, QPushButton] = {}
        button_row = QHBoxLayout()
        button_row.addStretch(1)
        for action in ACTIONS:
            button = QPushButton(body)
            button.setObjectName(f"sync_{action}")
            button.clicked.connect(
                lambda _checked=False, name=action: self.resolve_selected(name)
            )
            self.buttons[action] = button
            button_row.addWidget(button)
        self.error_label = QLabel(body)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.hide()

        layout = QVBoxLayout(body)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.message_label)
        layout.addLayout(values, 1)
        layout.addLayout(button_row)
        layout.addWidget(self.error_label)
        self.setWidget(body)
        self.retranslate()
        self._show_selected()

    @staticmethod
    def _value_view(parent: QWidget, name: str) -> QPlainTextEdit:
        view = QPlainTextEdit(parent)
        view.setObjectName(name)
        view.setReadOnly(True)
        view.setMinimumHeight(60)
        return view

    # Loading

    def reload(self) -> None:
        """Read the open issues again, keeping the selection where possible."""
        self._sync.load_issues(self._on_loaded, self._on_failed)

    def issues(self) -> list[IssueRecord]:
        """The issues the table shows, in its order."""
        return list(self._issues)

    def select_issue(self, issue_id: uuid.UUID) -> None:
        """Select the row of ``issue_id`` in the table."""
        for row, issue in enumerate(self._issues):
            if issue.id == issue_id:
                self.table.selectRow(row)
                return

    def _on_loaded(self, issues: list[IssueRecord]) -> None:
        selected = self._selected()
        self._issues = list(issues)
        self.table.setRowCount(len(self._issues))
        for row, issue in enumerate(self._issues):
            cells = (
                self._table_text(issue.table_name),
                # Ids are UUIDv7: the first digits are a timestamp that rows made
                # together share, so the random last digits tell them apart.
                "…" + issue.row_id.hex[-8:],
                self._field_text(issue.field),
                self._kind_text(issue.kind),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 1:
                    item.setToolTip(str(issue.row_id))
                self.table.setItem(row, column, item)
        self.empty_label.setVisible(not self._issues)
        if selected is not None and any(i.id == selected.id for i in self._issues):
            self.select_issue(selected.id)
        elif self._issues:
            self.table.selectRow(0)
        self._show_selected()

    def _on_failed(self, error: Exception) -> None:
        log.error("reading the sync issues failed", exc_info=error)
        self._show_error(
            self.tr("The sync issues could not be read: {error}").format(error=error)
        )

    # Selection and actions

    def _selected(self) -> IssueRecord | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self._issues):
            return None
        return self._issues[rows[0].row()]

    def _show_selected(self) -> None:
        issue = self._selected()
        for view, value in (
            (self.mine_view, issue.mine if issue else None),
            (self.theirs_view, issue.theirs if issue else None),
            (self.base_view, issue.base if issue else None),
        ):
            field = issue.field if issue else None
            view.setPlainText(value_text(value, field) if issue else "")
        self.message_label.setText(issue.message if issue else "")
        for action, button in self.buttons.items():
            button.setVisible(issue is not None and action in issue.actions)
            button.setEnabled(not self._busy)
        self.error_label.hide()

    def resolve_selected(self, action: str) -> None:
        """Resolve the selected issue with ``action`` (keep_theirs, use_mine...)."""
        issue = self._selected()
        if issue is None or action not in issue.actions or self._busy:
            return
        self._busy = True
        self._show_selected()

        def done(_result: object) -> None:
            self._busy = False
            self.resolved.emit(issue.table_name, issue.row_id)
            self.reload()

        def failed(error: Exception) -> None:
            self._busy = False
            log.warning("resolving sync issue %s failed: %s", issue.id, error)
            self._show_selected()
            self._show_error(
                self.tr("The issue could not be resolved: {error}").format(error=error)
            )
            self.reload()

        self._sync.resolve(issue.id, action, done, failed)

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    # Texts

    def _table_text(self, table_name: str) -> str:
        names = {
            "opportunities": self.tr("Deal"),
            "customers": self.tr("Customer"),
            "checklist_items": self.tr("Checklist item"),
            "stage_history": self.tr("Stage history"),
            "outcomes": self.tr("Outcome"),
            "probability_revisions": self.tr("Probability revision"),
        }
        return names.get(table_name, table_name)

    def _field_text(self, field: str | None) -> str:
        if not field:
            return "—"
        names = {
            "amount_minor": self.tr("Amount"),
            "actual_amount_minor": self.tr("Actual amount"),
            "currency": self.tr("Currency"),
            "expected_close": self.tr("Expected close"),
            "stage_id": self.tr("Stage"),
            "manual_probability": self.tr("Win probability"),
            "notes": self.tr("Notes"),
            "title": self.tr("Title"),
            "owner_id": self.tr("Owner"),
            "customer_id": self.tr("Customer"),
            "name": self.tr("Name"),
            "phone": self.tr("Phone"),
            "email": self.tr("Email"),
            "done": self.tr("Done"),
        }
        return names.get(field, field)

    def _kind_text(self, kind: str) -> str:
        kinds = {
            "conflict": self.tr("Conflict"),
            "also_edited": self.tr("Also edited"),
            "deleted": self.tr("Deleted on the server"),
            "not_permitted": self.tr("Not permitted"),
            "no_longer_visible": self.tr("No longer visible"),
            "rejected": self.tr("Rejected"),
            "group_rejected": self.tr("Rejected with its group"),
            "parent_deleted": self.tr("Parent deleted"),
        }
        return kinds.get(kind, kind)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Sync issues"))
        self.table.setHorizontalHeaderLabels(
            [self.tr("Table"), self.tr("Record"), self.tr("Field"), self.tr("Kind")]
        )
        for row, issue in enumerate(self._issues):
            table_item = self.table.item(row, 0)
            kind_item = self.table.item(row, 3)
            if table_item is not None:
                table_item.setText(self._table_text(issue.table_name))
            if kind_item is not None:
                kind_item.setText(self._kind_text(issue.kind))
        self.empty_label.setText(self.tr("No open sync issues."))
        self.mine_title.setText(self.tr("&Mine"))
        self.theirs_title.setText(self.tr("&Theirs"))
        self.base_title.setText(self.tr("&Base"))
        self.buttons[KEEP_THEIRS].setText(self.tr("&Keep theirs"))
        self.buttons[USE_MINE].setText(self.tr("&Use mine"))
        self.buttons[RESTORE].setText(self.tr("&Restore"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
