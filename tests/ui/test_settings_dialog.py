"""The Settings dialog: every field saves, validates, and Tab walks it in order."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from crmdesk.app import sync_server_access
from crmdesk.services.reports import BUSINESS_TIME_ZONE
from crmdesk.services.workspace import (
    exchange_rates,
    get_setting,
    set_exchange_rate,
)
from crmdesk.ui.dialogs.new_customer import NewCustomerDialog
from crmdesk.ui.dialogs.settings import SettingsDialog

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_ignore(
        r"This plugin does not support (propagateSizeHints|raise)"
    ),
]


@pytest.fixture
def config_dir(tmp_path):
    return tmp_path / "config"


@pytest.fixture
def dialog(qtbot, store, runner, config_dir):
    with store.sessions.begin() as session:
        set_exchange_rate(session, "EUR", "1.08")
        set_exchange_rate(session, "CNY", "0.14")
    settings_dialog = SettingsDialog(
        runner, "en", phone_region="CN", sync_access=sync_server_access(config_dir)
    )
    qtbot.addWidget(settings_dialog)
    assert runner.wait_idle()
    return settings_dialog


def rate_rows(dialog) -> dict[str, str]:
    table = dialog.rates_table
    return {
        table.item(row, 0).text(): table.item(row, 1).text()
        for row in range(table.rowCount())
    }


def save(dialog, runner) -> None:
    dialog.buttons.accepted.emit()
    assert runner.wait_idle()


def test_loads_store_values(dialog):
    assert dialog.base_edit.text() == "USD"
    assert rate_rows(dialog) == {"CNY": "0.14", "EUR": "1.08"}
    assert dialog.zone_combo.zone_name() == "UTC"
    assert dialog.region_edit.text() == "CN"


def test_rates_add_edit_delete(dialog, runner, store):
    rows = {dialog.rates_table.item(r, 0).text(): r for r in range(2)}
    dialog.rates_table.item(rows["EUR"], 1).setText("1.10")
    dialog.rates_table.selectRow(rows["CNY"])
    dialog.remove_rate_button.click()
    dialog.add_rate_button.click()
    dialog.rates_table.item(1, 0).setText("jpy")
    dialog.rates_table.item(1, 1).setText("0.0067")

    save(dialog, runner)

    assert dialog.result() == dialog.DialogCode.Accepted
    with store.sessions() as session:
        assert exchange_rates(session) == {
            "EUR": Decimal("1.10"),
            "JPY": Decimal("0.0067"),
        }


def test_duplicate_rate_rejected(dialog, runner):
    dialog.add_rate_button.click()
    dialog.rates_table.item(2, 0).setText("eur")
    dialog.rates_table.item(2, 1).setText("1.2")

    save(dialog, runner)

    assert "EUR is listed twice" in dialog.error_label.text()
    assert dialog.result() != dialog.DialogCode.Accepted


def test_time_zone_saved_for_reports(dialog, runner, store):
    dialog.zone_combo.set_zone_name("Asia/Shanghai")

    save(dialog, runner)

    with store.sessions() as session:
        assert get_setting(session, BUSINESS_TIME_ZONE) == "Asia/Shanghai"


def test_unknown_time_zone_named(dialog, runner, store):
    dialog.zone_combo.set_zone_name("Asia/Shangai")

    save(dialog, runner)

    assert "“Asia/Shangai”" in dialog.error_label.text()
    assert "Asia/Shanghai" in dialog.error_label.text()
    with store.sessions() as session:
        assert get_setting(session, BUSINESS_TIME_ZONE) is None


def test_zone_list_is_searchable(dialog):
    completer = dialog.zone_combo.completer()
    completer.setCompletionPrefix("shang")
    found = [
        completer.completionModel().index(row, 0).data()
        for row in range(completer.completionCount())
    ]
    assert found == ["Asia/Shanghai"]


def test_phone_region_checked(dialog, runner):
    dialog.region_edit.setText("XY")

    save(dialog, runner)

    assert "“XY”" in dialog.error_label.text()
    assert "two-letter region code" in dialog.error_label.text()
    assert dialog.result() != dialog.DialogCode.Accepted


def test_phone_region_returned(dialog, runner):
    dialog.region_edit.setText("hk")

    save(dialog, runner)

    assert dialog.chosen_phone_region == "HK"


def test_sync_server_saved(dialog, runner, config_dir):
    dialog.sync_url_edit.setText("postgresql://crm.example.test:5433/sales")
    dialog.sync_user_edit.setText("lin")

    save(dialog, runner)

    saved = json.loads((config_dir / "sync.json").read_text(encoding="utf-8"))
    assert saved == {"url": "postgresql://crm.example.test:5433/sales", "user": "lin"}


def test_sync_password_rejected(dialog, runner, config_dir):
    dialog.sync_url_edit.setText("postgresql://lin:secret@crm.example.test/sales")
    dialog.sync_user_edit.setText("lin")

    save(dialog, runner)

    assert "password" in dialog.error_label.text()
    assert not (config_dir / "sync.json").exists()


def test_sync_missing_user_named(dialog, runner):
    dialog.sync_url_edit.setText("postgresql://crm.example.test/sales")

    save(dialog, runner)

    assert "user name for postgresql://crm.example.test/sales is empty" in (
        dialog.error_label.text()
    )


def test_sync_cleared_removes_file(qtbot, store, runner, config_dir):
    config_dir.mkdir()
    (config_dir / "sync.json").write_text(
        json.dumps({"url": "postgresql://crm.example.test/sales", "user": "lin"}),
        encoding="utf-8",
    )
    dialog = SettingsDialog(runner, "en", sync_access=sync_server_access(config_dir))
    qtbot.addWidget(dialog)
    assert runner.wait_idle()
    assert dialog.sync_user_edit.text() == "lin"
    dialog.sync_url_edit.clear()
    dialog.sync_user_edit.clear()

    save(dialog, runner)

    assert not (config_dir / "sync.json").exists()


def walk_tab(window, count: int) -> list:
    """Press Tab ``count`` times in ``window``; return the focus widget after each."""
    visited = [window.focusWidget()]
    for _ in range(count):
        QTest.keyClick(window.focusWidget(), Qt.Key.Key_Tab)
        visited.append(window.focusWidget())
    return visited


def test_tab_walks_fields_in_order(dialog, qtbot):
    dialog.show()
    dialog.activateWindow()
    qtbot.waitExposed(dialog)
    chain = dialog.tab_chain()
    chain[0].setFocus()

    visited = walk_tab(dialog, len(chain) - 1)

    names = [type(widget).__name__ for widget in visited]
    assert visited == chain, names
    assert names[:4] == ["QComboBox", "QLineEdit", "TimeZoneCombo", "QLineEdit"]
    assert visited[-2].text() == "OK"


def test_new_customer_phone_uses_region(qtbot, runner):
    dialog = NewCustomerDialog(runner, phone_region="CN")
    qtbot.addWidget(dialog)
    dialog.name_edit.setText("Harbor Ltd")
    dialog.phone_edit.setText("010 6552 99")

    dialog.buttons.accepted.emit()

    assert "“010 6552 99”" in dialog.error_label.text()
    assert "CN" in dialog.error_label.text()
