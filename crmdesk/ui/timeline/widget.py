"""A timeline of a deal or a customer, with buttons to log and plan activities.

The widget loads ``services.timeline`` records on the task runner and shows
planned activities first (overdue ones in red), then what happened, newest
first. A planned activity's context menu marks it done, reschedules or cancels
it; a done activity's menu deletes it. Give it a deal with ``show_deal`` or a
customer with ``show_customer``, so the deal and customer panels can both
embed it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.errors import CrmError
from crmdesk.services.activities import Target, cancel_activity
from crmdesk.services.timeline import (
    ActivityRecord,
    EntryKind,
    Timeline,
    TimelineEntry,
    customer_timeline,
    deal_timeline,
)
from crmdesk.ui.acting import actor_in
from crmdesk.ui.dialogs.activity import Mode, open_activity_dialog
from crmdesk.ui.events import EventHub
from crmdesk.ui.formatting import amount_text, instant_text, percent_text
from crmdesk.ui.tasks import TaskRunner
from crmdesk.ui.timeline.texts import ActivityTexts

log = logging.getLogger(__name__)

OVERDUE_COLOR = QColor("#c8372d")
_ACTIVITY_ROLE = Qt.ItemDataRole.UserRole + 1


class TimelineWidget(QWidget):
    """Planned activities and the history of one deal or customer.

    Signals:
        loaded(): the timeline was (re)loaded and shown.
    """

    loaded = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        events: EventHub,
        language: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self._runner = runner
        self._events = events
        self._language = language
        self._target: Target | None = None
        self._timeline: Timeline | None = None
        self._texts = ActivityTexts(self)

        self.log_button = QPushButton(self)
        self.plan_button = QPushButton(self)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b3261e;")
        self.message.hide()
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(4)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setWordWrap(False)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

        buttons = QHBoxLayout()
        buttons.addWidget(self.log_button)
        buttons.addWidget(self.plan_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.tree, 1)

        self.log_button.clicked.connect(self.log_activity)
        self.plan_button.clicked.connect(self.plan_activity)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.itemActivated.connect(self._on_item_activated)
        self._set_enabled(False)
        self.retranslate()

    # Public interface

    @property
    def target(self) -> Target | None:
        """The deal or customer shown, or None."""
        return self._target

    def show_deal(self, deal_id: uuid.UUID) -> None:
        """Load and show the timeline of a deal."""
        self._target = Target.deal(deal_id)
        self.reload()

    def show_customer(self, customer_id: uuid.UUID) -> None:
        """Load and show the timeline of a customer and its deals."""
        self._target = Target.customer(customer_id)
        self.reload()

    def clear(self) -> None:
        """Show nothing, for example when the panel shows no deal."""
        self._target = None
        self._timeline = None
        self.tree.clear()
        self._set_enabled(False)

    def set_language(self, language: str) -> None:
        """Name stages, states and actions in ``language`` (zh_CN or en)."""
        self._language = language
        self._fill()

    def reload(self) -> None:
        """Read the timeline again."""
        target = self._target
        if target is None:
            return

        def load(session: object) -> Timeline:
            if target.opportunity_id is not None:
                return deal_timeline(session, target.opportunity_id)  # type: ignore[arg-type]
            assert target.customer_id is not None
            return customer_timeline(session, target.customer_id)  # type: ignore[arg-type]

        self._runner.run_read(
            load, lambda timeline: self._on_loaded(target, timeline), self._on_failed
        )

    def log_activity(self) -> None:
        """Open the Log activity dialog on the shown deal or customer."""
        self._open(Mode.LOG)

    def plan_activity(self) -> None:
        """Open the Plan activity dialog on the shown deal or customer."""
        self._open(Mode.PLAN)

    def planned_items(self) -> list[QTreeWidgetItem]:
        """Return the rows of planned activities, soonest first."""
        return self._rows(self._planned_group)

    def history_items(self) -> list[QTreeWidgetItem]:
        """Return the rows of past events, newest first."""
        return self._rows(self._history_group)

    # Qt

    def retranslate(self) -> None:
        self.log_button.setText(self.tr("&Log activity…"))
        self.plan_button.setText(self.tr("&Plan activity…"))
        self.log_button.setToolTip(self.tr("Record a call, visit or other activity"))
        self.tree.setHeaderLabels(
            [self.tr("When"), self.tr("What"), self.tr("Details"), self.tr("By")]
        )
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # Loading and filling

    def _set_enabled(self, enabled: bool) -> None:
        self.log_button.setEnabled(enabled)
        self.plan_button.setEnabled(enabled)

    def _on_loaded(self, target: Target, timeline: Timeline) -> None:
        if target != self._target:
            return
        self._timeline = timeline
        self.message.hide()
        self._set_enabled(True)
        self._fill()
        self.loaded.emit()

    def _on_failed(self, error: Exception) -> None:
        log.warning("loading the timeline of %s failed: %s", self._target, error)
        self.message.setText(
            self.tr("The timeline could not be loaded: {error}").format(error=error)
        )
        self.message.show()

    def _fill(self) -> None:
        self.tree.clear()
        self._planned_group = QTreeWidgetItem(self.tree)
        self._history_group = QTreeWidgetItem(self.tree)
        for group in (self._planned_group, self._history_group):
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            group.setFirstColumnSpanned(True)
        timeline = self._timeline
        planned = [] if timeline is None else timeline.planned
        entries = [] if timeline is None else timeline.entries
        self._planned_group.setText(
            0, self.tr("Planned ({count})").format(count=len(planned))
        )
        self._history_group.setText(
            0, self.tr("History ({count})").format(count=len(entries))
        )
        now = datetime.now(UTC)
        for record in planned:
            self._add_planned(record, now)
        for entry in entries:
            self._add_entry(entry)
        if not planned:
            hint = QTreeWidgetItem(self._planned_group)
            hint.setText(0, self.tr("Nothing planned"))
            hint.setFirstColumnSpanned(True)
            hint.setForeground(0, QBrush(self.palette().mid()))
        self.tree.expandAll()

    def _rows(self, group: QTreeWidgetItem) -> list[QTreeWidgetItem]:
        items = [group.child(index) for index in range(group.childCount())]
        return [item for item in items if item.data(0, _ACTIVITY_ROLE) is not None]

    def _deal_prefix(self, title: str) -> str:
        # On a customer timeline, name the deal each row belongs to.
        if self._target is None or self._target.customer_id is None or not title:
            return ""
        return f"[{title}] "

    def _add_planned(self, record: ActivityRecord, now: datetime) -> None:
        item = QTreeWidgetItem(self._planned_group)
        overdue = record.is_overdue(now)
        when = instant_text(record.due_at)
        if overdue:
            when = self.tr("Overdue: {when}").format(when=when)
        what = self._texts.kind_name(record.kind)
        if record.subject:
            what = f"{what}: {record.subject}"
        item.setText(0, when)
        item.setText(1, self._deal_prefix(record.deal_title) + what)
        item.setText(2, record.notes)
        item.setText(3, record.owner)
        item.setData(0, _ACTIVITY_ROLE, record)
        if overdue:
            for column in range(4):
                item.setForeground(column, QBrush(OVERDUE_COLOR))
        item.setToolTip(1, self.tr("Double-click to mark it done"))

    def _add_entry(self, entry: TimelineEntry) -> None:
        item = QTreeWidgetItem(self._history_group)
        what, details = self._describe(entry)
        item.setText(0, instant_text(entry.at))
        item.setText(1, self._deal_prefix(entry.deal_title) + what)
        item.setText(2, details)
        item.setText(3, entry.by)
        item.setToolTip(2, details)
        if entry.activity is not None:
            item.setData(0, _ACTIVITY_ROLE, entry.activity)

    def _describe(self, entry: TimelineEntry) -> tuple[str, str]:
        language = self._language
        kind = entry.kind
        if kind is EntryKind.ACTIVITY and entry.activity is not None:
            return self._describe_activity(entry.activity)
        after = "" if entry.after is None else entry.after.get(language)
        before = "" if entry.before is None else entry.before.get(language)
        if kind is EntryKind.STAGE_MOVE:
            if entry.before is None:
                what = self.tr("Created in {stage}").format(stage=after)
            else:
                what = self.tr("Moved from {source} to {target}").format(
                    source=before, target=after
                )
            return what, percent_text(entry.probability)
        if kind is EntryKind.OUTCOME:
            what = self.tr("Won") if entry.result == "won" else self.tr("Lost")
            parts = [after, amount_text(entry.amount_minor, entry.currency), entry.note]
            return what, " · ".join(part for part in parts if part)
        if kind is EntryKind.REOPENED:
            return self.tr("Reopened"), ""
        if kind is EntryKind.PROBABILITY:
            if entry.probability is None:
                what = self.tr("Win probability cleared")
            else:
                what = self.tr("Win probability set to {percent}").format(
                    percent=percent_text(entry.probability)
                )
            return what, entry.note
        if kind is EntryKind.STATE_CHANGE:
            if entry.before is None:
                what = self.tr("Customer state set to {state}").format(state=after)
            else:
                what = self.tr("Customer state {source} → {target}").format(
                    source=before, target=after
                )
            return what, entry.note
        decisions = {
            "approved": self.tr("approved"),
            "rejected": self.tr("rejected"),
            "invalidated": self.tr("reopened by an amount change"),
        }
        what = self.tr("{approval}: {decision}").format(
            approval=after, decision=decisions.get(entry.result, entry.result)
        )
        parts = [amount_text(entry.amount_minor, entry.currency), entry.note]
        return what, " · ".join(part for part in parts if part)

    def _describe_activity(self, record: ActivityRecord) -> tuple[str, str]:
        what = self._texts.kind_name(record.kind)
        if record.subject:
            what = f"{what}: {record.subject}"
        parts = [record.result]
        if record.duration_minutes is not None:
            parts.append(
                self.tr("{minutes} min").format(minutes=record.duration_minutes)
            )
        if record.checklist_action is not None:
            parts.append(
                self.tr("✓ {action}").format(
                    action=record.checklist_action.get(self._language)
                )
            )
        if record.notes:
            parts.append(record.notes)
        return what, " · ".join(part for part in parts if part)

    # Actions on activities

    def _open(self, mode: Mode, activity_id: uuid.UUID | None = None) -> None:
        target = self._target
        if target is None:
            return
        open_activity_dialog(
            self._runner,
            self._events,
            target,
            mode,
            self._language,
            self,
            activity_id=activity_id,
            on_closed=self._on_dialog_closed,
        )

    def _on_dialog_closed(self, saved: bool) -> None:
        # A deal's change reaches this widget through deals_changed and the
        # panel; a customer's timeline reloads itself.
        if saved and self._target is not None and self._target.customer_id:
            self.reload()

    def _record_at(self, item: QTreeWidgetItem | None) -> ActivityRecord | None:
        if item is None:
            return None
        record = item.data(0, _ACTIVITY_ROLE)
        return record if isinstance(record, ActivityRecord) else None

    def _on_item_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        record = self._record_at(item)
        if record is not None and record.planned:
            self._open(Mode.COMPLETE, record.id)

    def _context_menu(self, position: QPoint) -> None:
        record = self._record_at(self.tree.itemAt(position))
        if record is None:
            return
        menu = QMenu(self)
        if record.planned:
            menu.addAction(
                self.tr("Mark done…"), lambda: self._open(Mode.COMPLETE, record.id)
            )
            menu.addAction(
                self.tr("Reschedule…"), lambda: self._open(Mode.RESCHEDULE, record.id)
            )
            menu.addAction(self.tr("Cancel activity"), lambda: self.cancel(record))
        else:
            menu.addAction(self.tr("Delete activity"), lambda: self.cancel(record))
        menu.popup(self.tree.viewport().mapToGlobal(position))

    def cancel(self, record: ActivityRecord, *, confirm: bool = True) -> None:
        """Cancel a planned activity or delete a done one, after asking."""
        if confirm:
            answer = QMessageBox.question(
                self,
                self.tr("Cancel activity"),
                self.tr(
                    "Remove this activity? A checklist action it ticked is "
                    "unticked while the deal is still in that stage."
                ),
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        target = self._target

        def done(_result: object) -> None:
            if record.opportunity_id is not None:
                self._events.deals_changed.emit([record.opportunity_id])
            if target is not None and target.customer_id is not None:
                self.reload()

        def failed(error: Exception) -> None:
            if not isinstance(error, CrmError):
                log.error("cancelling activity %s failed", record.id, exc_info=error)
            self.message.setText(str(error))
            self.message.show()

        self._runner.run_write(
            lambda session: cancel_activity(session, record.id, actor_in(session)),
            done,
            failed,
        )
