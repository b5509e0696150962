"""The New deal dialog: opens a deal in a series through ``create_opportunity``."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crmdesk.config.settings import DEFAULT_PHONE_REGION
from crmdesk.domain.errors import CrmError, ValidationError
from crmdesk.domain.playbook import StageKind
from crmdesk.services.deals import NewOpportunity, create_opportunity
from crmdesk.services.lookups import Choice, list_customers, list_users
from crmdesk.services.playbooks import SeriesRecord
from crmdesk.services.workspace import current_user_id
from crmdesk.ui.acting import actor_in
from crmdesk.ui.combo import find_data
from crmdesk.ui.date_edit import OptionalDateEdit
from crmdesk.ui.detail.fields import fill_choices, select_id
from crmdesk.ui.dialogs.new_customer import NewCustomerDialog
from crmdesk.ui.events import EventHub
from crmdesk.ui.field_checks import checked_amount, checked_currency, checked_title
from crmdesk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Choices:
    customers: list[Choice]
    users: list[Choice]
    current_user: uuid.UUID | None


def _load_choices(session: Any) -> _Choices:
    return _Choices(
        list_customers(session), list_users(session), current_user_id(session)
    )


class NewDealDialog(QDialog):
    """Asks for a new deal's series, title, customer, amount and more, then saves it.

    Typing errors (an empty title, an amount that is not a number) are shown under
    the fields before anything is saved. Errors from the service are shown there
    too. The dialog closes with Accepted once the deal is stored, and then
    ``created_id`` is its id and the event hub has announced it.
    """

    def __init__(
        self,
        runner: TaskRunner,
        events: EventHub,
        series: list[SeriesRecord],
        current_series: uuid.UUID | None,
        language: str,
        parent: QWidget | None = None,
        *,
        phone_region: str = DEFAULT_PHONE_REGION,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._events = events
        self._phone_region = phone_region
        self._series = series
        self._language = language
        self.created_id: uuid.UUID | None = None
        self.setWindowTitle(self.tr("New deal"))
        self.setMinimumWidth(460)

        self.series_combo = QComboBox(self)
        for record in series:
            self.series_combo.addItem(record.name.get(language), record.id)
        self.stage_combo = QComboBox(self)
        self.title_edit = QLineEdit(self)
        self.title_edit.setPlaceholderText(self.tr("What is being sold, to whom"))
        self.customer_combo = QComboBox(self)
        self.new_customer_button = QPushButton(self.tr("New customer…"), self)
        self.owner_combo = QComboBox(self)
        self.amount_edit = QLineEdit(self)
        self.amount_edit.setPlaceholderText(self.tr("e.g. 12000.00"))
        self.currency_edit = QLineEdit(self)
        self.currency_edit.setMaxLength(3)
        self.currency_edit.setMaximumWidth(60)
        self.close_edit = OptionalDateEdit(self)
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

        self._build_layout()

        self.series_combo.currentIndexChanged.connect(self._on_series_changed)
        self.new_customer_button.clicked.connect(self._new_customer)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)

        index = find_data(self.series_combo, current_series)
        self.series_combo.setCurrentIndex(max(index, 0))
        self._on_series_changed()
        fill_choices(self.customer_combo, [], self.tr("No customer"))
        fill_choices(self.owner_combo, [], self.tr("Me"))
        self._runner.run_read(_load_choices, self._on_choices, self._on_failed)

    def _build_layout(self) -> None:
        customer_row = QHBoxLayout()
        customer_row.addWidget(self.customer_combo, 1)
        customer_row.addWidget(self.new_customer_button)
        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount_edit, 1)
        amount_row.addWidget(self.currency_edit)
        form = QFormLayout()
        form.addRow(self.tr("Series"), self.series_combo)
        form.addRow(self.tr("Stage"), self.stage_combo)
        form.addRow(self.tr("Title"), self.title_edit)
        form.addRow(self.tr("Customer"), customer_row)
        form.addRow(self.tr("Owner"), self.owner_combo)
        form.addRow(self.tr("Amount"), amount_row)
        form.addRow(self.tr("Expected close"), self.close_edit)
        form.addRow(self.tr("Notes"), self.notes_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    def show_error(self, text: str) -> None:
        """Show an error above the buttons; an empty text hides it."""
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def new_opportunity(self) -> NewOpportunity:
        """Return the deal as typed.

        Raises:
            ValidationError: no series, or an invalid title, currency or amount;
                the message is translated and names the value.
        """
        series = self._chosen_series()
        if series is None:
            raise ValidationError(
                self.tr("No series is installed: start a workspace first.")
            )
        title = checked_title(self.title_edit.text())
        currency = checked_currency(self.currency_edit.text() or series.currency)
        amount = checked_amount(self.amount_edit.text(), currency)
        return NewOpportunity(
            series_id=series.id,
            title=title,
            customer_id=self.customer_combo.currentData(),
            amount=amount,
            currency=currency,
            expected_close=self.close_edit.value(),
            owner_id=self.owner_combo.currentData(),
            stage_id=self.stage_combo.currentData(),
            notes=self.notes_edit.toPlainText(),
        )

    def _chosen_series(self) -> SeriesRecord | None:
        chosen = self.series_combo.currentData()
        return next((s for s in self._series if s.id == chosen), None)

    def _on_series_changed(self) -> None:
        series = self._chosen_series()
        self.stage_combo.clear()
        if series is None:
            return
        for stage in series.stages:
            if stage.kind is StageKind.OPEN:
                self.stage_combo.addItem(stage.name.get(self._language), stage.id)
        self.currency_edit.setText(series.currency)

    def _on_choices(self, choices: _Choices) -> None:
        fill_choices(self.customer_combo, choices.customers, self.tr("No customer"))
        fill_choices(self.owner_combo, choices.users, self.tr("Me"))
        select_id(self.owner_combo, choices.current_user)

    def _new_customer(self) -> None:
        dialog = NewCustomerDialog(self._runner, self, phone_region=self._phone_region)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.created_id:
            select_id(
                self.customer_combo, dialog.created_id, dialog.name_edit.text().strip()
            )

    def _save(self) -> None:
        try:
            new = self.new_opportunity()
        except ValidationError as error:
            self.show_error(str(error))
            return
        self.show_error("")
        self.buttons.setEnabled(False)
        self._runner.run_write(
            lambda session: create_opportunity(session, new, actor_in(session)).id,
            self._on_saved,
            self._on_failed,
        )

    def _on_saved(self, deal_id: uuid.UUID) -> None:
        log.info("created deal %s", deal_id)
        self.created_id = deal_id
        self._events.deals_changed.emit([deal_id])
        self.accept()

    def _on_failed(self, error: Exception) -> None:
        self.buttons.setEnabled(True)
        if not isinstance(error, CrmError):
            log.error("creating a deal failed", exc_info=error)
        self.show_error(self.tr("The deal was not saved: {error}").format(error=error))
