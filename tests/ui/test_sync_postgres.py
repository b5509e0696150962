"""Sync now in the main window against a real PostgreSQL server (tests/sync kit)."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

# The server fixtures of tests/sync, imported so pytest registers them here.
from sync.conftest import make_client, server  # noqa: F401
from synckit import new_deal

from crmdesk.app import sync_hooks
from crmdesk.sync import credentials
from crmdesk.ui.events import EventHub
from crmdesk.ui.main_window import MainWindow
from crmdesk.ui.sync.runner import SyncRunner
from crmdesk.ui.tasks import TaskRunner

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_ignore(
        r"This plugin does not support (propagateSizeHints|raise)"
    ),
]


def _count(path: Any, sql: str) -> int:
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute(sql).fetchone()[0])
    finally:
        connection.close()


def _round(qtbot, window: MainWindow, sync: SyncRunner) -> None:
    window.actions_.sync_now.trigger()
    qtbot.waitUntil(lambda: sync.is_idle() and not sync.syncing, timeout=60_000)


def test_sync_now_against_server(
    qtbot,
    server,  # noqa: F811
    make_client,  # noqa: F811
    tmp_path,
    shell_settings,
    shell_translators,
):
    login = server.add_user("ann", "rep", "north")
    client = make_client("ann")
    host = server.url.split("@", 1)[1]
    data_dir = tmp_path / "ann-data"
    credentials.save_settings(
        data_dir, credentials.parse_settings(f"postgresql://{host}", login)
    )
    runner = TaskRunner(client.sessions)
    sync = SyncRunner(sync_hooks(data_dir, client.sessions))
    try:
        window = MainWindow(
            runner, EventHub(), shell_settings, shell_translators, sync=sync
        )
        qtbot.addWidget(window)
        window.start()
        window.show()
        assert runner.wait_idle()
        status = window.sync_status
        assert status.last_label.text() == "Last sync: never"

        # The first round brings the playbook; the boards load it.
        stages = server.scalar("SELECT count(*) FROM stages")
        for _ in range(20):
            _round(qtbot, window, sync)
            if _count(client.path, "SELECT count(*) FROM stages") >= stages:
                break
        assert sync.state == "idle", sync.reason
        assert _count(client.path, "SELECT count(*) FROM stages") == stages
        assert runner.wait_idle()
        assert window.switcher.series()
        assert status.last_label.text() != "Last sync: never"

        # A deal made offline is counted, then sent by the next round.
        new_deal(client, "Campus network")
        sync.refresh_status()
        qtbot.waitUntil(sync.is_idle, timeout=10_000)
        pending = _count(
            client.path, "SELECT count(*) FROM outbox WHERE status = 'pending'"
        )
        assert pending >= 1
        assert status.pending_label.text() == (
            f"{pending} change not sent"
            if pending == 1
            else f"{pending} changes not sent"
        )
        _round(qtbot, window, sync)
        assert sync.state == "idle", sync.reason
        assert status.pending_label.text() == "0 changes not sent"
        assert server.scalar("SELECT title FROM opportunities") == "Campus network"
        assert runner.wait_idle()
    finally:
        sync.shutdown()
        runner.wait_idle()
        runner.shutdown()
