"""The sync part of the status bar: state, last sync, unsent changes, issues."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from crmdesk.ui.formatting import instant_text
from crmdesk.ui.sync.runner import PASSWORD_STATES, SyncStatus


class SyncStatusWidget(QWidget):
    """Labels for the status bar; the issue count is a button that opens the panel.

    Signals:
        issues_requested(): the user clicked the open-issues button.
        connect_requested(): the user clicked Connect… after a password failure.
    """

    issues_requested = Signal()
    connect_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.state_label = QLabel(self)
        self.state_label.setObjectName("syncState")
        self.connect_button = QToolButton(self)
        self.connect_button.setAutoRaise(True)
        self.connect_button.clicked.connect(self.connect_requested)
        self.last_label = QLabel(self)
        self.pending_label = QLabel(self)
        self.issues_button = QToolButton(self)
        self.issues_button.setObjectName("syncIssuesButton")
        self.issues_button.setAutoRaise(True)
        self.issues_button.clicked.connect(self.issues_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        for widget in (
            self.state_label,
            self.connect_button,
            self.last_label,
            self.pending_label,
            self.issues_button,
        ):
            layout.addWidget(widget)
        self._state = "not_configured"
        self._reason = ""
        self._cause = ""
        self._status: SyncStatus | None = None
        self._last: datetime | None = None
        self.retranslate()

    def set_state(self, state: str, reason: str, cause: str = "") -> None:
        """Show the runner's state; after a failure, its kind and the reason.

        The label names the kind of failure in the interface language; the
        tooltip adds ``reason``, the server's or the engine's own English words.
        """
        self._state = state
        self._reason = reason
        self._cause = cause
        self.retranslate()

    def set_status(self, status: SyncStatus) -> None:
        """Show the counts and the last sync time read from the store."""
        self._status = status
        self.retranslate()

    def set_last_round(self, when: datetime | None) -> None:
        """Show ``when`` as the last sync when it is newer than the stored time."""
        self._last = when
        self.retranslate()

    def last_sync(self) -> datetime | None:
        """The newest of the stored last pull and the last round of this session."""
        stored = self._status.last_sync if self._status else None
        candidates = [when for when in (stored, self._last) if when is not None]
        return max(candidates, key=lambda when: when.timestamp(), default=None)

    def retranslate(self) -> None:
        configured = self._state != "not_configured"
        self.state_label.setText(self._state_text())
        self.state_label.setToolTip(
            self.tr("Details from the server: {reason}").format(reason=self._reason)
            if self._reason
            else ""
        )
        self.connect_button.setText(self.tr("Connect…"))
        self.connect_button.setVisible(self._state in PASSWORD_STATES)
        self.connect_button.setToolTip(
            self.tr("Sync now and enter the sync server's password")
        )
        last = self.last_sync()
        last_text = self.tr("never") if last is None else instant_text(last)
        self.last_label.setText(self.tr("Last sync: {time}").format(time=last_text))
        self.last_label.setVisible(configured)
        pending = self._status.pending_changes if self._status else 0
        self.pending_label.setText(self.tr("%n change(s) not sent", "", pending))
        issues = self._status.open_issues if self._status else 0
        self.issues_button.setText(self.tr("%n sync issue(s)", "", issues))
        self.issues_button.setToolTip(self.tr("Open the sync issues panel"))
        self.issues_button.setVisible(issues > 0)

    def _state_text(self) -> str:
        if self._state == "syncing":
            return self.tr("Syncing…")
        if self._state == "offline":
            return self._offline_text()
        if self._state == "password_needed":
            return self.tr("Sync needs the server password")
        if self._state == "password_cancelled":
            return self.tr("Sync stopped: no password was given")
        if self._state == "password_rejected":
            return self.tr("Sync stopped: the server rejected the password")
        if self._state == "not_configured":
            return self.tr("Sync server not configured")
        return self.tr("Sync ready")

    def _offline_text(self) -> str:
        cause = self._cause
        if cause == "unreachable":
            return self.tr("Offline: the sync server cannot be reached")
        if cause == "login_refused":
            return self.tr(
                "Offline: the sync server refused the login; check the user in "
                "Settings or ask an admin"
            )
        if cause == "upgrade_required":
            return self.tr(
                "Sync stopped: this crmdesk is too old for the server; upgrade it "
                "(unsent changes are kept)"
            )
        if cause == "server_restored":
            return self.tr(
                "Sync stopped: the server was restored; an admin must start a new "
                "server generation"
            )
        if cause == "local_conflict":
            return self.tr(
                "Sync paused: a row from the server collides with an unsent "
                "change; sync again to send it first"
            )
        if cause == "settings":
            return self.tr("Sync stopped: the sync settings cannot be read")
        return self.tr("Offline: the sync server reported an error")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
