"""What the status bar shows about sync, read from the local store (no Qt)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from crmdesk.storage.models import OutboxEntry, SyncIssue, SyncState
from crmdesk.sync.local import PENDING


@dataclass(frozen=True)
class LocalSyncStatus:
    """Counts of unsent changes and open issues, and the last pull's server time."""

    pending_changes: int
    open_issues: int
    last_pull_at: datetime | None


def pending_changes(session: Session) -> int:
    """Return the number of outbox entries waiting to be sent to the server.

    Entries the server refused (status ``failed``) are not counted: they are
    never sent again, and each one has an open sync issue instead.
    """
    query = select(func.count()).select_from(OutboxEntry)
    return int(session.scalar(query.where(OutboxEntry.status == PENDING)) or 0)


def read_local_status(sessions: sessionmaker[Session]) -> LocalSyncStatus:
    """Read the pending changes, open issues and last pull time in one session."""
    with sessions() as session:
        issues = session.scalar(
            select(func.count()).select_from(SyncIssue).where(SyncIssue.state == "open")
        )
        stamp = session.scalar(
            select(SyncState.value).where(SyncState.key == "last_pull_at")
        )
        return LocalSyncStatus(
            pending_changes=pending_changes(session),
            open_issues=int(issues or 0),
            last_pull_at=_instant(stamp),
        )


def _instant(value: object) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None
