"""The New customer dialog: registers a customer and its contact.

Before saving, the dialog checks the customer and contact for possible
duplicates among leads, customers and contacts (``check_new_customer``). When
there are some, it lists them and the rep saves with a second click on
Save anyway, or changes the values.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from crmdesk.config.settings import DEFAULT_PHONE_REGION
from crmdesk.domain.errors import CrmError, ValidationError
from crmdesk.services.customers import (
    NewContact,
    NewCustomer,
    check_new_customer,
    create_customer,
)
from crmdesk.services.duplicates import DuplicateMatch
from crmdesk.ui.acting import actor_in
from crmdesk.ui.field_checks import checked_email, checked_phone
from crmdesk.ui.leads.texts import matches_text
from crmdesk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


class NewCustomerDialog(QDialog):
    """Asks for a customer's name, its fields and its contact, then saves them.

    The dialog closes with Accepted once the customer is stored; ``created_id``
    is its id. Possible duplicates are shown in ``warning_label`` first, and
    the Save button then reads Save anyway.

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
        self.duplicates: list[DuplicateMatch] = []
        self._confirmed = False
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
        self.contact_name_edit = QLineEdit(self)
        self.contact_title_edit = QLineEdit(self)
        self.contact_phone_edit = QLineEdit(self)
        self.contact_email_edit = QLineEdit(self)
        self.warning_label = QLabel(self)
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet("color: #8a5a00;")
        self.warning_label.hide()
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
        layout.addWidget(self._contact_box())
        layout.addWidget(self.warning_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        self.name_edit.setPlaceholderText(self.tr("Company or person"))
        self.contact_name_edit.setPlaceholderText(
            self.tr("The person you deal with (optional)")
        )
        for edit in (
            self.name_edit,
            self.phone_edit,
            self.email_edit,
            self.contact_name_edit,
            self.contact_phone_edit,
            self.contact_email_edit,
        ):
            edit.textChanged.connect(lambda _text: self._reset_warning())
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)

    def _contact_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Contact"), self)
        form = QFormLayout(box)
        form.addRow(self.tr("Name"), self.contact_name_edit)
        form.addRow(self.tr("Job title"), self.contact_title_edit)
        form.addRow(self.tr("Phone"), self.contact_phone_edit)
        form.addRow(self.tr("E-mail"), self.contact_email_edit)
        return box

    def show_error(self, text: str) -> None:
        """Show an error above the buttons; an empty text hides it."""
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def new_customer(self) -> NewCustomer:
        """Return the fields as typed, with the contact when one is entered."""
        contact = NewContact(
            name=self.contact_name_edit.text(),
            job_title=self.contact_title_edit.text(),
            phone=self.contact_phone_edit.text(),
            email=self.contact_email_edit.text(),
        )
        has_contact = any(
            (contact.name.strip(), contact.phone.strip(), contact.email.strip())
        )
        return NewCustomer(
            name=self.name_edit.text(),
            sector=self.sector_edit.text(),
            country=self.country_edit.text(),
            phone=self.phone_edit.text(),
            email=self.email_edit.text(),
            notes=self.notes_edit.toPlainText(),
            contact=contact if has_contact else None,
        )

    def _reset_warning(self) -> None:
        if self._confirmed or self.duplicates:
            self._confirmed = False
            self.duplicates = []
            self.warning_label.hide()
            self.save_button().setText(self.tr("Save"))

    def save_button(self) -> Any:
        """Return the Save button, whose text is Save anyway after a warning."""
        return self.buttons.button(QDialogButtonBox.StandardButton.Save)

    def _checked(self) -> NewCustomer | None:
        new = self.new_customer()
        if not new.name.strip():
            self.show_error(
                self.tr("The name is empty: enter the company or person's name.")
            )
            self.name_edit.setFocus()
            return None
        checks = [
            (self.phone_edit, lambda text: checked_phone(text, self._phone_region)),
            (self.email_edit, checked_email),
            (
                self.contact_phone_edit,
                lambda text: checked_phone(text, self._phone_region),
            ),
            (self.contact_email_edit, checked_email),
        ]
        for edit, check in checks:
            try:
                check(edit.text())
            except ValidationError as error:
                self.show_error(str(error))
                edit.setFocus()
                return None
        if new.contact is not None and not new.contact.name.strip():
            self.show_error(
                self.tr("Enter the contact's name, or clear the contact fields.")
            )
            self.contact_name_edit.setFocus()
            return None
        phone = checked_phone(new.phone, self._phone_region)
        return replace(new, phone=phone)

    def _save(self) -> None:
        new = self._checked()
        if new is None:
            return
        self.show_error("")
        self.buttons.setEnabled(False)
        region = self._phone_region
        if self._confirmed:
            self._store(new)
            return
        self._runner.run_read(
            lambda session: check_new_customer(session, new, region),
            lambda matches: self._on_checked(new, matches),
            self._on_failed,
        )

    def _on_checked(self, new: NewCustomer, matches: list[DuplicateMatch]) -> None:
        if not matches:
            self._store(new)
            return
        self.buttons.setEnabled(True)
        self.duplicates = matches
        self._confirmed = True
        self.warning_label.setText(
            self.tr("Possible duplicate:")
            + "\n"
            + matches_text(matches)
            + "\n"
            + self.tr("Check before saving, or click Save anyway.")
        )
        self.warning_label.show()
        self.save_button().setText(self.tr("Save anyway"))

    def _store(self, new: NewCustomer) -> None:
        region = self._phone_region
        self._runner.run_write(
            lambda session: (
                create_customer(session, new, actor_in(session), region=region).id
            ),
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
