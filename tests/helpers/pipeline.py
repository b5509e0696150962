"""A small hand-written playbook for service tests, with known probabilities.

Series ``sales``: New 10 % -> Qualified 40 % (required action "Effective call",
optional "Send brochure") -> Proposal 80 % -> Won / Lost. Skipping forbidden,
backward moves and reopening allowed, checklist gates on.

Series ``strict``: Open 20 % -> Offer 60 % -> Won / Lost. No backward moves, no
reopening, gates off.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.domain.playbook import (
    ChecklistActionDef,
    CustomerStateDef,
    LocalText,
    OutcomeResult,
    Playbook,
    ReasonDef,
    SeriesDef,
    SeriesRules,
    StageDef,
    StageKind,
)
from crmdesk.services.playbooks import install_playbook
from crmdesk.storage.models import ChecklistAction, Reason, Series, Stage


def _t(en: str, zh: str = "") -> LocalText:
    return LocalText(en, zh or en)


REASONS = (
    ReasonDef("price", _t("Price too high", "价格太高"), OutcomeResult.LOST),
    ReasonDef("other", _t("Other", "其他"), OutcomeResult.LOST, note_required=True),
    ReasonDef("fit", _t("Good fit", "匹配"), OutcomeResult.WON),
    ReasonDef("won-other", _t("Other", "其他"), OutcomeResult.WON, note_required=True),
)

SALES = SeriesDef(
    key="sales",
    name=_t("Sales", "销售"),
    team="front",
    start_state="lead",
    end_state="customer",
    rules=SeriesRules(
        allow_skip=False, allow_backward=True, allow_reopen=True, checklist_gates=True
    ),
    stages=(
        StageDef("new", _t("New", "新建"), StageKind.OPEN, 10),
        StageDef(
            "qualified",
            _t("Qualified", "已确认"),
            StageKind.OPEN,
            40,
            checklist=(
                ChecklistActionDef("call", _t("Effective call", "有效通话"), True),
                ChecklistActionDef("brochure", _t("Send brochure", "寄资料"), False),
            ),
        ),
        StageDef("proposal", _t("Proposal", "方案"), StageKind.OPEN, 80),
        StageDef("won", _t("Won", "赢单"), StageKind.WON, 100),
        StageDef("lost", _t("Lost", "丢单"), StageKind.LOST, 0),
    ),
    reasons=REASONS,
    currency="CNY",
)

STRICT = SeriesDef(
    key="strict",
    name=_t("Strict", "严格"),
    team="front",
    start_state="lead",
    end_state="customer",
    rules=SeriesRules(
        allow_skip=True, allow_backward=False, allow_reopen=False, checklist_gates=False
    ),
    stages=(
        StageDef("open", _t("Open", "开放"), StageKind.OPEN, 20),
        StageDef("offer", _t("Offer", "报价"), StageKind.OPEN, 60),
        StageDef("won", _t("Won", "赢单"), StageKind.WON, 100),
        StageDef("lost", _t("Lost", "丢单"), StageKind.LOST, 0),
    ),
    reasons=REASONS,
    currency="CNY",
)

PLAYBOOK = Playbook(
    key="test",
    name=_t("Test playbook", "测试"),
    version=1,
    states=(
        CustomerStateDef("lead", _t("Lead", "线索")),
        CustomerStateDef("customer", _t("Customer", "客户")),
    ),
    series=(SALES, STRICT),
    base_currency="CNY",
)


@dataclass(frozen=True)
class Pipeline:
    """Ids of the installed test series, its stages, actions and reasons by key."""

    series: dict[str, uuid.UUID]
    stages: dict[tuple[str, str], uuid.UUID]
    actions: dict[str, uuid.UUID]
    reasons: dict[tuple[str, str], uuid.UUID]

    def stage(self, series: str, key: str) -> uuid.UUID:
        """Return the id of stage ``key`` of series ``series``."""
        return self.stages[(series, key)]


def install(session: Session, playbook: Playbook = PLAYBOOK) -> Pipeline:
    """Install ``playbook`` and return the ids of what it created."""
    install_playbook(session, playbook)
    session.flush()
    series = {row.key: row.id for row in session.scalars(select(Series))}
    keys = {value: key for key, value in series.items()}
    stages = {
        (keys[row.series_id], row.key): row.id for row in session.scalars(select(Stage))
    }
    stage_series = {
        row.id: keys[row.series_id] for row in session.scalars(select(Stage))
    }
    actions = {
        row.key: row.id
        for row in session.scalars(select(ChecklistAction))
        if stage_series[row.stage_id] == "sales"
    }
    reasons = {
        (keys[row.series_id], row.key): row.id
        for row in session.scalars(select(Reason))
    }
    return Pipeline(series, stages, actions, reasons)


def renamed_lost_stage(name_zh: str, name_en: str) -> Playbook:
    """Return the test playbook with the lost stage of ``sales`` renamed."""
    stages = tuple(
        replace(stage, name=LocalText(name_en, name_zh))
        if stage.kind is StageKind.LOST
        else stage
        for stage in SALES.stages
    )
    return replace(PLAYBOOK, series=(replace(SALES, stages=stages), STRICT))
