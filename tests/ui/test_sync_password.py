"""The sync password dialog against a PostgreSQL server that wants passwords.

The module starts its own throwaway cluster whose logins must send a SCRAM
password (the shared test server trusts every login). The keyring is the
plaintext file keyring that tests/conftest.py puts in each test's folder.
"""

from __future__ import annotations

import logging
import sqlite3
import subprocess
from collections.abc import Iterator

import keyring
import pytest
import sqlalchemy as sa
from helpers.postgres import throwaway_server, unavailable
from PySide6.QtWidgets import QApplication

# The server fixtures of tests/sync, imported so pytest registers them here.
from sync.conftest import make_client, server  # noqa: F401

from crmdesk.app import sync_hooks
from crmdesk.config.logging_setup import setup_logging
from crmdesk.sync import credentials
from crmdesk.ui.dialogs.password import PasswordDialog
from crmdesk.ui.events import EventHub
from crmdesk.ui.main_window import MainWindow
from crmdesk.ui.sync.runner import SyncRunner
from crmdesk.ui.tasks import TaskRunner

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_ignore(
        r"This plugin does not support (propagateSizeHints|raise|grabbing)"
    ),
]

PASSWORD = "tiger-Lily-4821"


@pytest.fixture(scope="module")
def pg_server() -> Iterator[str]:
    """A throwaway cluster where every login but ``postgres`` needs a password."""
    try:
        with throwaway_server(passwords=True) as url:
            yield url
    except (OSError, RuntimeError, subprocess.CalledProcessError) as error:
        unavailable(str(error))


class Laptop:
    """One user's store, sync settings and main window, with its sync runner."""

    def __init__(self, qtbot, srv, make, tmp_path, settings, translators):
        self.login = srv.add_user("ann", "rep", "north")
        with srv.engine.begin() as connection:
            connection.execute(
                sa.text(f"ALTER ROLE \"{self.login}\" PASSWORD '{PASSWORD}'")
            )
        self.server = srv
        self.client = make("ann")
        host = srv.url.split("@", 1)[1]
        self.data_dir = tmp_path / "ann-data"
        self.settings = credentials.parse_settings(f"postgresql://{host}", self.login)
        credentials.save_settings(self.data_dir, self.settings)
        self.runner = TaskRunner(self.client.sessions)
        self.sync = SyncRunner(sync_hooks(self.data_dir, self.client.sessions))
        self.window = MainWindow(
            self.runner, EventHub(), settings, translators, sync=self.sync
        )
        # Not handed to qtbot: pytest-qt would delete the window before this
        # fixture's teardown lets queued board loads land (see close).
        self.window.start()
        # No automatic round during the test: each round is started by hand.
        self.sync.timer.stop()
        self.window.show()
        self.qtbot = qtbot

    def close(self) -> None:
        # Board reloads that a round started must land before qtbot deletes the
        # window; the machine may be slow, hence the long wait.
        self.runner.wait_idle(60_000)
        self.sync.shutdown()
        assert self.runner.wait_idle(60_000)
        self.window.close()
        self.runner.shutdown()
        self.window.deleteLater()

    def dialog(self) -> PasswordDialog | None:
        found = self.window.findChild(PasswordDialog)
        return found if found is not None and found.isVisible() else None

    def sync_now(self) -> PasswordDialog:
        """Choose Sync now and return the password dialog it opens."""
        self.window.actions_.sync_now.trigger()
        self.qtbot.waitUntil(lambda: self.dialog() is not None, timeout=30_000)
        dialog = self.dialog()
        assert dialog is not None
        return dialog

    def wait_round(self) -> None:
        self.qtbot.waitUntil(
            lambda: self.sync.is_idle() and not self.sync.syncing, timeout=60_000
        )

    def background_round(self) -> None:
        """Run a round as the timer does: it may not ask for a password."""
        self.sync.sync_now()
        self.wait_round()

    def stages(self) -> int:
        connection = sqlite3.connect(self.client.path)
        try:
            return int(connection.execute("SELECT count(*) FROM stages").fetchone()[0])
        finally:
            connection.close()

    def saved_password(self) -> str | None:
        return keyring.get_password(
            credentials.KEYRING_SERVICE, self.settings.keyring_name
        )


@pytest.fixture
def laptop(
    qtbot,
    server,  # noqa: F811
    make_client,  # noqa: F811
    tmp_path,
    shell_settings,
    shell_translators,
    monkeypatch,
) -> Iterator[Laptop]:
    # libpq's own password sources stay empty, so only the dialog can help.
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    made = Laptop(
        qtbot, server, make_client, tmp_path, shell_settings, shell_translators
    )
    yield made
    made.close()


def _no_dialog_open() -> bool:
    return not [
        widget
        for widget in QApplication.topLevelWidgets()
        if isinstance(widget, PasswordDialog) and widget.isVisible()
    ]


def _answer(dialog: PasswordDialog, password: str, *, remember: bool) -> None:
    dialog.password_edit.setText(password)
    dialog.remember_box.setChecked(remember)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert ok.isEnabled()
    ok.click()


def test_ok_saves_working_password(laptop):
    dialog = laptop.sync_now()
    assert dialog.windowTitle() == "Sync server password"
    assert dialog.prompt_label.text() == (
        f"The sync server {laptop.settings.url} asks for the password of "
        f"{laptop.login}."
    )
    assert dialog.remember_box.isChecked()
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled()  # nothing typed yet

    _answer(dialog, PASSWORD, remember=True)
    laptop.wait_round()
    assert laptop.sync.state == "idle", laptop.sync.reason
    assert laptop.stages() > 0
    assert laptop.saved_password() == PASSWORD
    assert _no_dialog_open()

    # Later rounds, and a new session, use the keyring without asking.
    laptop.background_round()
    assert laptop.sync.state == "idle", laptop.sync.reason
    fresh = SyncRunner(sync_hooks(laptop.data_dir, laptop.client.sessions))
    try:
        fresh.sync_now()
        laptop.qtbot.waitUntil(
            lambda: fresh.is_idle() and not fresh.syncing, timeout=60_000
        )
        assert fresh.state == "idle", fresh.reason
    finally:
        fresh.shutdown()
    assert _no_dialog_open()


def test_unticked_password_kept_for_session(laptop):
    _answer(laptop.sync_now(), PASSWORD, remember=False)
    laptop.wait_round()
    assert laptop.sync.state == "idle", laptop.sync.reason
    assert laptop.saved_password() is None

    laptop.background_round()
    assert laptop.sync.state == "idle", laptop.sync.reason
    assert _no_dialog_open()

    # A new session has no password for the server, and its background round
    # reports that without a dialog.
    fresh = SyncRunner(sync_hooks(laptop.data_dir, laptop.client.sessions))
    try:
        fresh.sync_now()
        laptop.qtbot.waitUntil(
            lambda: fresh.is_idle() and not fresh.syncing, timeout=60_000
        )
        assert fresh.state == "password_needed"
    finally:
        fresh.shutdown()
    assert _no_dialog_open()


def test_no_keyring_keeps_session_password(laptop):
    from keyring.backends import fail

    # The tests/conftest.py fixture puts the file keyring back afterwards.
    keyring.set_keyring(fail.Keyring())
    _answer(laptop.sync_now(), PASSWORD, remember=True)
    laptop.wait_round()
    assert laptop.sync.state == "idle", laptop.sync.reason
    assert laptop.window.statusBar().currentMessage() == (
        "No system keyring is available: the password is kept until crmdesk quits."
    )
    laptop.background_round()
    assert laptop.sync.state == "idle", laptop.sync.reason
    assert _no_dialog_open()


def test_cancel_stops_round_saves_nothing(laptop, keyring_file):
    dialog = laptop.sync_now()
    dialog.password_edit.setText("typed, then cancelled")
    dialog.buttons.button(dialog.buttons.StandardButton.Cancel).click()
    laptop.wait_round()

    status = laptop.window.sync_status
    assert laptop.sync.state == "password_cancelled"
    assert status.state_label.text() == "Sync stopped: no password was given"
    assert status.connect_button.isVisibleTo(laptop.window)
    assert laptop.saved_password() is None
    assert not keyring_file.exists()
    assert laptop.stages() == 0
    assert _no_dialog_open()

    # Connect… starts a round that asks again.
    status.connect_button.click()
    laptop.qtbot.waitUntil(lambda: laptop.dialog() is not None, timeout=30_000)
    _answer(laptop.dialog(), PASSWORD, remember=True)
    laptop.wait_round()
    assert laptop.sync.state == "idle", laptop.sync.reason
    assert not status.connect_button.isVisibleTo(laptop.window)
    assert laptop.saved_password() == PASSWORD


def test_wrong_password_never_saved(laptop, keyring_file):
    _answer(laptop.sync_now(), "not-the-password", remember=True)
    laptop.wait_round()

    status = laptop.window.sync_status
    assert laptop.sync.state == "password_rejected"
    assert status.state_label.text() == "Sync stopped: the server rejected the password"
    assert status.connect_button.isVisibleTo(laptop.window)
    assert laptop.saved_password() is None
    assert not keyring_file.exists()
    assert laptop.stages() == 0


def test_background_round_never_prompts(laptop):
    laptop.background_round()
    assert laptop.sync.state == "password_needed"
    status = laptop.window.sync_status
    assert status.state_label.text() == "Sync needs the server password"
    assert status.connect_button.isVisibleTo(laptop.window)
    assert _no_dialog_open()


def test_shutdown_with_dialog_open(laptop, keyring_file):
    dialog = laptop.sync_now()
    # The round waits for the dialog; shutting down answers it as cancelled, so
    # the worker ends and shutdown returns.
    laptop.sync.shutdown()
    _answer(dialog, PASSWORD, remember=True)
    assert laptop.saved_password() is None
    assert not keyring_file.exists()


def test_password_not_in_logs_or_settings(laptop, tmp_path, shell_settings):
    log_dir = tmp_path / "log"
    logs = setup_logging(log_dir, level=logging.DEBUG)
    try:
        _answer(laptop.sync_now(), PASSWORD, remember=True)
        laptop.wait_round()
        assert laptop.sync.state == "idle", laptop.sync.reason
        laptop.background_round()
        laptop.window.close()
        shell_settings.save()
    finally:
        logs.close()

    assert laptop.saved_password() == PASSWORD
    log_files = [path for path in log_dir.rglob("*") if path.is_file()]
    assert log_files, "the round wrote no log file"
    assert "sync round: pushed" in logs.log_file.read_text(encoding="utf-8")
    config_files = [path for path in (tmp_path / "config").rglob("*") if path.is_file()]
    assert config_files, "the window saved no settings file"
    settings_files = [path for path in laptop.data_dir.rglob("*") if path.is_file()]
    assert laptop.data_dir / credentials.SETTINGS_FILE in settings_files
    for path in [*log_files, *config_files, *settings_files]:
        assert PASSWORD.encode() not in path.read_bytes(), path
