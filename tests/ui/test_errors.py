"""Unexpected errors: logged in full, shown in plain words, and the app goes on."""

from __future__ import annotations

import sys
import threading

import pytest
from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication

from crmdesk.config.logging_setup import setup_logging
from crmdesk.ui.errors import ErrorDialog, ErrorReporter

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_ignore(
        r"This plugin does not support (propagateSizeHints|raise)"
    ),
]


@pytest.fixture
def logging_setup(tmp_path):
    setup = setup_logging(tmp_path / "logs")
    yield setup
    setup.close()


@pytest.fixture
def reporter(qapp, logging_setup):
    error_reporter = ErrorReporter(logging_setup.log_file)
    error_reporter.install()
    yield error_reporter
    error_reporter.uninstall()
    if error_reporter.dialog is not None:
        error_reporter.dialog.close()


@pytest.fixture
def opened(monkeypatch):
    urls: list[QUrl] = []

    def open_url(url):
        urls.append(url)
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", open_url)
    return urls


def raise_and_hook(error: Exception) -> None:
    try:
        raise error
    except Exception:
        sys.excepthook(*sys.exc_info())


def test_excepthook_shows_dialog(reporter, logging_setup):
    raise_and_hook(ValueError("the amount column is empty"))

    dialog = reporter.dialog
    assert isinstance(dialog, ErrorDialog)
    assert dialog.isVisible()
    assert "ValueError: the amount column is empty" in dialog.error_label.text()
    assert str(logging_setup.log_file) in dialog.log_label.text()


def test_traceback_reaches_log(reporter, logging_setup):
    raise_and_hook(KeyError("stage_id"))

    text = logging_setup.log_file.read_text(encoding="utf-8")
    assert "CRITICAL crmdesk.ui.errors: unexpected error" in text
    assert "Traceback (most recent call last):" in text
    assert "in raise_and_hook" in text
    assert "KeyError: 'stage_id'" in text


def test_password_masked_everywhere(reporter, logging_setup):
    raise_and_hook(RuntimeError("cannot reach postgresql://lin:hunter2@db/crm"))

    dialog = reporter.dialog
    assert "hunter2" not in dialog.error_label.text()
    assert "hunter2" not in dialog.details_edit.toPlainText()
    assert "hunter2" not in logging_setup.log_file.read_text(encoding="utf-8")


def test_dialog_opens_log_folder(reporter, logging_setup, opened):
    raise_and_hook(OSError("disk full"))

    reporter.dialog.open_log_button.click()

    assert [url.toLocalFile() for url in opened] == [str(logging_setup.log_file.parent)]


def test_dialog_copies_details(reporter):
    raise_and_hook(ZeroDivisionError("division by zero"))

    reporter.dialog.copy_button.click()

    copied = QGuiApplication.clipboard().text()
    assert copied.startswith("crmdesk ")
    assert "ZeroDivisionError: division by zero" in copied
    assert "Traceback" in copied


def test_second_error_counted(reporter):
    raise_and_hook(ValueError("first"))
    first = reporter.dialog
    raise_and_hook(ValueError("second"))

    assert reporter.dialog is first
    assert first.more_errors == 1
    assert "1 more error" in first.more_label.text()


class Emitter(QObject):
    fired = Signal()


@pytest.mark.qt_no_exception_capture
def test_slot_error_keeps_app_running(qtbot, reporter, logging_setup):
    emitter = Emitter()

    def broken_slot() -> None:
        raise LookupError("no card with that id")

    emitter.fired.connect(broken_slot)
    QTimer.singleShot(0, emitter.fired.emit)
    qtbot.waitUntil(lambda: reporter.dialog is not None)

    assert "LookupError: no card with that id" in reporter.dialog.error_label.text()
    ticks = []
    QTimer.singleShot(0, lambda: ticks.append(1))
    qtbot.waitUntil(lambda: ticks == [1])


def test_thread_error_shown(qtbot, reporter, logging_setup):
    def work() -> None:
        raise MemoryError("worker ran out of memory")

    thread = threading.Thread(target=work, name="crmdesk-test")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: reporter.dialog is not None)

    assert "MemoryError" in reporter.dialog.error_label.text()
    text = logging_setup.log_file.read_text(encoding="utf-8")
    assert "unexpected error in thread crmdesk-test" in text


def test_task_failure_shown(qtbot, reporter, runner):
    runner.task_failed.connect(reporter.report_task_failure)

    def broken_task(_session):
        raise ArithmeticError("rate table is empty")

    with qtbot.captureExceptions():
        runner.run_read(broken_task, lambda _result: None)
        assert runner.wait_idle()

    assert "ArithmeticError: rate table is empty" in reporter.dialog.error_label.text()


def test_keyboard_interrupt_passed_on(reporter, monkeypatch):
    calls = []
    monkeypatch.setattr(reporter, "_old_excepthook", lambda *args: calls.append(args))

    reporter.excepthook(KeyboardInterrupt, KeyboardInterrupt(), None)

    assert len(calls) == 1
    assert reporter.dialog is None


def test_help_menu_opens_log_folder(main_window, opened):
    main_window.actions_.open_log_folder.trigger()

    assert [url.toLocalFile() for url in opened] == [str(main_window.log_file.parent)]


def test_uninstall_restores_hooks(qapp, tmp_path):
    before = (sys.excepthook, threading.excepthook)
    error_reporter = ErrorReporter(tmp_path / "crmdesk.log")
    error_reporter.install()
    assert sys.excepthook == error_reporter.excepthook

    error_reporter.uninstall()

    assert (sys.excepthook, threading.excepthook) == before
