"""The review's filter row: series, team, rep, close window, period and date."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from PySide6.QtCore import QDate, QEvent, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from crmdesk.domain.reports import Period, ReportFilter
from crmdesk.ui.date_edit import OptionalDateEdit
from crmdesk.ui.review.loading import ReviewChoices, ReviewRequest


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def default_period(today: date) -> Period:
    """Return the calendar month before the one ``today`` falls in."""
    last = today.replace(day=1) - timedelta(days=1)
    return Period(last.replace(day=1), last)


def _date_edit(parent: QWidget) -> QDateEdit:
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


class ReviewFilters(QWidget):
    """Filter fields of the review and the Refresh button.

    Fields do not reload anything themselves: the lead sets several, then
    presses Refresh, since a refresh recomputes every report.

    Signals:
        refresh_requested(): the Refresh button was pressed.
    """

    refresh_requested = Signal()

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.language = "en"
        self._choices: ReviewChoices | None = None

        self.series_label = QLabel(self)
        self.series_combo = QComboBox(self)
        self.series_combo.setMinimumContentsLength(12)
        self.team_label = QLabel(self)
        self.team_combo = QComboBox(self)
        self.team_combo.setMinimumContentsLength(10)
        self.rep_label = QLabel(self)
        self.rep_combo = QComboBox(self)
        self.rep_combo.setMinimumContentsLength(10)
        self.close_label = QLabel(self)
        self.close_from = OptionalDateEdit(self)
        self.close_from.set_value(date(today.year, 1, 1))
        self.close_to_label = QLabel(self)
        self.close_to = OptionalDateEdit(self)
        self.close_to.set_value(date(today.year, 12, 31))

        period = default_period(today)
        self.period_label = QLabel(self)
        self.period_from = _date_edit(self)
        self.period_from.setDate(_qdate(period.start))
        self.period_to_label = QLabel(self)
        self.period_to = _date_edit(self)
        self.period_to.setDate(_qdate(period.end))
        self.as_of_label = QLabel(self)
        self.as_of = _date_edit(self)
        self.as_of.setDate(_qdate(today))
        self.refresh_button = QPushButton(self)
        self.refresh_button.setDefault(True)
        self.error_label = QLabel(self)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.hide()

        self._lay_out()
        self.refresh_button.clicked.connect(self.refresh_requested)
        self.retranslate()

    def _lay_out(self) -> None:
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 4, 6, 4)
        grid.setHorizontalSpacing(6)
        first = (
            self.series_label,
            self.series_combo,
            self.team_label,
            self.team_combo,
            self.rep_label,
            self.rep_combo,
            self.close_label,
            self.close_from,
            self.close_to_label,
            self.close_to,
        )
        for column, widget in enumerate(first):
            grid.addWidget(widget, 0, column)
        second = (
            self.period_label,
            self.period_from,
            self.period_to_label,
            self.period_to,
            self.as_of_label,
            self.as_of,
        )
        for column, widget in enumerate(second):
            grid.addWidget(widget, 1, column)
        grid.addWidget(self.error_label, 1, len(second), 1, 3)
        grid.addWidget(self.refresh_button, 0, len(first), 2, 1)
        grid.setColumnStretch(len(first) + 1, 1)

    def retranslate(self) -> None:
        self.series_label.setText(self.tr("Series"))
        self.team_label.setText(self.tr("Team"))
        self.rep_label.setText(self.tr("Rep"))
        self.close_label.setText(self.tr("Expected close"))
        self.close_to_label.setText(self.tr("to"))
        self.period_label.setText(self.tr("Conversion period"))
        self.period_to_label.setText(self.tr("to"))
        self.as_of_label.setText(self.tr("Distribution on"))
        self.refresh_button.setText(self.tr("Refresh"))
        self.refresh_button.setToolTip(self.tr("Compute every report again (F5)"))
        self.series_combo.setAccessibleName(self.tr("Series"))
        self.team_combo.setAccessibleName(self.tr("Team"))
        self.rep_combo.setAccessibleName(self.tr("Rep"))
        self.close_from.set_accessible_name(self.tr("Expected close from"))
        self.close_to.set_accessible_name(self.tr("Expected close to"))
        self.period_from.setAccessibleName(self.tr("Conversion period from"))
        self.period_to.setAccessibleName(self.tr("Conversion period to"))
        self.as_of.setAccessibleName(self.tr("Distribution on"))
        if self._choices is not None:
            self.set_choices(self._choices)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_choices(self, choices: ReviewChoices) -> None:
        """Fill the series, team and rep lists, keeping the current choices."""
        self._choices = choices
        _refill(
            self.series_combo,
            self.tr("All series"),
            [(s.id, s.name.get(self.language)) for s in choices.series],
            first_by_default=True,
        )
        _refill(
            self.team_combo,
            self.tr("All teams"),
            [(team.id, team.label) for team in choices.teams],
        )
        _refill(
            self.rep_combo,
            self.tr("All reps"),
            [(user.id, user.label) for user in choices.users],
        )

    def select_series(self, series_id: uuid.UUID | None) -> None:
        """Choose a series in the list, or "All series" for None."""
        self.series_combo.setCurrentIndex(
            max(_index_of(self.series_combo, series_id), 0)
        )

    def report_filter(self) -> ReportFilter:
        """Return the filter the fields describe (the close window may be open)."""
        return ReportFilter(
            series_id=self.series_combo.currentData(),
            team_id=self.team_combo.currentData(),
            owner_id=self.rep_combo.currentData(),
            close_from=self.close_from.value(),
            close_to=self.close_to.value(),
        )

    def request(self, win_rates_by: str) -> ReviewRequest | None:
        """Return what a refresh computes, or None after showing what is invalid."""
        report_filter = self.report_filter()
        problems = []
        if (
            report_filter.close_from is not None
            and report_filter.close_to is not None
            and report_filter.close_to < report_filter.close_from
        ):
            problems.append(
                self.tr(
                    "The expected close window ends on {end}, before it starts on "
                    "{start}: choose an end date on or after the start."
                ).format(
                    start=report_filter.close_from.isoformat(),
                    end=report_filter.close_to.isoformat(),
                )
            )
        start = _date(self.period_from.date())
        end = _date(self.period_to.date())
        if end < start:
            problems.append(
                self.tr(
                    "The conversion period ends on {end}, before it starts on "
                    "{start}: choose an end date on or after the start."
                ).format(start=start.isoformat(), end=end.isoformat())
            )
        self.error_label.setText(" ".join(problems))
        self.error_label.setVisible(bool(problems))
        if problems:
            return None
        return ReviewRequest(
            report_filter=report_filter,
            period=Period(start, end),
            as_of=_date(self.as_of.date()),
            win_rates_by=win_rates_by,
        )

    def set_period(self, period: Period) -> None:
        """Show ``period`` as the conversion period."""
        self.period_from.setDate(_qdate(period.start))
        self.period_to.setDate(_qdate(period.end))

    def set_as_of(self, day: date) -> None:
        """Show ``day`` as the distribution date."""
        self.as_of.setDate(_qdate(day))

    def describe(self) -> list[tuple[str, str]]:
        """Return each filter's name and shown value, for the PDF summary."""
        close = "–".join(
            value.isoformat() if value else "…"
            for value in (self.close_from.value(), self.close_to.value())
        )
        period = "–".join(
            _date(edit.date()).isoformat()
            for edit in (self.period_from, self.period_to)
        )
        return [
            (self.tr("Series"), self.series_combo.currentText()),
            (self.tr("Team"), self.team_combo.currentText()),
            (self.tr("Rep"), self.rep_combo.currentText()),
            (self.tr("Expected close"), close),
            (self.tr("Conversion period"), period),
            (self.tr("Distribution on"), _date(self.as_of.date()).isoformat()),
        ]


def _refill(
    combo: QComboBox,
    everything: str,
    items: list[tuple[uuid.UUID, str]],
    first_by_default: bool = False,
) -> None:
    """Refill a combo with an "all" entry and ``items``, keeping the selection.

    With nothing chosen before, ``first_by_default`` selects the first item
    instead of the "all" entry.
    """
    had_items = combo.count() > 0
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    combo.addItem(everything, None)
    for item_id, label in items:
        combo.addItem(label, item_id)
    index = _index_of(combo, current) if current is not None else -1
    if index < 0:
        index = 1 if first_by_default and not had_items and items else 0
    combo.setCurrentIndex(index)
    combo.blockSignals(False)


def _index_of(combo: QComboBox, item_id: uuid.UUID | None) -> int:
    # QComboBox.findData compares Python objects by identity, not by value.
    for index in range(combo.count()):
        if combo.itemData(index) == item_id:
            return index
    return -1
