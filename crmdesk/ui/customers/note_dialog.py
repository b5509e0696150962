"""The dialog that asks for the note of a customer state change."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


class StateNoteDialog(QDialog):
    """Asks why customers change state; with ``required`` the note may not be empty.

    A move back to an earlier state needs a note, so OK stays disabled until
    the note has text.
    """

    def __init__(
        self,
        customers: str,
        from_state: str,
        to_state: str,
        *,
        required: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("stateNoteDialog")
        self.setWindowTitle(self.tr("Change customer state"))
        self._required = required
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        if required:
            text = self.tr(
                "{customers} moves back from “{from_state}” to “{to_state}”. "
                "Say why: the note is kept in the state history."
            )
        else:
            text = self.tr(
                "{customers} moves from “{from_state}” to “{to_state}”. "
                "Add a note for the state history if you like."
            )
        self.message.setText(
            text.format(customers=customers, from_state=from_state, to_state=to_state)
        )
        self.note_edit = QPlainTextEdit(self)
        self.note_edit.setAccessibleName(self.tr("Note"))
        self.note_edit.setPlaceholderText(self.tr("Why does the state change?"))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
            self,
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.note_edit, 1)
        layout.addWidget(self.buttons)
        self.note_edit.textChanged.connect(self._update_ok)
        self._update_ok()
        self.resize(420, 240)

    def note(self) -> str:
        """Return the note as typed, without surrounding space."""
        return self.note_edit.toPlainText().strip()

    def _update_ok(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not self._required or bool(self.note()))

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        customers: str,
        from_state: str,
        to_state: str,
        *,
        required: bool,
    ) -> str | None:
        """Show the dialog; return the note, or None when it was cancelled."""
        dialog = cls(customers, from_state, to_state, required=required, parent=parent)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return dialog.note()
        finally:
            dialog.deleteLater()
