"""``crmdesk customers``: list customers, change a lifecycle state, show history.

``customers state`` goes through the same service as a drop on the customer
board, so the same rules and history rows result.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from crmdesk.cli.context import CliContext
from crmdesk.cli.output import command_language, format_table, positive_count
from crmdesk.domain.customer_board import CustomerFilter
from crmdesk.domain.playbook import LocalText
from crmdesk.services.context import ChangeSource
from crmdesk.services.customer_board import list_customer_cards
from crmdesk.services.customer_states import (
    CustomerStateEffect,
    WinEffect,
    change_customer_state,
    customer_history,
    customer_playbook_id,
    find_customer,
    find_state,
)
from crmdesk.services.people import find_user
from crmdesk.services.playbooks import list_customer_states

LIST_COLUMNS = (
    "id",
    "name",
    "state",
    "owner",
    "contact",
    "open_deals",
    "in_state_since",
    "days_in_state",
)
HISTORY_COLUMNS = ("changed_at", "from", "to", "by", "deal", "note")


def register(subparsers: Any) -> None:
    """Add the ``customers`` command and its actions."""
    parser = subparsers.add_parser(
        "customers",
        help="list customers, change their lifecycle state, show state history",
        description="Customers and their lifecycle states. A state change goes "
        "through the same rules as a drop on the customer board.",
    )
    actions = parser.add_subparsers(
        dest="customers_command", metavar="ACTION", required=True
    )

    listing = actions.add_parser(
        "list",
        help="list customers with their state, owner and open deals",
        description="List live customers, most recent state change first.",
    )
    listing.add_argument("--state", help="only customers in this state (key or name)")
    listing.add_argument("--owner", help="only customers of this owner (login or name)")
    listing.add_argument(
        "--search", default="", help="text in the name, primary contact or owner"
    )
    listing.add_argument(
        "--limit",
        type=positive_count,
        default=50,
        help="show at most this many (default 50)",
    )
    _format_option(listing)
    listing.set_defaults(handler=run_list)

    state = actions.add_parser(
        "state",
        help="change a customer's lifecycle state",
        description="Move a customer to another state of its playbook and keep "
        "the change in its history. Moving a customer back to an earlier state "
        "needs --note.",
    )
    state.add_argument(
        "customer", metavar="CUSTOMER", help="customer id, exact name or external key"
    )
    state.add_argument("state", metavar="STATE", help="state key or name")
    state.add_argument("--note", default="", help="why the state changes")
    state.set_defaults(handler=run_state)

    history = actions.add_parser(
        "history",
        help="show a customer's state changes",
        description="List a customer's lifecycle state changes, oldest first, "
        "with who made them and the won deal that caused a change.",
    )
    history.add_argument(
        "customer", metavar="CUSTOMER", help="customer id, exact name or external key"
    )
    _format_option(history)
    history.set_defaults(handler=run_history)


def _format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="output format (default: table)",
    )


def _print(rows: list[dict[str, Any]], columns: tuple[str, ...], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = [[("" if row[c] is None else str(row[c])) for c in columns] for row in rows]
    print(format_table(columns, table))


def run_list(args: argparse.Namespace, context: CliContext) -> int:
    """Print customers with their state."""
    language = command_language(args, context)
    today = datetime.now(UTC).date()
    with context.sessions() as session:
        states = {state.id: state for state in list_customer_states(session)}
        state_id = None
        if args.state:
            state_id = find_state(session, None, args.state).id
        owner_id = find_user(session, args.owner).id if args.owner else None
        cards = list_customer_cards(session)
    card_filter = CustomerFilter(owner_id=owner_id, text=args.search)
    shown = [
        card
        for card in cards
        if card_filter.matches(card) and (state_id is None or card.state_id == state_id)
    ][: max(args.limit, 0)]
    rows = []
    for card in shown:
        state = states.get(card.state_id) if card.state_id is not None else None
        since = card.state_since.astimezone(UTC).date()
        rows.append(
            {
                "id": str(card.id),
                "name": card.name,
                "state": None if state is None else state.name.get(language),
                "state_key": None if state is None else state.key,
                "owner": card.owner,
                "contact": card.contact,
                "open_deals": card.open_deals,
                "in_state_since": since.isoformat(),
                "days_in_state": max(0, (today - since).days),
            }
        )
    _print(rows, LIST_COLUMNS, args.format)
    return 0


def run_state(args: argparse.Namespace, context: CliContext) -> int:
    """Change the customer's state and print the change."""
    actor = context.actor(ChangeSource.CLI)
    with context.sessions.begin() as session:
        customer = find_customer(session, args.customer)
        state = find_state(session, customer_playbook_id(session, customer), args.state)
        name = customer.name
        change_customer_state(session, customer.id, state.id, actor, args.note)
        label = f"{state.key} ({state.name_en} / {state.name_zh})"
    print(f"Customer {name!r} is now in state {label}.")
    return 0


def _label(text: LocalText | None, language: str) -> str | None:
    return None if text is None else text.get(language)


def run_history(args: argparse.Namespace, context: CliContext) -> int:
    """Print the customer's state changes."""
    language = command_language(args, context)
    with context.sessions() as session:
        customer = find_customer(session, args.customer)
        lines = customer_history(session, customer.id)
    rows = [
        {
            "changed_at": line.changed_at.astimezone(UTC).isoformat(timespec="seconds"),
            "from": _label(line.from_state, language),
            "to": _label(line.to_state, language),
            "by": line.changed_by,
            "deal": line.deal,
            "deal_id": None
            if line.opportunity_id is None
            else str(line.opportunity_id),
            "note": line.note,
        }
        for line in lines
    ]
    _print(rows, HISTORY_COLUMNS, args.format)
    return 0


def effect_text(effect: CustomerStateEffect) -> str:
    """Return the sentence the command line prints about a deal's customer state."""
    name = effect.customer
    state = "no state" if effect.state is None else _both(effect.state)
    if effect.effect is WinEffect.MOVED:
        return f"Customer {name!r} moved to state {state}."
    if effect.effect is WinEffect.ALREADY_THERE:
        return f"Customer {name!r} is already in state {state}."
    if effect.effect is WinEffect.PAST_END:
        end = "" if effect.end_state is None else _both(effect.end_state)
        return (
            f"Customer {name!r} stays in state {state}, which comes after the "
            f"series' end state {end}: a win never moves a customer back."
        )
    return (
        f"Customer {name!r} stays in state {state}: reopening a won deal does not "
        "move the customer back. If the win no longer holds, change the state "
        "with 'crmdesk customers state'."
    )


def _both(text: LocalText) -> str:
    return f"{text.en} / {text.zh}"
