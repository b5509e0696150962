"""Unexpected errors: logged with their traceback, then shown in plain words.

``ErrorReporter`` replaces ``sys.excepthook`` (PySide6 hands exceptions raised
in slots and event handlers to it) and ``threading.excepthook``, and receives
the ``task_failed`` signal of the task runner. Each error is logged with its
full traceback and shown in an ``ErrorDialog`` that names the log file. The app
keeps running: only KeyboardInterrupt and SystemExit go to Python's own hooks.
"""

from __future__ import annotations

import logging
import platform
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crmdesk import __version__
from crmdesk.config.logging_setup import mask_secrets

log = logging.getLogger(__name__)


def open_folder(folder: Path, parent: QWidget | None = None) -> bool:
    """Open ``folder`` in the system file manager; warn with its path on failure."""
    folder.mkdir(parents=True, exist_ok=True)
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
        log.info("opened the folder %s", folder)
        return True
    log.warning("no file manager opened the folder %s", folder)
    QMessageBox.warning(
        parent,
        QApplication.translate("open_folder", "Open folder"),
        QApplication.translate(
            "open_folder",
            "No file manager could open the folder {folder}. Open it yourself: "
            "the path was copied to the clipboard.",
        ).format(folder=folder),
    )
    QGuiApplication.clipboard().setText(str(folder))
    return False


def error_details(error: BaseException) -> str:
    """Return the text a user copies for a bug report, with passwords masked."""
    lines = [
        f"crmdesk {__version__}",
        f"Python {platform.python_version()} on {platform.platform()}",
        "",
        *traceback.format_exception(type(error), error, error.__traceback__),
    ]
    return mask_secrets("\n".join(line.rstrip("\n") for line in lines))


class ErrorDialog(QDialog):
    """Says that something failed, where the log is, and offers the details.

    Further errors that arrive while the dialog is open are counted in it
    instead of opening more dialogs.
    """

    def __init__(
        self, error: BaseException, log_file: Path, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("errorDialog")
        self.log_file = log_file
        self.more_errors = 0
        self.setWindowTitle(self.tr("crmdesk: unexpected error"))
        self.setMinimumWidth(520)

        self.summary_label = QLabel(self)
        self.summary_label.setWordWrap(True)
        self.summary_label.setText(
            self.tr(
                "<b>Something went wrong in crmdesk.</b><br>The last action did not "
                "finish and its change may not have been saved. You can keep "
                "working; if the problem comes back, restart crmdesk."
            )
        )
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.error_label.setText(
            self.tr("Error: {error}").format(error=mask_secrets(describe(error)))
        )
        self.log_label = QLabel(self)
        self.log_label.setWordWrap(True)
        self.log_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.log_label.setText(
            self.tr(
                "The full details were written to the log file {path}. Send that "
                "file, or the copied details, to whoever supports crmdesk for you."
            ).format(path=log_file)
        )
        self.more_label = QLabel(self)
        self.more_label.hide()
        self.details_edit = QPlainTextEdit(self)
        self.details_edit.setTabChangesFocus(True)
        self.details_edit.setReadOnly(True)
        self.details_edit.setPlainText(error_details(error))
        self.details_edit.setAccessibleName(self.tr("Error details"))
        self.details_edit.setMinimumHeight(160)

        self.buttons = QDialogButtonBox(self)
        self.open_log_button = QPushButton(self.tr("&Open log folder"), self)
        self.copy_button = QPushButton(self.tr("&Copy details"), self)
        self.buttons.addButton(
            self.open_log_button, QDialogButtonBox.ButtonRole.ActionRole
        )
        self.buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setDefault(True)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.log_label)
        layout.addWidget(self.more_label)
        layout.addWidget(self.details_edit, 1)
        layout.addWidget(self.buttons)

        self.open_log_button.clicked.connect(self.open_log_folder)
        self.copy_button.clicked.connect(self.copy_details)
        self.buttons.rejected.connect(self.reject)
        QWidget.setTabOrder(close, self.open_log_button)
        QWidget.setTabOrder(self.open_log_button, self.copy_button)
        QWidget.setTabOrder(self.copy_button, self.details_edit)
        close.setFocus()

    def open_log_folder(self) -> None:
        """Open the folder of the log file in the file manager."""
        open_folder(self.log_file.parent, self)

    def copy_details(self) -> None:
        """Copy the version, platform and traceback to the clipboard."""
        QGuiApplication.clipboard().setText(self.details_edit.toPlainText())
        self.copy_button.setText(self.tr("Copied"))

    def add_error(self, error: BaseException) -> None:
        """Count another error that happened while this dialog was open."""
        self.more_errors += 1
        self.more_label.setText(
            self.tr(
                "%n more error(s) happened since; see the log file.",
                "",
                self.more_errors,
            )
        )
        self.more_label.show()
        self.details_edit.appendPlainText("\n" + error_details(error))


def describe(error: BaseException) -> str:
    """Return the error's type and message on one line, such as "OSError: ..."."""
    message = str(error).strip().splitlines()
    first = message[0] if message else ""
    name = type(error).__name__
    return f"{name}: {first}" if first else name


class ErrorReporter(QObject):
    """Logs unexpected exceptions and shows them in an ``ErrorDialog``.

    Exceptions from other threads are logged at once and shown through a queued
    signal, because widgets may only be created on the GUI thread.
    """

    _reported = Signal(object)

    def __init__(self, log_file: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_file = log_file
        self.dialog: ErrorDialog | None = None
        self._old_excepthook = sys.excepthook
        self._old_threading_hook = threading.excepthook
        self._reported.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        """Take over ``sys.excepthook`` and ``threading.excepthook``."""
        self._old_excepthook = sys.excepthook
        self._old_threading_hook = threading.excepthook
        sys.excepthook = self.excepthook
        threading.excepthook = self.threading_excepthook

    def uninstall(self) -> None:
        """Give the hooks back to what was installed before ``install``."""
        if sys.excepthook == self.excepthook:
            sys.excepthook = self._old_excepthook
        if threading.excepthook == self.threading_excepthook:
            threading.excepthook = self._old_threading_hook

    def excepthook(
        self,
        kind: type[BaseException],
        error: BaseException,
        trace: TracebackType | None,
    ) -> None:
        if issubclass(kind, (KeyboardInterrupt, SystemExit)):
            self._old_excepthook(kind, error, trace)
            return
        log.critical("unexpected error", exc_info=(kind, error, trace))
        self._deliver(error)

    def threading_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            self._old_threading_hook(args)
            return
        name = args.thread.name if args.thread is not None else "unknown"
        log.critical(
            "unexpected error in thread %s",
            name,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )
        self._deliver(args.exc_value)

    @Slot(object)
    def report_task_failure(self, error: Exception) -> None:
        """Show a task-runner error that no callback handled (already logged)."""
        self._deliver(error)

    def _deliver(self, error: BaseException) -> None:
        if QApplication.instance() is None:
            return
        if threading.current_thread() is threading.main_thread():
            self._show(error)
        else:
            self._reported.emit(error)

    def _show(self, error: BaseException) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.add_error(error)
            return
        parent = QApplication.activeWindow()
        self.dialog = ErrorDialog(error, self.log_file, parent)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.destroyed.connect(self._forget_dialog)
        self.dialog.show()

    def _forget_dialog(self) -> None:
        self.dialog = None
