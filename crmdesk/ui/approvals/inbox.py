"""The approvals inbox: the requests a team lead decides, with approve and reject.

A lead sees the requests of the deals of the teams they lead, an admin every
request, and a rep the requests of their own deals (``approvals.inbox``). The
window lists pending or decided requests in a table, shows the selected one's
history below it, and sends decisions through the approval service on the task
runner; after each decision it announces the deal on the event hub, so the
board card and the deal panel refresh.
"""

from __future__ import annotations

import html
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.errors import CrmError
from crmdesk.services.approvals import (
    ApprovalRecord,
    InboxFilter,
    approve,
    inbox,
    may_decide,
    reject,
)
from crmdesk.services.workspace import current_user_id
from crmdesk.ui.acting import actor_in
from crmdesk.ui.approvals.dialog import DecisionDialog, DecisionInput
from crmdesk.ui.approvals.texts import history_line, status_text
from crmdesk.ui.events import EventHub
from crmdesk.ui.formatting import amount_text, instant_text
from crmdesk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

_Index = QModelIndex | QPersistentModelIndex

RECORD_ROLE = Qt.ItemDataRole.UserRole + 1
"""Role of the ``ApprovalRecord`` behind a row."""


def _escaped(text: str) -> str:
    """Return plain text for a rich-text label; quotes stay as they are."""
    return html.escape(text, quote=False)


class ApprovalsTableModel(QAbstractTableModel):
    """One row per request: deal, approval, stage, status, amounts, people."""

    COLUMNS = 8

    def __init__(self, language: str, parent: Any = None) -> None:
        super().__init__(parent)
        self._records: list[ApprovalRecord] = []
        self._language = language

    def set_records(self, records: list[ApprovalRecord]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def set_language(self, language: str) -> None:
        self._language = language
        if self._records:
            self.dataChanged.emit(
                self.index(0, 0),
                self.index(len(self._records) - 1, self.COLUMNS - 1),
            )

    def records(self) -> list[ApprovalRecord]:
        return list(self._records)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.COLUMNS

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            orientation is not Qt.Orientation.Horizontal
            or role != Qt.ItemDataRole.DisplayRole
        ):
            return None
        titles = (
            self.tr("Deal"),
            self.tr("Approval"),
            self.tr("Stage"),
            self.tr("Status"),
            self.tr("Amount"),
            self.tr("Approved amount"),
            self.tr("Rep"),
            self.tr("Requested"),
        )
        return titles[section] if 0 <= section < len(titles) else None

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._records):
            return None
        record = self._records[index.row()]
        if role == RECORD_ROLE:
            return record
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (4, 5):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 3:
            if not record.approver:
                return self.tr("The team has no lead: an admin decides this request.")
            return self.tr("Approver: {name}").format(name=record.approver)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        language = self._language
        match index.column():
            case 0:
                if record.customer:
                    return f"{record.customer} · {record.deal_title}"
                return record.deal_title
            case 1:
                name = record.name.get(language)
                if record.blocks_promotion:
                    return self.tr("{name} (blocks moving on)").format(name=name)
                return name
            case 2:
                return record.stage.get(language)
            case 3:
                text = status_text(record.status)
                if record.status == "pending" and not record.approver:
                    return self.tr("{status}, no approver").format(status=text)
                return text
            case 4:
                return amount_text(record.amount_minor, record.currency)
            case 5:
                return amount_text(record.approved_amount_minor, record.currency)
            case 6:
                return record.owner
            case 7:
                return instant_text(record.requested_at)
        return None


@dataclass(frozen=True)
class _Loaded:
    records: list[ApprovalRecord]
    deciders: frozenset[uuid.UUID]


class ApprovalsInbox(QWidget):
    """A window listing approval requests, with Approve… and Reject… buttons.

    Signals:
        deal_requested(object): the UUID of a deal to show in the deal panel.
    """

    deal_requested = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        events: EventHub,
        language: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("approvals-inbox")
        self._runner = runner
        self._events = events
        self._language = language
        self._deciders: frozenset[uuid.UUID] = frozenset()

        self.filter_combo = QComboBox(self)
        self.filter_combo.addItem("", InboxFilter.PENDING)
        self.filter_combo.addItem("", InboxFilter.DECIDED)
        self.filter_combo.addItem("", InboxFilter.ALL)
        self.count_label = QLabel(self)
        self.model = ApprovalsTableModel(language, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The deal column takes the room left and elides long customer names,
        # so the amounts and people stay in view.
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.details = QLabel(self)
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.details.setMinimumHeight(90)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b3261e;")
        self.message.hide()
        self.approve_button = QPushButton(self)
        self.reject_button = QPushButton(self)
        self.open_button = QPushButton(self)
        self.refresh_button = QPushButton(self)
        self._filter_caption = QLabel(self)
        self._lay_out()
        self._connect(events)
        self.retranslate()
        self._on_selection()
        self.resize(980, 520)

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self._filter_caption)
        top.addWidget(self.filter_combo)
        top.addStretch(1)
        top.addWidget(self.count_label)
        top.addWidget(self.refresh_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.reject_button)
        buttons.addWidget(self.approve_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

    def _connect(self, events: EventHub) -> None:
        self.filter_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.refresh_button.clicked.connect(self.reload)
        self.approve_button.clicked.connect(lambda: self.decide_selected(True))
        self.reject_button.clicked.connect(lambda: self.decide_selected(False))
        self.open_button.clicked.connect(self._open_deal)
        self.table.doubleClicked.connect(lambda _index: self._open_deal())
        self.table.selectionModel().selectionChanged.connect(
            lambda *_args: self._on_selection()
        )
        events.deals_changed.connect(lambda _ids: self._reload_if_shown())

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Approvals inbox"))
        self._filter_caption.setText(self.tr("Show:"))
        self.filter_combo.setItemText(0, self.tr("Pending"))
        self.filter_combo.setItemText(1, self.tr("Decided"))
        self.filter_combo.setItemText(2, self.tr("All"))
        self.approve_button.setText(self.tr("&Approve…"))
        self.reject_button.setText(self.tr("&Reject…"))
        self.open_button.setText(self.tr("Open deal"))
        self.refresh_button.setText(self.tr("Refresh"))
        self._show_count()
        self._on_selection()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_language(self, language: str) -> None:
        """Name approvals and stages in ``language`` (zh_CN or en)."""
        self._language = language
        self.model.set_language(language)
        self._on_selection()

    def set_filter(self, listing: InboxFilter) -> None:
        """Show pending, decided or all requests."""
        self.filter_combo.setCurrentIndex(self.filter_combo.findData(listing))

    # Loading

    def reload(self) -> None:
        """Read the requests again."""
        listing = InboxFilter(self.filter_combo.currentData())

        def load(session: Any) -> _Loaded:
            user_id = current_user_id(session)
            records = inbox(session, user_id, listing)
            deals = {r.opportunity_id for r in records}
            return _Loaded(
                records,
                frozenset(d for d in deals if may_decide(session, d, user_id)),
            )

        self._runner.run_read(load, self._on_loaded, self._on_failed)

    def _reload_if_shown(self) -> None:
        if self.isVisible():
            self.reload()

    def _on_loaded(self, loaded: _Loaded) -> None:
        selected = self.selected_record()
        self._deciders = loaded.deciders
        self.model.set_records(loaded.records)
        self._show_count()
        if selected is not None:
            for row, record in enumerate(loaded.records):
                if record.id == selected.id:
                    self.table.selectRow(row)
                    break
        self._on_selection()

    def _on_failed(self, error: Exception) -> None:
        log.warning("loading the approvals inbox failed: %s", error)
        self.show_message(
            self.tr("The requests could not be loaded: {error}").format(error=error)
        )

    def _show_count(self) -> None:
        self.count_label.setText(self.tr("%n request(s)", "", self.model.rowCount()))

    def show_message(self, text: str) -> None:
        """Show an error above the buttons; an empty text hides it."""
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # Selection

    def selected_record(self) -> ApprovalRecord | None:
        """The request of the selected row, if any."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        record = rows[0].data(RECORD_ROLE)
        return record if isinstance(record, ApprovalRecord) else None

    def select_request(self, approval_id: uuid.UUID) -> bool:
        """Select the row of a request; return False when it is not listed."""
        for row, record in enumerate(self.model.records()):
            if record.id == approval_id:
                self.table.selectRow(row)
                return True
        return False

    def _on_selection(self) -> None:
        record = self.selected_record()
        decidable = (
            record is not None
            and record.status == "pending"
            and record.opportunity_id in self._deciders
        )
        self.approve_button.setEnabled(decidable)
        self.reject_button.setEnabled(decidable)
        self.open_button.setEnabled(record is not None)
        self.details.setText("" if record is None else self._details_html(record))

    def _details_html(self, record: ApprovalRecord) -> str:
        language = self._language
        name = _escaped(record.name.get(language))
        lines = [f"<b>{name}</b> — {_escaped(record.deal_title)}"]
        approver = record.approver or self.tr("no approver (the team has no lead)")
        lines.append(
            _escaped(
                self.tr("Requested {when} by {who}; approver: {approver}").format(
                    when=instant_text(record.requested_at),
                    who=record.requested_by or "—",
                    approver=approver,
                )
            )
        )
        for line in record.history:
            lines.append(_escaped(history_line(line)))
        if record.status == "pending" and record.opportunity_id not in self._deciders:
            lines.append(
                "<i>{}</i>".format(
                    _escaped(
                        self.tr(
                            "Only the lead of the deal's team or an admin decides "
                            "this request."
                        )
                    )
                )
            )
        return "<br>".join(lines)

    # Decisions

    def decide_selected(self, approve_it: bool) -> None:
        """Open the decision dialog on the selected request and send the decision."""
        record = self.selected_record()
        if record is None or record.status != "pending":
            return
        decision = DecisionDialog.ask(self, record, approve_it, self._language)
        if decision is None:
            return
        self.send_decision(record, decision)

    def send_decision(self, record: ApprovalRecord, decision: DecisionInput) -> None:
        """Record a decision on a request through the approval service."""
        approval_id = record.id
        deal_id = record.opportunity_id
        self.show_message("")

        def write(session: Any) -> object:
            actor = actor_in(session)
            if decision.approve:
                return approve(
                    session, approval_id, actor, decision.comment, decision.amount
                )
            return reject(session, approval_id, actor, decision.comment)

        def failed(error: Exception) -> None:
            if not isinstance(error, CrmError):
                log.error("deciding request %s failed", approval_id, exc_info=error)
            self.show_message(str(error))
            self.reload()

        self._runner.run_write(
            write,
            lambda _result: self._events.deals_changed.emit([deal_id]),
            failed,
        )

    def _open_deal(self) -> None:
        record = self.selected_record()
        if record is not None:
            self.deal_requested.emit(record.opportunity_id)
