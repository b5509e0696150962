"""``crmdesk connect``, ``sync``, ``resolve`` and ``conflicts``: sync with the server.

``connect`` saves the server URL and login (never the password); ``sync`` runs one
round headless and prints what it pushed and pulled and any issues. It exits 1
when the server cannot be reached or refuses the login, with the reason.
``resolve`` settles one of this laptop's open sync issues, as the Sync issues
panel does. ``conflicts`` lists the server's record of changes that met a
conflict or were rejected: a rep's own, a team lead's whole team's, everyone's
for an admin.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import uuid
from typing import Any

import psycopg
from sqlalchemy import select

from crmdesk.cli.context import CliContext
from crmdesk.cli.output import positive_count
from crmdesk.domain.errors import NotFoundError, ValidationError
from crmdesk.services.lookups import ids_starting_with
from crmdesk.storage.models import SyncIssue
from crmdesk.sync import credentials
from crmdesk.sync.credentials import ConnectionSettings
from crmdesk.sync.engine import SyncEngine, SyncError, sync_error
from crmdesk.sync.issues import list_open_issues, resolve_issue, team_conflicts


def register(subparsers: Any) -> None:
    """Add the ``connect`` and ``sync`` commands."""
    connect = subparsers.add_parser(
        "connect",
        help="set the server this store syncs with",
        description="Save the server URL and login name in the store's data "
        "folder (--data-dir). "
        "The password is read from the system keyring, PGPASSWORD or ~/.pgpass, "
        "or asked for at the first sync; it is never written to a file.",
    )
    connect.add_argument("url", metavar="URL", help="postgresql://HOST:PORT/DATABASE")
    connect.add_argument("--user", metavar="NAME", help="login name on the server")
    connect.set_defaults(handler=run_connect)

    sync = subparsers.add_parser(
        "sync",
        help="run one sync round with the server",
        description="Push this store's unsent changes, pull what changed on the "
        "server, and print the counts and any new sync issues.",
    )
    sync.add_argument(
        "--issues", action="store_true", help="also list every open sync issue"
    )
    sync.set_defaults(handler=run_sync)

    resolve = subparsers.add_parser(
        "resolve",
        help="settle an open sync issue: keep theirs, use mine or restore",
        description="Settle one of this store's open sync issues, listed by "
        "crmdesk sync --issues. keep-theirs accepts the server's value, use-mine "
        "sends your value again on the current version, restore undeletes a "
        "record deleted on the server and applies your edit again. A change goes "
        "out with the next sync.",
    )
    resolve.add_argument(
        "issue", metavar="ISSUE", help="the issue's id, or the start of it"
    )
    resolve.add_argument(
        "action",
        metavar="ACTION",
        choices=sorted(_ACTIONS),
        help="keep-theirs, use-mine or restore",
    )
    resolve.set_defaults(handler=run_resolve)

    conflicts = subparsers.add_parser(
        "conflicts",
        help="list the server's records of conflicting and rejected changes",
        description="List, newest last, the changes the server recorded as "
        "conflicting or rejected: a rep sees their own, a team lead the whole "
        "team's (edits that bounced off a reassigned deal, say), an admin "
        "everyone's. Each line names who sent the change, when, the record and "
        "field, whose edit it met and both values.",
    )
    conflicts.add_argument(
        "--limit",
        type=positive_count,
        default=50,
        metavar="N",
        help="show the newest N records (default 50)",
    )
    conflicts.set_defaults(handler=run_conflicts)


def run_connect(args: argparse.Namespace, context: CliContext) -> int:
    """Save the server settings."""
    settings = credentials.parse_settings(args.url, args.user)
    path = credentials.save_settings(context.paths.data_dir, settings)
    print(f"this store syncs with {settings.url} as {settings.user} (saved in {path})")
    print("run crmdesk sync to send and receive changes")
    return 0


def _ask(prompt: str) -> str | None:
    if not sys.stdin.isatty():
        return None
    return getpass.getpass(f"{prompt}: ") or None


_ACTIONS = {"keep-theirs": "keep_theirs", "use-mine": "use_mine", "restore": "restore"}


def _find_issue(context: CliContext, text: str) -> uuid.UUID:
    """Return the open issue whose id is ``text`` or starts with it."""
    if not text.strip():
        raise ValidationError(
            "the issue id is empty: copy it from crmdesk sync --issues"
        )
    with context.sessions() as session:
        ids = session.scalars(select(SyncIssue.id).where(SyncIssue.state == "open"))
        found = ids_starting_with(ids, text)
    if not found:
        raise NotFoundError(
            f"no open sync issue has an id starting with {text!r}: list them with "
            "crmdesk sync --issues"
        )
    if len(found) > 1:
        raise ValidationError(
            f"{len(found)} open sync issues have ids starting with {text!r}: give "
            "more of the id"
        )
    return found[0]


def run_resolve(args: argparse.Namespace, context: CliContext) -> int:
    """Settle one open sync issue."""
    issue_id = _find_issue(context, args.issue)
    resolve_issue(context.sessions, issue_id, _ACTIONS[args.action])
    print(f"issue {issue_id} settled with {args.action}; run crmdesk sync to send it")
    return 0


def _settings(context: CliContext) -> ConnectionSettings | None:
    settings = credentials.load_settings(context.paths.data_dir)
    if settings is None:
        print(
            "crmdesk: this store has no server yet: "
            "run crmdesk connect URL --user NAME",
            file=sys.stderr,
        )
    return settings


def run_sync(args: argparse.Namespace, context: CliContext) -> int:
    """Run one round and report it."""
    settings = _settings(context)
    if settings is None:
        return 1
    engine = SyncEngine(context.sessions, credentials.connector(settings, _ask))
    try:
        result = engine.run_once()
    except SyncError as error:
        print(f"crmdesk: sync failed ({error.kind}): {error}", file=sys.stderr)
        return 1
    print(f"pushed {result.pushed} changes, pulled {result.pulled} rows")
    if result.resynced:
        print("resynced everything from the server")
    if result.clock_ahead:
        print(
            "warning: this computer's clock is more than 5 minutes ahead of the server"
        )
    issues = list_open_issues(context.sessions)
    new = set(result.issues)
    shown = issues if args.issues else [i for i in issues if i.id in new]
    for issue in shown:
        what = f"{issue.table_name} {issue.row_id}"
        if issue.field:
            what += f" field {issue.field}"
        print(
            f"issue {issue.id} [{issue.kind}] {what}: {issue.message}; "
            f"mine={issue.mine!r} theirs={issue.theirs!r} base={issue.base!r}"
        )
    if issues:
        print(f"{len(issues)} open sync issues")
    return 0


def _json(value: Any) -> str:
    return "—" if value is None else json.dumps(value, ensure_ascii=False)


def run_conflicts(args: argparse.Namespace, context: CliContext) -> int:
    """Print the server's conflict records this login may read."""
    settings = _settings(context)
    if settings is None:
        return 1
    connect = credentials.connector(settings, _ask)
    try:
        with connect() as connection:
            records = team_conflicts(connection)
    except psycopg.Error as error:
        failure = sync_error(error)
        print(f"crmdesk: conflicts failed ({failure.kind}): {failure}", file=sys.stderr)
        return 1
    shown = records[-args.limit :]
    for record in shown:
        what = f"{record['tbl']} {record['row_id']}"
        if record["field"]:
            what += f" field {record['field']}"
        met = f", met {record['other_login']}'s edit" if record["other_login"] else ""
        kept = f", kept {record['kept']}" if record["kept"] else ""
        code = f", SQLSTATE {record['sqlstate']}" if record["sqlstate"] else ""
        print(
            f"{record['created_at'].astimezone():%Y-%m-%d %H:%M} {record['login']} "
            f"[{record['kind']}] {what}{met}{kept}{code}: {record['message']}; "
            f"mine={_json(record['mine'])} theirs={_json(record['theirs'])} "
            f"base={_json(record['base'])}"
        )
    if len(shown) < len(records):
        print(f"{len(shown)} of {len(records)} records shown (--limit)")
    elif not records:
        print("the server has no conflict records this login may read")
    return 0
