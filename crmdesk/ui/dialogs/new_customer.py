"""The New customer dialog: registers a customer record through ``create_customer``."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from crmdesk.config.settings import DEFAULT_PHONE_REGION
from crmdesk.domain.errors import CrmError, ValidationError
from crmdesk.services.customers import NewCustomer, create_customer
from crmdesk.ui.acting import actor_in
from crmdesk.ui.field_checks import checked_phone
from crmdesk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


class NewCustomerDialog(QDialog):
    """Asks for a customer's name and contact fields, then saves the customer.

    The dialog closes with Accepted once the customer is stored; ``created_id``
    is its id.

    Signals:
        customer_created(object, str): the UUID and name of the stored customer.
    """

    customer_created = Signal(object, str)

    def __init__(
        self,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        phone_region: str = DEFAULT_PHONE_REGION,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._phone_region = phone_region
        self.created_id: uuid.UUID | None = None
        self.setWindowTitle(self.tr("New customer"))
        self.setMinimumWidth(420)

        self.name_edit = QLineEdit(self)
        self.sector_edit = QLineEdit(self)
        self.country_edit = QLineEdit(self)
        self.phone_edit = QLineEdit(self)
        self.email_edit = QLineEdit(self)
        self.notes_edit = QPlainTextEdit(self)
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setMaximumHeight(80)
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e;")
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save
            | QDialogButtonBox.StandardButton.Cancel,
            self,
        )

        form = QFormLayout()
        form.addRow(self.tr("Name"), self.name_edit)
        form.addRow(self.tr("Sector"), self.sector_edit)
        form.addRow(self.tr("Country"), self.country_edit)
        form.addRow(self.tr("Phone"), self.phone_edit)
        form.addRow(self.tr("E-mail"), self.email_edit)
        form.addRow(self.tr("Notes"), self.notes_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        self.name_edit.setPlaceholderText(self.tr("Company or person"))
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)

    def show_error(self, text: str) -> None:
        """Show an error above the buttons; an empty text hides it."""
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def new_customer(self) -> NewCustomer:
        """Return the fields as typed."""
        return NewCustomer(
            name=self.name_edit.text(),
            sector=self.sector_edit.text(),
            country=self.country_edit.text(),
            phone=self.phone_edit.text(),
            email=self.email_edit.text(),
            notes=self.notes_edit.toPlainText(),
        )

    def _save(self) -> None:
        new = self.new_customer()
        if not new.name.strip():
            self.show_error(
                self.tr("The name is empty: enter the company or person's name.")
            )
            self.name_edit.setFocus()
            return
        try:
            phone = checked_phone(new.phone, self._phone_region)
        except ValidationError as error:
            self.show_error(str(error))
            self.phone_edit.setFocus()
            return
        new = replace(new, phone=phone)
        self.show_error("")
        self.buttons.setEnabled(False)
        self._runner.run_write(
            lambda session: create_customer(session, new, actor_in(session)).id,
            lambda customer_id: self._on_saved(customer_id, new.name.strip()),
            self._on_failed,
        )

    def _on_saved(self, customer_id: uuid.UUID, name: str) -> None:
        log.info("created customer %s", customer_id)
        self.created_id = customer_id
        self.customer_created.emit(customer_id, name)
        self.accept()

    def _on_failed(self, error: Exception) -> None:
        self.buttons.setEnabled(True)
        if not isinstance(error, CrmError):
            log.error("creating a customer failed", exc_info=error)
        self.show_error(
            self.tr("The customer was not saved: {error}").format(error=error)
        )
