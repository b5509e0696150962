"""The sync runner: sync rounds on a worker thread of their own, status on the GUI.

``SyncRunner`` owns a single-thread executor, separate from the ``TaskRunner``
that serves the user's reads and writes, so a slow or unreachable server never
delays a board. Every function it runs comes from ``SyncHooks``, which the
composition root (crmdesk/app.py) builds from crmdesk.sync; the UI layer does not
import crmdesk.sync. Results come back to the GUI thread through a queued signal.

Automatic rounds run every ``AUTO_INTERVAL_MS`` while a server is configured.
After a failed round the next try comes after ``RETRY_FIRST_MS``, doubling up to
``RETRY_MAX_MS``. A background round never opens a dialog: failures go to the
status signals only.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal, Slot

log = logging.getLogger(__name__)

AUTO_INTERVAL_MS = 5 * 60 * 1000
RETRY_FIRST_MS = 60 * 1000
RETRY_MAX_MS = 30 * 60 * 1000
# The first automatic round runs this long after start, once the window is up.
START_DELAY_MS = 3000


@dataclass(frozen=True)
class SyncStatus:
    """The figures the status bar shows: unsent changes, open issues, last pull."""

    pending_changes: int
    open_issues: int
    last_sync: datetime | None


@dataclass(frozen=True)
class RoundSummary:
    """The outcome of one successful round, as plain values."""

    pushed: int
    pulled: int
    new_issues: int
    caught_up: bool = True
    clock_ahead: bool = False


class RoundError(Exception):
    """A round that could not run; ``kind`` names the cause (see SyncError).

    Kinds the UI treats specially: ``not_configured`` (no server set) and
    ``password_needed`` (the server requested a password and none was given).
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class IssueRecord(Protocol):
    """The fields of one open sync issue the panel shows (crmdesk.sync IssueView)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def kind(self) -> str: ...
    @property
    def table_name(self) -> str: ...
    @property
    def row_id(self) -> uuid.UUID: ...
    @property
    def field(self) -> str | None: ...
    @property
    def mine(self) -> Any: ...
    @property
    def theirs(self) -> Any: ...
    @property
    def base(self) -> Any: ...
    @property
    def message(self) -> str: ...
    @property
    def actions(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class SyncHooks:
    """The Qt-free functions the sync UI calls; each runs on the sync worker.

    ``is_configured`` runs on the GUI thread and must be cheap (reads sync.json).
    ``run_round`` raises ``RoundError``; ``resolve(issue_id, action)`` raises
    the service's ValidationError or NotFoundError with a message.
    ``remember_password`` stores a password for the next rounds and returns False
    when no keyring could hold it (it is then kept for this session only).
    """

    is_configured: Callable[[], bool]
    run_round: Callable[[], RoundSummary]
    read_status: Callable[[], SyncStatus]
    list_issues: Callable[[], list[IssueRecord]]
    resolve: Callable[[uuid.UUID, str], None]
    remember_password: Callable[[str], bool] | None = None


@dataclass
class _Job:
    fn: Callable[[], Any]
    on_success: Callable[[Any], None]
    on_failure: Callable[[Exception], None]
    result: Any = None
    error: Exception | None = None


class SyncRunner(QObject):
    """Runs sync rounds and sync-store reads on one worker thread.

    Signals:
        state_changed(str, str): the state (``idle``, ``syncing``, ``offline``,
            ``not_configured``, ``password_needed``) and, when offline, the
            reason the last round failed.
        status_changed(object): a fresh ``SyncStatus``.
        round_finished(object): the ``RoundSummary`` of a successful round.
        pulled_changes(): a round brought rows from the server, so views reload.
    """

    state_changed = Signal(str, str)
    status_changed = Signal(object)
    round_finished = Signal(object)
    pulled_changes = Signal()
    _done = Signal(object)

    def __init__(self, hooks: SyncHooks, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.hooks = hooks
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="crmdesk-sync"
        )
        self._closed = False
        self._pending = 0
        self._syncing = False
        self._state = "idle"
        self._reason = ""
        self._retry_ms = RETRY_FIRST_MS
        self.last_round_at: datetime | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._on_timer)
        self._done.connect(self._on_done)

    # Public API

    @property
    def state(self) -> str:
        """The current state name (see ``state_changed``)."""
        return self._state

    @property
    def reason(self) -> str:
        """Why the last round failed, or an empty string."""
        return self._reason

    @property
    def syncing(self) -> bool:
        """True while a round runs on the worker."""
        return self._syncing

    def start(self) -> None:
        """Read the status and schedule the first automatic round."""
        self.refresh_status()
        if self.hooks.is_configured():
            self._set_state("idle", "")
            self.timer.start(START_DELAY_MS)
        else:
            self._set_state("not_configured", "")

    def sync_now(self) -> bool:
        """Start a round unless one is running; return True when one started."""
        if self._syncing or self._closed:
            return False
        if not self._configured():
            self._set_state("not_configured", "")
            return False
        self.timer.stop()
        self._syncing = True
        self._set_state("syncing", "")
        self._submit(self.hooks.run_round, self._on_round, self._on_round_failed)
        return True

    def refresh_status(self) -> None:
        """Read the pending changes, open issues and last sync time again."""
        if not self._closed:
            self._submit(self.hooks.read_status, self._on_status, self._on_read_failed)

    def load_issues(
        self,
        on_success: Callable[[list[IssueRecord]], None],
        on_failure: Callable[[Exception], None],
    ) -> None:
        """Read the open issues on the worker; the callbacks run on the GUI thread."""
        self._submit(self.hooks.list_issues, on_success, on_failure)

    def resolve(
        self,
        issue_id: uuid.UUID,
        action: str,
        on_success: Callable[[Any], None],
        on_failure: Callable[[Exception], None],
    ) -> None:
        """Resolve an issue on the worker, then refresh the status."""

        def done(result: Any) -> None:
            on_success(result)
            self.refresh_status()

        self._submit(lambda: self.hooks.resolve(issue_id, action), done, on_failure)

    def remember_password(self, password: str) -> bool:
        """Store a password for the next rounds; return False when it was not stored."""
        if self.hooks.remember_password is None:
            return False
        return self.hooks.remember_password(password)

    def settings_changed(self) -> None:
        """Re-read whether a server is configured, after the Settings dialog."""
        if self._syncing:
            return
        if self._configured():
            self._set_state("idle", "")
            self._retry_ms = RETRY_FIRST_MS
            self.timer.start(START_DELAY_MS)
        else:
            self.timer.stop()
            self._set_state("not_configured", "")

    def is_idle(self) -> bool:
        """True when no job is queued, running or waiting for its callback."""
        return self._pending == 0

    def shutdown(self) -> None:
        """Stop the timer and wait for the running job; later jobs are dropped."""
        self._closed = True
        self.timer.stop()
        self._executor.shutdown(wait=True, cancel_futures=True)

    # Worker plumbing

    def _submit(
        self,
        fn: Callable[[], Any],
        on_success: Callable[[Any], None],
        on_failure: Callable[[Exception], None],
    ) -> None:
        if self._closed:
            return
        self._pending += 1
        self._executor.submit(self._run, _Job(fn, on_success, on_failure))

    def _run(self, job: _Job) -> None:
        # Worker thread: runs only the hook, touches no QObject but the signal.
        try:
            job.result = job.fn()
        except Exception as error:
            job.error = error
        self._done.emit(job)

    @Slot(object)
    def _on_done(self, job: _Job) -> None:
        try:
            if job.error is None:
                job.on_success(job.result)
            else:
                job.on_failure(job.error)
        finally:
            self._pending -= 1

    # Results on the GUI thread

    def _configured(self) -> bool:
        try:
            return self.hooks.is_configured()
        except Exception as error:
            log.warning("cannot read the sync server settings: %s", error)
            return False

    def _set_state(self, state: str, reason: str) -> None:
        self._state = state
        self._reason = reason
        self.state_changed.emit(state, reason)

    def _on_round(self, summary: RoundSummary) -> None:
        self._syncing = False
        self._retry_ms = RETRY_FIRST_MS
        self.last_round_at = datetime.now().astimezone()
        self._set_state("idle", "")
        self.round_finished.emit(summary)
        if summary.pulled or summary.new_issues:
            self.pulled_changes.emit()
        self.refresh_status()
        self._schedule(AUTO_INTERVAL_MS)

    def _on_round_failed(self, error: Exception) -> None:
        self._syncing = False
        if isinstance(error, RoundError):
            kind, reason = error.kind, str(error)
        else:
            log.error("the sync round failed unexpectedly", exc_info=error)
            kind, reason = "error", str(error) or type(error).__name__
        log.info("sync round failed (%s): %s", kind, reason)
        if kind == "not_configured":
            self._set_state("not_configured", "")
            self.refresh_status()
            return
        if kind == "password_needed":
            self._set_state("password_needed", reason)
        else:
            self._set_state("offline", reason)
        self.refresh_status()
        self._schedule(self._retry_ms)
        self._retry_ms = min(self._retry_ms * 2, RETRY_MAX_MS)

    def _schedule(self, delay_ms: int) -> None:
        if not self._closed and self._configured():
            self.timer.start(delay_ms)

    def _on_timer(self) -> None:
        self.sync_now()

    def _on_status(self, status: SyncStatus) -> None:
        self.status_changed.emit(status)

    def _on_read_failed(self, error: Exception) -> None:
        log.error("reading the sync status failed", exc_info=error)
