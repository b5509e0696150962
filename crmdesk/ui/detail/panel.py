"""The deal detail panel: a dock that shows one deal and saves edits to it.

Every change goes through the same services as the board (``update_opportunity``,
``move_opportunity``, ``set_manual_probability``, ``set_checklist_action``) with
``ChangeSource.FORM``, on the task runner. After each write the panel announces
the deal on the event hub; the board refreshes its card and the panel reloads.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.errors import CrmError, MoveRejectedError, Rejection
from crmdesk.domain.playbook import OutcomeResult
from crmdesk.services import approvals
from crmdesk.services.approvals import ApprovalRecord
from crmdesk.services.deal_detail import DealDetail, load_deal_detail
from crmdesk.services.deals import OpportunityEdit, update_opportunity
from crmdesk.services.lookups import (
    Choice,
    ReasonChoice,
    list_customers,
    list_reasons,
    list_users,
)
from crmdesk.services.playbooks import StageRecord, load_series
from crmdesk.services.stages import (
    MoveResult,
    OutcomeInput,
    check_stage_move,
    move_opportunity,
    set_checklist_action,
    set_manual_probability,
)
from crmdesk.services.workspace import current_user_id
from crmdesk.ui.acting import actor_in
from crmdesk.ui.approvals.dialog import DecisionDialog
from crmdesk.ui.customers.notice import announce
from crmdesk.ui.detail.approvals_view import DealApprovalsView
from crmdesk.ui.detail.checklist import ChecklistView
from crmdesk.ui.detail.fields import DealFieldsForm
from crmdesk.ui.detail.records import DealRecords
from crmdesk.ui.detail.stage_section import StageSection
from crmdesk.ui.dialogs.outcome import OutcomeDialog
from crmdesk.ui.events import EventHub
from crmdesk.ui.formatting import major_amount
from crmdesk.ui.messages import rejections_text
from crmdesk.ui.tasks import TaskRunner
from crmdesk.ui.timeline.widget import TimelineWidget

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Loaded:
    detail: DealDetail
    stages: list[StageRecord]
    customers: list[Choice]
    users: list[Choice]
    reasons: list[ReasonChoice]
    approvals: list[ApprovalRecord]
    may_decide: bool


def _load(session: Any, deal_id: uuid.UUID) -> _Loaded:
    detail = load_deal_detail(session, deal_id)
    series = load_series(session, detail.series_id)
    return _Loaded(
        detail=detail,
        stages=list(series.stages),
        customers=list_customers(session),
        users=list_users(session),
        reasons=list_reasons(session, detail.series_id),
        approvals=approvals.deal_approvals(session, deal_id),
        may_decide=approvals.may_decide(session, deal_id, current_user_id(session)),
    )


class DetailPanel(QDockWidget):
    """A dock with a deal's fields, stage, win probability, checklist and records."""

    def __init__(
        self,
        runner: TaskRunner,
        events: EventHub,
        language: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("deal-detail")
        self._runner = runner
        self._events = events
        self._language = language
        self._loaded: _Loaded | None = None
        self._deal_id: uuid.UUID | None = None

        self._build_labels()
        self.fields = DealFieldsForm(self)
        self.stage_section = StageSection(language, self)
        self.checklist = ChecklistView(language, self)
        self.records = DealRecords(language, self)
        self.timeline = TimelineWidget(runner, events, language, self)
        self.approvals = DealApprovalsView(language, self)

        deal_page = QWidget(self)
        deal_layout = QVBoxLayout(deal_page)
        deal_layout.addWidget(self.stage_section)
        deal_layout.addWidget(self.fields)
        deal_layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(deal_page)

        self.tabs = QTabWidget(self)
        self.tabs.addTab(scroll, "")
        self.tabs.addTab(self.checklist, "")
        self.tabs.addTab(self.records, "")
        self.timeline_tab = self.tabs.addTab(self.timeline, "")
        self.approvals_tab = self.tabs.addTab(self.approvals, "")

        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.addWidget(self.heading)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)
        self.setWidget(body)
        self.tabs.setEnabled(False)

        self.fields.save_requested.connect(self._save_fields)
        self.stage_section.move_requested.connect(self._move_to)
        self.stage_section.probability_requested.connect(self._set_probability)
        self.checklist.action_toggled.connect(self._toggle_action)
        self._connect_approvals()
        events.deals_changed.connect(self._on_deals_changed)
        self.retranslate()

    def _build_labels(self) -> None:
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.heading.setFont(font)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b3261e;")
        self.message.hide()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Deal"))
        self.tabs.setTabText(0, self.tr("Deal"))
        self.tabs.setTabText(1, self.tr("Checklist"))
        self.tabs.setTabText(2, self.tr("History"))
        self.tabs.setTabText(self.timeline_tab, self.tr("Activities"))
        self._approvals_tab_text()
        if self._loaded is None:
            self.heading.setText(self.tr("Double-click a card to see its deal here."))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_language(self, language: str) -> None:
        """Label stages, actions and reasons in ``language`` (zh_CN or en)."""
        self._language = language
        self.stage_section.set_language(language)
        self.checklist.set_language(language)
        self.records.set_language(language)
        self.timeline.set_language(language)
        self.approvals.set_language(language)

    @property
    def deal_id(self) -> uuid.UUID | None:
        """The deal shown, or None before one was opened."""
        return self._deal_id

    def show_deal(self, deal_id: uuid.UUID) -> None:
        """Load ``deal_id`` and show it; the dock is raised when it was hidden."""
        self._deal_id = deal_id
        self.show()
        self.raise_()
        self._reload()
        self.timeline.show_deal(deal_id)

    def clear(self) -> None:
        """Show no deal, for example after switching to another series."""
        self._deal_id = None
        self._loaded = None
        self.tabs.setEnabled(False)
        self.timeline.clear()
        self.show_message("")
        self.retranslate()

    def show_message(self, text: str) -> None:
        """Show an error or rejection above the tabs; an empty text hides it."""
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def log_activity(self) -> None:
        """Open the Log activity dialog on the deal shown."""
        if self._deal_id is not None:
            self.tabs.setCurrentIndex(self.timeline_tab)
            self.timeline.log_activity()

    def plan_activity(self) -> None:
        """Open the Plan activity dialog on the deal shown."""
        if self._deal_id is not None:
            self.tabs.setCurrentIndex(self.timeline_tab)
            self.timeline.plan_activity()

    # Loading

    def _reload(self) -> None:
        deal_id = self._deal_id
        if deal_id is None:
            return
        self._runner.run_read(
            lambda session: _load(session, deal_id),
            lambda loaded: self._on_loaded(deal_id, loaded),
            self._on_load_failed,
        )

    def _on_loaded(self, deal_id: uuid.UUID, loaded: _Loaded) -> None:
        if deal_id != self._deal_id:
            return
        self._loaded = loaded
        detail = loaded.detail
        self.heading.setText(detail.title)
        self.fields.set_choices(loaded.customers, loaded.users)
        self.fields.show_detail(detail)
        self.stage_section.show_detail(detail, loaded.stages)
        self.checklist.show_lines(detail.checklist)
        self.records.show_detail(detail)
        self.approvals.show_records(loaded.approvals, loaded.may_decide)
        self._approvals_tab_text()
        self.tabs.setEnabled(True)

    def _on_load_failed(self, error: Exception) -> None:
        log.warning("loading deal %s failed: %s", self._deal_id, error)
        self.clear()
        self.show_message(
            self.tr("The deal could not be loaded: {error}").format(error=error)
        )

    def _on_deals_changed(self, deal_ids: list[uuid.UUID]) -> None:
        if self._deal_id is not None and self._deal_id in deal_ids:
            self._reload()
            self.timeline.reload()

    # Writes

    def _write(self, fn: Any) -> None:
        deal_id = self._deal_id
        if deal_id is None:
            return
        self.show_message("")

        def done(result: object) -> None:
            self._events.deals_changed.emit([deal_id])
            if isinstance(result, MoveResult):
                announce(self._events, result, self._language)

        def failed(error: Exception) -> None:
            if isinstance(error, MoveRejectedError):
                self.show_message(self._rejections_text(error.rejections))
            elif isinstance(error, CrmError):
                self.show_message(str(error))
            else:
                log.error("saving deal %s failed", deal_id, exc_info=error)
                self.show_message(self.tr("Saving failed: {error}").format(error=error))
            # Show the stored state again, so the form does not pretend the
            # rejected value was saved.
            self._reload()

        self._runner.run_write(lambda session: fn(session, deal_id), done, failed)

    def _save_fields(self, edit: OpportunityEdit) -> None:
        self._write(
            lambda session, deal_id: update_opportunity(
                session, deal_id, edit, actor_in(session)
            )
        )

    def _set_probability(self, probability: int | None, reason: str) -> None:
        self._write(
            lambda session, deal_id: set_manual_probability(
                session, deal_id, probability, actor_in(session), reason
            )
        )

    def _toggle_action(self, action_id: uuid.UUID, done: bool) -> None:
        self._write(
            lambda session, deal_id: set_checklist_action(
                session, deal_id, action_id, done, actor_in(session)
            )
        )

    def _move_to(self, stage_id: uuid.UUID) -> None:
        if self._loaded is None:
            return
        stage = next((s for s in self._loaded.stages if s.id == stage_id), None)
        if stage is None:
            return
        if not stage.kind.is_result:
            self._move(stage_id, None)
            return
        # Ask the rules first, so the outcome dialog only opens for a move that
        # can happen.
        deal_id = self._loaded.detail.id
        self._runner.run_read(
            lambda session: check_stage_move(
                session, deal_id, stage_id, check_outcome=False
            ),
            lambda rejections: self._on_result_move_checked(stage, rejections),
            self._on_load_failed,
        )

    def _on_result_move_checked(
        self, stage: StageRecord, rejections: list[Rejection]
    ) -> None:
        if self._loaded is None:
            return
        if rejections:
            self.show_message(self._rejections_text(rejections))
            self.stage_section.show_detail(self._loaded.detail, self._loaded.stages)
            return
        detail = self._loaded.detail
        outcome = OutcomeDialog.ask(
            self,
            deal_title=detail.title,
            result=OutcomeResult(stage.kind.value),
            reasons=self._loaded.reasons,
            expected_amount=major_amount(detail.amount_minor, detail.currency),
            currency=detail.currency,
            language=self._language,
        )
        if outcome is None:
            self.stage_section.show_detail(self._loaded.detail, self._loaded.stages)
            return
        self._move(stage.id, outcome)

    def _move(self, stage_id: uuid.UUID, outcome: OutcomeInput | None) -> None:
        self._write(
            lambda session, deal_id: move_opportunity(
                session, deal_id, stage_id, actor_in(session), outcome
            )
        )

    def _connect_approvals(self) -> None:
        self.approvals.decision_requested.connect(self._decide)
        self.approvals.request_again_requested.connect(self._request_again)

    def _approvals_tab_text(self) -> None:
        pending = self.approvals.pending_count()
        if pending:
            text = self.tr("Approvals (%n pending)", "", pending)
        else:
            text = self.tr("Approvals")
        self.tabs.setTabText(self.approvals_tab, text)

    def _decide(self, record: ApprovalRecord, approve: bool) -> None:
        decision = DecisionDialog.ask(self, record, approve, self._language)
        if decision is None:
            return
        approval_id = record.id
        if decision.approve:
            self._write(
                lambda session, _deal_id: approvals.approve(
                    session,
                    approval_id,
                    actor_in(session),
                    decision.comment,
                    decision.amount,
                )
            )
        else:
            self._write(
                lambda session, _deal_id: approvals.reject(
                    session, approval_id, actor_in(session), decision.comment
                )
            )

    def _request_again(self, approval_id: uuid.UUID) -> None:
        self._write(
            lambda session, _deal_id: approvals.request_again(
                session, approval_id, actor_in(session)
            )
        )

    def _rejections_text(self, rejections: list[Rejection]) -> str:
        names = {}
        if self._loaded is not None:
            names = {s.name.en: s.name.get(self._language) for s in self._loaded.stages}
        return rejections_text(
            rejections, lambda name: names.get(name, name), self._language
        )
