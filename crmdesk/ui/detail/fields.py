"""The editable fields of a deal: title, customer, owner, amount, close date, notes."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.errors import ValidationError
from crmdesk.services.deal_detail import DealDetail
from crmdesk.services.deals import OpportunityEdit
from crmdesk.services.lookups import Choice
from crmdesk.ui.combo import find_data
from crmdesk.ui.date_edit import OptionalDateEdit
from crmdesk.ui.field_checks import checked_amount, checked_currency, checked_title
from crmdesk.ui.formatting import plain_amount


def fill_choices(combo: QComboBox, choices: list[Choice], none_label: str) -> None:
    """Fill a combo with ``choices``; the first entry, with no id, means none."""
    combo.blockSignals(True)
    combo.clear()
    combo.addItem(none_label, None)
    for choice in choices:
        combo.addItem(choice.label, choice.id)
    combo.blockSignals(False)


def select_id(combo: QComboBox, value: uuid.UUID | None, label: str = "") -> None:
    """Select the entry with id ``value``; add it with ``label`` when it is missing."""
    index = find_data(combo, value)
    if index < 0 and value is not None:
        combo.addItem(label, value)
        index = combo.count() - 1
    combo.setCurrentIndex(max(index, 0))


class DealFieldsForm(QWidget):
    """The form of a deal's own fields, with Save and Revert.

    Signals:
        save_requested(object): an ``OpportunityEdit`` with every field of the form,
            checked for the errors the form can see itself.
    """

    save_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._detail: DealDetail | None = None

        self.title_edit = QLineEdit(self)
        self.customer_combo = QComboBox(self)
        self.owner_combo = QComboBox(self)
        self.amount_edit = QLineEdit(self)
        self.currency_edit = QLineEdit(self)
        self.currency_edit.setMaxLength(3)
        self.currency_edit.setMaximumWidth(60)
        self.close_edit = OptionalDateEdit(self)
        self.notes_edit = QPlainTextEdit(self)
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setMaximumHeight(90)
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e;")
        self.error_label.hide()
        self.save_button = QPushButton(self)
        self.revert_button = QPushButton(self)

        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount_edit, 1)
        amount_row.addWidget(self.currency_edit)

        self._form = QFormLayout()
        self._labels = [QLabel(self) for _ in range(6)]
        rows = (
            self.title_edit,
            self.customer_combo,
            self.owner_combo,
            amount_row,
            self.close_edit,
            self.notes_edit,
        )
        for label, field in zip(self._labels, rows, strict=True):
            self._form.addRow(label, field)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._form)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)

        self.save_button.clicked.connect(self._on_save)
        self.revert_button.clicked.connect(self._on_revert)
        self.retranslate()

    def retranslate(self) -> None:
        texts = (
            self.tr("Title"),
            self.tr("Customer"),
            self.tr("Owner"),
            self.tr("Amount"),
            self.tr("Expected close"),
            self.tr("Notes"),
        )
        for label, text in zip(self._labels, texts, strict=True):
            label.setText(text)
        self.save_button.setText(self.tr("Save"))
        self.revert_button.setText(self.tr("Revert"))
        self.currency_edit.setToolTip(self.tr("ISO 4217 currency code, e.g. CNY"))
        if self.customer_combo.count():
            self.customer_combo.setItemText(0, self.tr("No customer"))
        if self.owner_combo.count():
            self.owner_combo.setItemText(0, self.tr("No owner"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_choices(self, customers: list[Choice], users: list[Choice]) -> None:
        """Offer these customers and users in the combos."""
        fill_choices(self.customer_combo, customers, self.tr("No customer"))
        fill_choices(self.owner_combo, users, self.tr("No owner"))

    def show_detail(self, detail: DealDetail) -> None:
        """Fill the form from a loaded deal, dropping unsaved edits."""
        self._detail = detail
        self.title_edit.setText(detail.title)
        select_id(self.customer_combo, detail.customer_id, detail.customer)
        select_id(self.owner_combo, detail.owner_id, detail.owner)
        self.amount_edit.setText(plain_amount(detail.amount_minor, detail.currency))
        self.currency_edit.setText(detail.currency)
        self.close_edit.set_value(detail.expected_close)
        self.notes_edit.setPlainText(detail.notes)
        self.show_error("")

    def show_error(self, text: str) -> None:
        """Show an error under the fields; an empty text hides it."""
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def edit(self) -> OpportunityEdit:
        """Return the form as an edit.

        Raises:
            ValidationError: the title, currency or amount is invalid; the message
                is translated and names the value.
        """
        title = checked_title(self.title_edit.text())
        currency = checked_currency(self.currency_edit.text())
        amount = checked_amount(self.amount_edit.text(), currency)
        close = self.close_edit.value()
        return OpportunityEdit(
            title=title,
            customer_id=self.customer_combo.currentData(),
            owner_id=self.owner_combo.currentData(),
            amount=amount,
            clear_amount=amount is None,
            currency=currency,
            expected_close=close,
            clear_expected_close=close is None,
            notes=self.notes_edit.toPlainText(),
        )

    def _on_save(self) -> None:
        try:
            edit = self.edit()
        except ValidationError as error:
            self.show_error(str(error))
            return
        self.show_error("")
        self.save_requested.emit(edit)

    def _on_revert(self) -> None:
        if self._detail is not None:
            self.show_detail(self._detail)
