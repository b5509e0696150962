"""The Settings dialog: language, phone region, money, business time zone, sync.

The language and the phone region are per-user settings applied by the main
window. The base currency, the exchange rates and the business time zone belong
to the store and are saved through the workspace services. The sync server's URL
and login name are saved where the sync layer keeps them, through the
``SyncServerAccess`` functions the composition root passes in. No password is
asked for or stored here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
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

from crmdesk.config.settings import DEFAULT_PHONE_REGION
from crmdesk.domain.errors import CrmError, ValidationError
from crmdesk.services.workspace import (
    base_currency,
    business_time_zone,
    delete_exchange_rate,
    exchange_rates,
    set_base_currency,
    set_business_time_zone,
    set_exchange_rate,
)
from crmdesk.ui.field_checks import (
    checked_currency,
    checked_phone_region,
    checked_time_zone,
)
from crmdesk.ui.focus import set_tab_chain
from crmdesk.ui.tasks import TaskRunner
from crmdesk.ui.zone_combo import TimeZoneCombo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncServerAccess:
    """Reads and writes the sync server's URL and login name (never a password).

    ``load`` returns (url, login) or None and raises ValidationError for a
    damaged file; ``check`` returns the cleaned (url, login) or raises
    ValidationError naming the problem; ``save`` writes checked values;
    ``clear`` forgets the server.
    """

    load: Callable[[], tuple[str, str] | None]
    check: Callable[[str, str], tuple[str, str]]
    save: Callable[[str, str], None]
    clear: Callable[[], None]


@dataclass(frozen=True)
class _StoreValues:
    base: str
    rates: dict[str, Decimal]
    time_zone: str


def _load(session: Any) -> _StoreValues:
    return _StoreValues(
        base_currency(session), exchange_rates(session), business_time_zone(session)
    )


class SettingsDialog(QDialog):
    """Edits the user's settings and the store's money and time zone settings.

    Once everything is saved the dialog closes with Accepted; ``chosen_language``
    ("system", "zh_CN" or "en") and ``chosen_phone_region`` are then for the
    caller to apply.
    """

    def __init__(
        self,
        runner: TaskRunner,
        language_setting: str,
        parent: QWidget | None = None,
        *,
        phone_region: str = DEFAULT_PHONE_REGION,
        sync_access: SyncServerAccess | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._sync_access = sync_access
        self._loaded_rates: set[str] = set()
        self.chosen_language = language_setting
        self.chosen_phone_region = phone_region
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(480)

        self.language_combo = QComboBox(self)
        self.language_combo.addItem(self.tr("System language"), "system")
        # Each language is named in itself, so a user can find their own.
        self.language_combo.addItem("中文（简体）", "zh_CN")
        self.language_combo.addItem("English", "en")
        self.language_combo.setCurrentIndex(
            max(self.language_combo.findData(language_setting), 0)
        )
        self.region_edit = QLineEdit(phone_region, self)
        self.region_edit.setMaxLength(2)
        self.region_edit.setMaximumWidth(70)
        self.region_edit.setToolTip(
            self.tr(
                "Phone numbers typed without + and a country code are read as "
                "numbers of this region."
            )
        )
        self.zone_combo = TimeZoneCombo(self)
        self.zone_combo.setToolTip(
            self.tr(
                "Reports count calendar days in this time zone. It is shared by "
                "everyone who uses this store."
            )
        )

        self._make_money_fields()

        self.sync_url_edit = QLineEdit(self)
        self.sync_url_edit.setPlaceholderText("postgresql://server:5432/crm")
        self.sync_user_edit = QLineEdit(self)

        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e;")
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
            self,
        )

        layout = QVBoxLayout(self)
        layout.addWidget(self._region_group())
        layout.addWidget(self._money_group())
        self.sync_group = self._sync_group()
        self.sync_group.setVisible(sync_access is not None)
        layout.addWidget(self.sync_group)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        set_tab_chain(self.tab_chain())

        self.add_rate_button.clicked.connect(self._add_empty_rate_row)
        self.remove_rate_button.clicked.connect(self._remove_selected_rates)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        self.buttons.setEnabled(False)
        self._load_sync()
        self._runner.run_read(_load, self._on_loaded, self._on_failed)

    def _make_money_fields(self) -> None:
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
        self.rates_table.setTabKeyNavigation(False)
        self.rates_table.setAccessibleName(self.tr("Exchange rates"))
        self.rates_table.setAccessibleDescription(
            self.tr("One row per currency: its code and its value in base units.")
        )
        self.add_rate_button = QPushButton(self.tr("&Add rate"), self)
        self.remove_rate_button = QPushButton(self.tr("&Remove rate"), self)

    def _region_group(self) -> QGroupBox:
        group = QGroupBox(self.tr("Language and region"), self)
        form = QFormLayout(group)
        form.addRow(self.tr("&Language"), self.language_combo)
        form.addRow(self.tr("Default &phone region"), self.region_edit)
        form.addRow(self.tr("Business &time zone"), self.zone_combo)
        return group

    def _money_group(self) -> QGroupBox:
        group = QGroupBox(self.tr("Money"), self)
        layout = QVBoxLayout(group)
        form = QFormLayout()
        form.addRow(self.tr("&Base currency of totals"), self.base_edit)
        layout.addLayout(form)
        rates_label = QLabel(self.tr("E&xchange rates to the base currency"), group)
        rates_label.setBuddy(self.rates_table)
        layout.addWidget(rates_label)
        layout.addWidget(self.rates_table)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.add_rate_button)
        row.addWidget(self.remove_rate_button)
        layout.addLayout(row)
        return group

    def _sync_group(self) -> QGroupBox:
        group = QGroupBox(self.tr("Sync server"), self)
        form = QFormLayout(group)
        form.addRow(self.tr("Server &URL"), self.sync_url_edit)
        form.addRow(self.tr("User &name"), self.sync_user_edit)
        note = QLabel(
            self.tr(
                "crmdesk asks for the password when it connects and keeps it in the "
                "system keyring, never in these settings. Leave both fields empty "
                "to work without a server."
            ),
            group,
        )
        note.setWordWrap(True)
        form.addRow(note)
        return group

    def tab_chain(self) -> list[QWidget]:
        """Return the fields and buttons in the order Tab visits them."""
        chain: list[QWidget] = [
            self.language_combo,
            self.region_edit,
            self.zone_combo,
            self.base_edit,
            self.rates_table,
            self.add_rate_button,
            self.remove_rate_button,
        ]
        if self._sync_access is not None:
            chain += [self.sync_url_edit, self.sync_user_edit]
        chain += [
            self.buttons.button(QDialogButtonBox.StandardButton.Ok),
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel),
        ]
        return chain

    def show_error(self, text: str, field: QWidget | None = None) -> None:
        """Show an error above the buttons and focus ``field``; "" hides it."""
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))
        if field is not None:
            field.setFocus()

    def rates(self) -> tuple[str, dict[str, str]]:
        """Return the typed base currency and the rates by currency code.

        Raises:
            ValidationError: a currency code or a rate is invalid, or a currency
                is listed twice; the message names the value.
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
            if code in rates:
                raise ValidationError(
                    self.tr(
                        "The currency {code} is listed twice: remove one of its rows."
                    ).format(code=code)
                )
            if code == base:
                raise ValidationError(
                    self.tr(
                        "{code} is the base currency, which needs no rate: remove "
                        "its row."
                    ).format(code=code)
                )
            if not _is_positive_number(rate_text):
                raise ValidationError(
                    self.tr(
                        "Invalid exchange rate “{rate}” for {code}: write a positive "
                        "number such as 7.1."
                    ).format(rate=rate_text, code=code)
                )
            rates[code] = rate_text
        return base, rates

    def sync_server(self) -> tuple[str, str] | None:
        """Return the checked (url, login), or None when both fields are empty.

        Raises:
            ValidationError: one field is empty or the URL is invalid.
        """
        url = self.sync_url_edit.text().strip()
        user = self.sync_user_edit.text().strip()
        if self._sync_access is None or (not url and not user):
            return None
        if not url:
            raise ValidationError(
                self.tr(
                    "The server URL is empty: write postgresql://HOST:PORT/DATABASE, "
                    "or clear the user name to work without a server."
                )
            )
        if not user:
            raise ValidationError(
                self.tr(
                    "The user name for {url} is empty: enter the login the server "
                    "administrator gave you."
                ).format(url=url)
            )
        try:
            return self._sync_access.check(url, user)
        except ValidationError as error:
            raise ValidationError(
                self.tr("Invalid sync server “{url}”: {reason}").format(
                    url=url, reason=error
                )
            ) from None

    def _load_sync(self) -> None:
        if self._sync_access is None:
            return
        try:
            saved = self._sync_access.load()
        except ValidationError as error:
            log.warning("the saved sync server settings are unreadable: %s", error)
            self.show_error(
                self.tr(
                    "The saved sync server settings could not be read ({error}). "
                    "Enter the server again."
                ).format(error=error)
            )
            return
        if saved is not None:
            self.sync_url_edit.setText(saved[0])
            self.sync_user_edit.setText(saved[1])

    def _on_loaded(self, values: _StoreValues) -> None:
        self.base_edit.setText(values.base)
        self.zone_combo.set_zone_name(values.time_zone)
        self.rates_table.setRowCount(0)
        self._loaded_rates = set(values.rates)
        for code, rate in sorted(values.rates.items()):
            self._add_rate_row(code, str(rate))
        self.buttons.setEnabled(True)

    def _add_empty_rate_row(self) -> None:
        self._add_rate_row("", "")
        row = self.rates_table.rowCount() - 1
        self.rates_table.setCurrentCell(row, 0)
        self.rates_table.setFocus()
        self.rates_table.editItem(self.rates_table.item(row, 0))

    def _add_rate_row(self, code: str, rate: str) -> None:
        row = self.rates_table.rowCount()
        self.rates_table.insertRow(row)
        self.rates_table.setItem(row, 0, QTableWidgetItem(code or ""))
        self.rates_table.setItem(row, 1, QTableWidgetItem(rate or ""))

    def _remove_selected_rates(self) -> None:
        rows = sorted(
            {index.row() for index in self.rates_table.selectedIndexes()}, reverse=True
        )
        if not rows and self.rates_table.currentRow() >= 0:
            rows = [self.rates_table.currentRow()]
        for row in rows:
            self.rates_table.removeRow(row)

    def _checked_values(self) -> tuple[str, dict[str, str], str, str] | None:
        """Return base, rates, time zone and region, or None after showing an error."""
        try:
            region = checked_phone_region(self.region_edit.text())
        except ValidationError as error:
            self.show_error(str(error), self.region_edit)
            return None
        try:
            zone = checked_time_zone(self.zone_combo.zone_name())
        except ValidationError as error:
            self.show_error(str(error), self.zone_combo)
            return None
        try:
            base, rates = self.rates()
        except ValidationError as error:
            self.show_error(str(error), self.rates_table)
            return None
        return base, rates, zone, region

    def _save(self) -> None:
        checked = self._checked_values()
        if checked is None:
            return
        base, rates, zone, region = checked
        try:
            server = self.sync_server()
        except ValidationError as error:
            self.show_error(str(error), self.sync_url_edit)
            return
        self.show_error("")
        self.chosen_language = str(self.language_combo.currentData())
        self.chosen_phone_region = region
        removed = sorted(self._loaded_rates - set(rates))
        self.buttons.setEnabled(False)

        def write(session: Any) -> None:
            set_base_currency(session, base)
            for code, rate in rates.items():
                set_exchange_rate(session, code, rate)
            for code in removed:
                delete_exchange_rate(session, code)
            set_business_time_zone(session, zone)

        self._runner.run_write(
            write, lambda _none: self._save_sync(server), self._on_failed
        )

    def _save_sync(self, server: tuple[str, str] | None) -> None:
        if self._sync_access is not None:
            try:
                if server is None:
                    self._sync_access.clear()
                else:
                    self._sync_access.save(*server)
            except OSError as error:
                log.error("saving the sync server settings failed: %s", error)
                self.buttons.setEnabled(True)
                self.show_error(
                    self.tr(
                        "The sync server settings were not saved: {error}. Check "
                        "that the configuration folder can be written."
                    ).format(error=error)
                )
                return
        self.accept()

    def _on_failed(self, error: Exception) -> None:
        self.buttons.setEnabled(True)
        if not isinstance(error, CrmError):
            log.error("saving the store settings failed", exc_info=error)
        self.show_error(
            self.tr("The settings were not saved: {error}").format(error=error)
        )


def _is_positive_number(text: str) -> bool:
    try:
        value = Decimal(text)
    except ArithmeticError:
        return False
    return value.is_finite() and value > 0
