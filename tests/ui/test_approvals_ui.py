"""The approval flow in the interface: board, inbox, decision dialog, deal panel.

The store has the shipped education playbook. Wang Fang, a rep of the
"teaching" team led by Li Na, sells a piano course of 12,800 CNY in the series
"Trial lesson conversion"; entering "Plan accepted" asks Li Na for the
blocking "Price pre-approval".
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from helpers.board_ui import drop, open_board, settle, stage_of
from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy import select

from crmdesk.domain.errors import Rejection
from crmdesk.domain.playbook import OutcomeResult
from crmdesk.domain.playbook_file import shipped_playbook
from crmdesk.domain.rules import RejectionCode
from crmdesk.services.approvals import ApprovalRecord, deal_approvals
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.deals import (
    NewOpportunity,
    OpportunityEdit,
    create_opportunity,
)
from crmdesk.services.playbooks import SeriesRecord, install_playbook, list_series
from crmdesk.services.stages import OutcomeInput, set_checklist_action
from crmdesk.services.workspace import ensure_user, set_current_user
from crmdesk.storage import playbook_repo
from crmdesk.storage.db import open_store
from crmdesk.storage.models import Approval, ChecklistAction, Opportunity
from crmdesk.ui.approvals.dialog import DecisionDialog, DecisionInput
from crmdesk.ui.approvals.inbox import ApprovalsInbox
from crmdesk.ui.detail.panel import DetailPanel
from crmdesk.ui.dialogs.outcome import OutcomeDialog
from crmdesk.ui.events import EventHub
from crmdesk.ui.messages import rejection_text
from crmdesk.ui.tasks import TaskRunner

pytestmark = [
    pytest.mark.gui,
    # The offscreen platform cannot size or raise windows; the panel and the
    # inbox ask it to.
    pytest.mark.qt_log_ignore(
        r"This plugin does not support (propagateSizeHints|raise)"
    ),
]


@dataclass
class Edu:
    sessions: Any
    lead: uuid.UUID
    rep: uuid.UUID
    series: SeriesRecord
    deal: uuid.UUID

    def act_as(self, user_id: uuid.UUID) -> None:
        with self.sessions.begin() as session:
            set_current_user(session, user_id)

    def stage(self, key: str) -> uuid.UUID:
        return self.series.stage_by_key(key).id

    def approvals(self) -> list[Approval]:
        with self.sessions() as session:
            rows = list(
                session.scalars(
                    select(Approval)
                    .where(Approval.opportunity_id == self.deal)
                    .order_by(Approval.id)
                )
            )
            session.expunge_all()
            return rows

    def amount(self) -> int | None:
        with self.sessions() as session:
            deal = session.get(Opportunity, self.deal)
            assert deal is not None
            return deal.amount_minor


@pytest.fixture
def edu(tmp_path: Path) -> Iterator[Edu]:
    engine, sessions = open_store(tmp_path / "edu.sqlite3")
    with sessions.begin() as session:
        install_playbook(session, shipped_playbook("education"))
        team = playbook_repo.team_by_key(session, "teaching")
        assert team is not None
        lead = ensure_user(session, "li.na", "Li Na", role="lead", team_id=team.id)
        rep = ensure_user(session, "wang.fang", "Wang Fang", team_id=team.id)
        team.lead_id = lead.id
        set_current_user(session, rep.id)
        series = next(s for s in list_series(session) if s.key == "trial-conversion")
        actor = Actor(rep.id, ChangeSource.FORM)
        deal = create_opportunity(
            session,
            NewOpportunity(
                series_id=series.id,
                title="Piano course",
                amount=Decimal("12800"),
                stage_id=series.stage_by_key("trial-delivered").id,
            ),
            actor,
        )
        gated = {
            series.stage_by_key(k).id for k in ("trial-delivered", "plan-accepted")
        }
        for action in session.scalars(select(ChecklistAction)):
            if action.stage_id in gated:
                set_checklist_action(session, deal.id, action.id, True, actor)
        built = Edu(sessions, lead.id, rep.id, series, deal.id)
    yield built
    engine.dispose()


@pytest.fixture
def edu_runner(qapp: Any, edu: Edu) -> Iterator[TaskRunner]:
    runner = TaskRunner(edu.sessions)
    yield runner
    runner.wait_idle()
    runner.shutdown()


def open_inbox(qtbot: Any, runner: TaskRunner, events: EventHub) -> ApprovalsInbox:
    inbox = ApprovalsInbox(runner, events, "en")
    qtbot.addWidget(inbox)
    inbox.show()
    inbox.reload()
    settle(qtbot, runner)
    return inbox


def test_approval_flow_board_inbox_panel(
    qtbot, qtmodeltester, monkeypatch, edu, edu_runner
):
    runner = edu_runner
    events = EventHub()
    board = open_board(qtbot, runner, events, edu.series.id)

    # The rep drags the deal into "Plan accepted": a request for Li Na opens.
    drop(board, [edu.deal], edu.stage("plan-accepted"))
    settle(qtbot, runner)
    assert stage_of(edu.sessions, edu.deal) == edu.stage("plan-accepted")
    assert board.model.card(edu.deal).approval == "pending"
    [request] = edu.approvals()
    assert (request.status, request.approver_id) == ("pending", edu.lead)

    # It appears in the lead's inbox, decidable there.
    edu.act_as(edu.lead)
    inbox = open_inbox(qtbot, runner, events)
    qtmodeltester.check(inbox.model)
    assert inbox.model.rowCount() == 1
    assert inbox.select_request(request.id)
    assert inbox.approve_button.isEnabled()
    row = [inbox.model.index(0, column).data() for column in range(inbox.model.COLUMNS)]
    assert row[:5] == [
        "Piano course",
        "Price pre-approval (blocks moving on)",
        "Plan accepted",
        "Pending",
        "12,800.00 CNY",
    ]

    # The rep's drag onward to won is refused with the approval named.
    edu.act_as(edu.rep)
    with qtbot.waitSignal(board.move_failed, timeout=5000) as failed:
        drop(board, [edu.deal], edu.stage("won"))
    settle(qtbot, runner)
    assert "“Price pre-approval”" in failed.args[0]
    assert "is pending" in failed.args[0]
    assert stage_of(edu.sessions, edu.deal) == edu.stage("plan-accepted")

    # The lead approves at a corrected 11,520.00 CNY (10 % off).
    edu.act_as(edu.lead)
    answer = DecisionInput(True, "10 % term discount at most", "11,520.00")
    monkeypatch.setattr(DecisionDialog, "ask", lambda *args: answer)
    inbox.approve_button.click()
    settle(qtbot, runner)
    assert [r.status for r in edu.approvals()] == ["approved"]
    assert edu.amount() == 1_152_000
    assert inbox.model.rowCount() == 0
    card = board.model.card(edu.deal)
    assert (card.approval, card.amount_minor) == ("", 1_152_000)

    # The deal panel shows the request, its amounts and the decision.
    panel = DetailPanel(runner, events, "en")
    qtbot.addWidget(panel)
    panel.show_deal(edu.deal)
    settle(qtbot, runner)
    [entry] = panel.approvals.entries
    text = entry.label.text()
    assert "Price pre-approval" in text
    assert "Approved" in text
    assert "Requested: 12,800.00 CNY" in text
    assert "Approved: 11,520.00 CNY" in text
    assert "approved by Li Na at 11,520.00 CNY — 10 % term discount at most" in text
    assert panel.tabs.tabText(panel.approvals_tab) == "Approvals"

    # Now the rep's drag to won goes through.
    edu.act_as(edu.rep)
    won = OutcomeInput(
        OutcomeResult.WON, actual_amount=Decimal("11520"), actual_date=date.today()
    )
    monkeypatch.setattr(OutcomeDialog, "ask", lambda *args, **kwargs: won)
    drop(board, [edu.deal], edu.stage("won"))
    settle(qtbot, runner)
    assert stage_of(edu.sessions, edu.deal) == edu.stage("won")

    # Editing the amount reopens the approval; card and panel show it.
    panel.fields.save_requested.emit(OpportunityEdit(amount=Decimal("12000")))
    settle(qtbot, runner)
    assert [r.status for r in edu.approvals()] == ["invalidated", "pending"]
    assert board.model.card(edu.deal).approval == "pending"
    assert panel.tabs.tabText(panel.approvals_tab) == "Approvals (1 pending)"
    first, second = panel.approvals.entries
    assert "Pending" in first.label.text()
    assert "Requested: 12,000.00 CNY" in first.label.text()
    assert "reopened, the amount changed to 12,000.00 CNY" in second.label.text()


def test_rep_sees_no_decision_buttons(qtbot, edu, edu_runner):
    runner = edu_runner
    events = EventHub()
    board = open_board(qtbot, runner, events, edu.series.id)
    drop(board, [edu.deal], edu.stage("plan-accepted"))
    settle(qtbot, runner)
    inbox = open_inbox(qtbot, runner, events)
    assert inbox.model.rowCount() == 1
    inbox.table.selectRow(0)
    assert not inbox.approve_button.isEnabled()
    assert "Only the lead of the deal's team" in inbox.details.text()
    panel = DetailPanel(runner, events, "en")
    qtbot.addWidget(panel)
    panel.show_deal(edu.deal)
    settle(qtbot, runner)
    [entry] = panel.approvals.entries
    assert entry.approve_button.isHidden()
    assert panel.tabs.tabText(panel.approvals_tab) == "Approvals (1 pending)"


def test_rejected_decision_shown_in_inbox(qtbot, monkeypatch, edu, edu_runner):
    runner = edu_runner
    events = EventHub()
    board = open_board(qtbot, runner, events, edu.series.id)
    drop(board, [edu.deal], edu.stage("plan-accepted"))
    settle(qtbot, runner)
    edu.act_as(edu.lead)
    inbox = open_inbox(qtbot, runner, events)
    inbox.table.selectRow(0)
    record = inbox.selected_record()
    assert record is not None
    # The rep's client decides nothing, even when a stale window tries.
    edu.act_as(edu.rep)
    inbox.send_decision(record, DecisionInput(False, "Too low"))
    settle(qtbot, runner)
    assert "Wang Fang (wang.fang) may not decide" in inbox.message.text()
    assert [r.status for r in edu.approvals()] == ["pending"]


def _record(edu: Edu) -> ApprovalRecord:
    with edu.sessions.begin() as session:
        deal = session.get(Opportunity, edu.deal)
        assert deal is not None
        deal.stage_id = edu.stage("plan-accepted")
        from crmdesk.services.approvals import stage_entered

        stage_entered(session, deal, Actor(edu.rep, ChangeSource.FORM))
    with edu.sessions() as session:
        [record] = deal_approvals(session, edu.deal)
        return record


def test_dialog_checks_amount_currency(qtbot, edu):
    record = _record(edu)
    dialog = DecisionDialog(record, True, "en")
    qtbot.addWidget(dialog)
    assert dialog.amount_edit.text() == "12800.00"
    assert dialog.currency_label.text() == "CNY"
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.text() == "Approve"

    dialog.amount_edit.setText("11520.005")
    ok.click()
    assert dialog.error.text() == "invalid amount '11520.005': CNY has 2 decimal places"
    assert dialog.value() is None

    # The unchanged amount is no correction.
    dialog.amount_edit.setText("12,800")
    ok.click()
    assert dialog.value() == DecisionInput(True, "", None)

    corrected = DecisionDialog(record, True, "en")
    qtbot.addWidget(corrected)
    corrected.comment_edit.setPlainText("  Fine  ")
    corrected.amount_edit.setText("11,520.00")
    corrected.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert corrected.value() == DecisionInput(True, "Fine", "11,520.00")


def test_dialog_rejection_needs_reason(qtbot, edu):
    record = _record(edu)
    dialog = DecisionDialog(record, False, "en")
    qtbot.addWidget(dialog)
    assert not dialog.amount_edit.isVisibleTo(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.text() == "Reject"
    ok.click()
    assert "Write why you reject it" in dialog.error.text()
    dialog.comment_edit.setPlainText("Below the floor price")
    ok.click()
    assert dialog.value() == DecisionInput(False, "Below the floor price")


def test_rejection_text_names_approval():
    rejection = Rejection(
        RejectionCode.APPROVAL_PENDING,
        "",
        {
            "approval": "Price pre-approval",
            "approval_zh": "价格预审批",
            "stage": "Plan accepted",
            "status": "rejected",
        },
    )
    english = rejection_text(rejection)
    assert english == (
        "The approval “Price pre-approval” of stage “Plan accepted” was rejected: "
        "change the deal as the team lead asked, then ask for approval again."
    )
    chinese = rejection_text(rejection, lambda name: "方案已确认", "zh_CN")
    assert "价格预审批" in chinese
    assert "方案已确认" in chinese
