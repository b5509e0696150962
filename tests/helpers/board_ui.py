"""GUI test helpers: a test playbook in a real store, and board drag and drop.

Series ``open-sales``: Qualify 10 % -> Propose 40 % (required action "Send
proposal") -> Negotiate 70 % -> Won / Lost. Skipping forbidden, backward moves and
reopening allowed, checklist gates off.

Series ``gated-sales``: Valid contact 20 % (required "Effective call", optional
"Send brochure") -> Demo 50 % -> Offer 80 % -> Won / Lost, with checklist gates on.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from sqlalchemy import func, select

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
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.deals import (
    NewCustomer,
    NewOpportunity,
    create_customer,
    create_opportunity,
)
from crmdesk.services.playbooks import SeriesRecord, find_series
from crmdesk.storage.models import Opportunity, Outcome, StageHistory
from crmdesk.ui.board.model import BoardModel
from crmdesk.ui.board.widget import BoardWidget
from crmdesk.ui.events import EventHub
from crmdesk.ui.tasks import TaskRunner


def _text(en: str, zh: str) -> LocalText:
    return LocalText(en, zh)


def _result_stages() -> tuple[StageDef, StageDef]:
    return (
        StageDef("won", _text("Won", "赢单"), StageKind.WON, 100),
        StageDef("lost", _text("Lost", "输单"), StageKind.LOST, 0),
    )


def _reasons() -> tuple[ReasonDef, ...]:
    return (
        ReasonDef("price", _text("Best price", "价格优势"), OutcomeResult.WON),
        ReasonDef(
            "competitor",
            _text("Chose a competitor", "选择了竞争对手"),
            OutcomeResult.LOST,
        ),
        ReasonDef(
            "other", _text("Other", "其他"), OutcomeResult.LOST, note_required=True
        ),
    )


TEST_PLAYBOOK = Playbook(
    key="ui-test",
    name=_text("UI test playbook", "界面测试"),
    version=1,
    base_currency="USD",
    states=(
        CustomerStateDef("prospect", _text("Prospect", "潜在客户")),
        CustomerStateDef("customer", _text("Customer", "客户")),
    ),
    series=(
        SeriesDef(
            key="open-sales",
            name=_text("Open sales", "开放销售"),
            team="sales",
            start_state="prospect",
            end_state="customer",
            currency="USD",
            rules=SeriesRules(
                allow_skip=False,
                allow_backward=True,
                allow_reopen=True,
                checklist_gates=False,
            ),
            stages=(
                StageDef("qualify", _text("Qualify", "资格确认"), StageKind.OPEN, 10),
                StageDef(
                    "propose",
                    _text("Propose", "方案报价"),
                    StageKind.OPEN,
                    40,
                    checklist=(
                        ChecklistActionDef(
                            "send-proposal", _text("Send proposal", "发送方案"), True
                        ),
                    ),
                ),
                StageDef(
                    "negotiate", _text("Negotiate", "商务谈判"), StageKind.OPEN, 70
                ),
                *_result_stages(),
            ),
            reasons=_reasons(),
        ),
        SeriesDef(
            key="gated-sales",
            name=_text("Gated sales", "严格销售"),
            team="sales",
            start_state="prospect",
            end_state="customer",
            currency="USD",
            rules=SeriesRules(
                allow_skip=False,
                allow_backward=True,
                allow_reopen=True,
                checklist_gates=True,
            ),
            stages=(
                StageDef(
                    "contact",
                    _text("Valid contact", "有效联系"),
                    StageKind.OPEN,
                    20,
                    checklist=(
                        ChecklistActionDef(
                            "effective-call",
                            _text("Effective call", "有效通话"),
                            True,
                            "call",
                        ),
                        ChecklistActionDef(
                            "brochure", _text("Send brochure", "发送资料"), False
                        ),
                    ),
                ),
                StageDef("demo", _text("Demo", "演示"), StageKind.OPEN, 50),
                StageDef("offer", _text("Offer", "报价"), StageKind.OPEN, 80),
                *_result_stages(),
            ),
            reasons=_reasons(),
        ),
    ),
)


@dataclass
class Store:
    """A real SQLite store with the test playbook installed and one user."""

    path: Path
    engine: Any
    sessions: Any
    user_id: uuid.UUID

    def series(self, key: str) -> SeriesRecord:
        with self.sessions() as session:
            return find_series(session, key)

    def actor(self, source: ChangeSource = ChangeSource.CLI) -> Actor:
        return Actor(self.user_id, source)

    def add_deal(
        self,
        series_key: str,
        title: str,
        amount: str | None,
        *,
        stage_key: str | None = None,
        customer: str = "",
        expected_close: date | None = None,
        entered_at: datetime | None = None,
    ) -> uuid.UUID:
        series = self.series(series_key)
        stage_id = None if stage_key is None else series.stage_by_key(stage_key).id
        actor = self.actor()
        if entered_at is not None:
            actor = Actor(self.user_id, ChangeSource.CLI, entered_at)
        with self.sessions.begin() as session:
            customer_id = None
            if customer:
                customer_id = create_customer(session, NewCustomer(customer), actor).id
            deal = create_opportunity(
                session,
                NewOpportunity(
                    series_id=series.id,
                    title=title,
                    customer_id=customer_id,
                    amount=None if amount is None else Decimal(amount),
                    expected_close=expected_close,
                    stage_id=stage_id,
                ),
                actor,
            )
            return deal.id


def utc(year: int, month: int, day: int) -> datetime:
    """Return midnight UTC of a day."""
    return datetime(year, month, day, tzinfo=UTC)


def open_board(
    qtbot: Any,
    runner: TaskRunner,
    events: EventHub,
    series_id: uuid.UUID,
    language: str = "en",
) -> BoardWidget:
    """Show a board widget for a series and wait until it is loaded."""
    board = BoardWidget(runner, events, language)
    qtbot.addWidget(board)
    board.resize(1400, 800)
    with qtbot.waitSignal(board.board_loaded, timeout=5000):
        board.show_series(series_id)
    return board


def drop(board: BoardWidget, deal_ids: list[uuid.UUID], stage_id: uuid.UUID) -> bool:
    """Drop cards on a column through the model's drop path, as a view does.

    Returns what ``dropMimeData`` returned.
    """
    model: BoardModel = board.model
    indexes = [model.deal_index(deal_id) for deal_id in deal_ids]
    assert all(index.isValid() for index in indexes), "a dragged card is not visible"
    mime = model.mimeData(indexes)
    parent = model.stage_index(stage_id)
    assert model.canDropMimeData(mime, Qt.DropAction.MoveAction, -1, 0, parent)
    return model.dropMimeData(mime, Qt.DropAction.MoveAction, -1, 0, parent)


def settle(qtbot: Any, runner: TaskRunner) -> None:
    """Wait until every queued task and its follow-up tasks have run."""
    qtbot.waitUntil(runner.is_idle, timeout=5000)


def stage_of(sessions: Any, deal_id: uuid.UUID) -> uuid.UUID:
    """Return the stage a deal is in, read from the store."""
    with sessions() as session:
        deal = session.get(Opportunity, deal_id)
        assert deal is not None
        return deal.stage_id


def history_count(sessions: Any, deal_id: uuid.UUID) -> int:
    """Return how many stage history rows a deal has."""
    with sessions() as session:
        return session.scalar(
            select(func.count())
            .select_from(StageHistory)
            .where(StageHistory.opportunity_id == deal_id)
        )


def outcomes(sessions: Any, deal_id: uuid.UUID) -> list[Outcome]:
    """Return the outcome records of a deal, oldest first."""
    with sessions() as session:
        return list(
            session.scalars(
                select(Outcome)
                .where(Outcome.opportunity_id == deal_id)
                .order_by(Outcome.recorded_at)
            )
        )


def column_ids(board: BoardWidget, stage_id: uuid.UUID) -> list[uuid.UUID]:
    """Return the deal ids a column shows, top to bottom."""
    return [card.id for card in board.model.visible_cards(stage_id)]


def header_text(board: BoardWidget, stage_id: uuid.UUID) -> str:
    """Return the text of a column header."""
    position = [stage.id for stage in board.stages()].index(stage_id)
    return board.columns.headers()[position].text()
