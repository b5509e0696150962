"""The checklist of a deal's current stage, ticked by hand."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from crmdesk.services.deal_detail import ChecklistLine

_ACTION_ID = Qt.ItemDataRole.UserRole


class ChecklistView(QWidget):
    """The actions of the current stage; required ones are bold and marked.

    Signals:
        action_toggled(object, bool): the UUID of the checklist action and whether
            it is now done.
    """

    action_toggled = Signal(object, bool)

    def __init__(self, language: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._language = language
        self._lines: list[ChecklistLine] = []
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.list = QListWidget(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.list, 1)
        self.list.itemChanged.connect(self._on_item_changed)
        self.retranslate()

    def retranslate(self) -> None:
        self.show_lines(self._lines)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_language(self, language: str) -> None:
        """Label actions in ``language`` (zh_CN or en)."""
        self._language = language
        self.show_lines(self._lines)

    def show_lines(self, lines: list[ChecklistLine]) -> None:
        """Show the actions of the deal's current stage."""
        self._lines = lines
        self.list.blockSignals(True)
        self.list.clear()
        for line in lines:
            text = line.name.get(self._language)
            if line.required:
                text = self.tr("{action} (required)").format(action=text)
            item = QListWidgetItem(text, self.list)
            item.setData(_ACTION_ID, line.action_id)
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsUserCheckable
                | Qt.ItemFlag.ItemIsSelectable
            )
            item.setCheckState(
                Qt.CheckState.Checked if line.done else Qt.CheckState.Unchecked
            )
            if line.required:
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
        self.list.blockSignals(False)
        self._show_summary()

    def _show_summary(self) -> None:
        if not self._lines:
            self.summary.setText(self.tr("This stage has no checklist."))
            return
        done = sum(1 for line in self._lines if line.done)
        open_required = sum(
            1 for line in self._lines if line.required and not line.done
        )
        text = self.tr("{done} of {total} done.").format(
            done=done, total=len(self._lines)
        )
        if open_required:
            text += " " + self.tr(
                "%n required action(s) still open.", "", open_required
            )
        self.summary.setText(text)

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        done = item.checkState() == Qt.CheckState.Checked
        self.action_toggled.emit(item.data(_ACTION_ID), done)
