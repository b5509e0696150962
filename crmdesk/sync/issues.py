"""The sync-issues list: what the UI shows and the actions that resolve an issue.

Kinds:

- ``conflict``: a field the server keeps (stage, win probability, outcome, close
  date, amount) changed on the server since your base; mine / theirs / base.
  Actions: keep theirs, use mine (a new change on the current version).
- ``also_edited``: a last-writer-wins field (notes, contact details, title) was
  edited on both sides; ``kept`` says whose value the hybrid clock kept. Actions:
  keep theirs, use mine.
- ``deleted``: the row was deleted on the server while you edited it. Actions:
  restore (undeletes it and applies your edit again), keep theirs.
- ``not_permitted``, ``no_longer_visible``, ``rejected``, ``group_rejected``: the
  server refused the change, or the row is no longer yours. Action: dismiss
  (keep theirs); the values you sent stay readable in ``mine``.
- ``parent_deleted``: the row was saved, but the customer or deal it belongs to
  had been deleted on the server. Action: dismiss (keep theirs).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crmdesk.domain.errors import NotFoundError, ValidationError
from crmdesk.storage.models import Base, SyncIssue
from crmdesk.sync.local import SYNCED_TABLES, from_json

KEEP_THEIRS = "keep_theirs"
USE_MINE = "use_mine"
RESTORE = "restore"


@dataclass(frozen=True)
class IssueView:
    """One open sync issue, with the actions that resolve it."""

    id: uuid.UUID
    kind: str
    table_name: str
    row_id: uuid.UUID
    field: str | None
    mine: Any
    theirs: Any
    base: Any
    message: str
    detected_at: datetime
    actions: tuple[str, ...]


def _actions(issue: SyncIssue) -> tuple[str, ...]:
    if issue.kind in ("conflict", "also_edited"):
        return (KEEP_THEIRS, USE_MINE)
    if issue.kind == "deleted":
        return (RESTORE, KEEP_THEIRS)
    return (KEEP_THEIRS,)


def _view(issue: SyncIssue) -> IssueView:
    return IssueView(
        id=issue.id,
        kind=issue.kind,
        table_name=issue.table_name,
        row_id=issue.row_id,
        field=issue.field,
        mine=json.loads(issue.mine) if issue.mine else None,
        theirs=json.loads(issue.theirs) if issue.theirs else None,
        base=json.loads(issue.base) if issue.base else None,
        message=issue.message,
        detected_at=issue.detected_at,
        actions=_actions(issue),
    )


def list_open_issues(
    sessions: sessionmaker[Session], row_id: uuid.UUID | None = None
) -> list[IssueView]:
    """Return the open issues, oldest first (of one row when ``row_id`` is set)."""
    with sessions() as session:
        query = select(SyncIssue).where(SyncIssue.state == "open")
        if row_id is not None:
            query = query.where(SyncIssue.row_id == row_id)
        rows = session.scalars(query.order_by(SyncIssue.detected_at, SyncIssue.id))
        return [_view(row) for row in rows]


def _model(table_name: str) -> type[Base]:
    for mapper in Base.registry.mappers:
        model: type[Base] = mapper.class_
        if getattr(model, "__tablename__", None) == table_name:
            return model
    raise NotFoundError(f"table {table_name} is not a synced table")


def _open_issue(session: Session, issue_id: uuid.UUID) -> SyncIssue:
    issue = session.get(SyncIssue, issue_id)
    if issue is None:
        raise NotFoundError(f"sync issue {issue_id} not found")
    if issue.state != "open":
        raise ValidationError(f"sync issue {issue_id} is already resolved")
    return issue


def _close(issue: SyncIssue, resolution: str) -> None:
    issue.state = "resolved"
    issue.resolution = resolution
    issue.resolved_at = datetime.now(UTC)


def _write_values(session: Session, issue: SyncIssue, values: dict[str, Any]) -> None:
    """Write ``values`` (JSON) onto the local row as a new change for the outbox."""
    row = session.get(_model(issue.table_name), issue.row_id)
    if row is None:
        raise NotFoundError(
            f"the {issue.table_name} row {issue.row_id} is not in this store any "
            "more: it can only be dismissed"
        )
    for key, value in from_json(SYNCED_TABLES[issue.table_name], values).items():
        if key != "id":
            setattr(row, key, value)


def resolve_issue(
    sessions: sessionmaker[Session], issue_id: uuid.UUID, action: str
) -> None:
    """Resolve an issue with one of its actions; a change goes out next sync.

    ``keep_theirs`` accepts the server's value (and, where the clock kept yours,
    writes theirs back); ``use_mine`` writes your value again as a new change on
    the current version; ``restore`` undeletes the row and re-applies your edit.
    """
    with sessions.begin() as session:
        issue = _open_issue(session, issue_id)
        if action not in _actions(issue):
            raise ValidationError(
                f"action {action!r} does not apply to a {issue.kind} issue: use "
                + " or ".join(_actions(issue))
            )
        mine = json.loads(issue.mine) if issue.mine else None
        theirs = json.loads(issue.theirs) if issue.theirs else None
        field = issue.field
        if action == USE_MINE and field is not None:
            _write_values(session, issue, {field: mine})
        elif action == KEEP_THEIRS and issue.kind == "also_edited" and field:
            row = session.get(_model(issue.table_name), issue.row_id)
            current = getattr(row, field, None) if row else None
            mine_value = from_json(SYNCED_TABLES[issue.table_name], {field: mine})
            if row is not None and current == mine_value.get(field):
                _write_values(session, issue, {field: theirs})
        elif action == RESTORE:
            values = dict(mine or {}) if isinstance(mine, dict) else {}
            values["deleted_at"] = None
            _write_values(session, issue, values)
        _close(issue, action)


def team_conflicts(connection: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """Return the server's conflict records this login may read.

    A rep sees their own; a team lead sees the whole team's (so a lead learns of
    an edit that bounced off a reassigned deal); an admin sees all.
    """
    with connection.cursor(row_factory=psycopg.rows.dict_row) as cursor:
        cursor.execute(
            "SELECT id, login, kind, tbl, row_id, field, mine, theirs, base, "
            "message, created_at FROM sync.conflict ORDER BY id"
        )
        return list(cursor.fetchall())
