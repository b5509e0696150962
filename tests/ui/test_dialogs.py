"""Dialogs of the shell: new deal, new customer, settings and first start."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

import pytest
from helpers.data import MAVEN
from sqlalchemy import func, select

from crmdesk.domain.playbook_file import shipped_playbook
from crmdesk.services.playbooks import list_series
from crmdesk.services.workspace import base_currency, current_user_id, exchange_rates
from crmdesk.storage.db import open_store
from crmdesk.storage.models import Customer, Opportunity, User
from crmdesk.ui.dialogs.first_start import FirstStartDialog, StartJobs, login_for
from crmdesk.ui.dialogs.new_customer import NewCustomerDialog
from crmdesk.ui.dialogs.new_deal import NewDealDialog
from crmdesk.ui.dialogs.settings import SettingsDialog
from crmdesk.ui.events import EventHub
from crmdesk.ui.tasks import TaskRunner

pytestmark = [
    pytest.mark.gui,
    # Qt's offscreen platform warns when a shown window changes its size hints
    # or is raised, since it has no window system to pass them to.
    pytest.mark.qt_log_ignore(
        r"This plugin does not support (propagateSizeHints|raise)"
    ),
]


def deal_count(store) -> int:
    with store.sessions() as session:
        return session.scalar(select(func.count()).select_from(Opportunity))


@pytest.fixture
def new_deal(qtbot, store, runner, events):
    series = [store.series("open-sales"), store.series("gated-sales")]
    dialog = NewDealDialog(runner, events, series, series[1].id, "en")
    qtbot.addWidget(dialog)
    assert runner.wait_idle()
    return dialog


def test_new_deal_starts_in_current_series(new_deal):
    assert new_deal.series_combo.currentText() == "Gated sales"
    assert new_deal.stage_combo.currentText() == "Valid contact"
    stages = [
        new_deal.stage_combo.itemText(i) for i in range(new_deal.stage_combo.count())
    ]
    assert stages == ["Valid contact", "Demo", "Offer"]
    assert new_deal.currency_edit.text() == "USD"
    assert new_deal.owner_combo.currentText() == "Lin Wei"


def test_new_deal_is_stored(new_deal, store, runner, events, qtbot):
    gated = store.series("gated-sales")
    new_deal.title_edit.setText("Language course for 12 pupils")
    new_deal.amount_edit.setText("4,800.50")
    new_deal.close_edit.set_value(date(2025, 9, 1))
    new_deal.stage_combo.setCurrentIndex(1)

    with qtbot.waitSignal(events.deals_changed) as changed:
        new_deal.buttons.accepted.emit()
    assert runner.wait_idle()

    assert new_deal.result() == new_deal.DialogCode.Accepted
    with store.sessions() as session:
        deal = session.get(Opportunity, new_deal.created_id)
    assert changed.args[0] == [new_deal.created_id]
    assert deal.title == "Language course for 12 pupils"
    assert deal.series_id == gated.id
    assert deal.stage_id == gated.stage_by_key("demo").id
    assert deal.amount_minor == 480050
    assert deal.currency == "USD"
    assert deal.expected_close == date(2025, 9, 1)
    assert deal.owner_id == store.user_id


def test_new_deal_bad_amount_names_value(new_deal, store, runner):
    new_deal.title_edit.setText("Language course")
    new_deal.amount_edit.setText("4.800,50x")

    new_deal.buttons.accepted.emit()
    assert runner.wait_idle()

    message = new_deal.error_label.text()
    assert "“4.800,50x”" in message
    assert "1234.50" in message
    assert not new_deal.error_label.isHidden()
    assert new_deal.result() != new_deal.DialogCode.Accepted
    assert deal_count(store) == 0


def test_new_deal_too_many_decimals(new_deal, store, runner):
    new_deal.title_edit.setText("Language course")
    new_deal.amount_edit.setText("10.125")

    new_deal.buttons.accepted.emit()

    assert "“10.125”" in new_deal.error_label.text()
    assert "USD" in new_deal.error_label.text()
    assert deal_count(store) == 0


def test_new_deal_empty_title(new_deal, store):
    new_deal.buttons.accepted.emit()

    assert "title is empty" in new_deal.error_label.text()
    assert deal_count(store) == 0


def test_new_customer_is_stored(qtbot, store, runner):
    dialog = NewCustomerDialog(runner)
    qtbot.addWidget(dialog)
    dialog.name_edit.setText("Riverside Primary School")
    dialog.phone_edit.setText("+86 138 0000 0000")

    dialog.buttons.accepted.emit()
    assert runner.wait_idle()

    with store.sessions() as session:
        customer = session.get(Customer, dialog.created_id)
    assert customer.name == "Riverside Primary School"
    # Stored in E.164 form, so duplicate checks compare numbers directly.
    assert customer.phone == "+8613800000000"
    assert customer.owner_id == store.user_id


def test_new_customer_needs_name(qtbot, store, runner):
    dialog = NewCustomerDialog(runner)
    qtbot.addWidget(dialog)

    dialog.buttons.accepted.emit()

    assert "name is empty" in dialog.error_label.text()
    assert dialog.created_id is None


def test_settings_saves_money(qtbot, store, runner):
    dialog = SettingsDialog(runner, "system")
    qtbot.addWidget(dialog)
    assert runner.wait_idle()
    assert dialog.base_edit.text() == "USD"
    dialog.base_edit.setText("cny")
    dialog._add_empty_rate_row()
    dialog.rates_table.item(0, 0).setText("usd")
    dialog.rates_table.item(0, 1).setText("7.1")
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("zh_CN"))

    dialog.buttons.accepted.emit()
    assert runner.wait_idle()

    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.chosen_language == "zh_CN"
    with store.sessions() as session:
        assert base_currency(session) == "CNY"
        assert exchange_rates(session) == {"USD": Decimal("7.1")}


def test_settings_rejects_bad_rate(qtbot, store, runner):
    dialog = SettingsDialog(runner, "en")
    qtbot.addWidget(dialog)
    assert runner.wait_idle()
    dialog._add_empty_rate_row()
    dialog.rates_table.item(0, 0).setText("EUR")
    dialog.rates_table.item(0, 1).setText("-2")

    dialog.buttons.accepted.emit()

    assert "“-2”" in dialog.error_label.text()
    assert "EUR" in dialog.error_label.text()
    with store.sessions() as session:
        assert exchange_rates(session) == {}


@pytest.fixture
def empty_store(tmp_path):
    engine, sessions = open_store(tmp_path / "empty" / "crmdesk.sqlite3")
    yield sessions
    engine.dispose()


@pytest.fixture
def empty_runner(qapp, empty_store):
    runner = TaskRunner(empty_store)
    yield runner
    runner.wait_idle()
    runner.shutdown()


def test_first_start_appears_on_empty_store(
    qtbot, empty_runner, shell_settings, shell_translators
):
    from crmdesk.app import offer_first_start
    from crmdesk.ui.main_window import MainWindow

    window = MainWindow(empty_runner, EventHub(), shell_settings, shell_translators)
    qtbot.addWidget(window)
    jobs = StartJobs(generate_demo=lambda deals: deals, import_maven=None)
    offer_first_start(window, empty_runner, jobs)

    window.start()
    window.show()
    qtbot.waitUntil(lambda: window.findChild(FirstStartDialog) is not None)

    dialog = window.findChild(FirstStartDialog)
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.windowTitle() == "Welcome to crmdesk"
    assert window.switcher.tab_bar.count() == 0
    dialog.reject()


def test_first_start_empty_workspace(qtbot, empty_store, empty_runner):
    jobs = StartJobs(generate_demo=lambda deals: deals, import_maven=None)
    dialog = FirstStartDialog(empty_runner, jobs)
    qtbot.addWidget(dialog)
    dialog.empty_radio.setChecked(True)
    dialog.playbook_combo.setCurrentIndex(dialog.playbook_combo.findData("b2b"))
    dialog.user_name.setText("Wang Fang")

    dialog.buttons.accepted.emit()
    assert empty_runner.wait_idle()

    assert dialog.result() == dialog.DialogCode.Accepted
    expected = [s.key for s in shipped_playbook("b2b").series]
    with empty_store() as session:
        assert [s.key for s in list_series(session)] == expected
        user = session.get(User, current_user_id(session))
    assert user.display_name == "Wang Fang"
    assert user.login == "wang.fang"


def test_first_start_needs_name(qtbot, empty_store, empty_runner):
    jobs = StartJobs(generate_demo=lambda deals: deals, import_maven=None)
    dialog = FirstStartDialog(empty_runner, jobs)
    qtbot.addWidget(dialog)
    dialog.empty_radio.setChecked(True)

    dialog.buttons.accepted.emit()

    assert "name is empty" in dialog.error_label.text()
    with empty_store() as session:
        assert list_series(session) == []


def test_first_start_demo_calls_generator(qtbot, empty_runner):
    requested = []

    def generate(deals):
        requested.append(deals)
        return deals

    dialog = FirstStartDialog(empty_runner, StartJobs(generate, None))
    qtbot.addWidget(dialog)
    dialog.demo_deals.setValue(300)

    dialog.buttons.accepted.emit()
    assert empty_runner.wait_idle()

    assert requested == [300]
    assert "300" in dialog.summary


def test_first_start_missing_import_path(qtbot, empty_runner, tmp_path):
    dialog = FirstStartDialog(empty_runner, StartJobs(lambda deals: deals, None))
    qtbot.addWidget(dialog)
    dialog.import_radio.setChecked(True)
    missing = tmp_path / "no-such-folder"
    dialog.import_path.setText(str(missing))

    dialog.buttons.accepted.emit()

    assert f"“{missing}” does not exist" in dialog.error_label.text()


def test_login_from_name():
    assert login_for("  Wang   Fang ") == "wang.fang"
    assert login_for("") == "me"


def test_first_start_real_demo(qtbot, empty_store, empty_runner):
    from crmdesk.services.demo import generate_demo

    jobs = StartJobs(lambda deals: generate_demo(empty_store, deals).deals, None)
    dialog = FirstStartDialog(empty_runner, jobs)
    qtbot.addWidget(dialog)
    dialog.demo_deals.setValue(30)

    dialog.buttons.accepted.emit()
    assert empty_runner.wait_idle(30_000)

    assert dialog.result() == dialog.DialogCode.Accepted, dialog.error_label.text()
    with empty_store() as session:
        assert session.scalar(select(func.count()).select_from(Opportunity)) == 30
        assert current_user_id(session) is not None


MAVEN_FOLDER = MAVEN


@pytest.mark.skipif(not MAVEN_FOLDER.is_dir(), reason="Maven CRM sample not present")
def test_first_start_imports_maven_folder(qtbot, empty_store, empty_runner, tmp_path):
    from crmdesk.app import _maven_importer

    with (MAVEN_FOLDER / "sales_pipeline.csv").open(encoding="utf-8") as stream:
        rows = sum(1 for _row in csv.DictReader(stream))
    jobs = StartJobs(lambda deals: deals, _maven_importer(tmp_path / "data"))
    dialog = FirstStartDialog(empty_runner, jobs)
    qtbot.addWidget(dialog)
    dialog.import_radio.setChecked(True)
    dialog.import_path.setText(str(MAVEN_FOLDER))

    dialog.buttons.accepted.emit()
    assert empty_runner.wait_idle(120_000)

    assert dialog.result() == dialog.DialogCode.Accepted, dialog.error_label.text()
    with empty_store() as session:
        deals = session.scalar(select(func.count()).select_from(Opportunity))
    assert 0 < deals <= rows
    assert f"Imported {deals} deals" in dialog.summary
