"""``crmdesk deals``: list the deals of a series with the ids other commands take."""

from __future__ import annotations

import argparse
import json
from typing import Any

from crmdesk.cli.context import CliContext
from crmdesk.cli.move import find_stage
from crmdesk.cli.output import (
    command_language,
    format_table,
    grouped_amount,
    positive_count,
)
from crmdesk.domain.board import CardFilter
from crmdesk.domain.money import Money
from crmdesk.services.board import load_board
from crmdesk.services.lookups import external_keys
from crmdesk.services.people import find_user
from crmdesk.services.playbooks import find_series

COLUMNS = (
    "id",
    "key",
    "title",
    "customer",
    "stage",
    "amount",
    "currency",
    "expected_close",
    "probability",
    "owner",
)


def register(subparsers: Any) -> None:
    """Add the ``deals`` command."""
    parser = subparsers.add_parser(
        "deals",
        help="list the deals of a series",
        description="List the deals of a series, newest stage change first, with "
        "the id and external key that move and probability take.",
    )
    parser.add_argument("series", metavar="SERIES", help="series id, key or name")
    parser.add_argument("--stage", help="only deals in this stage (key or name)")
    parser.add_argument("--owner", help="only deals of this owner (login or name)")
    parser.add_argument("--search", default="", help="text in title or customer")
    parser.add_argument(
        "--limit",
        type=positive_count,
        default=50,
        help="show at most this many (default 50)",
    )
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help="output format"
    )
    parser.set_defaults(handler=run_deals)


def run_deals(args: argparse.Namespace, context: CliContext) -> int:
    """Print the deals of a series."""
    language = command_language(args, context)
    with context.sessions() as session:
        series = find_series(session, args.series)
        board = load_board(session, series.id)
        owner_id = find_user(session, args.owner).id if args.owner else None
        names = {stage.id: stage for stage in board.stages}
        wanted = find_stage(series, args.stage) if args.stage else None
        card_filter = CardFilter(owner_id=owner_id, text=args.search)
        cards = [
            card
            for card in board.cards
            if card_filter.matches(card)
            and (wanted is None or card.stage_id == wanted.id)
        ][: max(args.limit, 0)]
        keys = external_keys(session, [card.id for card in cards])
    rows: list[dict[str, Any]] = []
    for card in cards:
        amount = None
        if card.amount_minor is not None:
            amount = str(Money(card.amount_minor, card.currency).amount)
        rows.append(
            {
                "id": str(card.id),
                "key": keys.get(card.id, ""),
                "title": card.title,
                "customer": card.customer,
                "stage": names[card.stage_id].name.get(language),
                "amount": amount,
                "currency": card.currency,
                "expected_close": (
                    None
                    if card.expected_close is None
                    else card.expected_close.isoformat()
                ),
                "probability": card.probability,
                "owner": card.owner,
            }
        )
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    table = [[_cell(row, column) for column in COLUMNS] for row in rows]
    print(format_table(COLUMNS, table, right_aligned=(5, 8)))
    return 0


def _cell(row: dict[str, Any], column: str) -> str:
    """Return a table cell; amounts are grouped by thousands, as ``board`` prints."""
    value = row[column]
    if value is None:
        return ""
    if column == "amount":
        return grouped_amount(value)
    return str(value)
