"""The sync issues panel: open conflicts and refused changes, and their actions.

A dock of the main window. The table lists each open issue by table, record,
field and kind. Below it, an explanation of the selected issue in the user's
language, built from the issue's kind and fields (never from the server's
English message, which stays readable under Details), its values (mine,
theirs, base) side by side, and buttons for only the actions that issue offers.
Ids of other records show as those records' names. Reading and resolving run on
the sync runner's worker.
"""

from __future__ import annotations

import json
import logging
import uuid
from decimal import Decimal
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
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.money import currency_exponent
from crmdesk.ui.sync.runner import IssueRecord, SyncRunner

log = logging.getLogger(__name__)

KEEP_THEIRS = "keep_theirs"
USE_MINE = "use_mine"
RESTORE = "restore"
ACTIONS = (KEEP_THEIRS, USE_MINE, RESTORE)


# Columns that hold money in minor units (cents, fen).
MINOR_UNIT_FIELDS = {"amount_minor", "actual_amount_minor", "list_price_minor"}


# SQLSTATE codes of refusals the panel explains itself. Other codes are
# explained by the server's message alone, shown under Details.
UNIQUE_VIOLATION = "23505"
FOREIGN_KEY_VIOLATION = "23503"
RULE_VIOLATIONS = ("23502", "23514", "22")
# Issue kinds the panel explains; any other kind shows the server's message.
KNOWN_KINDS = (
    "conflict",
    "also_edited",
    "deleted",
    "not_permitted",
    "no_longer_visible",
    "parent_deleted",
    "group_rejected",
    "rejected",
)


def money_text(value: int, currency: str | None = None) -> str:
    """Format an amount in minor units as money.

    With its currency the amount shows exactly, as ``1,234.50 CNY`` (``1,234
    JPY``: a yen has no minor units). Without one it shows in hundredths, a
    guess, followed by the stored number.
    """
    if currency:
        digits = currency_exponent(currency)
        amount = Decimal(value).scaleb(-digits)
        return f"{amount:,.{digits}f} {currency}"
    return QCoreApplication.translate(
        "SyncIssuesPanel", "{amount} ({minor} in minor units)"
    ).format(amount=f"{value / 100:,.2f}", minor=f"{value:,}")


def _parse_id(value: Any) -> uuid.UUID | None:
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


class SyncIssuesPanel(QDockWidget):
    """Lists the open sync issues and resolves the selected one.

    Signals:
        resolved(str, object): the table name and row id of a resolved issue.
    """

    resolved = Signal(str, object)

    def __init__(
        self, sync: SyncRunner, parent: QWidget | None = None, language: str = "en"
    ) -> None:
        super().__init__(parent)
        self.setObjectName("syncIssues")
        self._sync = sync
        self._language = language
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
        explanation_row = self._build_explanation(body)
        values = self._build_values(body)

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
        layout.addLayout(explanation_row)
        layout.addWidget(self.details_label)
        layout.addLayout(values, 1)
        layout.addLayout(button_row)
        layout.addWidget(self.error_label)
        self.setWidget(body)
        self.retranslate()
        self._show_selected()

    def _build_explanation(self, body: QWidget) -> QHBoxLayout:
        self.explanation_label = QLabel(body)
        self.explanation_label.setObjectName("syncExplanation")
        self.explanation_label.setWordWrap(True)
        self.explanation_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.details_button = QToolButton(body)
        self.details_button.setObjectName("syncDetailsButton")
        self.details_button.setCheckable(True)
        self.details_button.setAutoRaise(True)
        self.details_button.setToolButtonStyle(
            Qt.ToolButtonStyle.ToolButtonTextBesideIcon
        )
        self.details_button.toggled.connect(self._show_details)
        self.details_label = QLabel(body)
        self.details_label.setObjectName("syncDetails")
        self.details_label.setWordWrap(True)
        self.details_label.setTextFormat(Qt.TextFormat.PlainText)
        self.details_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        explanation_row = QHBoxLayout()
        explanation_row.addWidget(self.explanation_label, 1)
        explanation_row.addWidget(self.details_button, 0, Qt.AlignmentFlag.AlignTop)
        return explanation_row

    def _build_values(self, body: QWidget) -> QGridLayout:
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
        return values

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
                self._record_text(issue),
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
        self._show_selected_texts()
        # Where only the server's message gives the reason, it is shown at once.
        self.details_button.setChecked(
            issue is not None
            and bool(self.details_label.text())
            and self._needs_details(issue)
        )
        self._show_details(self.details_button.isChecked())
        for action, button in self.buttons.items():
            button.setVisible(issue is not None and action in issue.actions)
            button.setEnabled(not self._busy)
        self.error_label.hide()

    def _show_selected_texts(self) -> None:
        """Write the selected issue's explanation, details and values."""
        issue = self._selected()
        for view, value in (
            (self.mine_view, issue.mine if issue else None),
            (self.theirs_view, issue.theirs if issue else None),
            (self.base_view, issue.base if issue else None),
        ):
            text = self.value_text(issue, value, issue.field) if issue else ""
            view.setPlainText(text)
        self.explanation_label.setText(self.explanation(issue) if issue else "")
        self.explanation_label.setToolTip(issue.message if issue else "")
        details = self._details_text(issue) if issue else ""
        self.details_label.setText(details)
        self.details_button.setVisible(bool(details))
        self._show_details(self.details_button.isChecked())

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

    # Languages

    @property
    def language(self) -> str:
        """The language of record names: zh_CN or en."""
        return self._language

    def set_language(self, language: str) -> None:
        """Show record names in ``language`` (zh_CN or en)."""
        self._language = language
        self.retranslate()

    # Explanations

    def explanation(self, issue: IssueRecord) -> str:
        """Return a sentence or two on what happened to ``issue``'s change."""
        if issue.kind == "conflict":
            return self._conflict_text(issue)
        if issue.kind == "also_edited":
            return self._also_edited_text(issue)
        if issue.kind == "deleted":
            return self.tr(
                "{who} deleted this record on the server while you edited it, so "
                "your edit was not applied. Restore brings the record back with "
                "your edit."
            ).format(who=self._who(issue))
        if issue.kind == "rejected":
            return self._rejected_text(issue.sqlstate)
        texts = {
            "not_permitted": self.tr(
                "The server did not apply this change because the record is not "
                "on the server or you may not change it."
            ),
            "no_longer_visible": self.tr(
                "This record is no longer yours because it was reassigned or "
                "moved to another team. Your unsent changes to it are kept here."
            ),
            "parent_deleted": self.tr(
                "Your record was saved, but the customer or deal it belongs to "
                "had been deleted on the server."
            ),
            "group_rejected": self.tr(
                "This change was not applied because another change made in the "
                "same action was refused. That change has an issue of its own."
            ),
        }
        unknown = self.tr(
            "The server did not take this change as it was. The server's reason "
            "is under Details."
        )
        return texts.get(issue.kind, unknown)

    def _conflict_text(self, issue: IssueRecord) -> str:
        who = self._who(issue)
        if issue.table_name == "opportunities" and issue.field == "stage_id":
            return self.tr(
                "{who} moved this deal to another stage on the server after "
                "your last sync. The deal stays in the server's stage, and "
                "nothing else of the same action (such as an outcome) was "
                "applied."
            ).format(who=who)
        return self.tr(
            "{who} changed “{field}” on the server after your last sync. The "
            "server's value stays, and yours was not applied."
        ).format(who=who, field=self._field_text(issue.field))

    def _also_edited_text(self, issue: IssueRecord) -> str:
        who = self._who(issue)
        field = self._field_text(issue.field)
        if issue.kept == "mine":
            return self.tr(
                "{who} also edited “{field}” on the server. Your edit was the "
                "later one, so your value was kept."
            ).format(who=who, field=field)
        if issue.kept == "theirs":
            return self.tr(
                "{who} also edited “{field}” on the server. Their edit was the "
                "later one, so their value was kept."
            ).format(who=who, field=field)
        return self.tr(
            "{who} also edited “{field}” on the server. The later of the two "
            "edits was kept."
        ).format(who=who, field=field)

    def _rejected_text(self, sqlstate: str | None) -> str:
        if sqlstate == UNIQUE_VIOLATION:
            return self.tr(
                "The server rejected this change because another record already "
                "has the same value."
            )
        if sqlstate == FOREIGN_KEY_VIOLATION:
            return self.tr(
                "The server rejected this change because it refers to a record "
                "that is not on the server."
            )
        if sqlstate is not None and sqlstate.startswith(RULE_VIOLATIONS):
            return self.tr(
                "The server rejected this change because a value breaks one of "
                "the server's rules."
            )
        return self.tr(
            "The server rejected this change. The server's reason is under Details."
        )

    def _needs_details(self, issue: IssueRecord) -> bool:
        """True when the explanation sends the reader to the server's message."""
        if issue.kind == "rejected":
            return not (
                issue.sqlstate in (UNIQUE_VIOLATION, FOREIGN_KEY_VIOLATION)
                or (issue.sqlstate or "").startswith(RULE_VIOLATIONS)
            )
        return issue.kind not in KNOWN_KINDS

    def _details_text(self, issue: IssueRecord) -> str:
        lines = []
        if issue.message:
            lines.append(
                self.tr("Server message: {message}").format(message=issue.message)
            )
        if issue.sqlstate:
            lines.append(
                self.tr("PostgreSQL error code: {code}").format(code=issue.sqlstate)
            )
        return "\n".join(lines)

    def _show_details(self, shown: bool) -> None:
        self.details_label.setVisible(shown and bool(self.details_label.text()))
        self.details_button.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )

    def _who(self, issue: IssueRecord) -> str:
        if issue.other_name and issue.other_login:
            return self.tr("{name} ({login})").format(
                name=issue.other_name, login=issue.other_login
            )
        if issue.other_login:
            return issue.other_login
        return self.tr("Another user")

    # Values

    def value_text(self, issue: IssueRecord, value: Any, field: str | None) -> str:
        """Format one of ``issue``'s values (JSON data) for reading.

        Ids of other records show as those records' names in the panel's
        language, or as "unknown stage (id)" when the local store lacks the row.
        Money in minor units shows in major units with the issue's currency
        (see ``money_text``).
        """
        if value is None:
            return "—"
        target = issue.references.get(field) if field else None
        if target is not None and isinstance(value, str):
            return self._reference_text(issue, target, value)
        if field in MINOR_UNIT_FIELDS and isinstance(value, int):
            return money_text(value, issue.currency)
        if isinstance(value, bool):
            return self.tr("Yes") if value else self.tr("No")
        if isinstance(value, str):
            return value
        if isinstance(value, dict):
            line = self.tr("{field}: {value}")
            return "\n".join(
                line.format(
                    field=self._field_text(key),
                    value=self.value_text(issue, item, key),
                )
                for key, item in value.items()
            )
        return json.dumps(value, ensure_ascii=False)

    def _reference_text(self, issue: IssueRecord, target: str, value: str) -> str:
        row_id = _parse_id(value)
        name = issue.names.get(row_id) if row_id is not None else None
        if name is not None:
            text = name.get(self._language)
            if text:
                return text
        templates = {
            "stages": self.tr("unknown stage ({id})"),
            "users": self.tr("unknown user ({id})"),
            "customers": self.tr("unknown customer ({id})"),
            "reasons": self.tr("unknown reason ({id})"),
            "products": self.tr("unknown product ({id})"),
            "series": self.tr("unknown series ({id})"),
            "teams": self.tr("unknown team ({id})"),
            "customer_states": self.tr("unknown customer state ({id})"),
            "checklist_actions": self.tr("unknown checklist action ({id})"),
            "opportunities": self.tr("unknown deal ({id})"),
            "playbooks": self.tr("unknown playbook ({id})"),
        }
        template = templates.get(target, self.tr("unknown record ({id})"))
        return template.format(id=value)

    def _record_text(self, issue: IssueRecord) -> str:
        name = issue.names.get(issue.row_id)
        text = name.get(self._language) if name is not None else ""
        if text:
            return text
        # Ids are UUIDv7: the first digits are a timestamp that rows made
        # together share, so the random last digits tell them apart.
        return "…" + issue.row_id.hex[-8:]

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
            "actual_date": self.tr("Actual close date"),
            "currency": self.tr("Currency"),
            "expected_close": self.tr("Expected close"),
            "stage_id": self.tr("Stage"),
            "from_stage_id": self.tr("From stage"),
            "to_stage_id": self.tr("To stage"),
            "manual_probability": self.tr("Win probability"),
            "probability": self.tr("Probability"),
            "notes": self.tr("Notes"),
            "note": self.tr("Note"),
            "title": self.tr("Title"),
            "owner_id": self.tr("Owner"),
            "customer_id": self.tr("Customer"),
            "parent_id": self.tr("Parent customer"),
            "product_id": self.tr("Product"),
            "series_id": self.tr("Series"),
            "team_id": self.tr("Team"),
            "state_id": self.tr("Customer state"),
            "action_id": self.tr("Checklist action"),
            "opportunity_id": self.tr("Deal"),
            "reason_id": self.tr("Reason"),
            "reason": self.tr("Reason"),
            "result": self.tr("Result"),
            "name": self.tr("Name"),
            "sector": self.tr("Sector"),
            "country": self.tr("Country"),
            "phone": self.tr("Phone"),
            "email": self.tr("Email"),
            "done": self.tr("Done"),
            "deleted_at": self.tr("Deleted at"),
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
            texts = (
                self._table_text(issue.table_name),
                self._record_text(issue),
                self._field_text(issue.field),
                self._kind_text(issue.kind),
            )
            for column, text in enumerate(texts):
                item = self.table.item(row, column)
                if item is not None:
                    item.setText(text)
        self.empty_label.setText(self.tr("No open sync issues."))
        self.details_button.setText(self.tr("Details"))
        self.details_button.setToolTip(self.tr("Show the server's own message"))
        self.mine_title.setText(self.tr("&Mine"))
        self.theirs_title.setText(self.tr("&Theirs"))
        self.base_title.setText(self.tr("&Base"))
        self.buttons[KEEP_THEIRS].setText(self.tr("&Keep theirs"))
        self.buttons[USE_MINE].setText(self.tr("&Use mine"))
        self.buttons[RESTORE].setText(self.tr("&Restore"))
        self._show_selected_texts()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
