"""A date field that may be empty, for expected close dates and filter bounds."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QToolButton, QWidget

# QDateEdit cannot hold "no date", so its minimum stands for empty and shows the
# special value text instead of a date.
_EMPTY = QDate(1900, 1, 1)


class _DateEdit(QDateEdit):
    """A QDateEdit that lets Tab leave while it shows its "No date" text.

    QDateTimeEdit uses Tab to step through its sections. While it shows the
    special value text it has no sections to step through and keeps the focus
    on every Tab (seen with Qt 6.11), which traps keyboard users.
    """

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) and self.date() == _EMPTY:
            forward = key == Qt.Key.Key_Tab and not (
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            )
            QWidget.focusNextPrevChild(self, forward)
            event.accept()
            return
        super().keyPressEvent(event)


class OptionalDateEdit(QWidget):
    """A calendar date edit with a clear button; ``value()`` is None when empty.

    Signals:
        value_changed(object): the new ``datetime.date`` or None.
    """

    value_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._edit = _DateEdit(self)
        self._edit.setCalendarPopup(True)
        self._edit.setMinimumDate(_EMPTY)
        self._edit.setDate(_EMPTY)
        self._edit.setDisplayFormat("yyyy-MM-dd")
        self._clear = QToolButton(self)
        self._clear.setText("×")
        self._clear.setAutoRaise(True)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self._edit, 1)
        layout.addWidget(self._clear)

        self._edit.dateChanged.connect(self._on_date_changed)
        self._clear.clicked.connect(self.clear)
        self.setFocusProxy(self._edit)
        self.retranslate()

    def retranslate(self) -> None:
        self._edit.setSpecialValueText(self.tr("No date"))
        self._clear.setToolTip(self.tr("Clear the date"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_accessible_name(self, name: str) -> None:
        """Name the date field ``name`` for screen readers, and its clear button."""
        self.setAccessibleName(name)
        self._edit.setAccessibleName(name)
        self._clear.setAccessibleName(self.tr("Clear {field}").format(field=name))

    def value(self) -> date | None:
        """The chosen date, or None when the field is empty."""
        chosen = self._edit.date()
        if chosen == _EMPTY:
            return None
        return date(chosen.year(), chosen.month(), chosen.day())

    def set_value(self, value: date | None) -> None:
        """Show ``value``, or empty the field for None."""
        if value is None:
            self._edit.setDate(_EMPTY)
        else:
            self._edit.setDate(QDate(value.year, value.month, value.day))

    def clear(self) -> None:
        """Empty the field."""
        self._edit.setDate(_EMPTY)

    def _on_date_changed(self, _chosen: QDate) -> None:
        self.value_changed.emit(self.value())
