"""The Leads inbox window: the lead list with filters, flags and actions."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from crmdesk.config.settings import DEFAULT_PHONE_REGION
from crmdesk.domain.errors import CrmError
from crmdesk.services.duplicates import RecordKind
from crmdesk.services.leads import (
    LeadRecord,
    LeadStatus,
    clear_flag,
    discard_lead,
    list_leads,
    load_lead,
)
from crmdesk.services.playbooks import SeriesRecord, list_series
from crmdesk.ui.acting import actor_in
from crmdesk.ui.leads.convert_dialog import ConvertDialog
from crmdesk.ui.leads.import_dialog import ImportLeadsDialog
from crmdesk.ui.leads.lead_dialog import LeadDialog
from crmdesk.ui.leads.merge_dialog import MergeDialog
from crmdesk.ui.leads.texts import (
    field_label,
    matches_text,
    phone_display,
    status_text,
)
from crmdesk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

COLUMNS = ("status", "company", "person", "phone", "email", "source", "campaign")
SEARCH_DELAY_MS = 250
_ROOT = QModelIndex()
FLAG_COLOUR = QColor("#fff4d6")

STATUS_FILTERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("inbox", ("new", "flagged")),
    ("new", ("new",)),
    ("flagged", ("flagged",)),
    ("converted", ("converted",)),
    ("merged", ("merged",)),
    ("discarded", ("discarded",)),
    ("all", ()),
)


class LeadTableModel(QAbstractTableModel):
    """The leads of the inbox, one row each; flagged rows are tinted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._leads: list[LeadRecord] = []

    def set_leads(self, leads: list[LeadRecord]) -> None:
        """Show these leads, in this order."""
        self.beginResetModel()
        self._leads = list(leads)
        self.endResetModel()

    def lead(self, row: int) -> LeadRecord:
        """Return the lead of a row."""
        return self._leads[row]

    def leads(self) -> list[LeadRecord]:
        """Return the shown leads."""
        return list(self._leads)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._leads)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS) + 1

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = 0
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or (
            role != Qt.ItemDataRole.DisplayRole
        ):
            return None
        if section < len(COLUMNS):
            name = COLUMNS[section]
            return self.tr("Status") if name == "status" else field_label(name)
        return self.tr("Flag")

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        lead = self._leads[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == len(COLUMNS):
                return matches_text(lead.matches).replace("\n", "; ")
            name = COLUMNS[column]
            if name == "status":
                return status_text(lead.status.value)
            if name == "phone":
                return phone_display(lead.phone) or lead.phone_raw
            return getattr(lead, name)
        if role == Qt.ItemDataRole.ToolTipRole and lead.matches:
            return matches_text(lead.matches)
        if role == Qt.ItemDataRole.BackgroundRole and (
            lead.status == LeadStatus.FLAGGED
        ):
            return QBrush(FLAG_COLOUR)
        return None


def _load(statuses: tuple[str, ...], text: str) -> Any:
    def load(session: Any) -> tuple[list[LeadRecord], list[SeriesRecord]]:
        return list_leads(session, statuses, text), list_series(session)

    return load


class LeadsWindow(QMainWindow):
    """The leads inbox: filter by status, search, add, import, review and convert.

    Signals:
        leads_loaded(): the list was (re)loaded.
        customers_changed(): a conversion wrote a customer or deal, so boards and
            customer lists should load again.
    """

    leads_loaded = Signal()
    customers_changed = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        language: str,
        report_folder: Path,
        parent: QWidget | None = None,
        *,
        phone_region: str = DEFAULT_PHONE_REGION,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("leadsWindow")
        self.setWindowTitle(self.tr("Leads"))
        self.resize(1100, 640)
        self._runner = runner
        self.language = language
        self._report_folder = report_folder
        self.phone_region = phone_region
        self._series: list[SeriesRecord] = []
        self.dialog: Any = None
        self._build_widgets()
        self._build_layout()
        self._connect()
        self._on_selection()

    def _build_widgets(self) -> None:
        self.status_combo = QComboBox(self)
        labels = {
            "inbox": self.tr("Inbox (new and flagged)"),
            "all": self.tr("All leads"),
        }
        for key, _statuses in STATUS_FILTERS:
            self.status_combo.addItem(labels.get(key) or status_text(key), key)
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText(
            self.tr("Search name, phone, e-mail, source")
        )
        self.search_edit.setClearButtonEnabled(True)
        self.add_button = QPushButton(self.tr("Add lead…"), self)
        self.import_button = QPushButton(self.tr("Import…"), self)
        self.merge_button = QPushButton(self.tr("Merge…"), self)
        self.convert_button = QPushButton(self.tr("Convert…"), self)
        self.clear_flag_button = QPushButton(self.tr("Not a duplicate"), self)
        self.discard_button = QPushButton(self.tr("Discard"), self)
        self.model = LeadTableModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(
            len(COLUMNS), QHeaderView.ResizeMode.Stretch
        )
        self.table.setWordWrap(False)
        self.flag_label = QLabel(self)
        self.flag_label.setWordWrap(True)
        self.flag_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.count_label = QLabel(self)
        self.statusBar().addWidget(self.count_label, 1)

    def _build_layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Show"), self))
        top.addWidget(self.status_combo)
        top.addWidget(self.search_edit, 1)
        top.addWidget(self.add_button)
        top.addWidget(self.import_button)
        actions = QHBoxLayout()
        for button in (
            self.merge_button,
            self.convert_button,
            self.clear_flag_button,
            self.discard_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.flag_label)
        layout.addLayout(actions)
        self.setCentralWidget(central)

    def _connect(self) -> None:
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.reload)
        self.search_edit.textChanged.connect(lambda _text: self._search_timer.start())
        self.status_combo.currentIndexChanged.connect(lambda _index: self.reload())
        self.table.selectionModel().selectionChanged.connect(
            lambda _selected, _deselected: self._on_selection()
        )
        self.table.doubleClicked.connect(lambda _index: self.open_convert())
        self.add_button.clicked.connect(self.open_add)
        self.import_button.clicked.connect(self.open_import)
        self.merge_button.clicked.connect(self.open_merge)
        self.convert_button.clicked.connect(self.open_convert)
        self.clear_flag_button.clicked.connect(self.clear_selected_flag)
        self.discard_button.clicked.connect(self.discard_selected)
        QShortcut(QKeySequence("Ctrl+N"), self, self.open_add)

    # Loading

    def statuses(self) -> tuple[str, ...]:
        """Return the statuses the filter shows; empty for every status."""
        key = self.status_combo.currentData()
        return dict(STATUS_FILTERS)[key]

    def set_status_filter(self, key: str) -> None:
        """Show the leads of a filter key: inbox, new, flagged, …, all."""
        index = self.status_combo.findData(key)
        if index >= 0:
            self.status_combo.setCurrentIndex(index)

    def reload(self) -> None:
        """Load the leads of the current filter and search text again."""
        self._runner.run_read(
            _load(self.statuses(), self.search_edit.text()),
            self._on_loaded,
            self._on_failed,
        )

    def _on_loaded(self, loaded: tuple[list[LeadRecord], list[SeriesRecord]]) -> None:
        selected = {lead.id for lead in self.selected_leads()}
        leads, series = loaded
        self._series = series
        self.model.set_leads(leads)
        self.table.resizeColumnsToContents()
        for row, lead in enumerate(leads):
            if lead.id in selected:
                self.table.selectRow(row)
        flagged = sum(1 for lead in leads if lead.status == LeadStatus.FLAGGED)
        self.count_label.setText(
            self.tr("%n lead(s)", "", len(leads))
            + (
                self.tr(", {flagged} flagged").format(flagged=flagged)
                if flagged
                else ""
            )
        )
        self._on_selection()
        self.leads_loaded.emit()

    def _on_failed(self, error: Exception) -> None:
        if not isinstance(error, CrmError):
            log.error("a leads inbox task failed", exc_info=error)
        self.statusBar().showMessage(str(error), 10_000)
        QMessageBox.warning(self, self.tr("Leads"), str(error))

    # Selection

    def selected_leads(self) -> list[LeadRecord]:
        """Return the selected leads, in table order."""
        rows = sorted(
            {index.row() for index in self.table.selectionModel().selectedRows()}
        )
        return [self.model.lead(row) for row in rows]

    def select_lead(self, lead_id: uuid.UUID) -> bool:
        """Select the row of a lead; False when it is not shown."""
        for row, lead in enumerate(self.model.leads()):
            if lead.id == lead_id:
                self.table.selectRow(row)
                return True
        return False

    def _on_selection(self) -> None:
        leads = self.selected_leads()
        single = leads[0] if len(leads) == 1 else None
        open_statuses = (LeadStatus.NEW, LeadStatus.FLAGGED)
        all_open = bool(leads) and all(lead.status in open_statuses for lead in leads)
        self.convert_button.setEnabled(single is not None and all_open)
        self.discard_button.setEnabled(all_open)
        self.clear_flag_button.setEnabled(
            single is not None and single.status == LeadStatus.FLAGGED
        )
        pair = len(leads) == 2
        with_match = single is not None and self._lead_match(single) is not None
        self.merge_button.setEnabled(all_open and (pair or with_match))
        if single is not None and single.matches:
            self.flag_label.setText(
                self.tr("Possible duplicate:") + "\n" + matches_text(single.matches)
            )
        elif single is not None and single.status == LeadStatus.MERGED:
            self.flag_label.setText(self.tr("Merged into another lead."))
        else:
            self.flag_label.setText("")

    @staticmethod
    def _lead_match(lead: LeadRecord) -> uuid.UUID | None:
        return next(
            (m.record_id for m in lead.matches if m.record is RecordKind.LEAD), None
        )

    # Actions

    def open_add(self) -> None:
        """Open the Add lead dialog."""
        dialog = LeadDialog(self._runner, self, phone_region=self.phone_region)
        dialog.lead_added.connect(self._on_lead_added)
        self._show_dialog(dialog)

    def _on_lead_added(self, lead_id: uuid.UUID, matches: list[Any]) -> None:
        if matches:
            self.statusBar().showMessage(
                self.tr("Lead saved and flagged: {reason}").format(
                    reason=matches_text(matches).replace("\n", "; ")
                ),
                15_000,
            )
        else:
            self.statusBar().showMessage(self.tr("Lead saved."), 5000)
        self.reload()
        self._runner.run_read(lambda _session: lead_id, self.select_lead)

    def open_import(self) -> None:
        """Open the Import leads dialog."""
        dialog = ImportLeadsDialog(
            self._runner, self._report_folder, self, phone_region=self.phone_region
        )
        dialog.imported.connect(lambda _result: self.reload())
        self._show_dialog(dialog)

    def open_merge(self) -> None:
        """Open the merge dialog on two selected leads, or a lead and its match."""
        leads = self.selected_leads()
        if len(leads) == 2:
            # The older lead is kept by default; the table lists newest first.
            self._open_merge_dialog(leads[1], leads[0])
            return
        if len(leads) != 1:
            return
        other_id = self._lead_match(leads[0])
        if other_id is None:
            return
        flagged = leads[0]
        self._runner.run_read(
            lambda session: load_lead(session, other_id),
            lambda keep: self._open_merge_dialog(keep, flagged),
            self._on_failed,
        )

    def _open_merge_dialog(self, keep: LeadRecord, other: LeadRecord) -> None:
        dialog = MergeDialog(
            self._runner, keep, other, self, phone_region=self.phone_region
        )
        dialog.merged.connect(self._on_merged)
        self._show_dialog(dialog)

    def _on_merged(self, lead_id: uuid.UUID) -> None:
        self.statusBar().showMessage(self.tr("Leads merged."), 5000)
        self.reload()
        self._runner.run_read(lambda _session: lead_id, self.select_lead)

    def open_convert(self) -> None:
        """Open the convert dialog on the selected lead."""
        leads = self.selected_leads()
        if len(leads) != 1 or leads[0].status not in (
            LeadStatus.NEW,
            LeadStatus.FLAGGED,
        ):
            return
        dialog = ConvertDialog(
            self._runner,
            leads[0],
            self._series,
            self.language,
            self,
            phone_region=self.phone_region,
        )
        dialog.converted.connect(self._on_converted)
        self._show_dialog(dialog)

    def _on_converted(self, _result: Any) -> None:
        self.statusBar().showMessage(self.tr("Lead converted."), 5000)
        self.customers_changed.emit()
        self.reload()

    def clear_selected_flag(self) -> None:
        """Mark the selected flagged lead as not a duplicate."""
        leads = self.selected_leads()
        if len(leads) != 1:
            return
        lead_id = leads[0].id
        self._runner.run_write(
            lambda session: clear_flag(session, lead_id, actor_in(session)).id,
            lambda _id: self.reload(),
            self._on_failed,
        )

    def discard_selected(self) -> None:
        """Discard the selected leads after the rep confirms."""
        leads = self.selected_leads()
        if not leads:
            return
        answer = QMessageBox.question(
            self,
            self.tr("Discard leads"),
            self.tr(
                "Discard %n lead(s)? They stay stored with status Discarded.",
                "",
                len(leads),
            ),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.discard(leads)

    def discard(self, leads: list[LeadRecord]) -> None:
        """Discard leads without asking."""
        ids = [lead.id for lead in leads]

        def run(session: Any) -> int:
            actor = actor_in(session)
            for lead_id in ids:
                discard_lead(session, lead_id, actor)
            return len(ids)

        self._runner.run_write(run, lambda _count: self.reload(), self._on_failed)

    def _show_dialog(self, dialog: Any) -> None:
        # Shown without exec(), so tests can drive it; the window keeps the
        # reference until the dialog closes.
        self.dialog = dialog
        dialog.setModal(True)
        dialog.finished.connect(lambda _result: dialog.deleteLater())
        dialog.show()

    def set_language(self, language: str) -> None:
        """Use ``language`` for series names from now on."""
        self.language = language
