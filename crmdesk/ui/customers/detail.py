"""The customer detail panel: a dock with a customer's details, contacts, state
history and deals, and a form to change its lifecycle state.

The state change goes through ``change_customer_state`` with
``ChangeSource.FORM``, like the board's drop. The pages sit in a tab widget
whose fifth tab is the customer's activity timeline; ``add_page`` adds more.
"""

from __future__ import annotations

import logging
import uuid

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.errors import CrmError
from crmdesk.services.customer_detail import CustomerDetail, load_customer_detail
from crmdesk.services.customer_states import change_customer_state
from crmdesk.ui.acting import actor_in
from crmdesk.ui.combo import find_data
from crmdesk.ui.events import EventHub
from crmdesk.ui.formatting import amount_text, date_text, instant_text
from crmdesk.ui.tasks import TaskRunner
from crmdesk.ui.timeline.widget import TimelineWidget

log = logging.getLogger(__name__)


def _table(parent: QWidget) -> QTableWidget:
    table = QTableWidget(parent)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(
        QHeaderView.ResizeMode.ResizeToContents
    )
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for row_index, row in enumerate(rows):
        for column, text in enumerate(row):
            table.setItem(row_index, column, QTableWidgetItem(text))


class CustomerDetailPanel(QDockWidget):
    """A dock that shows one customer and changes its lifecycle state.

    Signals:
        deal_activated(object): the ``uuid.UUID`` of a deal double clicked in
            the Deals page.
    """

    deal_activated = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        events: EventHub,
        language: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("customer-detail")
        self._runner = runner
        self._events = events
        self._language = language
        self._customer_id: uuid.UUID | None = None
        self._detail: CustomerDetail | None = None

        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.heading.setFont(font)
        self.state_label = QLabel(self)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b3261e;")
        self.message.hide()

        self.details_page = self._build_details_page()

        self.contacts_table = _table(self)
        self.history_table = _table(self)
        self.deals_table = _table(self)
        self.deals_table.cellDoubleClicked.connect(self._on_deal_double_clicked)

        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.details_page, "")
        self.tabs.addTab(self.contacts_table, "")
        self.tabs.addTab(self.history_table, "")
        self.tabs.addTab(self.deals_table, "")
        self.timeline = TimelineWidget(runner, events, language, self)
        self.timeline_tab = self.tabs.addTab(self.timeline, "")
        self.tabs.setEnabled(False)

        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.addWidget(self.heading)
        layout.addWidget(self.state_label)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)
        self.setWidget(body)

        events.customers_changed.connect(self._on_customers_changed)
        events.deals_changed.connect(lambda _ids: self._reload())
        self.retranslate()

    def _build_details_page(self) -> QWidget:
        page = QWidget(self)
        self._details_form = QFormLayout()
        self._values: dict[str, QLabel] = {}
        self._value_labels: dict[str, QLabel] = {}
        for key in (
            "owner",
            "team",
            "sector",
            "country",
            "phone",
            "email",
            "source",
            "campaign",
            "created",
            "notes",
        ):
            label = QLabel(page)
            value = QLabel(page)
            value.setWordWrap(True)
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self._value_labels[key] = label
            self._values[key] = value
            self._details_form.addRow(label, value)
        self.change_label = QLabel(page)
        font = self.change_label.font()
        font.setBold(True)
        self.change_label.setFont(font)
        self.state_combo = QComboBox(page)
        self.note_edit = QLineEdit(page)
        self.change_button = QPushButton(page)
        self.change_button.clicked.connect(self._change_state)
        change_row = QHBoxLayout()
        change_row.addWidget(self.state_combo, 1)
        change_row.addWidget(self.change_button)
        details_layout = QVBoxLayout(page)
        details_layout.addLayout(self._details_form)
        details_layout.addSpacing(12)
        details_layout.addWidget(self.change_label)
        details_layout.addLayout(change_row)
        details_layout.addWidget(self.note_edit)
        details_layout.addStretch(1)

        return page

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Customer"))
        self.tabs.setTabText(0, self.tr("Details"))
        self.tabs.setTabText(1, self.tr("Contacts"))
        self.tabs.setTabText(2, self.tr("State history"))
        self.tabs.setTabText(3, self.tr("Deals"))
        self.tabs.setTabText(self.timeline_tab, self.tr("Activities"))
        titles = {
            "owner": self.tr("Owner"),
            "team": self.tr("Team"),
            "sector": self.tr("Sector"),
            "country": self.tr("Country"),
            "phone": self.tr("Phone"),
            "email": self.tr("E-mail"),
            "source": self.tr("Source"),
            "campaign": self.tr("Campaign"),
            "created": self.tr("Created"),
            "notes": self.tr("Notes"),
        }
        for key, label in self._value_labels.items():
            label.setText(titles[key])
        self.change_label.setText(self.tr("Change state"))
        self.change_button.setText(self.tr("Change"))
        self.note_edit.setPlaceholderText(
            self.tr("Note (required when moving back to an earlier state)")
        )
        self.state_combo.setAccessibleName(self.tr("New state"))
        self.note_edit.setAccessibleName(self.tr("Note on the state change"))
        self.contacts_table.setColumnCount(5)
        self.contacts_table.setHorizontalHeaderLabels(
            [
                self.tr("Name"),
                self.tr("Job title"),
                self.tr("Phone"),
                self.tr("E-mail"),
                self.tr("Primary"),
            ]
        )
        self.history_table.setColumnCount(6)
        self.history_table.setHorizontalHeaderLabels(
            [
                self.tr("When"),
                self.tr("From"),
                self.tr("To"),
                self.tr("By"),
                self.tr("Won deal"),
                self.tr("Note"),
            ]
        )
        self.deals_table.setColumnCount(5)
        self.deals_table.setHorizontalHeaderLabels(
            [
                self.tr("Title"),
                self.tr("Series"),
                self.tr("Stage"),
                self.tr("Amount"),
                self.tr("Owner"),
            ]
        )
        if self._detail is None:
            self.heading.setText(
                self.tr("Double-click a customer card to see it here.")
            )
            self.state_label.setText("")
        else:
            self._show(self._detail)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- public interface -----------------------------------------------------

    @property
    def customer_id(self) -> uuid.UUID | None:
        """The customer shown, or None before one was opened."""
        return self._customer_id

    @property
    def detail(self) -> CustomerDetail | None:
        """The loaded customer, or None."""
        return self._detail

    def add_page(self, page: QWidget, title: str) -> int:
        """Add a page to the tabs and return its index."""
        return self.tabs.addTab(page, title)

    def set_language(self, language: str) -> None:
        """Label states and stages in ``language`` (zh_CN or en)."""
        self._language = language
        self.timeline.set_language(language)
        if self._detail is not None:
            self._show(self._detail)

    def show_customer(self, customer_id: uuid.UUID) -> None:
        """Load ``customer_id`` and show it; the dock is raised when it was hidden."""
        self._customer_id = customer_id
        self.show()
        self.raise_()
        self._reload()
        self.timeline.show_customer(customer_id)

    def clear(self) -> None:
        """Show no customer."""
        self._customer_id = None
        self._detail = None
        self.timeline.clear()
        self.tabs.setEnabled(False)
        self.show_message("")
        self.retranslate()

    def show_message(self, text: str) -> None:
        """Show an error above the tabs; an empty text hides it."""
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # -- loading --------------------------------------------------------------

    def _reload(self) -> None:
        customer_id = self._customer_id
        if customer_id is None:
            return
        self._runner.run_read(
            lambda session: load_customer_detail(session, customer_id),
            lambda detail: self._on_loaded(customer_id, detail),
            self._on_load_failed,
        )

    def _on_loaded(self, customer_id: uuid.UUID, detail: CustomerDetail) -> None:
        if customer_id != self._customer_id:
            return
        self._detail = detail
        self._show(detail)
        self.tabs.setEnabled(True)

    def _on_load_failed(self, error: Exception) -> None:
        log.warning("loading customer %s failed: %s", self._customer_id, error)
        self.clear()
        self.show_message(
            self.tr("The customer could not be loaded: {error}").format(error=error)
        )

    def _on_customers_changed(self, ids: list[uuid.UUID]) -> None:
        if self._customer_id is not None and self._customer_id in ids:
            self._reload()

    def _show(self, detail: CustomerDetail) -> None:
        language = self._language
        self.heading.setText(detail.name)
        if detail.state is None:
            self.state_label.setText(self.tr("No lifecycle state yet"))
        else:
            self.state_label.setText(
                self.tr("State: {state}, since {date}").format(
                    state=detail.state.get(language),
                    date=date_text(detail.state_since.date()),
                )
            )
        values = {
            "owner": detail.owner,
            "team": detail.team,
            "sector": detail.sector,
            "country": detail.country,
            "phone": detail.phone,
            "email": detail.email,
            "source": detail.source,
            "campaign": detail.campaign,
            "created": instant_text(detail.created_at),
            "notes": detail.notes,
        }
        for key, value in values.items():
            self._values[key].setText(value)
        current = self.state_combo.currentData()
        self.state_combo.clear()
        for state in detail.states:
            if state.id != detail.state_id:
                self.state_combo.addItem(state.name.get(language), state.id)
        self.state_combo.setCurrentIndex(max(find_data(self.state_combo, current), 0))
        self.change_button.setEnabled(self.state_combo.count() > 0)
        _fill(
            self.contacts_table,
            [
                [
                    contact.name,
                    contact.job_title,
                    contact.phone,
                    contact.email,
                    "✓" if contact.is_primary else "",
                ]
                for contact in detail.contacts
            ],
        )
        _fill(
            self.history_table,
            [
                [
                    instant_text(line.changed_at),
                    "" if line.from_state is None else line.from_state.get(language),
                    line.to_state.get(language),
                    line.changed_by,
                    line.deal,
                    line.note,
                ]
                for line in reversed(detail.history)
            ],
        )
        _fill(
            self.deals_table,
            [
                [
                    deal.title,
                    deal.series.get(language),
                    deal.stage.get(language),
                    amount_text(deal.amount_minor, deal.currency),
                    deal.owner,
                ]
                for deal in detail.deals
            ],
        )

    # -- writes ---------------------------------------------------------------

    def _change_state(self) -> None:
        customer_id = self._customer_id
        state_id = self.state_combo.currentData()
        if customer_id is None or not isinstance(state_id, uuid.UUID):
            return
        note = self.note_edit.text()
        if not note.strip() and self._moves_back(state_id):
            self.show_message(
                self.tr(
                    "Moving a customer back to an earlier state needs a note: say "
                    "why in the note field."
                )
            )
            return
        self.show_message("")

        def done(_result: object) -> None:
            self.note_edit.clear()
            self._events.customers_changed.emit([customer_id])

        def failed(error: Exception) -> None:
            if isinstance(error, CrmError):
                self.show_message(str(error))
            else:
                log.error(
                    "changing the state of customer %s failed",
                    customer_id,
                    exc_info=error,
                )
                self.show_message(self.tr("Saving failed: {error}").format(error=error))

        self._runner.run_write(
            lambda session: change_customer_state(
                session, customer_id, state_id, actor_in(session), note
            ),
            done,
            failed,
        )

    def _moves_back(self, state_id: uuid.UUID) -> bool:
        detail = self._detail
        if detail is None or detail.state_id is None:
            return False
        positions = {state.id: state.position for state in detail.states}
        current = positions.get(detail.state_id)
        target = positions.get(state_id)
        return current is not None and target is not None and target < current

    def _on_deal_double_clicked(self, row: int, _column: int) -> None:
        if self._detail is not None and 0 <= row < len(self._detail.deals):
            self.deal_activated.emit(self._detail.deals[row].id)
