"""Playbook definitions: customer states, series, stages, checklists, reasons, rules.

A playbook is how a business sells, as configuration: admins edit it in a TOML file
under ``resources/playbooks/`` and the loader turns it into these frozen records.
Logic keys on stage kinds and flags, never on labels, because labels are translated
and renamed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class StageKind(StrEnum):
    """What a stage means: an open step of the pipeline or one of the two results."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"

    @property
    def is_result(self) -> bool:
        """True for the won and lost stages, where a deal needs an outcome."""
        return self is not StageKind.OPEN


class OutcomeResult(StrEnum):
    """The result recorded when a deal enters a result stage."""

    WON = "won"
    LOST = "lost"

    @property
    def stage_kind(self) -> StageKind:
        """The stage kind a deal with this result stands in."""
        return StageKind(self.value)


@dataclass(frozen=True)
class LocalText:
    """A label in English and Simplified Chinese."""

    en: str
    zh: str

    def get(self, language: str) -> str:
        """Return the label for a language code such as ``zh_CN`` or ``en``."""
        if language.lower().startswith("zh") and self.zh:
            return self.zh
        return self.en


@dataclass(frozen=True)
class CustomerStateDef:
    """One state of the customer lifecycle, such as prospect or regular customer."""

    key: str
    name: LocalText


@dataclass(frozen=True)
class ChecklistActionDef:
    """An action attached to a stage; required actions may gate promotion.

    ``activity`` names the activity type (call, visit, trial ...) whose logging
    completes the action, or is None when it is ticked by hand.
    """

    key: str
    name: LocalText
    required: bool
    activity: str | None = None


@dataclass(frozen=True)
class ApprovalTypeDef:
    """A process that entering a stage starts, such as a price pre-approval.

    The rep's team lead decides it. ``blocks_promotion`` means a deal may not
    leave the stage forward until the request is approved.
    """

    key: str
    name: LocalText
    blocks_promotion: bool = True


@dataclass(frozen=True)
class StageDef:
    """One stage of a series, in order, with its default win probability in percent."""

    key: str
    name: LocalText
    kind: StageKind
    default_probability: int
    exit_criterion: LocalText = LocalText("", "")
    checklist: tuple[ChecklistActionDef, ...] = ()
    approvals: tuple[ApprovalTypeDef, ...] = ()


@dataclass(frozen=True)
class ReasonDef:
    """A won or lost reason offered by the outcome dialog of a series.

    ``note_required`` marks reasons such as "other" that need a note to say more.
    """

    key: str
    name: LocalText
    result: OutcomeResult
    note_required: bool = False


@dataclass(frozen=True)
class SeriesRules:
    """Per-series transition rules.

    Attributes:
        allow_skip: a deal may jump over open stages on the way forward.
        allow_backward: a deal may move back to an earlier open stage.
        allow_reopen: a won or lost deal may be reopened, or its result reverted.
        checklist_gates: open required actions block promotion out of a stage.
    """

    allow_skip: bool = False
    allow_backward: bool = True
    allow_reopen: bool = True
    checklist_gates: bool = False


@dataclass(frozen=True)
class SeriesDef:
    """An opportunity series (pipeline) owned by a team.

    ``start_state`` and ``end_state`` are customer-state keys: where the customer
    stands when a deal of this series opens, and where winning it moves them.
    """

    key: str
    name: LocalText
    team: str
    start_state: str
    end_state: str
    rules: SeriesRules
    stages: tuple[StageDef, ...]
    reasons: tuple[ReasonDef, ...]
    currency: str = "CNY"


class Intake(StrEnum):
    """The way new business enters: a leads inbox, or customer records typed in."""

    LEADS = "leads"
    CUSTOMERS = "customers"


@dataclass(frozen=True)
class Playbook:
    """A whole playbook: lifecycle states and the series that move customers along.

    A playbook without series tracks customer states alone, on a board of
    customers by state. ``intake`` is ``LEADS`` when reps start from leads
    (screened, then converted to customers) and ``CUSTOMERS`` when they register
    customers directly. The interface hides an empty leads inbox when every
    playbook of the store registers customers directly.
    """

    key: str
    name: LocalText
    version: int
    states: tuple[CustomerStateDef, ...]
    series: tuple[SeriesDef, ...]
    base_currency: str = "CNY"
    intake: Intake = Intake.LEADS
    source: str = field(default="", compare=False)
