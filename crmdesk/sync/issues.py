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

``message`` is the English text the server or the sync engine wrote. A user
interface writes its own explanation from the kind, ``other_login``, ``kept``
and ``sqlstate``, and shows ``message`` only as a detail. Values that are ids of
other records (a stage, an owner, a customer) come with the referenced table in
``references``. ``names`` holds the name of each such record, and of the issue's
own row, that the local store has.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crmdesk.domain.errors import NotFoundError, ValidationError
from crmdesk.domain.playbook import LocalText
from crmdesk.storage.models import Base, SyncIssue, User
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
    other_login: str | None = None
    other_name: str | None = None
    kept: str | None = None
    sqlstate: str | None = None
    currency: str | None = None
    references: dict[str, str] = dataclasses.field(default_factory=dict)
    names: dict[uuid.UUID, LocalText] = dataclasses.field(default_factory=dict)


# Id columns without a foreign key, and the table whose rows they name.
_EXTRA_REFERENCES = {("teams", "lead_id"): "users"}

# The columns that name a row of each table: one name for every language, or the
# English and the Chinese name.
_NAME_COLUMNS: dict[str, tuple[str, ...]] = {
    "playbooks": ("name_en", "name_zh"),
    "customer_states": ("name_en", "name_zh"),
    "series": ("name_en", "name_zh"),
    "stages": ("name_en", "name_zh"),
    "checklist_actions": ("name_en", "name_zh"),
    "reasons": ("name_en", "name_zh"),
    "users": ("display_name",),
    "teams": ("name",),
    "customers": ("name",),
    "products": ("name",),
    "opportunities": ("title",),
}


def referenced_table(table_name: str, column: str) -> str | None:
    """Return the table whose row ids ``column`` of ``table_name`` contains, or None."""
    extra = _EXTRA_REFERENCES.get((table_name, column))
    if extra is not None:
        return extra
    table = SYNCED_TABLES.get(table_name)
    if table is None or column not in table.c:
        return None
    for key in table.c[column].foreign_keys:
        return str(key.column.table.name)
    return None


def _parse_id(value: Any) -> uuid.UUID | None:
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _field_values(issue: SyncIssue) -> dict[str, list[Any]]:
    """Return each field the issue's values cover, with those values."""
    values: dict[str, list[Any]] = {}
    for text in (issue.mine, issue.theirs, issue.base):
        value = json.loads(text) if text else None
        if issue.field is not None:
            values.setdefault(issue.field, []).append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                values.setdefault(str(key), []).append(item)
    return values


def _references(issue: SyncIssue) -> tuple[dict[str, str], dict[str, set[uuid.UUID]]]:
    """Return the issue's id fields with their tables, and the ids to name per table.

    The ids to name are the issue's own row and every id value of those fields.
    """
    references: dict[str, str] = {}
    ids_by_table: dict[str, set[uuid.UUID]] = {}
    if issue.table_name in _NAME_COLUMNS:
        ids_by_table[issue.table_name] = {issue.row_id}
    for column, values in _field_values(issue).items():
        target = referenced_table(issue.table_name, column)
        if target is None:
            continue
        references[column] = target
        for value in values:
            row_id = _parse_id(value)
            if row_id is not None:
                ids_by_table.setdefault(target, set()).add(row_id)
    return references, ids_by_table


def _read_names(
    session: Session, ids_by_table: dict[str, set[uuid.UUID]]
) -> dict[uuid.UUID, LocalText]:
    """Read the names of the rows in ``ids_by_table`` that the local store has.

    Soft-deleted rows are read too: a stage deleted since still has its name.
    """
    names: dict[uuid.UUID, LocalText] = {}
    for table_name, ids in ids_by_table.items():
        columns = _NAME_COLUMNS.get(table_name)
        table = SYNCED_TABLES.get(table_name)
        if columns is None or table is None:
            continue
        query = select(table.c.id, *(table.c[c] for c in columns)).where(
            table.c.id.in_(sorted(ids))
        )
        for row_id, *texts in session.execute(query):
            english = str(texts[0] or "")
            chinese = str(texts[-1] or "")
            names[row_id] = LocalText(english, chinese)
    return names


def _currency(session: Session, issue: SyncIssue) -> str | None:
    """Return the currency of the issue's amounts, or None when nothing names one.

    The issue's own values name it when the change set it; otherwise it is the
    currency of the row in the local store, or of the row's deal.
    """
    for text in (issue.mine, issue.theirs, issue.base):
        value = json.loads(text) if text else None
        if isinstance(value, dict) and isinstance(value.get("currency"), str):
            return str(value["currency"])
    table = SYNCED_TABLES.get(issue.table_name)
    if table is None:
        return None
    if "currency" in table.c:
        found = session.execute(
            select(table.c.currency).where(table.c.id == issue.row_id)
        ).scalar()
        return str(found) if found else None
    if "opportunity_id" in table.c:
        deals = SYNCED_TABLES["opportunities"]
        deal_id = select(table.c.opportunity_id).where(table.c.id == issue.row_id)
        found = session.execute(
            select(deals.c.currency).where(deals.c.id == deal_id.scalar_subquery())
        ).scalar()
        return str(found) if found else None
    return None


def _actions(issue: SyncIssue) -> tuple[str, ...]:
    if issue.kind in ("conflict", "also_edited"):
        return (KEEP_THEIRS, USE_MINE)
    if issue.kind == "deleted":
        return (RESTORE, KEEP_THEIRS)
    return (KEEP_THEIRS,)


def _view(
    issue: SyncIssue,
    references: dict[str, str],
    names: dict[uuid.UUID, LocalText],
    other_name: str | None,
    currency: str | None,
) -> IssueView:
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
        other_login=issue.other_login,
        other_name=other_name,
        kept=issue.kept,
        sqlstate=issue.sqlstate,
        currency=currency,
        references=references,
        names=names,
    )


def list_open_issues(
    sessions: sessionmaker[Session], row_id: uuid.UUID | None = None
) -> list[IssueView]:
    """Return the open issues, oldest first (of one row when ``row_id`` is set).

    Each view carries the names of the records its id values refer to and the
    display name of the other login, as far as the local store has them.
    """
    with sessions() as session:
        query = select(SyncIssue).where(SyncIssue.state == "open")
        if row_id is not None:
            query = query.where(SyncIssue.row_id == row_id)
        rows = list(
            session.scalars(query.order_by(SyncIssue.detected_at, SyncIssue.id))
        )
        found = [_references(row) for row in rows]
        ids_by_table: dict[str, set[uuid.UUID]] = {}
        for _columns, ids in found:
            for table_name, table_ids in ids.items():
                ids_by_table.setdefault(table_name, set()).update(table_ids)
        names = _read_names(session, ids_by_table)
        logins = {row.other_login for row in rows if row.other_login}
        display_names: dict[str, str] = {
            login: name
            for login, name in session.execute(
                select(User.login, User.display_name).where(User.login.in_(logins))
            )
        }
        views = []
        for row, (references, ids) in zip(rows, found, strict=True):
            own_names = {
                row_id: names[row_id]
                for table_ids in ids.values()
                for row_id in table_ids
                if row_id in names
            }
            other_name = display_names.get(row.other_login or "")
            currency = _currency(session, row)
            views.append(_view(row, references, own_names, other_name, currency))
        return views


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
            "message, other_login, kept, sqlstate, created_at "
            "FROM sync.conflict ORDER BY id"
        )
        return list(cursor.fetchall())
