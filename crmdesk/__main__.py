"""Entry point: ``crmdesk`` and ``python -m crmdesk``.

With a sub-command the headless command line runs; without one the desktop app
starts.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command, or start the desktop app when no command is given."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    from crmdesk.cli import build_parser, run

    parsed, _unknown = build_parser().parse_known_args(arguments)
    if parsed.command is not None or {"-h", "--help", "--version"} & set(arguments):
        return run(arguments)
    from crmdesk.app import run_gui

    return run_gui(parsed)


if __name__ == "__main__":
    sys.exit(main())
