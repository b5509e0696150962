"""The desktop side of sync: status bar, Sync now on its worker, issues panel."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from helpers.board_ui import Store
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from crmdesk.app import sync_hooks
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.deals import (
    NewOpportunity,
    OpportunityEdit,
    create_opportunity,
    update_opportunity,
)
from crmdesk.services.playbooks import list_series
from crmdesk.sync import local
from crmdesk.ui.main_window import MainWindow
from crmdesk.ui.sync.runner import (
    RETRY_FIRST_MS,
    RoundError,
    RoundSummary,
    SyncRunner,
)

pytestmark = [
    pytest.mark.gui,
    # Qt's offscreen platform warns when a shown window changes its size hints
    # or is raised, since it has no window system to pass them to.
    pytest.mark.qt_log_ignore(
        r"This plugin does not support (propagateSizeHints|raise)"
    ),
]


def _count(store: Store, sql: str) -> int:
    connection = sqlite3.connect(store.path)
    try:
        return int(connection.execute(sql).fetchone()[0])
    finally:
        connection.close()


def _new_deal(store: Store, title: str = "Campus licence") -> uuid.UUID:
    actor = Actor(store.user_id, ChangeSource.FORM)
    with store.sessions.begin() as session:
        series = list_series(session)[0]
        deal = create_opportunity(
            session,
            NewOpportunity(
                series_id=series.id,
                title=title,
                amount=Decimal("1000"),
                currency="USD",
            ),
            actor,
        )
        return deal.id


def _edit_deal(store: Store, deal_id: uuid.UUID, notes: str) -> None:
    actor = Actor(store.user_id, ChangeSource.FORM)
    with store.sessions.begin() as session:
        update_opportunity(session, deal_id, OpportunityEdit(notes=notes), actor)


def _add_issue(store: Store, **values: Any) -> uuid.UUID:
    with store.engine.begin() as connection:
        return local.add_issue(connection, **values)


def _window(qtbot, runner, events, settings, translators, sync) -> MainWindow:
    window = MainWindow(runner, events, settings, translators, sync=sync)
    qtbot.addWidget(window)
    window.start()
    window.show()
    assert runner.wait_idle()
    return window


def _wait_sync(qtbot, sync: SyncRunner) -> None:
    qtbot.waitUntil(sync.is_idle, timeout=10_000)


def _no_dialog_open() -> bool:
    return not [
        widget
        for widget in QApplication.topLevelWidgets()
        if isinstance(widget, (QDialog, QMessageBox)) and widget.isVisible()
    ]


@pytest.fixture
def real_sync(qapp, store, tmp_path):
    """A sync runner on the real hooks of the test store (no server configured)."""
    sync = SyncRunner(sync_hooks(tmp_path / "data", store.sessions))
    yield sync
    sync.shutdown()


def test_status_bar_counts_pending_and_issues(
    qtbot, store, runner, events, shell_settings, shell_translators, real_sync
):
    deal_id = _new_deal(store)
    _edit_deal(store, deal_id, "Call after the term starts")
    _add_issue(
        store,
        kind="conflict",
        table_name="opportunities",
        row_id=deal_id,
        field="amount_minor",
        mine=150000,
        theirs=90000,
        base=100000,
        message="the amount changed on the server",
    )
    pending = _count(store, "SELECT count(*) FROM outbox WHERE status = 'pending'")
    assert pending >= 2

    window = _window(
        qtbot, runner, events, shell_settings, shell_translators, real_sync
    )
    _wait_sync(qtbot, real_sync)
    status = window.sync_status
    assert status.pending_label.text() == f"{pending} changes not sent"
    assert status.issues_button.text() == "1 sync issue"
    assert status.issues_button.isVisibleTo(window)
    assert status.state_label.text() == "Sync server not configured"

    # An edit announced on the event hub updates the count.
    _edit_deal(store, deal_id, "Second call booked")
    events.deals_changed.emit([deal_id])
    _wait_sync(qtbot, real_sync)
    assert status.pending_label.text() == f"{pending + 1} changes not sent"

    status.issues_button.click()
    _wait_sync(qtbot, real_sync)
    assert window.sync_issues is not None
    assert window.sync_issues.isVisible()
    assert len(window.sync_issues.issues()) == 1


class FakeRound:
    """A round callable that records the thread it ran on and its password prompt."""

    def __init__(self, outcome: RoundSummary | Exception) -> None:
        self.outcome = outcome
        self.threads: list[str] = []
        self.asks: list[Any] = []

    def __call__(self, ask: Any) -> RoundSummary:
        self.threads.append(threading.current_thread().name)
        self.asks.append(ask)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def _fake_sync(store, tmp_path, fake: FakeRound) -> SyncRunner:
    hooks = sync_hooks(tmp_path / "data", store.sessions)
    return SyncRunner(replace(hooks, is_configured=lambda: True, run_round=fake))


def test_sync_now_runs_round_on_worker(
    qtbot, store, runner, events, shell_settings, shell_translators, tmp_path
):
    fake = FakeRound(RoundSummary(pushed=2, pulled=3, new_issues=0))
    sync = _fake_sync(store, tmp_path, fake)
    try:
        window = _window(qtbot, runner, events, shell_settings, shell_translators, sync)
        _wait_sync(qtbot, sync)
        assert window.sync_status.last_label.text() == "Last sync: never"
        with qtbot.waitSignal(events.series_changed, timeout=10_000):
            window.actions_.sync_now.trigger()
        _wait_sync(qtbot, sync)
        assert len(fake.threads) == 1
        assert fake.threads[0].startswith("crmdesk-sync")
        assert fake.threads[0] != threading.main_thread().name
        # Sync now may ask for the password; the automatic rounds may not.
        assert fake.asks[0] is not None
        assert sync.timer.isActive()
        sync.timer.stop()
        sync._on_timer()
        _wait_sync(qtbot, sync)
        assert fake.asks[1] is None
        assert sync.state == "idle"
        assert window.sync_status.state_label.text() == "Sync ready"
        assert window.sync_status.last_label.text() != "Last sync: never"
        assert sync.timer.isActive()
        assert runner.wait_idle()
    finally:
        sync.shutdown()


def test_failed_round_shows_reason_without_dialog(
    qtbot, store, runner, events, shell_settings, shell_translators, tmp_path
):
    reason = "cannot reach the server: connection refused"
    fake = FakeRound(RoundError("unreachable", reason))
    sync = _fake_sync(store, tmp_path, fake)
    try:
        window = _window(qtbot, runner, events, shell_settings, shell_translators, sync)
        window.actions_.sync_now.trigger()
        _wait_sync(qtbot, sync)
        label = window.sync_status.state_label
        assert label.text() == "Offline: the sync server cannot be reached"
        assert label.toolTip() == f"Details from the server: {reason}"
        assert _no_dialog_open()
        # The label follows the interface language; the server's words stay.
        window.set_language("zh_CN")
        qtbot.waitUntil(lambda: label.text() == "离线：无法连接同步服务器")
        assert label.toolTip() == f"服务器给出的详情：{reason}"
        window.set_language("en")
        qtbot.waitUntil(lambda: label.text().startswith("Offline"))
        # The retry comes sooner than the regular interval, then backs off.
        assert sync.timer.isActive()
        assert sync.timer.interval() == RETRY_FIRST_MS
        sync.sync_now()
        _wait_sync(qtbot, sync)
        assert sync.timer.interval() == 2 * RETRY_FIRST_MS
        assert _no_dialog_open()
        assert len(fake.threads) == 2
    finally:
        sync.shutdown()


def test_password_needed_offers_connect(
    qtbot, store, runner, events, shell_settings, shell_translators, tmp_path
):
    fake = FakeRound(RoundError("password_needed", "the server wants a password"))
    sync = _fake_sync(store, tmp_path, fake)
    try:
        window = _window(qtbot, runner, events, shell_settings, shell_translators, sync)
        sync.sync_now()
        _wait_sync(qtbot, sync)
        status = window.sync_status
        assert status.state_label.text() == "Sync needs the server password"
        assert status.connect_button.isVisibleTo(window)
        assert _no_dialog_open()
    finally:
        sync.shutdown()


def _issue_state(store: Store, issue_id: uuid.UUID) -> tuple[str, str]:
    connection = sqlite3.connect(store.path)
    try:
        row = connection.execute(
            "SELECT state, resolution FROM sync_issues WHERE id = ?", (issue_id.hex,)
        ).fetchone()
    finally:
        connection.close()
    return row[0], row[1]


def test_issues_panel_resolves_issues(
    qtbot, store, runner, events, shell_settings, shell_translators, real_sync
):
    deal_id = _new_deal(store)
    amount = _add_issue(
        store,
        kind="conflict",
        table_name="opportunities",
        row_id=deal_id,
        field="amount_minor",
        mine=150000,
        theirs=90000,
        base=100000,
        message="the amount changed on the server",
    )
    notes = _add_issue(
        store,
        kind="also_edited",
        table_name="opportunities",
        row_id=deal_id,
        field="notes",
        mine="Bring the contract",
        theirs="Meeting moved",
        base="First visit",
        message="also edited by ann; their value was kept",
    )
    window = _window(
        qtbot, runner, events, shell_settings, shell_translators, real_sync
    )
    window.actions_.sync_issues.trigger()
    _wait_sync(qtbot, real_sync)
    panel = window.sync_issues
    assert panel is not None
    assert [issue.id for issue in panel.issues()] == [amount, notes]
    assert panel.table.item(0, 0).text() == "Deal"
    assert panel.table.item(0, 2).text() == "Amount"
    assert panel.table.item(0, 3).text() == "Conflict"

    panel.select_issue(amount)
    # The deal is in USD: two minor digits, worked by hand.
    assert panel.mine_view.toPlainText() == "1,500.00 USD"
    assert panel.theirs_view.toPlainText() == "900.00 USD"
    assert panel.base_view.toPlainText() == "1,000.00 USD"
    assert panel.explanation_label.text() == (
        "Another user changed “Amount” on the server after your last sync. "
        "The server's value stays, and yours was not applied."
    )
    assert panel.details_label.text() == (
        "Server message: the amount changed on the server"
    )
    assert panel.details_button.isVisibleTo(panel)
    assert not panel.details_label.isVisibleTo(panel)
    assert panel.buttons["use_mine"].isVisibleTo(panel)
    assert panel.buttons["keep_theirs"].isVisibleTo(panel)
    assert not panel.buttons["restore"].isVisibleTo(panel)

    with qtbot.waitSignal(events.deals_changed, timeout=10_000) as announced:
        panel.buttons["use_mine"].click()
        _wait_sync(qtbot, real_sync)
    assert announced.args == [[deal_id]]
    _wait_sync(qtbot, real_sync)
    assert [issue.id for issue in panel.issues()] == [notes]
    assert _issue_state(store, amount) == ("resolved", "use_mine")
    stored_amount = _count(
        store,
        f"SELECT amount_minor FROM opportunities WHERE id = '{deal_id.hex}'",
    )
    assert stored_amount == 150000

    panel.select_issue(notes)
    assert panel.mine_view.toPlainText() == "Bring the contract"
    panel.buttons["keep_theirs"].click()
    _wait_sync(qtbot, real_sync)
    _wait_sync(qtbot, real_sync)
    assert panel.issues() == []
    assert panel.empty_label.isVisibleTo(panel)
    assert _issue_state(store, notes) == ("resolved", "keep_theirs")
    assert not window.sync_status.issues_button.isVisibleTo(window)


def test_deleted_issue_offers_restore_only(
    qtbot, store, runner, events, shell_settings, shell_translators, real_sync
):
    deal_id = _new_deal(store)
    _add_issue(
        store,
        kind="deleted",
        table_name="opportunities",
        row_id=deal_id,
        mine={"notes": "Call back"},
        message="the deal was deleted on the server",
    )
    window = _window(
        qtbot, runner, events, shell_settings, shell_translators, real_sync
    )
    window.show_sync_issues()
    _wait_sync(qtbot, real_sync)
    panel = window.sync_issues
    assert panel is not None
    assert panel.mine_view.toPlainText() == "Notes: Call back"
    assert panel.buttons["restore"].isVisibleTo(panel)
    assert panel.buttons["keep_theirs"].isVisibleTo(panel)
    assert not panel.buttons["use_mine"].isVisibleTo(panel)


def test_money_text_follows_the_currency_digits(shell_translators):
    from crmdesk.ui.sync.issues_panel import money_text

    assert money_text(123456, "CNY") == "1,234.56 CNY"
    assert money_text(123456, "JPY") == "123,456 JPY"
    assert money_text(123456, "BHD") == "123.456 BHD"
    assert money_text(-5, "USD") == "-0.05 USD"
    # Without a currency the hundredths are a guess, so the stored number shows.
    assert money_text(123456) == "1,234.56 (123,456 in minor units)"
