"""The approvals of one deal: each request, its status, amounts and decisions.

Requests replaced by a newer one of the same type (rejected and asked again, or
reopened after an amount change) are listed below the current ones, greyed.
The view only shows and asks: the panel sends decisions and new requests
through the approval service.

Signals:
    decision_requested(object, bool): an ``ApprovalRecord`` and True to approve
        it, False to reject it.
    request_again_requested(object): the UUID of a rejected request to ask again.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from crmdesk.services.approvals import ApprovalRecord
from crmdesk.ui.approvals.texts import history_line, status_text
from crmdesk.ui.formatting import amount_text, instant_text

STATUS_COLORS = {
    "pending": "#2f6fb3",
    "approved": "#2f8f4e",
    "rejected": "#c8372d",
    "invalidated": "#8a8f98",
}


def _escaped(text: str) -> str:
    """Return plain text for a rich-text label; quotes stay as they are."""
    return html.escape(text, quote=False)


class DealApprovalsView(QWidget):
    """The Approvals tab of the deal panel."""

    decision_requested = Signal(object, bool)
    request_again_requested = Signal(object)

    def __init__(self, language: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._language = language
        self._records: list[ApprovalRecord] = []
        self._may_decide = False
        self.empty_label = QLabel(self)
        self.empty_label.setWordWrap(True)
        self._body = QWidget(self)
        self._body_layout = QVBoxLayout(self._body)
        self._body_layout.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self._body)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty_label)
        layout.addWidget(scroll, 1)
        self.entries: list[_Entry] = []
        self.retranslate()

    def retranslate(self) -> None:
        self.empty_label.setText(
            self.tr(
                "No approval was requested for this deal. Stages with approvals "
                "ask the team lead when the deal enters them."
            )
        )
        self._rebuild()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_language(self, language: str) -> None:
        self._language = language
        self._rebuild()

    def show_records(self, records: list[ApprovalRecord], may_decide: bool) -> None:
        """Show a deal's requests; ``may_decide`` enables Approve and Reject."""
        self._records = list(records)
        self._may_decide = may_decide
        self._rebuild()

    def pending_count(self) -> int:
        """Return the number of current requests waiting for a decision."""
        return sum(1 for r in self._records if r.current and r.status == "pending")

    def _rebuild(self) -> None:
        for entry in self.entries:
            self._body_layout.removeWidget(entry)
            entry.deleteLater()
        item = self._body_layout.takeAt(0)
        while item is not None:
            item = self._body_layout.takeAt(0)
        self.entries = []
        ordered = [r for r in self._records if r.current] + [
            r for r in self._records if not r.current
        ]
        for record in ordered:
            entry = _Entry(record, self._language, self._may_decide, self._body)
            entry.approve_button.clicked.connect(
                lambda _c=False, r=record: self.decision_requested.emit(r, True)
            )
            entry.reject_button.clicked.connect(
                lambda _c=False, r=record: self.decision_requested.emit(r, False)
            )
            entry.again_button.clicked.connect(
                lambda _c=False, r=record: self.request_again_requested.emit(r.id)
            )
            self._body_layout.addWidget(entry)
            self.entries.append(entry)
        self._body_layout.addStretch(1)
        self.empty_label.setVisible(not self._records)


class _Entry(QFrame):
    """One request: a heading with its status, facts, history and buttons."""

    def __init__(
        self,
        record: ApprovalRecord,
        language: str,
        may_decide: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.record = record
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.approve_button = QPushButton(self.tr("Approve…"), self)
        self.reject_button = QPushButton(self.tr("Reject…"), self)
        self.again_button = QPushButton(self.tr("Ask again"), self)
        pending = record.current and record.status == "pending"
        self.approve_button.setVisible(pending and may_decide)
        self.reject_button.setVisible(pending and may_decide)
        self.again_button.setVisible(record.current and record.status == "rejected")
        self.again_button.setToolTip(
            self.tr("Change the deal as the lead asked first, then ask again.")
        )
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.again_button)
        buttons.addWidget(self.reject_button)
        buttons.addWidget(self.approve_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addLayout(buttons)
        self.label.setText(self._html(record, language))
        if not record.current:
            self.label.setStyleSheet("color: palette(mid);")

    def _html(self, record: ApprovalRecord, language: str) -> str:
        color = STATUS_COLORS.get(record.status, "#8a8f98")
        name = _escaped(record.name.get(language))
        status = _escaped(status_text(record.status))
        lines = [
            f'<b>{name}</b> &nbsp;<span style="color:{color}"><b>{status}</b></span>'
        ]
        facts = [
            self.tr("Stage: {stage}").format(stage=record.stage.get(language)),
            self.tr("Requested: {amount}").format(
                amount=amount_text(record.amount_minor, record.currency)
                or self.tr("no amount")
            ),
        ]
        if record.approved_amount_minor is not None or record.status == "approved":
            facts.append(
                self.tr("Approved: {amount}").format(
                    amount=amount_text(record.approved_amount_minor, record.currency)
                    or self.tr("no amount")
                )
            )
        facts.append(
            self.tr("Approver: {name}").format(
                name=record.approver or self.tr("none (the team has no lead)")
            )
        )
        if record.blocks_promotion:
            facts.append(self.tr("The deal moves on only once this is approved."))
        lines.extend(_escaped(fact) for fact in facts)
        lines.append(
            _escaped(
                self.tr("Asked {when} by {who}").format(
                    when=instant_text(record.requested_at),
                    who=record.requested_by or "—",
                )
            )
        )
        for line in record.history:
            lines.append("• " + _escaped(history_line(line)))
        return "<br>".join(lines)
