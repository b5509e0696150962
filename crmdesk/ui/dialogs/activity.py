"""The Log activity dialog, also used to plan, complete and reschedule activities.

Times in the dialog are wall-clock times of the business time zone, a
workspace setting read before the dialog opens. The write turns them into UTC
instants through the activity service, which checks every value. A rejected
value is shown in the dialog, which stays open with what was typed.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QDateTime, QEvent, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.dates import business_zone
from crmdesk.domain.errors import CrmError
from crmdesk.domain.playbook import LocalText
from crmdesk.services.activities import (
    MAX_DURATION_MINUTES,
    DoneInput,
    PlanInput,
    Target,
    complete_activity,
    log_activity,
    plan_activity,
    reschedule_activity,
)
from crmdesk.services.activity_context import ActivityContext, load_activity_context
from crmdesk.ui.acting import actor_in
from crmdesk.ui.events import EventHub
from crmdesk.ui.tasks import TaskRunner
from crmdesk.ui.timeline.texts import ActivityTexts

log = logging.getLogger(__name__)


class Mode(Enum):
    """The kind of record the dialog writes."""

    LOG = "log"
    PLAN = "plan"
    COMPLETE = "complete"
    RESCHEDULE = "reschedule"


@dataclass(frozen=True)
class _Values:
    """The values the dialog collected, with wall-clock times of the business zone."""

    kind: str
    subject: str
    notes: str
    result: str
    when: datetime
    duration_minutes: int | None
    due_date: date
    due_time: time | None


def _write(
    session: Any,
    mode: Mode,
    target: Target,
    activity_id: uuid.UUID | None,
    values: _Values,
) -> object:
    """Apply the dialog's values through the activity service (worker thread)."""
    from crmdesk.services.workspace import business_time_zone

    zone = business_zone(business_time_zone(session))
    actor = actor_in(session)
    when = values.when.replace(tzinfo=zone)
    if mode is Mode.LOG:
        return log_activity(
            session,
            target,
            DoneInput(
                kind=values.kind,
                done_at=when,
                subject=values.subject,
                result=values.result,
                notes=values.notes,
                duration_minutes=values.duration_minutes,
            ),
            actor,
        )
    if mode is Mode.PLAN:
        return plan_activity(
            session,
            target,
            PlanInput(
                kind=values.kind,
                due_date=values.due_date,
                due_time=values.due_time,
                subject=values.subject,
                notes=values.notes,
            ),
            actor,
        )
    assert activity_id is not None
    if mode is Mode.COMPLETE:
        return complete_activity(
            session,
            activity_id,
            actor,
            result=values.result,
            duration_minutes=values.duration_minutes,
            done_at=when,
        )
    return reschedule_activity(
        session, activity_id, values.due_date, values.due_time, actor
    )


class ActivityDialog(QDialog):
    """Collects one activity and saves it through the activity service.

    Use ``open_activity_dialog`` to read the context (business time zone, the
    deal's title and checklist) first. ``saved`` is set once the write
    committed.
    """

    def __init__(
        self,
        runner: TaskRunner,
        events: EventHub,
        context: ActivityContext,
        mode: Mode,
        language: str,
        parent: QWidget | None = None,
        *,
        activity_id: uuid.UUID | None = None,
        kind: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("activityDialog")
        self.setMinimumWidth(460)
        self._runner = runner
        self._events = events
        self._context = context
        self._mode = mode
        self._language = language
        self._activity_id = activity_id
        self._texts = ActivityTexts(self)
        self.saved = False
        self._build_fields()
        self._lay_out()
        self._set_initial_values(kind)
        self._show_fields_of_mode()
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        self.kind_combo.currentIndexChanged.connect(self._show_checklist_hint)
        self.due_time_check.toggled.connect(self.due_time_edit.setEnabled)
        self.retranslate()

    # Set-up

    def _build_fields(self) -> None:
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.kind_combo = QComboBox(self)
        self.subject_edit = QLineEdit(self)
        self.subject_edit.setMaxLength(300)
        self.when_edit = QDateTimeEdit(self)
        self.when_edit.setCalendarPopup(True)
        self.when_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.duration_spin = QSpinBox(self)
        self.duration_spin.setRange(0, MAX_DURATION_MINUTES)
        self.duration_spin.setSingleStep(5)
        self.due_edit = QDateEdit(self)
        self.due_edit.setCalendarPopup(True)
        self.due_edit.setDisplayFormat("yyyy-MM-dd")
        self.due_time_check = QCheckBox(self)
        self.due_time_check.setChecked(True)
        self.due_time_edit = QTimeEdit(self)
        self.due_time_edit.setDisplayFormat("HH:mm")
        self.result_edit = QLineEdit(self)
        self.notes_edit = QPlainTextEdit(self)
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setFixedHeight(70)
        self.checklist_hint = QLabel(self)
        self.checklist_hint.setWordWrap(True)
        self.zone_label = QLabel(self)
        self.zone_label.setWordWrap(True)
        self.zone_label.setStyleSheet("color: palette(mid);")
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e;")
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
            self,
        )

    def _lay_out(self) -> None:
        due_row = QWidget(self)
        due_layout = QHBoxLayout(due_row)
        due_layout.setContentsMargins(0, 0, 0, 0)
        due_layout.addWidget(self.due_edit, 1)
        due_layout.addWidget(self.due_time_check)
        due_layout.addWidget(self.due_time_edit)

        self.form = QFormLayout()
        self._labels: dict[QWidget, QLabel] = {}
        for field in (
            self.kind_combo,
            self.subject_edit,
            self.when_edit,
            self.duration_spin,
            due_row,
            self.result_edit,
            self.notes_edit,
        ):
            label = QLabel(self)
            label.setBuddy(field)
            self._labels[field] = label
            self.form.addRow(label, field)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(self.form)
        layout.addWidget(self.checklist_hint)
        layout.addWidget(self.zone_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    def _set_initial_values(self, kind: str | None) -> None:
        zone = business_zone(self._context.zone_name)
        now = datetime.now(UTC).astimezone(zone)
        self.when_edit.setDateTime(
            QDateTime(QDate(now.year, now.month, now.day), QTime(now.hour, now.minute))
        )
        self.when_edit.setMaximumDateTime(
            QDateTime(QDate(now.year, now.month, now.day), QTime(23, 59))
        )
        tomorrow = now.date() + timedelta(days=1)
        self.due_edit.setMinimumDate(QDate(now.year, now.month, now.day))
        self.due_edit.setDate(QDate(tomorrow.year, tomorrow.month, tomorrow.day))
        self.due_time_edit.setTime(QTime(9, 0))
        existing = self._context.activity
        if existing is not None and existing.due_local is not None:
            due = existing.due_local
            self.due_edit.setDate(QDate(due.year, due.month, due.day))
            self.due_time_edit.setTime(QTime(due.hour, due.minute))
        wanted = kind or (existing.kind if existing is not None else "call")
        self._fill_kinds(wanted)
        if existing is not None:
            self.subject_edit.setText(existing.subject)

    def _fill_kinds(self, wanted: str) -> None:
        self.kind_combo.blockSignals(True)
        self.kind_combo.clear()
        for key, name in self._texts.kinds():
            self.kind_combo.addItem(name, key)
            if key == wanted:
                self.kind_combo.setCurrentIndex(self.kind_combo.count() - 1)
        self.kind_combo.blockSignals(False)

    def _show_fields_of_mode(self) -> None:
        mode = self._mode
        done = mode in (Mode.LOG, Mode.COMPLETE)
        editable = mode in (Mode.LOG, Mode.PLAN)
        self.kind_combo.setEnabled(editable)
        self.subject_edit.setEnabled(editable)
        for widget, visible in (
            (self.when_edit, done),
            (self.duration_spin, done),
            (self.due_edit.parentWidget(), not done),
            (self.result_edit, done),
            (self.notes_edit, editable),
        ):
            assert widget is not None
            self.form.setRowVisible(widget, visible)

    def retranslate(self) -> None:
        titles = {
            Mode.LOG: self.tr("Log activity"),
            Mode.PLAN: self.tr("Plan activity"),
            Mode.COMPLETE: self.tr("Mark activity done"),
            Mode.RESCHEDULE: self.tr("Reschedule activity"),
        }
        self.setWindowTitle(titles[self._mode])
        context = self._context
        if context.deal_title:
            self.heading.setText(
                self.tr("Deal: {title}").format(title=context.deal_title)
            )
        else:
            self.heading.setText(
                self.tr("Customer: {name}").format(name=context.customer_name)
            )
        self._label(self.kind_combo, self.tr("&Kind:"))
        self._label(self.subject_edit, self.tr("&Subject:"))
        self._label(self.when_edit, self.tr("&When:"))
        self._label(self.duration_spin, self.tr("&Duration:"))
        self._label(self.due_edit.parentWidget(), self.tr("D&ue:"))
        self._label(self.result_edit, self.tr("&Result:"))
        self._label(self.notes_edit, self.tr("&Notes:"))
        self.duration_spin.setSuffix(self.tr(" min"))
        self.duration_spin.setSpecialValueText(self.tr("Not recorded"))
        self.due_time_check.setText(self.tr("at"))
        self.due_time_check.setToolTip(
            self.tr("Without a time the activity is due at 23:59 that day.")
        )
        self.subject_edit.setPlaceholderText(self.tr("What it is about"))
        self.result_edit.setPlaceholderText(self.tr("What came of it"))
        self.zone_label.setText(
            self.tr("Times are in the business time zone, {zone}.").format(
                zone=context.zone_name
            )
        )
        current = self.kind_combo.currentData()
        self._fill_kinds(current if isinstance(current, str) else "call")
        self._show_checklist_hint()

    def _label(self, field: QWidget | None, text: str) -> None:
        assert field is not None
        self._labels[field].setText(text)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _show_checklist_hint(self) -> None:
        kind = self.kind_combo.currentData()
        ticks: list[LocalText] = []
        if self._mode in (Mode.LOG, Mode.COMPLETE) and isinstance(kind, str):
            ticks = self._context.open_actions_by_kind.get(kind, [])
        if ticks:
            self.checklist_hint.setText(
                self.tr("Saving ticks the checklist action “{action}”.").format(
                    action=ticks[0].get(self._language)
                )
            )
        self.checklist_hint.setVisible(bool(ticks))

    # Saving

    def values(self) -> _Values:
        """Return the values the dialog shows now."""
        when = self.when_edit.dateTime()
        due = self.due_edit.date()
        duration = self.duration_spin.value()
        return _Values(
            kind=str(self.kind_combo.currentData()),
            subject=self.subject_edit.text(),
            notes=self.notes_edit.toPlainText(),
            result=self.result_edit.text(),
            when=datetime(
                when.date().year(),
                when.date().month(),
                when.date().day(),
                when.time().hour(),
                when.time().minute(),
            ),
            duration_minutes=duration or None,
            due_date=date(due.year(), due.month(), due.day()),
            due_time=(
                time(
                    self.due_time_edit.time().hour(), self.due_time_edit.time().minute()
                )
                if self.due_time_check.isChecked()
                else None
            ),
        )

    def _save(self) -> None:
        values = self.values()
        mode = self._mode
        target = self._context.target
        activity_id = self._activity_id
        self.buttons.setEnabled(False)
        self.error_label.hide()
        self._runner.run_write(
            lambda session: _write(session, mode, target, activity_id, values),
            self._on_saved,
            self._on_failed,
        )

    def _on_saved(self, _result: object) -> None:
        self.saved = True
        self.buttons.setEnabled(True)
        deal_id = self._context.target.opportunity_id
        if deal_id is not None:
            self._events.deals_changed.emit([deal_id])
        self.accept()

    def _on_failed(self, error: Exception) -> None:
        self.buttons.setEnabled(True)
        if isinstance(error, CrmError):
            text = str(error)
        else:
            log.error("saving an activity failed", exc_info=error)
            text = self.tr("Saving failed: {error}").format(error=error)
        self.error_label.setText(text)
        self.error_label.show()


def open_activity_dialog(
    runner: TaskRunner,
    events: EventHub,
    target: Target,
    mode: Mode,
    language: str,
    parent: QWidget,
    *,
    activity_id: uuid.UUID | None = None,
    on_closed: Any = None,
) -> None:
    """Read the activity's context, then open the dialog (non-modal, window-modal).

    ``on_closed(saved)`` runs when the dialog closes. A failed read shows the
    error in a message box.
    """

    def show(context: ActivityContext) -> None:
        dialog = ActivityDialog(
            runner, events, context, mode, language, parent, activity_id=activity_id
        )

        def finished(_result: int) -> None:
            if on_closed is not None:
                on_closed(dialog.saved)
            dialog.deleteLater()

        dialog.finished.connect(finished)
        dialog.open()

    def failed(error: Exception) -> None:
        log.warning("opening the activity dialog failed: %s", error)
        QMessageBox.warning(
            parent,
            QCoreApplication.translate("ActivityDialog", "Activity"),
            QCoreApplication.translate(
                "ActivityDialog", "The activity could not be opened: {error}"
            ).format(error=error),
        )

    runner.run_read(
        lambda session: load_activity_context(session, target, activity_id),
        show,
        failed,
    )
