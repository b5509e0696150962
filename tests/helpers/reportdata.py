"""Bulk test data for report tests, and the playbook the worked figures use.

Report tests need thousands of deals with history; creating them one by one
through the services would take minutes, so ``Bulk`` writes rows with Core
inserts. It writes the same columns the services write, and nothing else.

Series ``review``: P1 Initial contact 10 % -> P2 Needs confirmed 30 % -> P3
Proposal 60 % -> P4 Contract 100 % -> P5 Payment 100 % -> Won / Lost.
Series ``consult``: Qualify 10 % -> Proposal 30 % -> Negotiation 60 % -> Won /
Lost. Every move is allowed in both.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from crmdesk.domain.ids import new_id
from crmdesk.domain.playbook import (
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
from crmdesk.storage.models import (
    Opportunity,
    Outcome,
    Reason,
    Series,
    Stage,
    StageHistory,
)

OPEN_RULES = SeriesRules(
    allow_skip=True, allow_backward=True, allow_reopen=True, checklist_gates=False
)
REASONS = (
    ReasonDef("price", LocalText("Price", "价格"), OutcomeResult.LOST),
    ReasonDef("fit", LocalText("Fit", "匹配"), OutcomeResult.WON),
)


def _stage(key: str, en: str, zh: str, probability: int) -> StageDef:
    return StageDef(key, LocalText(en, zh), StageKind.OPEN, probability)


RESULTS = (
    StageDef("won", LocalText("Won", "赢单"), StageKind.WON, 100),
    StageDef("lost", LocalText("Lost", "丢单"), StageKind.LOST, 0),
)

PLAYBOOK = Playbook(
    key="review",
    name=LocalText("Review", "评审"),
    version=1,
    states=(
        CustomerStateDef("lead", LocalText("Lead", "线索")),
        CustomerStateDef("customer", LocalText("Customer", "客户")),
    ),
    series=(
        SeriesDef(
            key="review",
            name=LocalText("Review", "评审"),
            team="front",
            start_state="lead",
            end_state="customer",
            rules=OPEN_RULES,
            stages=(
                _stage("p1", "Initial contact", "初步接触", 10),
                _stage("p2", "Needs confirmed", "需求确认", 30),
                _stage("p3", "Proposal", "方案", 60),
                _stage("p4", "Contract", "合同", 100),
                _stage("p5", "Payment", "付款", 100),
                *RESULTS,
            ),
            reasons=REASONS,
        ),
        SeriesDef(
            key="consult",
            name=LocalText("Consult", "咨询"),
            team="front",
            start_state="lead",
            end_state="customer",
            rules=OPEN_RULES,
            stages=(
                _stage("qualify", "Qualify", "资格", 10),
                _stage("proposal", "Proposal", "方案", 30),
                _stage("negotiation", "Negotiation", "谈判", 60),
                *RESULTS,
            ),
            reasons=REASONS,
        ),
    ),
)


@dataclass
class Ids:
    """Series, stage and reason ids of the installed review playbook."""

    series: dict[str, uuid.UUID]
    stages: dict[tuple[str, str], uuid.UUID]
    lost_reason: dict[str, uuid.UUID]


def install(session: Session) -> Ids:
    """Install the review playbook and return its ids."""
    install_playbook(session, PLAYBOOK)
    session.flush()
    series = {row.key: row.id for row in session.scalars(select(Series))}
    keys = {value: key for key, value in series.items()}
    stages = {
        (keys[row.series_id], row.key): row.id for row in session.scalars(select(Stage))
    }
    lost = {
        keys[row.series_id]: row.id
        for row in session.scalars(select(Reason).where(Reason.result == "lost"))
    }
    return Ids(series, stages, lost)


@dataclass
class Bulk:
    """Collects deals with their history and outcomes, then inserts them at once."""

    ids: Ids
    probabilities: dict[uuid.UUID, int] = field(default_factory=dict)
    kinds: dict[uuid.UUID, str] = field(default_factory=dict)
    deals: list[dict[str, object]] = field(default_factory=list)
    history: list[dict[str, object]] = field(default_factory=list)
    outcomes: list[dict[str, object]] = field(default_factory=list)

    def load_stages(self, session: Session) -> None:
        """Read each stage's default probability and kind."""
        for row in session.scalars(select(Stage)):
            self.probabilities[row.id] = row.default_probability
            self.kinds[row.id] = row.kind

    def deal(
        self,
        series: str,
        path: list[tuple[str, datetime]],
        *,
        amount_minor: int | None,
        expected_close: date | None = None,
        manual: int | None = None,
        owner_id: uuid.UUID | None = None,
        won_amount_minor: int | None = None,
        closed_on: date | None = None,
    ) -> uuid.UUID:
        """Add a deal that went through ``path``: (stage key, time entered) pairs.

        A path ending in ``won`` or ``lost`` adds the outcome, dated ``closed_on``.
        """
        deal_id = new_id()
        stage_ids = [self.ids.stages[(series, key)] for key, _ in path]
        last_stage, last_time = stage_ids[-1], path[-1][1]
        self.deals.append(
            dict(
                id=deal_id,
                series_id=self.ids.series[series],
                stage_id=last_stage,
                title=f"deal {len(self.deals) + 1}",
                amount_minor=amount_minor,
                currency="CNY",
                expected_close=expected_close,
                manual_probability=manual,
                notes="",
                stage_entered_at=last_time,
                created_at=path[0][1],
                updated_at=last_time,
                owner_id=owner_id,
                version=0,
            )
        )
        previous = None
        for stage_id, (_, when) in zip(stage_ids, path, strict=True):
            kind = self.kinds[stage_id]
            probability = {"won": 100, "lost": 0}.get(
                kind, manual if manual is not None else self.probabilities[stage_id]
            )
            self.history.append(
                dict(
                    id=new_id(),
                    opportunity_id=deal_id,
                    from_stage_id=previous,
                    to_stage_id=stage_id,
                    changed_at=when,
                    amount_minor=amount_minor,
                    currency="CNY",
                    probability=probability,
                    expected_close=expected_close,
                    source="test",
                    version=0,
                )
            )
            previous = stage_id
        kind = self.kinds[last_stage]
        if kind != "open":
            self.outcomes.append(
                dict(
                    id=new_id(),
                    opportunity_id=deal_id,
                    result=kind,
                    reason_id=self.ids.lost_reason[series] if kind == "lost" else None,
                    note="",
                    actual_amount_minor=won_amount_minor,
                    currency="CNY",
                    actual_date=closed_on,
                    recorded_at=last_time,
                    version=0,
                )
            )
        return deal_id

    def write(self, session: Session) -> None:
        """Insert everything collected, in one go."""
        for model, rows in (
            (Opportunity, self.deals),
            (StageHistory, self.history),
            (Outcome, self.outcomes),
        ):
            if rows:
                session.execute(insert(model), rows)
        self.deals, self.history, self.outcomes = [], [], []
