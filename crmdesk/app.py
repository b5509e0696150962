"""The composition root of the desktop app: builds everything once and runs Qt.

``run_gui`` resolves the folders, sets up logging, opens the store, creates the
QApplication with its translators, then the task runner, the event hub and the
main window, and passes each to the parts that need it. Nothing is reached
through a global except the QApplication and the logging module.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from crmdesk import APP_ID, APP_NAME, __version__
from crmdesk.config.logging_setup import log_start, log_stop, setup_logging
from crmdesk.config.paths import resolve_paths
from crmdesk.config.settings import Settings
from crmdesk.domain.errors import CrmError
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.demo import generate_demo
from crmdesk.services.imports import import_maven
from crmdesk.services.imports.report import default_report_path
from crmdesk.services.workspace import current_user_id
from crmdesk.storage.db import open_store
from crmdesk.sync import credentials
from crmdesk.sync.engine import SyncEngine, SyncError
from crmdesk.sync.issues import list_open_issues, resolve_issue
from crmdesk.sync.status import read_local_status
from crmdesk.ui.dialogs.first_start import FirstStartDialog, StartJobs
from crmdesk.ui.dialogs.settings import SyncServerAccess
from crmdesk.ui.errors import ErrorReporter
from crmdesk.ui.events import EventHub
from crmdesk.ui.i18n import Translators, resolve_language
from crmdesk.ui.icons import app_icon
from crmdesk.ui.main_window import MainWindow
from crmdesk.ui.qt_messages import restore_qt_messages, route_qt_messages
from crmdesk.ui.sync.runner import (
    AskPassword,
    PasswordReply,
    RoundError,
    RoundSummary,
    SyncHooks,
    SyncRunner,
    SyncStatus,
)
from crmdesk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


def run_gui(parsed_args: argparse.Namespace) -> int:
    """Start the desktop app and return its exit status.

    Reads ``data_dir``, ``language`` and ``quit_after_load`` from the parsed
    command line.
    """
    paths = resolve_paths(getattr(parsed_args, "data_dir", None))
    paths.ensure()
    logging_setup = setup_logging(paths.log_dir, console_level=logging.WARNING)
    log_start(
        __version__,
        {
            "data folder": paths.data_dir,
            "config folder": paths.config_dir,
            "log file": logging_setup.log_file,
        },
    )
    settings = Settings.load(paths.config_dir)
    try:
        language = resolve_language(
            getattr(parsed_args, "language", None), settings.language
        )
    except ValueError as error:
        print(f"crmdesk: {error}", file=sys.stderr)
        logging_setup.close()
        return 2

    engine, sessions = open_store(paths.database)
    route_qt_messages()
    exit_code = 1
    try:
        app = QApplication.instance() or QApplication(sys.argv[:1])
        assert isinstance(app, QApplication)
        app.setApplicationName(APP_NAME)
        app.setApplicationVersion(__version__)
        app.setDesktopFileName(APP_ID)
        app.setWindowIcon(app_icon())
        translators = Translators(app)
        translators.install(language)

        reporter = ErrorReporter(logging_setup.log_file, app)
        reporter.install()
        runner = TaskRunner(sessions)
        runner.task_failed.connect(reporter.report_task_failure)
        events = EventHub()
        sync = SyncRunner(sync_hooks(paths.data_dir, sessions))
        window = MainWindow(
            runner,
            events,
            settings,
            translators,
            log_file=logging_setup.log_file,
            sync_access=sync_server_access(paths.data_dir),
            sync=sync,
        )
        jobs = StartJobs(
            generate_demo=lambda deals: generate_demo(sessions, deals).deals,
            import_maven=_maven_importer(paths.data_dir),
        )
        offer_first_start(window, runner, jobs)
        if getattr(parsed_args, "quit_after_load", False):
            quit_after_first_board(window)
        quit_on_signals(app)
        window.start()
        window.show()
        exit_code = app.exec()
        window.close()
        sync.shutdown()
        runner.shutdown()
        reporter.uninstall()
    finally:
        engine.dispose()
        log_stop(exit_code)
        restore_qt_messages()
        logging_setup.close()
    return exit_code


def sync_server_access(data_dir: Path) -> SyncServerAccess:
    """Return the Settings dialog's access to ``sync.json`` in ``data_dir``.

    The file is the one ``crmdesk connect`` writes, so the dialog and the command
    line share one place for the URL and login name.
    """

    def load() -> tuple[str, str] | None:
        saved = credentials.load_settings(data_dir)
        return None if saved is None else (saved.url, saved.user)

    def check(url: str, user: str) -> tuple[str, str]:
        parsed = credentials.parse_settings(url, user)
        return parsed.url, parsed.user

    def save(url: str, user: str) -> None:
        path = credentials.save_settings(
            data_dir, credentials.parse_settings(url, user)
        )
        log.info("saved the sync server settings to %s", path)

    def clear() -> None:
        path = data_dir / credentials.SETTINGS_FILE
        if path.exists():
            path.unlink()
            log.info("removed the sync server settings %s", path)

    return SyncServerAccess(load=load, check=check, save=save, clear=clear)


def sync_hooks(data_dir: Path, sessions: Any) -> SyncHooks:
    """Return the sync UI's Qt-free functions for the store in ``data_dir``.

    The server settings are read again before each round, so a server set in the
    Settings dialog is used at the next round. When the server wants a password
    that neither the keyring nor libpq has, a round the user started asks for it
    through the runner's ``ask``. A password the server accepted is kept in
    memory for the later rounds of this session, and saved in the keyring when
    the user ticked Remember. A background round never asks: it fails with
    ``password_needed``, and the window offers Connect….
    """
    session_passwords: dict[str, str] = {}

    def is_configured() -> bool:
        return (data_dir / credentials.SETTINGS_FILE).exists()

    def run_round(ask: AskPassword | None) -> RoundSummary:
        try:
            settings = credentials.load_settings(data_dir)
        except CrmError as error:
            raise RoundError("settings", str(error)) from error
        if settings is None:
            raise RoundError("not_configured", "no sync server is set")
        attempt = _PasswordAttempt(settings, ask, session_passwords)
        engine = SyncEngine(sessions, attempt.connector())
        try:
            result = engine.run_once()
        except SyncError as error:
            raise attempt.round_error(error) from error
        return RoundSummary(
            pushed=result.pushed,
            pulled=result.pulled + result.removed,
            new_issues=len(result.issues),
            caught_up=result.caught_up,
            clock_ahead=result.clock_ahead,
            password_not_stored=attempt.not_stored,
        )

    def read_status() -> SyncStatus:
        local = read_local_status(sessions)
        return SyncStatus(local.pending_changes, local.open_issues, local.last_pull_at)

    return SyncHooks(
        is_configured=is_configured,
        run_round=run_round,
        read_status=read_status,
        list_issues=lambda: list(list_open_issues(sessions)),
        resolve=lambda issue_id, action: resolve_issue(sessions, issue_id, action),
    )


class _PasswordAttempt:
    """The password side of one sync round: which password was tried, and how.

    ``credentials.connector`` calls ``ask`` once, when the server wants a
    password that the keyring and libpq did not supply. A password typed earlier
    in this session is offered first. Otherwise the user is asked when ``ask`` is
    given. The typed password is kept, and saved in the keyring when the user
    asked, only once a connection with it opened.
    """

    def __init__(
        self,
        settings: credentials.ConnectionSettings,
        ask: AskPassword | None,
        session_passwords: dict[str, str],
    ) -> None:
        self.settings = settings
        self.ask = ask
        self.session_passwords = session_passwords
        self.asked = False
        self.cancelled = False
        self.tried_session_password = False
        self.reply: PasswordReply | None = None
        self.connected = False
        self.not_stored = False

    def connector(self) -> Callable[[], Any]:
        """Return the round's connect function, which keeps a working password."""
        connect = credentials.connector(self.settings, self._ask, remember=False)

        def connect_and_keep() -> Any:
            connection = connect()
            self.connected = True
            if self.reply is not None:
                self._keep(self.reply)
            return connection

        return connect_and_keep

    def _ask(self, _prompt: str) -> str | None:
        # Runs on the sync worker.
        name = self.settings.keyring_name
        known = self.session_passwords.get(name)
        if known is not None:
            self.tried_session_password = True
            return known
        self.asked = True
        if self.ask is None:
            return None
        reply = self.ask(self.settings.url, self.settings.user)
        if reply is None or not reply.password:
            self.cancelled = True
            return None
        self.reply = reply
        return reply.password

    def _keep(self, reply: PasswordReply) -> None:
        self.session_passwords[self.settings.keyring_name] = reply.password
        if not reply.remember:
            return
        if credentials.remember_password(self.settings, reply.password):
            log.info("saved the sync password of %s in the keyring", self.settings.user)
        else:
            self.not_stored = True
            log.warning(
                "no keyring could store the sync password of %s; it is kept until "
                "crmdesk quits",
                self.settings.user,
            )

    def round_error(self, error: SyncError) -> RoundError:
        """Return the RoundError for a failed round, naming password failures."""
        user = self.settings.user
        refused = error.kind == "login_refused" and not self.connected
        if self.cancelled:
            return RoundError(
                "password_cancelled",
                f"sync stopped: no password was given for {user}",
            )
        if refused and (self.reply is not None or self.tried_session_password):
            # A password typed in this session no longer works: ask again.
            self.session_passwords.pop(self.settings.keyring_name, None)
            return RoundError(
                "password_rejected", f"the server rejected the password of {user}"
            )
        if refused and self.asked:
            return RoundError(
                "password_needed", f"the server wants the password of {user}"
            )
        return RoundError(error.kind, str(error))


def quit_on_signals(app: QApplication) -> None:
    """Quit the event loop on SIGINT and SIGTERM, so settings and logs are closed."""

    def request_quit(signal_number: int, _frame: object) -> None:
        log.info("received signal %d, quitting", signal_number)
        app.quit()

    signal.signal(signal.SIGINT, request_quit)
    signal.signal(signal.SIGTERM, request_quit)
    # Python runs signal handlers only between bytecodes; a timer gives the
    # interpreter a turn while Qt's event loop waits.
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(250)


def quit_after_first_board(window: MainWindow) -> None:
    """Close ``window`` once the first board has loaded (--quit-after-load).

    That is the first series board, or the customer board of a store whose
    playbook has states and no series. Closing the last window ends the event
    loop with exit status 0. A store with neither has no board to wait for, so
    the app exits with status 1 instead of offering the first-start dialog.
    """

    def on_board(series_id: object) -> None:
        log.info("board of series %s loaded; quitting (--quit-after-load)", series_id)
        QTimer.singleShot(0, window.close)

    def on_customers(playbook_id: object) -> None:
        if window.customer_board_shown():
            log.info("customer board of playbook %s loaded; quitting", playbook_id)
            QTimer.singleShot(0, window.close)

    def on_workspace(has_playbook: bool) -> None:
        if not has_playbook:
            log.error(
                "--quit-after-load: the store has no series and no customer "
                "states, so no board loads"
            )
            QApplication.exit(1)

    window.switcher.board_loaded.connect(
        on_board, Qt.ConnectionType.SingleShotConnection
    )
    window.customer_board.board_loaded.connect(
        on_customers, Qt.ConnectionType.SingleShotConnection
    )
    window.workspace_loaded.connect(on_workspace)


def offer_first_start(window: MainWindow, runner: TaskRunner, jobs: StartJobs) -> None:
    """Show the first-start dialog over ``window`` whenever the store has no
    series and no customer states."""

    def on_loaded(has_playbook: bool) -> None:
        if has_playbook or window.findChild(FirstStartDialog) is not None:
            return
        dialog = FirstStartDialog(runner, jobs, window)
        dialog.set_language(window.language)

        def finished(result: int) -> None:
            if result == QDialog.DialogCode.Accepted:
                window.statusBar().showMessage(dialog.summary, 15_000)
                window.reload()
            dialog.deleteLater()

        dialog.finished.connect(finished)
        # Open after the current callback returns, so the window is shown first.
        QTimer.singleShot(0, dialog.open)

    window.workspace_loaded.connect(on_loaded)


def _maven_importer(
    report_folder: Path,
) -> Callable[[Any, Path], tuple[int, int, Path | None]]:
    """Return the first-start import job: a Maven export folder into the store."""

    def run(session: Any, folder: Path) -> tuple[int, int, Path | None]:
        actor = Actor(current_user_id(session), ChangeSource.IMPORT)
        report = default_report_path(report_folder, actor.at)
        result = import_maven(session, folder, actor, report_path=report)
        log.info(
            "imported %d deals from %s, %d rows rejected",
            result.imported,
            folder,
            result.rejected,
        )
        return result.imported, result.rejected, result.report_path

    return run
