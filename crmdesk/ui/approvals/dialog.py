"""The dialog in which a team lead approves or rejects one approval request.

It gathers a comment and, when approving, the amount in the deal's currency; it
checks the amount with the Money helpers and returns a ``DecisionInput``. The
approval service enforces every rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.errors import ValidationError
from crmdesk.services.approvals import ApprovalRecord, parse_amount
from crmdesk.ui.formatting import amount_text, plain_amount


@dataclass(frozen=True)
class DecisionInput:
    """What the lead decided.

    ``amount`` is the corrected amount as typed (major unit of the deal's
    currency), or None when the lead kept the deal's amount.
    """

    approve: bool
    comment: str
    amount: str | None = None


class DecisionDialog(QDialog):
    """Approve (with an optional corrected amount) or reject one request."""

    def __init__(
        self,
        record: ApprovalRecord,
        approve: bool,
        language: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("approval-decision")
        self.setMinimumWidth(460)
        self._record = record
        self._approve = approve
        self._language = language
        self._value: DecisionInput | None = None
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.comment_edit = QPlainTextEdit(self)
        self.comment_edit.setTabChangesFocus(True)
        self.comment_edit.setMaximumHeight(90)
        self.amount_edit = QLineEdit(self)
        self.amount_edit.setText(
            plain_amount(record.deal_amount_minor, record.currency)
        )
        self.currency_label = QLabel(record.currency, self)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e;")
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
            self,
        )
        self.buttons.accepted.connect(self._check_and_accept)
        self.buttons.rejected.connect(self.reject)

        self._comment_caption = QLabel(self)
        self._amount_caption = QLabel(self)
        form = QFormLayout()
        form.addRow(self._comment_caption, self.comment_edit)
        amount_row = QWidget(self)
        amount_layout = QHBoxLayout(amount_row)
        amount_layout.setContentsMargins(0, 0, 0, 0)
        amount_layout.addWidget(self.amount_edit, 1)
        amount_layout.addWidget(self.currency_label)
        form.addRow(self._amount_caption, amount_row)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        if not approve:
            amount_row.hide()
            self._amount_caption.hide()
        self.retranslate()

    def retranslate(self) -> None:
        record = self._record
        if self._approve:
            self.setWindowTitle(self.tr("Approve request"))
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
                self.tr("Approve")
            )
        else:
            self.setWindowTitle(self.tr("Reject request"))
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
                self.tr("Reject")
            )
        amount = amount_text(record.amount_minor, record.currency) or self.tr(
            "no amount"
        )
        self.summary.setText(
            self.tr("{approval} for “{deal}” ({owner}), requested at {amount}.").format(
                approval=record.name.get(self._language),
                deal=record.deal_title,
                owner=record.owner or self.tr("no owner"),
                amount=amount,
            )
        )
        self._comment_caption.setText(
            self.tr("Comment:") if self._approve else self.tr("Reason (required):")
        )
        self._amount_caption.setText(self.tr("Approved amount:"))
        self.amount_edit.setToolTip(
            self.tr(
                "Change it to approve another amount; it becomes the deal's amount."
            )
        )

    def _check_and_accept(self) -> None:
        try:
            self._value = self._read()
        except ValidationError as error:
            self.error.setText(str(error))
            self.error.show()
            return
        self.accept()

    def _read(self) -> DecisionInput:
        comment = self.comment_edit.toPlainText().strip()
        if not self._approve:
            if not comment:
                raise ValidationError(
                    self.tr("Write why you reject it, so the rep knows what to change.")
                )
            return DecisionInput(False, comment)
        text = self.amount_edit.text().strip()
        if not text:
            return DecisionInput(True, comment)
        minor = parse_amount(text, self._record.currency)
        if minor == self._record.deal_amount_minor:
            return DecisionInput(True, comment)
        return DecisionInput(True, comment, text)

    def value(self) -> DecisionInput | None:
        """The decision once the dialog was accepted, else None."""
        return self._value

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        record: ApprovalRecord,
        approve: bool,
        language: str,
    ) -> DecisionInput | None:
        """Open the dialog modally; return the decision, or None when cancelled."""
        dialog = cls(record, approve, language, parent)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                return dialog.value()
            return None
        finally:
            dialog.deleteLater()
