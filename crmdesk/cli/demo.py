"""``crmdesk demo``: fill an empty store with a generated education workspace."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from typing import Any

from crmdesk.cli.context import CliContext
from crmdesk.domain.errors import ValidationError
from crmdesk.services import demo_people as people
from crmdesk.services.demo import SERIES_SHARES, generate_demo, store_has_deals
from crmdesk.services.people import find_user
from crmdesk.services.workspace import set_current_user


def register(subparsers: Any) -> None:
    """Add the ``demo`` command."""
    shares = ", ".join(f"{key} {share} %" for key, share in SERIES_SHARES)
    parser = subparsers.add_parser(
        "demo",
        help="generate a demo workspace in an empty store",
        description="Generate a demo workspace: the shipped education playbook, "
        "teams and reps, customers and deals with stage history, outcomes and "
        f"checklists. Deals are split over the series as {shares}. The same seed "
        "gives the same data. The store must have no deals: use --data-dir to "
        "point at a new folder.",
    )
    parser.add_argument(
        "--deals",
        type=int,
        required=True,
        metavar="N",
        help="number of deals to generate (1 to 2,000,000)",
    )
    parser.add_argument(
        "--seed", type=int, default=7, help="seed of the random data (default: 7)"
    )
    parser.add_argument(
        "--today",
        metavar="YYYY-MM-DD",
        help="date the data is placed around (default: the current date)",
    )
    parser.add_argument(
        "--user",
        metavar="LOGIN",
        help="demo user the store acts as (default: wang.fang, lead of the "
        "front-end team); li.na leads the teaching team, whose approvals inbox "
        "has the most requests",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, context: CliContext) -> int:
    """Generate the workspace, or explain why the store cannot take it."""
    today = None
    if args.today:
        try:
            today = date.fromisoformat(args.today.strip())
        except ValueError:
            raise ValidationError(
                f"invalid date {args.today!r}: write it as YYYY-MM-DD"
            ) from None
    if args.user:
        logins = [login for team in people.TEAMS for login, _name in team.members]
        if args.user.strip() not in logins:
            raise ValidationError(
                f"demo user {args.user!r} not found: use one of the demo logins, "
                f"such as {logins[0]} or {people.TEAMS[1].members[0][0]}"
            )
    with context.sessions() as session:
        has_deals = store_has_deals(session)
    if has_deals:
        print(
            f"crmdesk: the store in {context.paths.data_dir} already has deals, and "
            "a demo never mixes with real data: run the command again with "
            "--data-dir NEW_FOLDER to generate the demo into a fresh store",
            file=sys.stderr,
        )
        return 1
    started = time.perf_counter()
    summary = generate_demo(context.sessions, args.deals, args.seed, today)
    elapsed = time.perf_counter() - started
    if args.user:
        with context.sessions.begin() as session:
            set_current_user(session, find_user(session, args.user.strip()).id)
    per_series = ", ".join(f"{k} {v:,}" for k, v in summary.deals_by_series.items())
    print(
        f"Generated a demo workspace in {context.paths.data_dir} "
        f"in {elapsed:.1f} s (seed {summary.seed}, today {summary.today}):\n"
        f"  deals: {summary.deals:,} ({per_series})\n"
        f"  stage history rows: {summary.stage_history:,}\n"
        f"  outcomes: {summary.outcomes:,}\n"
        f"  checklist items: {summary.checklist_items:,}\n"
        f"  probability revisions: {summary.probability_revisions:,}\n"
        f"  customers: {summary.customers:,}, users: {summary.users}, "
        f"products: {summary.products}"
    )
    return 0
