"""``crmdesk approvals``: list approval requests and decide them as the team lead.

The commands act as the store's current user, like the desktop app: a lead
sees and decides the requests of the teams they lead, an admin every request,
and anyone else sees the requests of their own deals.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from crmdesk.cli.context import CliContext
from crmdesk.cli.output import command_language, format_table
from crmdesk.domain.errors import ValidationError
from crmdesk.domain.money import Money
from crmdesk.services.approvals import (
    ApprovalRecord,
    InboxFilter,
    approve,
    find_approval,
    inbox,
    reject,
    request_again,
)
from crmdesk.services.context import ChangeSource
from crmdesk.services.workspace import current_user_id

COLUMNS = (
    "id",
    "deal",
    "approval",
    "stage",
    "status",
    "amount",
    "approved",
    "currency",
    "owner",
    "approver",
    "requested",
)


def register(subparsers: Any) -> None:
    """Add the ``approvals`` command with its sub-commands."""
    parser = subparsers.add_parser(
        "approvals",
        help="list and decide approval requests",
        description="List the approval requests the current user sees, and "
        "approve or reject them as the deal's team lead or an admin.",
    )
    commands = parser.add_subparsers(dest="approvals_command", metavar="ACTION")
    commands.required = True

    listing = commands.add_parser("list", help="list approval requests")
    status_group = listing.add_mutually_exclusive_group()
    status_group.add_argument(
        "--pending", action="store_true", help="only requests waiting for a decision"
    )
    status_group.add_argument(
        "--decided",
        action="store_true",
        help="only approved, rejected and invalidated requests",
    )
    listing.add_argument(
        "--format", choices=("table", "json"), default="table", help="output format"
    )
    listing.set_defaults(handler=run_list)

    approving = commands.add_parser("approve", help="approve a pending request")
    approving.add_argument("id", metavar="ID", help="request id (or its start)")
    approving.add_argument("--comment", default="", help="a note for the rep")
    approving.add_argument(
        "--amount",
        help="the corrected amount in the deal's currency, such as 11,520.00; "
        "it becomes the deal's amount",
    )
    approving.set_defaults(handler=run_approve)

    rejecting = commands.add_parser("reject", help="reject a pending request")
    rejecting.add_argument("id", metavar="ID", help="request id (or its start)")
    rejecting.add_argument(
        "--comment", required=True, help="what the rep must change (required)"
    )
    rejecting.add_argument(
        "--amount",
        help=argparse.SUPPRESS,
    )
    rejecting.set_defaults(handler=run_reject)

    again = commands.add_parser(
        "request-again",
        help="ask again for a rejected request after changing the deal",
    )
    again.add_argument("id", metavar="ID", help="id of the rejected request")
    again.set_defaults(handler=run_request_again)


def _amount(minor: int | None, currency: str) -> str | None:
    return None if minor is None else str(Money(minor, currency).amount)


def _row(record: ApprovalRecord, language: str) -> dict[str, Any]:
    return {
        "id": str(record.id),
        "deal_id": str(record.opportunity_id),
        "deal": record.deal_title,
        "customer": record.customer,
        "approval": record.name.get(language),
        "stage": record.stage.get(language),
        "blocks_promotion": record.blocks_promotion,
        "status": record.status,
        "amount": _amount(record.amount_minor, record.currency),
        "approved": _amount(record.approved_amount_minor, record.currency),
        "currency": record.currency,
        "owner": record.owner,
        "approver": record.approver or None,
        "requested": record.requested_at.isoformat(),
        "decided": None if record.decided_at is None else record.decided_at.isoformat(),
        "decided_by": record.decided_by or None,
        "comment": record.comment,
    }


def run_list(args: argparse.Namespace, context: CliContext) -> int:
    """Print the requests the current user sees."""
    language = command_language(args, context)
    listing = InboxFilter.ALL
    if args.pending:
        listing = InboxFilter.PENDING
    elif args.decided:
        listing = InboxFilter.DECIDED
    with context.sessions() as session:
        records = inbox(session, current_user_id(session), listing)
    rows = [_row(record, language) for record in records]
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    table = []
    for row in rows:
        cells = dict(row)
        cells["requested"] = row["requested"][:16].replace("T", " ")
        if row["approver"] is None:
            cells["approver"] = "(no lead)"
        table.append([("" if cells[c] is None else str(cells[c])) for c in COLUMNS])
    print(format_table(COLUMNS, table, right_aligned=(5, 6)))
    return 0


def run_approve(args: argparse.Namespace, context: CliContext) -> int:
    """Approve one request, with an optional comment and corrected amount."""
    actor = context.actor(ChangeSource.CLI)
    with context.sessions.begin() as session:
        approval = find_approval(session, args.id)
        result = approve(session, approval.id, actor, args.comment, args.amount)
        currency = approval.currency
    amount = _amount(result.approved_amount_minor, currency)
    amount_label = "no amount" if amount is None else f"{amount} {currency}"
    print(f"approved {result.approval_id} at {amount_label}")
    for reopened in result.reopened:
        print(f"asked again: {reopened}")
    return 0


def run_reject(args: argparse.Namespace, context: CliContext) -> int:
    """Reject one request with the comment the rep reads."""
    if args.amount is not None:
        raise ValidationError(
            f"--amount {args.amount} applies only when approving: a rejection "
            f"keeps the deal's amount, so drop --amount or approve instead"
        )
    actor = context.actor(ChangeSource.CLI)
    with context.sessions.begin() as session:
        approval = find_approval(session, args.id)
        result = reject(session, approval.id, actor, args.comment)
    print(f"rejected {result.approval_id}")
    return 0


def run_request_again(args: argparse.Namespace, context: CliContext) -> int:
    """Open a new pending request in place of a rejected one."""
    actor = context.actor(ChangeSource.CLI)
    with context.sessions.begin() as session:
        approval = find_approval(session, args.id)
        new_id = request_again(session, approval.id, actor)
    print(f"asked again: {new_id}")
    return 0
