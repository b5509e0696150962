"""The convert dialog: lead to customer with contact, and optionally a deal."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from crmdesk.config.settings import DEFAULT_PHONE_REGION
from crmdesk.domain.errors import CrmError, ValidationError
from crmdesk.services.duplicates import RecordKind
from crmdesk.services.lead_conversion import (
    ConversionResult,
    ConvertOptions,
    convert_lead,
)
from crmdesk.services.leads import LeadRecord, LeadStatus
from crmdesk.services.lookups import Choice, list_customers
from crmdesk.services.playbooks import SeriesRecord
from crmdesk.ui.acting import actor_in
from crmdesk.ui.combo import find_data
from crmdesk.ui.field_checks import checked_amount
from crmdesk.ui.leads.texts import matches_text
from crmdesk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


class ConvertDialog(QDialog):
    """Converts a lead: a new or existing customer, its contact, an optional deal.

    A lead flagged against a customer starts with that customer chosen. A lead
    flagged only against other leads can become a new customer once the rep
    confirms it is not a duplicate.

    Signals:
        converted(object): the ``ConversionResult`` once it is stored.
    """

    converted = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        lead: LeadRecord,
        series: list[SeriesRecord],
        language: str,
        parent: QWidget | None = None,
        *,
        phone_region: str = DEFAULT_PHONE_REGION,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._phone_region = phone_region
        self._series = {record.id: record for record in series}
        self.lead = lead
        self.setWindowTitle(self.tr("Convert lead"))
        self.setMinimumWidth(480)

        customer_box = self._build_customer_box(lead)
        self._build_deal_box(series, language, lead.name)

        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e;")
        self.error_label.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.convert_button = self.buttons.addButton(
            self.tr("Convert"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        layout = QVBoxLayout(self)
        layout.addWidget(customer_box)
        layout.addWidget(self.deal_box)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        matched = [
            Choice(match.record_id, match.name)
            for match in lead.matches
            if match.record is RecordKind.CUSTOMER
        ]
        self._fill_customers(matched)
        if matched:
            self.existing_radio.setChecked(True)
        else:
            self.new_radio.setChecked(True)
        self.new_radio.toggled.connect(self._update_enabled)
        self._update_enabled()
        self.buttons.accepted.connect(self._convert)
        self.buttons.rejected.connect(self.reject)
        self._runner.run_read(
            lambda session: list_customers(session, limit=500),
            lambda customers: self._fill_customers(matched + customers),
            self._on_failed,
        )

    def _build_customer_box(self, lead: LeadRecord) -> QGroupBox:
        self.new_radio = QRadioButton(
            self.tr("New customer “{name}”").format(name=lead.name), self
        )
        self.existing_radio = QRadioButton(self.tr("Add to an existing customer"), self)
        self.customer_combo = QComboBox(self)
        self.flag_label = QLabel(matches_text(lead.matches), self)
        self.flag_label.setWordWrap(True)
        self.flag_label.setStyleSheet("color: #8a5a00;")
        self.flag_label.setVisible(bool(lead.matches))
        self.not_duplicate_check = QCheckBox(
            self.tr("It is not a duplicate: create a new customer anyway"), self
        )
        self.not_duplicate_check.setVisible(lead.status == LeadStatus.FLAGGED)
        customer_box = QGroupBox(self.tr("Customer"), self)
        customer_layout = QVBoxLayout(customer_box)
        customer_layout.addWidget(self.flag_label)
        customer_layout.addWidget(self.new_radio)
        customer_layout.addWidget(self.not_duplicate_check)
        customer_layout.addWidget(self.existing_radio)
        customer_layout.addWidget(self.customer_combo)
        return customer_box

    def _build_deal_box(
        self, series: list[SeriesRecord], language: str, title: str
    ) -> None:
        self.deal_box = QGroupBox(self.tr("Open a deal"), self)
        self.deal_box.setCheckable(True)
        self.deal_box.setChecked(bool(series))
        self.deal_box.setEnabled(bool(series))
        self.series_combo = QComboBox(self)
        for record in series:
            self.series_combo.addItem(record.name.get(language), record.id)
        self.title_edit = QLineEdit(title, self)
        self.amount_edit = QLineEdit(self)
        self.amount_edit.setPlaceholderText(self.tr("optional, e.g. 12000.00"))
        deal_form = QFormLayout(self.deal_box)
        deal_form.addRow(self.tr("Series"), self.series_combo)
        deal_form.addRow(self.tr("Title"), self.title_edit)
        deal_form.addRow(self.tr("Amount"), self.amount_edit)

    def _fill_customers(self, choices: list[Choice]) -> None:
        current = self.customer_combo.currentData()
        self.customer_combo.clear()
        seen: set[uuid.UUID] = set()
        for choice in choices:
            if choice.id not in seen:
                seen.add(choice.id)
                self.customer_combo.addItem(choice.label, choice.id)
        index = find_data(self.customer_combo, current)
        self.customer_combo.setCurrentIndex(max(index, 0))

    def _update_enabled(self) -> None:
        new = self.new_radio.isChecked()
        self.customer_combo.setEnabled(not new)
        self.not_duplicate_check.setEnabled(new)

    def options(self) -> ConvertOptions:
        """Return the conversion as chosen.

        Raises:
            ValidationError: the amount is not a number, or no customer is
                picked although an existing customer was chosen.
        """
        customer_id = None
        if self.existing_radio.isChecked():
            customer_id = self.customer_combo.currentData()
            if customer_id is None:
                raise ValidationError(self.tr("Pick the customer to add the lead to."))
        series_id = None
        amount = None
        if self.deal_box.isChecked() and self.series_combo.count():
            series_id = self.series_combo.currentData()
            currency = self._series[series_id].currency
            amount = checked_amount(self.amount_edit.text(), currency)
        return ConvertOptions(
            customer_id=customer_id,
            series_id=series_id,
            deal_title=self.title_edit.text(),
            amount=amount,
            allow_flagged=self.not_duplicate_check.isChecked(),
        )

    def _convert(self) -> None:
        try:
            options = self.options()
        except ValidationError as error:
            self._show_error(str(error))
            return
        if (
            self.lead.status == LeadStatus.FLAGGED
            and options.customer_id is None
            and not options.allow_flagged
        ):
            self._show_error(
                self.tr(
                    "The lead may be a duplicate. Add it to the existing customer, "
                    "or confirm that it is not a duplicate."
                )
            )
            return
        lead_id = self.lead.id
        region = self._phone_region
        self.buttons.setEnabled(False)

        def convert(session: Any) -> ConversionResult:
            return convert_lead(
                session, lead_id, options, actor_in(session), region=region
            )

        self._runner.run_write(convert, self._on_converted, self._on_failed)

    def _on_converted(self, result: ConversionResult) -> None:
        log.info(
            "converted lead %s into customer %s", result.lead_id, result.customer_id
        )
        self.converted.emit(result)
        self.accept()

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def _on_failed(self, error: Exception) -> None:
        self.buttons.setEnabled(True)
        if not isinstance(error, CrmError):
            log.error("converting a lead failed", exc_info=error)
        self._show_error(
            self.tr("The lead was not converted: {error}").format(error=error)
        )
