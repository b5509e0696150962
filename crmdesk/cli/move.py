"""``crmdesk move`` and ``crmdesk probability``: stage moves and manual win rates.

Both go through the stage service, like a drop on the board, so the same rules,
history rows and outbox entries result.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from decimal import Decimal
from typing import Any

from crmdesk.cli.context import CliContext
from crmdesk.cli.customers import effect_text
from crmdesk.domain.errors import MoveRejectedError, Rejection, ValidationError
from crmdesk.domain.money import parse_decimal
from crmdesk.domain.playbook import OutcomeResult, StageKind
from crmdesk.domain.rules import RejectionCode
from crmdesk.services.context import ChangeSource
from crmdesk.services.deal_detail import load_deal_detail
from crmdesk.services.lookups import find_opportunity
from crmdesk.services.playbooks import SeriesRecord, StageRecord, load_series
from crmdesk.services.stages import (
    OutcomeInput,
    move_opportunity,
    set_manual_probability,
)

EXIT_REJECTED = 3
"""Exit status of a move that the series rules rejected."""

# Command-line options that fix a rejection, by rejection code.
_HINTS: dict[str, str] = {
    RejectionCode.OUTCOME_REQUIRED: "pass --won or --lost",
    RejectionCode.REASON_REQUIRED: "pass --reason KEY",
    RejectionCode.REASON_UNKNOWN: "pass --reason KEY",
    RejectionCode.NOTE_REQUIRED: "pass --note TEXT",
    RejectionCode.AMOUNT_REQUIRED: "pass --amount AMOUNT",
    RejectionCode.DATE_REQUIRED: "pass --date YYYY-MM-DD",
    RejectionCode.DATE_IN_FUTURE: "pass --date with today or an earlier day",
    RejectionCode.OUTCOME_NOT_EXPECTED: "drop --won and --lost",
}


def register(subparsers: Any) -> None:
    """Add the ``move`` and ``probability`` commands."""
    move = subparsers.add_parser(
        "move",
        help="move a deal to another stage of its series",
        description="Move a deal to a stage, with the same rules as a drop on "
        "the board. Entering the won or lost stage records an outcome. "
        f"Exits with status {EXIT_REJECTED} when the rules reject the move.",
    )
    move.add_argument(
        "deal", metavar="DEAL", help="deal id, its first characters, or external key"
    )
    move.add_argument(
        "stage", metavar="STAGE", help="stage key or name in the deal's series"
    )
    result = move.add_mutually_exclusive_group()
    result.add_argument(
        "--won", action="store_true", help="record a won outcome (won stage)"
    )
    result.add_argument(
        "--lost", action="store_true", help="record a lost outcome (lost stage)"
    )
    move.add_argument("--reason", metavar="KEY", help="won or lost reason key")
    move.add_argument("--note", default="", help="note on the outcome")
    move.add_argument(
        "--amount",
        metavar="AMOUNT",
        help="actual amount of a won deal, in the major unit of its currency",
    )
    move.add_argument(
        "--date", metavar="YYYY-MM-DD", help="actual close date of the outcome"
    )
    move.add_argument(
        "--reopen",
        action="store_true",
        help="confirm moving a won or lost deal: its outcome is kept as history "
        "and the deal is open again (or takes the other result)",
    )
    move.set_defaults(handler=run_move)

    probability = subparsers.add_parser(
        "probability",
        help="set or clear a deal's manual win probability",
        description="Set a deal's win probability by hand, in whole percent, or "
        "clear it with 'clear' so the stage default applies again. Every change "
        "is kept with the reason.",
    )
    probability.add_argument(
        "deal", metavar="DEAL", help="deal id, its first characters, or external key"
    )
    probability.add_argument(
        "value", metavar="PCT|clear", help="percentage 0 to 100, or 'clear'"
    )
    probability.add_argument(
        "--reason", default="", metavar="TEXT", help="why the rate changed"
    )
    probability.set_defaults(handler=run_probability)


def find_stage(series: SeriesRecord, value: str) -> StageRecord:
    """Return the stage of ``series`` named by its key or English or Chinese name.

    Raises:
        ValidationError: no stage matches; the message lists the stage keys.
    """
    wanted = value.strip().casefold()
    for stage in series.stages:
        if stage.key.casefold() == wanted:
            return stage
    for stage in series.stages:
        if wanted in (stage.name.en.casefold(), stage.name.zh.casefold()):
            return stage
    raise ValidationError(
        f"series {series.key!r} has no stage {value!r}: use one of "
        + ", ".join(stage.key for stage in series.stages)
    )


def _outcome(
    args: argparse.Namespace, series: SeriesRecord, stage: StageRecord
) -> OutcomeInput | None:
    if args.won:
        result = OutcomeResult.WON
    elif args.lost:
        result = OutcomeResult.LOST
    elif stage.kind is StageKind.WON:
        result = OutcomeResult.WON
    elif stage.kind is StageKind.LOST:
        result = OutcomeResult.LOST
    else:
        if args.reason or args.amount or args.date or args.note:
            raise ValidationError(
                f"stage {stage.key!r} is open, so it records no outcome: drop "
                "--reason, --note, --amount and --date"
            )
        return None
    reason_id = None
    if args.reason:
        reasons = series.reasons_for(result)
        matches = [r for r in reasons if r.key == args.reason.strip()]
        if not matches:
            raise ValidationError(
                f"invalid {result.value} reason {args.reason!r} for series "
                f"{series.key!r}: use one of " + ", ".join(r.key for r in reasons)
            )
        reason_id = matches[0].id
    return OutcomeInput(
        result=result,
        reason_id=reason_id,
        note=args.note,
        actual_amount=_parse_amount(args.amount),
        actual_date=_parse_date(args.date),
    )


def _parse_amount(text: str | None) -> Decimal | None:
    return None if text is None else parse_decimal(text)


def _parse_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            f"invalid date {text!r}: write it as YYYY-MM-DD, such as 2025-06-30"
        ) from None


def _print_rejections(rejections: list[Rejection]) -> None:
    print("crmdesk: move rejected:", file=sys.stderr)
    for rejection in rejections:
        hint = _HINTS.get(rejection.code)
        suffix = f" ({hint})" if hint else ""
        print(f"  - {rejection.message}{suffix}", file=sys.stderr)


def run_move(args: argparse.Namespace, context: CliContext) -> int:
    """Move the deal; print the new stage and probability, or why it was rejected."""
    actor = context.actor(ChangeSource.CLI)
    with context.sessions.begin() as session:
        deal_id = find_opportunity(session, args.deal)
        deal = load_deal_detail(session, deal_id)
        series = load_series(session, deal.series_id)
        stage = find_stage(series, args.stage)
        if deal.stage_kind.is_result and stage.id != deal.stage_id and not args.reopen:
            print(
                f"crmdesk: move rejected: {deal.title!r} is {deal.stage_kind.value}; "
                f"moving it to {stage.key!r} reopens it. Pass --reopen to confirm",
                file=sys.stderr,
            )
            return EXIT_REJECTED
        outcome = _outcome(args, series, stage)
        try:
            result = move_opportunity(session, deal_id, stage.id, actor, outcome)
        except MoveRejectedError as error:
            # The service changed nothing before it raised.
            _print_rejections(error.rejections)
            return EXIT_REJECTED
        title = deal.title
    print(
        f"Moved {title!r} to {stage.key} ({stage.name.en} / {stage.name.zh}); "
        f"win probability {result.probability} %."
    )
    if result.customer_state is not None:
        print(effect_text(result.customer_state))
    return 0


def run_probability(args: argparse.Namespace, context: CliContext) -> int:
    """Set or clear the manual probability and print the effective one."""
    value = args.value.strip().lower()
    probability: int | None
    if value == "clear":
        probability = None
    else:
        try:
            probability = int(value.rstrip("%").strip())
        except ValueError:
            raise ValidationError(
                f"invalid win probability {args.value!r}: enter a whole percentage "
                "from 0 to 100, or 'clear'"
            ) from None
    actor = context.actor(ChangeSource.CLI)
    with context.sessions.begin() as session:
        deal_id = find_opportunity(session, args.deal)
        effective = set_manual_probability(
            session, deal_id, probability, actor, args.reason
        )
    state = "cleared" if probability is None else f"set to {probability} %"
    print(f"Manual win probability {state}; effective probability {effective} %.")
    return 0
