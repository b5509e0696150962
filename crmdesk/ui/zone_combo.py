"""A combo box of IANA time zone names that filters as the user types."""

from __future__ import annotations

from zoneinfo import available_timezones

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QCompleter, QWidget


class TimeZoneCombo(QComboBox):
    """An editable list of every IANA time zone name Python's ``zoneinfo`` knows.

    Typing any part of a name ("shang", "york") narrows the completer's popup to
    the names that contain it. The typed text is returned as is, so the caller
    validates it.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(15)
        # "localtime" and "Factory" are not places a business can be in.
        names = sorted(
            name
            for name in available_timezones()
            if name not in {"localtime", "Factory"}
        )
        self.addItems(names)
        completer = QCompleter(names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)

    def zone_name(self) -> str:
        """Return the typed or chosen name, stripped."""
        return self.currentText().strip()

    def set_zone_name(self, name: str) -> None:
        """Show ``name``, selecting it in the list when it is listed."""
        index = self.findText(name)
        if index >= 0:
            self.setCurrentIndex(index)
        else:
            self.setEditText(name)
