"""The win rate editor of a drill-down list: revisions and a new rate with a reason."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.playbook import StageKind
from crmdesk.services.deal_detail import RevisionLine
from crmdesk.ui.formatting import instant_text
from crmdesk.ui.review.loading import DealRow


class RateEditor(QGroupBox):
    """Shows a deal's manual rate revisions and takes a new rate with a reason.

    A reason is required for every change, including clearing the manual rate
    so the stage default applies again. Won and lost deals cannot be edited:
    their result fixes the rate.

    Signals:
        rate_submitted(object, str): the new rate in percent (None clears the
            manual rate) and the reason, after both were checked.
    """

    rate_submitted = Signal(object, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._deal: DealRow | None = None
        self.deal_label = QLabel(self)
        self.deal_label.setWordWrap(True)
        self.revisions = QTableWidget(0, 4, self)
        self.revisions.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.revisions.verticalHeader().hide()
        self.revisions.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.revisions.horizontalHeader().setStretchLastSection(True)
        self.rate_spin = QSpinBox(self)
        self.rate_spin.setRange(0, 100)
        self.rate_spin.setSuffix(" %")
        self.clear_check = QCheckBox(self)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setMaxLength(500)
        self.submit_button = QPushButton(self)
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        policy = self.error_label.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.error_label.setSizePolicy(policy)
        self.error_label.hide()

        rate_row = QHBoxLayout()
        rate_row.addWidget(self.rate_spin)
        rate_row.addWidget(self.clear_check)
        rate_row.addStretch(1)
        self.rate_label = QLabel(self)
        self.reason_label = QLabel(self)
        form = QFormLayout()
        form.addRow(self.rate_label, rate_row)
        form.addRow(self.reason_label, self.reason_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.deal_label)
        layout.addWidget(self.revisions, 1)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        buttons.addWidget(self.error_label, 1)
        buttons.addWidget(self.submit_button)
        layout.addLayout(buttons)

        self.clear_check.toggled.connect(self.rate_spin.setDisabled)
        self.submit_button.clicked.connect(self.submit)
        self.reason_edit.returnPressed.connect(self.submit)
        self.retranslate()
        self.show_deal(None)

    def retranslate(self) -> None:
        self.setTitle(self.tr("Win probability"))
        self.revisions.setHorizontalHeaderLabels(
            [self.tr("When"), self.tr("Who"), self.tr("Rate"), self.tr("Reason")]
        )
        self.clear_check.setText(self.tr("Clear (use the stage default)"))
        self.reason_edit.setPlaceholderText(
            self.tr("Why the rate changes, e.g. the customer froze the budget")
        )
        self.submit_button.setText(self.tr("Set rate"))
        self.rate_label.setText(self.tr("New rate"))
        self.reason_label.setText(self.tr("Reason"))
        self._show_deal_text()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def show_deal(self, deal: DealRow | None) -> None:
        """Show a deal's rate for editing, or nothing for None."""
        self._deal = deal
        self.revisions.setRowCount(0)
        self.error_label.hide()
        editable = deal is not None and deal.stage_kind is StageKind.OPEN
        for widget in (self.rate_spin, self.clear_check, self.reason_edit):
            widget.setEnabled(editable)
        self.submit_button.setEnabled(editable)
        if deal is not None:
            self.clear_check.setChecked(False)
            self.rate_spin.setValue(deal.probability)
            self.rate_spin.setEnabled(editable)
        self._show_deal_text()

    def _show_deal_text(self) -> None:
        deal = self._deal
        if deal is None:
            self.deal_label.setText(self.tr("Select a deal to see and set its rate."))
        elif deal.stage_kind is not StageKind.OPEN:
            self.deal_label.setText(
                self.tr(
                    "“{title}” is closed, so its result fixes the rate; reopen the "
                    "deal to set a rate by hand."
                ).format(title=deal.title)
            )
        elif deal.manual_probability is None:
            self.deal_label.setText(
                self.tr("“{title}”: {rate} %, the stage default.").format(
                    title=deal.title, rate=deal.probability
                )
            )
        else:
            self.deal_label.setText(
                self.tr("“{title}”: {rate} %, set by hand.").format(
                    title=deal.title, rate=deal.probability
                )
            )

    def show_revisions(self, lines: list[RevisionLine]) -> None:
        """List a deal's manual rate revisions, newest first."""
        self.revisions.setRowCount(len(lines))
        for row, line in enumerate(reversed(lines)):
            rate = (
                self.tr("cleared")
                if line.probability is None
                else f"{line.probability} %"
            )
            values = (instant_text(line.changed_at), line.changed_by, rate, line.reason)
            for column, value in enumerate(values):
                self.revisions.setItem(row, column, QTableWidgetItem(value))

    def submit(self) -> None:
        """Check the reason and announce the new rate through ``rate_submitted``."""
        if self._deal is None or not self.submit_button.isEnabled():
            return
        reason = self.reason_edit.text().strip()
        if not reason:
            self.show_error(
                self.tr("Enter a reason for the change: every rate revision keeps one.")
            )
            self.reason_edit.setFocus()
            return
        self.error_label.hide()
        rate = None if self.clear_check.isChecked() else self.rate_spin.value()
        self.rate_submitted.emit(rate, reason)

    def show_error(self, text: str) -> None:
        """Show why the rate was not set."""
        self.error_label.setText(text)
        self.error_label.show()

    def set_busy(self, busy: bool) -> None:
        """Disable the button while a change is being saved."""
        self.submit_button.setEnabled(not busy and self._deal is not None)

    def clear_reason(self) -> None:
        """Empty the reason field after a saved change."""
        self.reason_edit.clear()
