"""Headless commands over the same services the desktop app uses.

Each command module under ``crmdesk/cli/`` defines ``register(subparsers)``, which
adds its sub-command and sets ``handler`` to a function taking the parsed
arguments and an opened ``CliContext`` and returning the exit status.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

from crmdesk import __version__
from crmdesk.cli import context as cli_context
from crmdesk.domain.errors import CrmError

log = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace, cli_context.CliContext], int]


def _command_modules() -> list[ModuleType]:
    from crmdesk.cli import (
        activities,
        approvals,
        board,
        customers,
        deal_edit,
        deals,
        demo,
        imports,
        leads,
        move,
        report,
        series,
        server,
        sync,
    )

    return [
        series,
        board,
        deals,
        deal_edit,
        customers,
        move,
        activities,
        approvals,
        imports,
        leads,
        demo,
        report,
        server,
        sync,
    ]


def build_parser() -> argparse.ArgumentParser:
    """Build the parser of every command; the GUI starts when none is given."""
    parser = argparse.ArgumentParser(
        prog="crmdesk",
        description="Offline-first desktop CRM for field sales teams. "
        "Without a command, starts the desktop app.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument(
        "--data-dir",
        metavar="FOLDER",
        help="folder of the local store (default: the platform's user data "
        "folder, or CRMDESK_DATA_DIR when set)",
    )
    parser.add_argument(
        "--language",
        metavar="LANG",
        help="interface language: zh_CN or en (default: the saved setting, "
        "else the system locale)",
    )
    parser.add_argument(
        "--quit-after-load",
        action="store_true",
        help="desktop app only: quit with status 0 once the first series board "
        "has loaded, or with status 1 when the store has no series (for smoke "
        "tests of a build)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules():
        module.register(subparsers)
    return parser


def run(argv: Sequence[str]) -> int:
    """Run one headless command and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        with cli_context.open_context(args) as context:
            return handler(args, context)
    except CrmError as error:
        print(f"crmdesk: {error}", file=sys.stderr)
        return 1
