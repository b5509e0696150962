"""The task runner: database work off the GUI thread, results back on it.

Every read and write of the user interface goes through one ``TaskRunner``. It
runs each task on a single worker thread, so writes to SQLite are serialised and
the GUI thread does not wait
on the SQL of these tasks. The result, or the exception, comes back to
the GUI thread through a queued signal and is handed to the caller's callback
there.

Threading contract: the function passed to ``run_read`` or ``run_write`` runs on
the worker thread and must not touch widgets, models or any other QObject of the
GUI thread. It receives a session and returns plain values (frozen records,
ids). The callbacks run on the GUI thread and may update widgets.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtCore import QDeadlineTimer, QEventLoop, QObject, QTimer, Signal, Slot

log = logging.getLogger(__name__)


class SessionFactory(Protocol):
    """The session factory interface the runner uses (a SQLAlchemy ``sessionmaker``).

    The user interface never imports SQLAlchemy, so the factory is opaque here:
    calling it opens a session for reading, and ``begin()`` opens a session inside
    a transaction that commits when the block ends without an exception.
    """

    def __call__(self) -> AbstractContextManager[Any]: ...

    def begin(self) -> AbstractContextManager[Any]: ...


@dataclass
class _Task:
    number: int
    fn: Callable[[Any], Any]
    write: bool
    on_success: Callable[[Any], None]
    on_failure: Callable[[Exception], None] | None
    result: Any = None
    error: Exception | None = None


class TaskRunner(QObject):
    """Runs database tasks on one worker thread; callbacks run on the GUI thread.

    Tasks run one at a time in the order they were submitted, so a read submitted
    after a write reads what the write committed.

    Signals:
        busy_changed(bool): True when the first task of a burst starts, False when
            the last callback of the burst has run.
        task_failed(object): an exception of a task that had no ``on_failure``
            callback; it is also logged.
    """

    busy_changed = Signal(bool)
    task_failed = Signal(object)
    _finished = Signal(object)

    def __init__(self, sessions: SessionFactory, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sessions = sessions
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="crmdesk-db"
        )
        self._pending = 0
        self._counter = 0
        self._closed = False
        # The signal is emitted on the worker thread; the receiver lives on the
        # GUI thread, so Qt queues the call there.
        self._finished.connect(self._on_finished)

    def run_read(
        self,
        fn: Callable[[Any], Any],
        on_success: Callable[[Any], None],
        on_failure: Callable[[Exception], None] | None = None,
    ) -> None:
        """Run ``fn(session)`` on the worker in a session that is not committed."""
        self._submit(fn, False, on_success, on_failure)

    def run_write(
        self,
        fn: Callable[[Any], Any],
        on_success: Callable[[Any], None],
        on_failure: Callable[[Exception], None] | None = None,
    ) -> None:
        """Run ``fn(session)`` on the worker inside ``sessions.begin()``.

        The transaction commits when ``fn`` returns and rolls back when it raises,
        so ``on_failure`` runs with nothing of the task saved.
        """
        self._submit(fn, True, on_success, on_failure)

    def is_idle(self) -> bool:
        """Return True when no task is queued, running or waiting for its callback."""
        return self._pending == 0

    def wait_idle(self, timeout_ms: int = 5000) -> bool:
        """Process GUI events until every task and callback has run.

        Meant for tests and for shutdown, where the caller must not return before
        queued work lands. Returns False when ``timeout_ms`` passed first.
        """
        deadline = QDeadlineTimer(timeout_ms)
        loop = QEventLoop()
        while not self.is_idle() and not deadline.hasExpired():
            QTimer.singleShot(10, loop.quit)
            loop.exec()
        return self.is_idle()

    def shutdown(self) -> None:
        """Wait for the running task and stop the worker; later tasks are rejected."""
        self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _submit(
        self,
        fn: Callable[[Any], Any],
        write: bool,
        on_success: Callable[[Any], None],
        on_failure: Callable[[Exception], None] | None,
    ) -> None:
        if self._closed:
            raise RuntimeError("the task runner is shut down: no more tasks can run")
        self._counter += 1
        task = _Task(self._counter, fn, write, on_success, on_failure)
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        self._executor.submit(self._run, task)

    def _run(self, task: _Task) -> None:
        # Worker thread: only the session and the task's own values are used here.
        try:
            if task.write:
                with self._sessions.begin() as session:
                    task.result = task.fn(session)
            else:
                with self._sessions() as session:
                    task.result = task.fn(session)
        except Exception as error:
            # Any error goes back to the GUI thread, where a callback handles it.
            task.error = error
        log.debug(
            "task %d on %s finished (%s)",
            task.number,
            threading.current_thread().name,
            "failed" if task.error else "ok",
        )
        self._finished.emit(task)

    @Slot(object)
    def _on_finished(self, task: _Task) -> None:
        try:
            if task.error is None:
                task.on_success(task.result)
            elif task.on_failure is not None:
                task.on_failure(task.error)
            else:
                log.error(
                    "task %d failed and nothing handles it",
                    task.number,
                    exc_info=task.error,
                )
                self.task_failed.emit(task.error)
        finally:
            # Count down after the callback, so a task it submits keeps the
            # runner busy and wait_idle() covers chains of tasks.
            self._pending -= 1
            if self._pending == 0:
                self.busy_changed.emit(False)
