"""The Settings dialog: interface language, base currency and exchange rates.

The language is a per-user setting applied by the main window at once. The base
currency and the exchange rates belong to the store and are saved through the
workspace services.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.errors import CrmError, ValidationError
from crmdesk.services.workspace import (
    base_currency,
    exchange_rates,
    set_base_currency,
    set_exchange_rate,
)
from crmdesk.ui.field_checks import checked_currency
from crmdesk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Money:
    base: str
    rates: dict[str, Decimal]


def _load(session: Any) -> _Money:
    return _Money(base_currency(session), exchange_rates(session))


class SettingsDialog(QDialog):
    """Edits the language setting, the base currency and the exchange rates.

    Once the store values are saved the dialog closes with Accepted;
    ``chosen_language`` is then "system", "zh_CN" or "en" for the caller to apply.
    """

    def __init__(
        self, runner: TaskRunner, language_setting: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self.chosen_language = language_setting
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(440)

        self.language_combo = QComboBox(self)
        self.language_combo.addItem(self.tr("System language"), "system")
        # Each language is named in itself, so a user can find their own.
        self.language_combo.addItem("中文（简体）", "zh_CN")
        self.language_combo.addItem("English", "en")
        self.language_combo.setCurrentIndex(
            max(self.language_combo.findData(language_setting), 0)
        )

        self.base_edit = QLineEdit(self)
        self.base_edit.setMaxLength(3)
        self.base_edit.setMaximumWidth(70)
        self.rates_table = QTableWidget(0, 2, self)
        self.rates_table.setHorizontalHeaderLabels(
            [self.tr("Currency"), self.tr("Base units per unit")]
        )
        self.rates_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Stretch
        )
        self.rates_table.verticalHeader().setVisible(False)
        self.rates_table.setSelectionBehavior(
            QAbstractItemView.SelectionBehavior.SelectRows
        )
        self.add_rate_button = QPushButton(self.tr("Add rate"), self)
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e;")
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
            self,
        )

        interface = QGroupBox(self.tr("Interface"), self)
        interface_form = QFormLayout(interface)
        interface_form.addRow(self.tr("Language"), self.language_combo)

        money = QGroupBox(self.tr("Money"), self)
        money_layout = QVBoxLayout(money)
        money_form = QFormLayout()
        money_form.addRow(self.tr("Base currency of totals"), self.base_edit)
        money_layout.addLayout(money_form)
        money_layout.addWidget(
            QLabel(self.tr("Exchange rates to the base currency"), money)
        )
        money_layout.addWidget(self.rates_table)
        add_row = QHBoxLayout()
        add_row.addStretch(1)
        add_row.addWidget(self.add_rate_button)
        money_layout.addLayout(add_row)

        layout = QVBoxLayout(self)
        layout.addWidget(interface)
        layout.addWidget(money)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        self.add_rate_button.clicked.connect(self._add_empty_rate_row)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        self.buttons.setEnabled(False)
        self._runner.run_read(_load, self._on_loaded, self._on_failed)

    def show_error(self, text: str) -> None:
        """Show an error above the buttons; an empty text hides it."""
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def rates(self) -> tuple[str, dict[str, str]]:
        """Return the typed base currency and the rates by currency code.

        Raises:
            ValidationError: a currency code or a rate is invalid; the message names
                the value.
        """
        base = checked_currency(self.base_edit.text())
        rates: dict[str, str] = {}
        for row in range(self.rates_table.rowCount()):
            code_item = self.rates_table.item(row, 0)
            rate_item = self.rates_table.item(row, 1)
            code_text = code_item.text().strip() if code_item else ""
            rate_text = rate_item.text().strip() if rate_item else ""
            if not code_text and not rate_text:
                continue
            code = checked_currency(code_text)
            if not _is_positive_number(rate_text):
                raise ValidationError(
                    self.tr(
                        "Invalid exchange rate “{rate}” for {code}: write a positive "
                        "number such as 7.1."
                    ).format(rate=rate_text, code=code)
                )
            rates[code] = rate_text
        return base, rates

    def _on_loaded(self, money: _Money) -> None:
        self.base_edit.setText(money.base)
        self.rates_table.setRowCount(0)
        for code, rate in sorted(money.rates.items()):
            self._add_rate_row(code, str(rate))
        self.buttons.setEnabled(True)

    def _add_empty_rate_row(self) -> None:
        self._add_rate_row("", "")

    def _add_rate_row(self, code: str, rate: str) -> None:
        row = self.rates_table.rowCount()
        self.rates_table.insertRow(row)
        self.rates_table.setItem(row, 0, QTableWidgetItem(code or ""))
        self.rates_table.setItem(row, 1, QTableWidgetItem(rate or ""))

    def _save(self) -> None:
        try:
            base, rates = self.rates()
        except ValidationError as error:
            self.show_error(str(error))
            return
        self.chosen_language = str(self.language_combo.currentData())
        self.buttons.setEnabled(False)

        def write(session: Any) -> None:
            set_base_currency(session, base)
            for code, rate in rates.items():
                set_exchange_rate(session, code, rate)

        self._runner.run_write(write, lambda _none: self.accept(), self._on_failed)

    def _on_failed(self, error: Exception) -> None:
        self.buttons.setEnabled(True)
        if not isinstance(error, CrmError):
            log.error("saving the money settings failed", exc_info=error)
        self.show_error(
            self.tr("The settings were not saved: {error}").format(error=error)
        )


def _is_positive_number(text: str) -> bool:
    try:
        value = Decimal(text)
    except ArithmeticError:
        return False
    return value.is_finite() and value > 0
