"""The filter bar over the board: owner, expected close range and search text."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QEvent, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from crmdesk.domain.board import CardFilter
from crmdesk.services.lookups import Choice
from crmdesk.ui.combo import find_data
from crmdesk.ui.date_edit import OptionalDateEdit

SEARCH_DELAY_MS = 200
"""Pause after the last keystroke before the search text filters the board."""


class FilterBar(QWidget):
    """Owner combo, close-date range and search box; builds a ``CardFilter``.

    Signals:
        filter_changed(object): the new ``CardFilter``.
    """

    filter_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.owner_label = QLabel(self)
        self.owner_combo = QComboBox(self)
        self.owner_combo.setMinimumContentsLength(12)
        self.owner_combo.addItem("", None)
        self.close_label = QLabel(self)
        self.close_from = OptionalDateEdit(self)
        self.to_label = QLabel(self)
        self.close_to = OptionalDateEdit(self)
        self.search_edit = QLineEdit(self)
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(200)
        self.owner_label.setBuddy(self.owner_combo)
        self.close_label.setBuddy(self.close_from)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.owner_label)
        layout.addWidget(self.owner_combo)
        layout.addSpacing(12)
        layout.addWidget(self.close_label)
        layout.addWidget(self.close_from)
        layout.addWidget(self.to_label)
        layout.addWidget(self.close_to)
        layout.addSpacing(12)
        layout.addWidget(self.search_edit, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._emit)
        self.owner_combo.currentIndexChanged.connect(self._emit)
        self.close_from.value_changed.connect(self._emit)
        self.close_to.value_changed.connect(self._emit)
        self.search_edit.textChanged.connect(self._search_timer.start)
        self.search_edit.returnPressed.connect(self._emit)
        self.retranslate()

    def retranslate(self) -> None:
        self.owner_label.setText(self.tr("Owner"))
        self.owner_combo.setItemText(0, self.tr("All owners"))
        self.close_label.setText(self.tr("Expected close"))
        self.to_label.setText(self.tr("to"))
        self.search_edit.setPlaceholderText(
            self.tr("Search title, customer or owner (Ctrl+F)")
        )
        self.setAccessibleName(self.tr("Deal filters"))
        self.owner_combo.setAccessibleName(self.tr("Owner filter"))
        self.owner_combo.setAccessibleDescription(
            self.tr("Show only the deals of this owner.")
        )
        self.close_from.set_accessible_name(self.tr("Expected close from"))
        self.close_to.set_accessible_name(self.tr("Expected close to"))
        self.search_edit.setAccessibleName(self.tr("Search deals"))
        self.search_edit.setAccessibleDescription(
            self.tr("Shows the deals whose title, customer or owner contain the text.")
        )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_users(self, users: list[Choice]) -> None:
        """Offer these users as owners, keeping the current choice if it is listed."""
        current = self.owner_combo.currentData()
        self.owner_combo.blockSignals(True)
        while self.owner_combo.count() > 1:
            self.owner_combo.removeItem(1)
        for user in users:
            self.owner_combo.addItem(user.label, user.id)
        index = find_data(self.owner_combo, current)
        self.owner_combo.setCurrentIndex(max(index, 0))
        self.owner_combo.blockSignals(False)
        if index < 0 and current is not None:
            self._emit()

    def set_close_range_visible(self, visible: bool) -> None:
        """Show or hide the expected close range, which filters deals only."""
        for widget in (self.close_label, self.close_from, self.to_label, self.close_to):
            widget.setVisible(visible)

    def focus_search(self) -> None:
        """Put the keyboard focus in the search box with its text selected."""
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def current_filter(self) -> CardFilter:
        """Return the filter the bar shows now."""
        owner = self.owner_combo.currentData()
        return CardFilter(
            owner_id=owner if isinstance(owner, uuid.UUID) else None,
            close_from=self.close_from.value(),
            close_to=self.close_to.value(),
            text=self.search_edit.text(),
        )

    def _emit(self) -> None:
        self._search_timer.stop()
        self.filter_changed.emit(self.current_filter())
