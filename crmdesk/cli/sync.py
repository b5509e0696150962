"""``crmdesk connect`` and ``crmdesk sync``: sync this store with the server.

``connect`` saves the server URL and login (never the password); ``sync`` runs one
round headless and prints what it pushed and pulled and any issues. It exits 1
when the server cannot be reached or refuses the login, with the reason.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from crmdesk.cli.context import CliContext
from crmdesk.sync import credentials
from crmdesk.sync.engine import SyncEngine, SyncError
from crmdesk.sync.issues import list_open_issues


def register(subparsers: Any) -> None:
    """Add the ``connect`` and ``sync`` commands."""
    connect = subparsers.add_parser(
        "connect",
        help="set the server this store syncs with",
        description="Save the server URL and login name in the config folder. "
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


def run_sync(args: argparse.Namespace, context: CliContext) -> int:
    """Run one round and report it."""
    settings = credentials.load_settings(context.paths.data_dir)
    if settings is None:
        print(
            "crmdesk: this store has no server yet: "
            "run crmdesk connect URL --user NAME",
            file=sys.stderr,
        )
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
