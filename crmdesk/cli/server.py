"""``crmdesk server``: set up the shared PostgreSQL database sync works against.

Run these as a PostgreSQL superuser (or a role that may create roles), for
example ``crmdesk server init postgresql://postgres@dbhost/crm``.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError

from crmdesk.cli.context import CliContext
from crmdesk.domain.errors import ValidationError
from crmdesk.domain.playbook_file import load_playbook
from crmdesk.services.playbook_install import install_playbook
from crmdesk.sync.server import admin

URL_ENV = "CRMDESK_SERVER_URL"


def register(subparsers: Any) -> None:
    """Add the ``server`` command and its sub-commands."""
    parser = subparsers.add_parser(
        "server",
        help="set up the shared PostgreSQL database (admins)",
        description="Create or upgrade the shared database, add users and "
        "publish playbooks. Run as a PostgreSQL superuser.",
    )
    parser.set_defaults(handler=_help(parser))
    commands = parser.add_subparsers(dest="server_command", metavar="ACTION")
    init = commands.add_parser(
        "init",
        help="create the schema or upgrade it to this version",
        description="Create the sync schema, roles and policies in the database "
        "at URL, or upgrade an existing one.",
    )
    init.add_argument("url", metavar="URL", help="postgresql://USER@HOST/DATABASE")
    init.add_argument(
        "--role-prefix",
        default=admin.DEFAULT_ROLE_PREFIX,
        help="prefix of the group roles (default: crmdesk); change it only when "
        "several crmdesk databases share one server",
    )
    init.set_defaults(handler=run_init)

    add_user = commands.add_parser(
        "add-user",
        help="create a login for a rep, lead or admin",
        description="Create a PostgreSQL login role NAME with the group role of "
        "its crmdesk role, and its users row in team TEAM (created when missing).",
    )
    add_user.add_argument("name", metavar="NAME", help="login name (lower case)")
    add_user.add_argument("--role", required=True, choices=admin.ROLES)
    add_user.add_argument("--team", required=True, metavar="TEAM", help="team key")
    add_user.add_argument("--display-name", help="name shown in the app")
    _url_option(add_user)
    add_user.set_defaults(handler=run_add_user)

    playbook = commands.add_parser(
        "playbook",
        help="publish playbooks to every client",
        description="Publish playbook configuration on the server; every client "
        "receives it first in its next sync.",
    )
    playbook.set_defaults(handler=_help(playbook))
    playbook_commands = playbook.add_subparsers(dest="playbook_command")
    load = playbook_commands.add_parser(
        "load", help="publish a playbook file", description="Publish FILE."
    )
    load.add_argument("file", metavar="FILE", type=Path)
    _url_option(load)
    load.set_defaults(handler=run_playbook_load)


def _help(
    parser: argparse.ArgumentParser,
) -> Callable[[argparse.Namespace, CliContext], int]:
    def show(_args: argparse.Namespace, _context: CliContext) -> int:
        parser.print_help()
        return 2

    return show


def _server_errors(
    handler: Callable[[argparse.Namespace, CliContext], int],
) -> Callable[[argparse.Namespace, CliContext], int]:
    """Turn a database error into a one-line message and exit status 1."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace, context: CliContext) -> int:
        try:
            return handler(args, context)
        except DBAPIError as error:
            first = str(error.orig).strip().splitlines()[0] if error.orig else ""
            print(
                f"crmdesk: the server command failed: {first or error}",
                file=sys.stderr,
            )
            return 1

    return run


def _url_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--url",
        help=f"server URL (default: the {URL_ENV} environment variable)",
    )


def _url(args: argparse.Namespace) -> str:
    url: str | None = args.url or os.environ.get(URL_ENV)
    if not url:
        raise ValidationError(
            "no server URL: pass --url postgresql://USER@HOST/DATABASE "
            f"or set {URL_ENV}"
        )
    return url


@_server_errors
def run_init(args: argparse.Namespace, _context: CliContext) -> int:
    """Create or upgrade the server schema."""
    engine = admin.server_engine(args.url)
    try:
        admin.upgrade(engine, args.role_prefix)
    finally:
        engine.dispose()
    print(f"server schema ready at {engine.url.render_as_string(hide_password=True)}")
    return 0


@_server_errors
def run_add_user(args: argparse.Namespace, _context: CliContext) -> int:
    """Create a login role and its users row."""
    engine = admin.server_engine(_url(args))
    try:
        user = admin.add_user(
            engine,
            args.name,
            role=args.role,
            team=args.team,
            display_name=args.display_name,
        )
    finally:
        engine.dispose()
    verb = "created" if user.created_login else "updated"
    print(
        f"{verb} {user.role} {user.login} (user id {user.user_id}) in team {args.team}"
    )
    print(
        "set its password in psql with: "
        f"\\password {user.login}   (or ALTER ROLE {user.login} PASSWORD '...')"
    )
    return 0


@_server_errors
def run_playbook_load(args: argparse.Namespace, _context: CliContext) -> int:
    """Publish a playbook file on the server."""
    playbook = load_playbook(args.file)
    engine = admin.server_engine(_url(args))
    try:
        with admin.server_sessions(engine).begin() as session:
            row = install_playbook(session, playbook)
            key, revision = row.key, row.revision
    finally:
        engine.dispose()
    print(f"published playbook {key} revision {revision}; clients get it next sync")
    return 0
