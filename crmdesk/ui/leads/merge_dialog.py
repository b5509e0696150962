"""The merge dialog: two leads side by side, one choice per field."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from crmdesk.config.settings import DEFAULT_PHONE_REGION
from crmdesk.domain.errors import CrmError
from crmdesk.services.lead_merge import MERGE_FIELDS, default_choices, merge_leads
from crmdesk.services.leads import LeadRecord
from crmdesk.ui.acting import actor_in
from crmdesk.ui.leads.texts import field_label, phone_display
from crmdesk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

KEEP, OTHER = 0, 1


class MergeDialog(QDialog):
    """Shows two leads side by side; the rep picks the value of each field.

    The left lead is kept and the right one is folded into it. Swap exchanges
    the two. Values not picked are written into the kept lead's notes, so the
    merge loses nothing.

    Signals:
        merged(object): the UUID of the kept lead, after the merge is stored.
    """

    merged = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        keep: LeadRecord,
        other: LeadRecord,
        parent: QWidget | None = None,
        *,
        phone_region: str = DEFAULT_PHONE_REGION,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._phone_region = phone_region
        self.keep = keep
        self.other = other
        self.setWindowTitle(self.tr("Merge leads"))
        self.setMinimumWidth(620)
        self.groups: dict[str, QButtonGroup] = {}
        self.grid = QGridLayout()
        self.keep_header = QLabel(self)
        self.other_header = QLabel(self)
        self.grid.addWidget(self.keep_header, 0, 1)
        self.grid.addWidget(self.other_header, 0, 2)
        self.radios: dict[str, tuple[QRadioButton, QRadioButton]] = {}
        for row, name in enumerate(MERGE_FIELDS, start=1):
            self.grid.addWidget(QLabel(field_label(name), self), row, 0)
            group = QButtonGroup(self)
            pair = (QRadioButton(self), QRadioButton(self))
            for column, radio in enumerate(pair):
                group.addButton(radio, column)
                self.grid.addWidget(radio, row, column + 1)
            self.groups[name] = group
            self.radios[name] = pair
        note = QLabel(
            self.tr(
                "Notes of both leads are kept. Values you do not pick are added to "
                "the kept lead's notes, and the other lead is marked merged."
            ),
            self,
        )
        note.setWordWrap(True)
        self.swap_button = QPushButton(self.tr("Swap sides"), self)
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e;")
        self.error_label.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.merge_button = self.buttons.addButton(
            self.tr("Merge"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        layout = QVBoxLayout(self)
        layout.addLayout(self.grid)
        layout.addWidget(note)
        layout.addWidget(self.swap_button)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.swap_button.clicked.connect(self.swap)
        self.buttons.accepted.connect(self._merge)
        self.buttons.rejected.connect(self.reject)
        self._show()

    def _show(self) -> None:
        self.keep_header.setText(
            self.tr("<b>Keep:</b> {name}").format(name=self.keep.name)
        )
        self.other_header.setText(
            self.tr("<b>Fold in:</b> {name}").format(name=self.other.name)
        )
        chosen = default_choices(self.keep, self.other)
        empty = self.tr("(empty)")
        for name in MERGE_FIELDS:
            left, right = self.radios[name]
            left.setText(self._shown(self.keep, name) or empty)
            right.setText(self._shown(self.other, name) or empty)
            (right if name in chosen else left).setChecked(True)

    @staticmethod
    def _shown(lead: LeadRecord, name: str) -> str:
        value = str(getattr(lead, name))
        return phone_display(value) if name == "phone" else value

    def swap(self) -> None:
        """Keep the other lead instead, with the default choices again."""
        self.keep, self.other = self.other, self.keep
        self._show()

    def choose(self, name: str, side: int) -> None:
        """Pick the kept (0) or the other (1) lead's value of a field."""
        self.radios[name][side].setChecked(True)

    def taken_fields(self) -> set[str]:
        """Return the fields whose value comes from the other lead."""
        return {
            name for name, group in self.groups.items() if group.checkedId() == OTHER
        }

    def _merge(self) -> None:
        keep_id, other_id = self.keep.id, self.other.id
        taken = self.taken_fields()
        region = self._phone_region
        self.buttons.setEnabled(False)

        def merge(session: Any) -> uuid.UUID:
            lead = merge_leads(
                session, keep_id, other_id, taken, actor_in(session), region=region
            )
            return lead.id

        self._runner.run_write(merge, self._on_merged, self._on_failed)

    def _on_merged(self, lead_id: uuid.UUID) -> None:
        log.info("merged lead %s into %s", self.other.id, lead_id)
        self.merged.emit(lead_id)
        self.accept()

    def _on_failed(self, error: Exception) -> None:
        self.buttons.setEnabled(True)
        if not isinstance(error, CrmError):
            log.error("merging leads failed", exc_info=error)
        self.error_label.setText(
            self.tr("The leads were not merged: {error}").format(error=error)
        )
        self.error_label.show()
