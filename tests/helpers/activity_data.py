"""A test playbook whose checklist actions are completed by activities, and data.

Series ``sales``: New 10 % -> Qualified 40 % -> Proposal 80 % -> Won / Lost.
Qualified has three actions: "First call" (required, a call), "Follow-up call"
(optional, a call) and "Send brochure" (optional, an e-mail). Proposal has
"Site visit" (required, a visit). Checklist gates on, skipping allowed.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from crmdesk.domain.playbook import ChecklistActionDef, LocalText, StageDef, StageKind
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.deals import NewOpportunity, create_opportunity
from crmdesk.services.workspace import ensure_user
from crmdesk.storage.models import Customer, Team
from helpers.pipeline import PLAYBOOK, SALES, Pipeline, install

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _t(en: str, zh: str) -> LocalText:
    return LocalText(en, zh)


ACTIVITY_SALES = replace(
    SALES,
    rules=replace(SALES.rules, allow_skip=True),
    stages=(
        StageDef("new", _t("New", "新建"), StageKind.OPEN, 10),
        StageDef(
            "qualified",
            _t("Qualified", "已确认"),
            StageKind.OPEN,
            40,
            checklist=(
                ChecklistActionDef("call", _t("First call", "首次通话"), True, "call"),
                ChecklistActionDef(
                    "follow-up", _t("Follow-up call", "跟进通话"), False, "call"
                ),
                ChecklistActionDef(
                    "brochure", _t("Send brochure", "寄资料"), False, "email"
                ),
            ),
        ),
        StageDef(
            "proposal",
            _t("Proposal", "方案"),
            StageKind.OPEN,
            80,
            checklist=(
                ChecklistActionDef(
                    "visit", _t("Site visit", "上门拜访"), True, "visit"
                ),
            ),
        ),
        StageDef("won", _t("Won", "赢单"), StageKind.WON, 100),
        StageDef("lost", _t("Lost", "丢单"), StageKind.LOST, 0),
    ),
)

ACTIVITY_PLAYBOOK = replace(PLAYBOOK, series=(ACTIVITY_SALES,))


def install_activity_playbook(session: Session) -> Pipeline:
    """Install the playbook above; ``actions`` covers both stages' actions."""
    return install(session, ACTIVITY_PLAYBOOK)


def make_customer(session: Session, name: str = "Bright Kids") -> uuid.UUID:
    """Insert a customer of a new team and return its id."""
    team = Team(key=f"team-{name}", name=f"Team {name}")
    session.add(team)
    session.flush()
    customer = Customer(
        name=name, team_id=team.id, created_at=T0, updated_at=T0, state_changed_at=T0
    )
    session.add(customer)
    session.flush()
    return customer.id


def make_deal(
    session: Session,
    pipeline: Pipeline,
    *,
    stage: str = "qualified",
    customer_id: uuid.UUID | None = None,
    title: str = "Summer course",
) -> uuid.UUID:
    """Create a deal in ``stage`` of ``sales`` through the deal service."""
    user = ensure_user(session, "rep", "Wang Fang")
    deal = create_opportunity(
        session,
        NewOpportunity(
            series_id=pipeline.series["sales"],
            title=title,
            stage_id=pipeline.stage("sales", stage),
            customer_id=customer_id,
        ),
        Actor(user.id, ChangeSource.FORM, at=T0),
    )
    session.flush()
    return deal.id
