"""The sync runner: sync rounds on a worker thread of their own, status on the GUI.

``SyncRunner`` owns a single-thread executor, separate from the ``TaskRunner``
that serves the user's reads and writes, so a slow or unreachable server never
delays a board. Every function it runs comes from ``SyncHooks``, which the
composition root (crmdesk/app.py) builds from crmdesk.sync; the UI layer does not
import crmdesk.sync. Results come back to the GUI thread through a queued signal.

Automatic rounds run every ``AUTO_INTERVAL_MS`` while a server is configured.
After a failed round the next try comes after ``RETRY_FIRST_MS``, doubling up to
``RETRY_MAX_MS``. A background round never opens a dialog: failures go to the
status signals only. A round the user started (``sync_now(ask_password=True)``)
may ask for the server password: the worker hands a ``PasswordRequest`` to the
prompt set with ``set_password_prompt`` on the GUI thread and waits for its
answer.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future, InvalidStateError, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from crmdesk.domain.playbook import LocalText

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
    # The user asked to remember a password that no keyring could store, so it is
    # kept in memory until crmdesk quits.
    password_not_stored: bool = False


@dataclass(frozen=True)
class PasswordReply:
    """The password the user typed, and whether to keep it in the keyring."""

    password: str
    remember: bool


# Given the server URL and login name, return the user's reply, or None when the
# user cancelled. Runs on the sync worker and blocks it until the user answers.
AskPassword = Callable[[str, str], PasswordReply | None]


class PasswordRequest:
    """A sync round's request for the server password, answered once.

    The worker waits in ``wait``; the GUI thread calls ``answer``. A second
    answer (the dialog after the runner shut down) is ignored.
    """

    def __init__(self, server: str, login: str) -> None:
        self.server = server
        self.login = login
        self._reply: Future[PasswordReply | None] = Future()

    def answer(self, reply: PasswordReply | None) -> None:
        """Hand ``reply`` (None for Cancel) to the waiting round."""
        try:
            self._reply.set_result(reply)
        except InvalidStateError:
            log.debug("password request for %s already answered", self.login)

    def wait(self) -> PasswordReply | None:
        """Block until the answer comes and return it."""
        return self._reply.result()


class RoundError(Exception):
    """A round that could not run; ``kind`` names the cause (see SyncError).

    Kinds the UI treats specially: ``not_configured`` (no server set) and the
    password kinds of ``PASSWORD_STATES``: ``password_needed`` (a background
    round met a server that wants a password), ``password_cancelled`` (the user
    cancelled the password dialog) and ``password_rejected`` (the server refused
    the password given).
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
    @property
    def other_login(self) -> str | None: ...
    @property
    def other_name(self) -> str | None: ...
    @property
    def kept(self) -> str | None: ...
    @property
    def sqlstate(self) -> str | None: ...
    @property
    def currency(self) -> str | None: ...
    @property
    def references(self) -> Mapping[str, str]: ...
    @property
    def names(self) -> Mapping[uuid.UUID, LocalText]: ...


PASSWORD_STATES = ("password_needed", "password_cancelled", "password_rejected")


@dataclass(frozen=True)
class SyncHooks:
    """The Qt-free functions the sync UI calls; each runs on the sync worker.

    ``is_configured`` runs on the GUI thread and must be cheap (reads sync.json).
    ``run_round(ask)`` raises ``RoundError``. It calls ``ask`` when the server
    wants a password that no other source supplied; ``ask`` is None for a
    background round, which then fails with ``password_needed``.
    ``resolve(issue_id, action)`` raises the service's ValidationError or
    NotFoundError with a message.
    """

    is_configured: Callable[[], bool]
    run_round: Callable[[AskPassword | None], RoundSummary]
    read_status: Callable[[], SyncStatus]
    list_issues: Callable[[], list[IssueRecord]]
    resolve: Callable[[uuid.UUID, str], None]


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
        state_changed(str, str, str): the state (``idle``, ``syncing``,
            ``offline``, ``not_configured`` or one of ``PASSWORD_STATES``), and,
            when a round failed, the kind of failure (a ``SyncError`` kind such
            as ``unreachable`` or ``login_refused``) and the server's or the
            engine's own words, in English.
        status_changed(object): a fresh ``SyncStatus``.
        round_finished(object): the ``RoundSummary`` of a successful round.
        pulled_changes(): a round brought rows from the server, so views reload.
    """

    state_changed = Signal(str, str, str)
    status_changed = Signal(object)
    round_finished = Signal(object)
    pulled_changes = Signal()
    _done = Signal(object)
    _password_wanted = Signal(object)

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
        self._cause = ""
        self._retry_ms = RETRY_FIRST_MS
        self.last_round_at: datetime | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._on_timer)
        self._done.connect(self._on_done)
        self._prompt: Callable[[PasswordRequest], None] | None = None
        self._waiting: PasswordRequest | None = None
        self._password_wanted.connect(self._on_password_wanted)

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
    def cause(self) -> str:
        """The kind of the last round's failure, or an empty string."""
        return self._cause

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

    def sync_now(self, *, ask_password: bool = False) -> bool:
        """Start a round unless one is running; return True when one started.

        With ``ask_password`` the round may ask for the server password through
        the prompt set with ``set_password_prompt``; automatic rounds never do.
        """
        if self._syncing or self._closed:
            return False
        if not self._configured():
            self._set_state("not_configured", "")
            return False
        self.timer.stop()
        self._syncing = True
        self._set_state("syncing", "")
        ask = self._ask_password if ask_password else None
        self._submit(
            lambda: self.hooks.run_round(ask), self._on_round, self._on_round_failed
        )
        return True

    def set_password_prompt(
        self, prompt: Callable[[PasswordRequest], None] | None
    ) -> None:
        """Set the GUI function that shows a password request to the user.

        ``prompt`` runs on the GUI thread and must return at once; it answers
        the request later with ``PasswordRequest.answer``. Without a prompt,
        every request is answered as cancelled. While a request waits, the sync
        worker waits too, so status reads and issue loads queue behind it.
        """
        self._prompt = prompt

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
        waiting = self._waiting
        if waiting is not None:
            # A round waiting for the password dialog would block the shutdown.
            waiting.answer(None)
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

    def _ask_password(self, server: str, login: str) -> PasswordReply | None:
        # Worker thread: pass the request to the GUI thread and wait for it.
        request = PasswordRequest(server, login)
        self._waiting = request
        try:
            if self._closed:
                return None
            self._password_wanted.emit(request)
            return request.wait()
        finally:
            self._waiting = None

    @Slot(object)
    def _on_password_wanted(self, request: PasswordRequest) -> None:
        if self._closed or self._prompt is None:
            request.answer(None)
            return
        self._prompt(request)

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

    def _set_state(self, state: str, reason: str, cause: str = "") -> None:
        self._state = state
        self._reason = reason
        self._cause = cause
        self.state_changed.emit(state, cause, reason)

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
        if kind in PASSWORD_STATES:
            self._set_state(kind, reason, kind)
        else:
            self._set_state("offline", reason, kind)
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
