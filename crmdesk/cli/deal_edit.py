"""``crmdesk new-deal`` and ``crmdesk edit-deal``: make and change deals headless.

Both go through the deal service that the desktop's forms use, so the same
checks apply (title, amount, currency, owner and customer) and the change is
journaled for sync. Stage and win probability have their own commands,
``move`` and ``probability``.
"""

from __future__ import annotations

import argparse
from typing import Any

from crmdesk.cli.activities import find_customer, parse_day
from crmdesk.cli.context import CliContext
from crmdesk.domain.errors import ValidationError
from crmdesk.domain.money import parse_decimal
from crmdesk.services.deals import (
    NewOpportunity,
    OpportunityEdit,
    create_opportunity,
    update_opportunity,
)
from crmdesk.services.lookups import find_opportunity
from crmdesk.services.people import find_user
from crmdesk.services.playbooks import find_series


def register(subparsers: Any) -> None:
    """Add the ``new-deal`` and ``edit-deal`` commands."""
    new = subparsers.add_parser(
        "new-deal",
        help="add a deal to a series",
        description="Add a deal in the first open stage of a series, owned by "
        "this store's user unless --owner names another, and print its id.",
    )
    new.add_argument("series", metavar="SERIES", help="series id, key or name")
    new.add_argument("title", metavar="TITLE", help="the deal's title")
    _add_fields(new)
    new.set_defaults(handler=run_new_deal)

    edit = subparsers.add_parser(
        "edit-deal",
        help="change a deal's title, amount, close date, owner, customer or notes",
        description="Change the fields given and leave the others as they are.",
    )
    edit.add_argument(
        "deal", metavar="DEAL", help="deal id, its first characters, or external key"
    )
    edit.add_argument("--title", help="the new title")
    _add_fields(edit)
    edit.add_argument(
        "--clear-amount", action="store_true", help="empty the expected amount"
    )
    edit.add_argument(
        "--clear-close", action="store_true", help="empty the expected close date"
    )
    edit.set_defaults(handler=run_edit_deal)


def _add_fields(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--amount", help="expected amount in the major unit, such as 12000.00"
    )
    parser.add_argument(
        "--currency",
        help="ISO 4217 code such as CNY (a new deal defaults to the base currency)",
    )
    parser.add_argument("--close", help="expected close date, YYYY-MM-DD")
    parser.add_argument("--customer", help="customer id or exact name")
    parser.add_argument("--owner", help="owner login or name")
    parser.add_argument("--notes", help="the deal's notes (replaces them)")


def run_new_deal(args: argparse.Namespace, context: CliContext) -> int:
    """Add a deal and print its id."""
    actor = context.actor()
    with context.sessions.begin() as session:
        series = find_series(session, args.series)
        deal = create_opportunity(
            session,
            NewOpportunity(
                series_id=series.id,
                title=args.title,
                customer_id=find_customer(session, args.customer)
                if args.customer
                else None,
                amount=parse_decimal(args.amount) if args.amount else None,
                currency=args.currency,
                expected_close=parse_day(args.close) if args.close else None,
                owner_id=find_user(session, args.owner).id
                if args.owner
                else actor.user_id,
                notes=args.notes or "",
            ),
            actor,
        )
        print(f"added deal {deal.id} ({deal.title}) to {series.key}")
    return 0


def run_edit_deal(args: argparse.Namespace, context: CliContext) -> int:
    """Change the given fields of a deal."""
    contradictions = (
        (args.clear_amount and args.amount, "--clear-amount and --amount"),
        (args.clear_close and args.close, "--clear-close and --close"),
    )
    for given, options in contradictions:
        if given:
            raise ValidationError(f"{options} contradict each other: give one of them")
    actor = context.actor()
    with context.sessions.begin() as session:
        deal_id = find_opportunity(session, args.deal)
        edit = OpportunityEdit(
            title=args.title,
            customer_id=find_customer(session, args.customer)
            if args.customer
            else None,
            owner_id=find_user(session, args.owner).id if args.owner else None,
            amount=parse_decimal(args.amount) if args.amount else None,
            clear_amount=args.clear_amount,
            currency=args.currency,
            expected_close=parse_day(args.close) if args.close else None,
            clear_expected_close=args.clear_close,
            notes=args.notes,
        )
        if edit == OpportunityEdit():
            print("nothing to change: give at least one of the field options")
            return 2
        deal = update_opportunity(session, deal_id, edit, actor)
        print(f"changed deal {deal.id} ({deal.title})")
    return 0
