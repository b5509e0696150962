"""Transition rules for stage moves: the checks every entry point shares.

The functions here are pure. The stage service gathers the facts (the series
rules, the ordered stages, the open required actions) and asks these functions
whether a move is allowed; the same answer reaches the board, the detail form,
bulk actions, the importer and the command line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from crmdesk.domain.errors import Rejection
from crmdesk.domain.playbook import LocalText, SeriesRules, StageKind


class RejectionCode(StrEnum):
    """Stable identifiers of the reasons a move is rejected."""

    SAME_STAGE = "same_stage"
    OTHER_SERIES = "other_series"
    SKIP_FORBIDDEN = "skip_forbidden"
    BACKWARD_FORBIDDEN = "backward_forbidden"
    REOPEN_FORBIDDEN = "reopen_forbidden"
    REQUIRED_ACTIONS_OPEN = "required_actions_open"
    OUTCOME_REQUIRED = "outcome_required"
    OUTCOME_MISMATCH = "outcome_mismatch"
    OUTCOME_NOT_EXPECTED = "outcome_not_expected"
    REASON_REQUIRED = "reason_required"
    REASON_UNKNOWN = "reason_unknown"
    NOTE_REQUIRED = "note_required"
    AMOUNT_REQUIRED = "amount_required"
    DATE_REQUIRED = "date_required"
    DATE_IN_FUTURE = "date_in_future"
    APPROVAL_PENDING = "approval_pending"


@dataclass(frozen=True)
class StagePosition:
    """The facts about one stage that the rules need: id, label, kind, order."""

    id: object
    name: str
    kind: StageKind
    position: int


def check_move(
    rules: SeriesRules,
    stages: list[StagePosition],
    current: StagePosition,
    target: StagePosition,
    open_required_actions: Sequence[str | LocalText],
) -> list[Rejection]:
    """Return every reason the move from ``current`` to ``target`` is not allowed.

    Args:
        rules: the series rules.
        stages: all stages of the series.
        current: the stage the deal is in.
        target: the stage it should move to; must belong to the same series.
        open_required_actions: the required checklist actions of the current
            stage that are not done yet, as labels or plain English names.

    Returns:
        An empty list when the move is allowed.
    """
    if target.id == current.id:
        return [
            Rejection(
                RejectionCode.SAME_STAGE,
                f"the deal is already in stage {current.name!r}",
                {"stage": current.name},
            )
        ]
    if current.kind.is_result:
        return _check_reopen(rules, current, target)

    rejections: list[Rejection] = []
    open_stages = sorted(
        (s for s in stages if s.kind is StageKind.OPEN), key=lambda s: s.position
    )
    forward = target.kind is StageKind.WON or (
        target.kind is StageKind.OPEN and target.position > current.position
    )
    if target.kind is StageKind.OPEN and target.position < current.position:
        if not rules.allow_backward:
            rejections.append(
                Rejection(
                    RejectionCode.BACKWARD_FORBIDDEN,
                    f"this series does not allow moving a deal back from "
                    f"{current.name!r} to {target.name!r}",
                    {"from": current.name, "to": target.name},
                )
            )
    elif forward and not rules.allow_skip:
        skipped = [
            s.name
            for s in open_stages
            if s.position > current.position
            and (target.kind is not StageKind.OPEN or s.position < target.position)
        ]
        if skipped:
            rejections.append(
                Rejection(
                    RejectionCode.SKIP_FORBIDDEN,
                    "this series does not allow skipping stages: move the deal "
                    "through " + ", ".join(repr(n) for n in skipped) + " first",
                    {"skipped": skipped, "to": target.name},
                )
            )
    if forward and rules.checklist_gates and open_required_actions:
        english = [_label(a, "en") for a in open_required_actions]
        rejections.append(
            Rejection(
                RejectionCode.REQUIRED_ACTIONS_OPEN,
                f"required actions of {current.name!r} are not done: "
                + ", ".join(repr(a) for a in english),
                {
                    "stage": current.name,
                    "actions": english,
                    "actions_zh": [_label(a, "zh") for a in open_required_actions],
                },
            )
        )
    return rejections


@dataclass(frozen=True)
class OpenApproval:
    """A blocking approval request of a deal that is not approved.

    ``status`` is pending or rejected; ``stage`` is the English name of the stage
    that opened the request, ``name`` and ``name_zh`` the approval type's names.
    """

    name: str
    name_zh: str
    stage: str
    status: str


def is_forward(current: StagePosition, target: StagePosition) -> bool:
    """Return whether moving from ``current`` to ``target`` promotes the deal.

    A promotion goes to a later open stage or to a won stage.
    """
    if target.kind is StageKind.WON:
        return current.kind is not StageKind.WON
    return target.kind is StageKind.OPEN and target.position > current.position


def check_approvals(
    current: StagePosition,
    target: StagePosition,
    open_approvals: Sequence[OpenApproval],
) -> list[Rejection]:
    """Return a rejection for each blocking request that keeps the deal back.

    ``open_approvals`` are the deal's blocking requests that are pending or
    rejected, of stages the deal has reached. They stop a promotion only; moving
    back or to lost stays allowed.
    """
    if not is_forward(current, target):
        return []
    rejections = []
    for approval in open_approvals:
        if approval.status == "rejected":
            message = (
                f"the approval {approval.name!r} of stage {approval.stage!r} was "
                f"rejected: change the deal and ask for approval again before "
                f"moving it on"
            )
        else:
            message = (
                f"the approval {approval.name!r} of stage {approval.stage!r} is "
                f"pending: the team lead must approve it before the deal moves on"
            )
        rejections.append(
            Rejection(
                RejectionCode.APPROVAL_PENDING,
                message,
                {
                    "approval": approval.name,
                    "approval_zh": approval.name_zh,
                    "stage": approval.stage,
                    "status": approval.status,
                },
            )
        )
    return rejections


def _label(action: str | LocalText, language: str) -> str:
    return action if isinstance(action, str) else action.get(language)


def _check_reopen(
    rules: SeriesRules, current: StagePosition, target: StagePosition
) -> list[Rejection]:
    if rules.allow_reopen:
        return []
    return [
        Rejection(
            RejectionCode.REOPEN_FORBIDDEN,
            f"this series does not allow reopening or reverting a "
            f"{current.kind.value} deal",
            {"from": current.name, "to": target.name, "result": current.kind.value},
        )
    ]


def effective_probability(
    kind: StageKind, stage_default: int, manual: int | None
) -> int:
    """Return the win probability in percent that forecasts use for a deal.

    Won deals count 100 and lost deals 0 whatever was set by hand. An open deal
    uses its manual probability when one is set, or else the stage default.
    """
    if kind is StageKind.WON:
        return 100
    if kind is StageKind.LOST:
        return 0
    return stage_default if manual is None else manual
