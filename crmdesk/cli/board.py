"""``crmdesk board SERIES``: the columns of a board with their totals, or a PNG."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from crmdesk.cli.context import CliContext
from crmdesk.cli.output import command_language, format_table
from crmdesk.services.board import Board, load_board
from crmdesk.services.playbooks import find_series


def register(subparsers: Any) -> None:
    """Add the ``board`` command."""
    parser = subparsers.add_parser(
        "board",
        help="show the totals of each stage of a series board",
        description="Show each stage of a series board with its number of deals, "
        "amount total and weighted total (amount times win probability, per deal) "
        "in the base currency: the figures the board's column headers show.",
    )
    parser.add_argument(
        "series", metavar="SERIES", help="series id, key, or English or Chinese name"
    )
    parser.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="output format (default: table); JSON amounts are decimal strings",
    )
    parser.add_argument(
        "--png",
        metavar="FILE",
        help="also render the board offscreen and save it as a PNG image",
    )
    parser.set_defaults(handler=run)


def board_json(series_key: str, board: Board) -> dict[str, Any]:
    """Return the board totals as the JSON object the command prints."""
    return {
        "series": series_key,
        "currency": board.currency,
        "stages": [
            {
                "stage": stage.key,
                "count": totals.count,
                "amount": str(totals.amount),
                "weighted": str(totals.weighted),
            }
            for stage, totals in board.column_totals()
        ],
    }


def run(args: argparse.Namespace, context: CliContext) -> int:
    """Print the stage totals and write the PNG when ``--png`` is given."""
    language = command_language(args, context)
    with context.sessions() as session:
        series = find_series(session, args.series)
        board = load_board(session, series.id)
    if args.png:
        try:
            _write_png(board, Path(args.png), language)
        except OSError as error:
            print(f"crmdesk: {error}", file=sys.stderr)
            return 1
    if args.format == "json":
        print(json.dumps(board_json(series.key, board), ensure_ascii=False, indent=2))
        return 0
    rows = [
        [
            stage.name.get(language),
            str(totals.count),
            f"{totals.amount:,}",
            f"{totals.weighted:,}",
        ]
        for stage, totals in board.column_totals()
    ]
    heading = f"{board.series_name.get(language)} ({series.key}), {board.currency}"
    print(heading)
    print(
        format_table(
            ["stage", "deals", "amount", "weighted"], rows, right_aligned=(1, 2, 3)
        )
    )
    if args.png:
        print(f"Board image written to {args.png}")
    return 0


def _write_png(board: Board, path: Path, language: str) -> None:
    """Render the board offscreen; Qt is imported only when an image is wanted."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from crmdesk.ui.board.export import ensure_application, render_board_png
    from crmdesk.ui.i18n import Translators

    # The card texts (close date, days in stage) come from the translations, so
    # the command installs them as the desktop app does.
    Translators(ensure_application()).install(language)
    render_board_png(board, path, language)
