"""The Add lead dialog: screens the typed values and stores the lead."""

from __future__ import annotations

import logging
import uuid
from typing import Any

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
from crmdesk.services.duplicates import DuplicateMatch
from crmdesk.services.leads import NewLead, add_lead
from crmdesk.ui.acting import actor_in
from crmdesk.ui.field_checks import checked_email, checked_phone
from crmdesk.ui.leads.texts import field_label
from crmdesk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


class LeadDialog(QDialog):
    """Asks for a lead's company, person and contact data, then stores it.

    The dialog checks the name, phone and e-mail before it saves, with the
    message next to the fields. It closes with Accepted once the lead is stored.

    Signals:
        lead_added(object, object): the new lead's UUID and its duplicate
            matches (an empty list when the lead is new, not flagged).
    """

    lead_added = Signal(object, object)

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
        self.setWindowTitle(self.tr("Add lead"))
        self.setMinimumWidth(440)
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for name in ("company", "person", "job_title", "phone", "email"):
            edit = QLineEdit(self)
            self.edits[name] = edit
            form.addRow(field_label(name), edit)
        for name in ("source", "campaign"):
            edit = QLineEdit(self)
            self.edits[name] = edit
            form.addRow(field_label(name), edit)
        self.notes_edit = QPlainTextEdit(self)
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setMaximumHeight(70)
        form.addRow(field_label("notes"), self.notes_edit)
        self.edits["phone"].setPlaceholderText(
            self.tr("e.g. 138 0013 8000, or +852 … outside {region}").format(
                region=phone_region
            )
        )
        self.edits["email"].setPlaceholderText(self.tr("name@example.com"))
        self.edits["source"].setPlaceholderText(
            self.tr("Where the lead came from: website, trade fair, referral")
        )
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e;")
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save
            | QDialogButtonBox.StandardButton.Cancel,
            self,
        )
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)

    def show_error(self, text: str) -> None:
        """Show an error above the buttons; an empty text hides it."""
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def new_lead(self) -> NewLead:
        """Return the fields as typed."""
        values = {name: edit.text() for name, edit in self.edits.items()}
        return NewLead(
            company=values["company"],
            person=values["person"],
            job_title=values["job_title"],
            phone=values["phone"],
            email=values["email"],
            source=values["source"],
            campaign=values["campaign"],
            notes=self.notes_edit.toPlainText(),
        )

    def _check(self, new: NewLead) -> bool:
        if not new.company.strip() and not new.person.strip():
            self.show_error(
                self.tr("Enter a company or a person: a lead needs a name.")
            )
            self.edits["company"].setFocus()
            return False
        if not new.phone.strip() and not new.email.strip():
            self.show_error(
                self.tr("Enter a phone number or an e-mail address to reach the lead.")
            )
            self.edits["phone"].setFocus()
            return False
        for name, check in (
            ("phone", lambda text: checked_phone(text, self._phone_region)),
            ("email", checked_email),
        ):
            try:
                check(self.edits[name].text())
            except ValidationError as error:
                self.show_error(str(error))
                self.edits[name].setFocus()
                return False
        return True

    def _save(self) -> None:
        new = self.new_lead()
        if not self._check(new):
            return
        self.show_error("")
        self.buttons.setEnabled(False)
        region = self._phone_region

        def save(session: Any) -> tuple[uuid.UUID, list[DuplicateMatch]]:
            lead, matches = add_lead(session, new, actor_in(session), region=region)
            return lead.id, matches

        self._runner.run_write(save, self._on_saved, self._on_failed)

    def _on_saved(self, result: tuple[uuid.UUID, list[DuplicateMatch]]) -> None:
        lead_id, matches = result
        log.info("added lead %s (%d possible duplicates)", lead_id, len(matches))
        self.created_id = lead_id
        self.lead_added.emit(lead_id, matches)
        self.accept()

    def _on_failed(self, error: Exception) -> None:
        self.buttons.setEnabled(True)
        if not isinstance(error, CrmError):
            log.error("adding a lead failed", exc_info=error)
        self.show_error(self.tr("The lead was not saved: {error}").format(error=error))
