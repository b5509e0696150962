"""The sync password dialog: requests the server password during a sync round.

The main window opens it for the sync runner, only in a round the user started
and only when the server wants a password that neither the keyring nor libpq's
sources (``PGPASSWORD``, ``~/.pgpass``) supplied. A password the server
accepted is kept for the rest of the session, and saved in the system keyring
only when "Remember" is ticked. A password the server rejected is never saved.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)


class PasswordDialog(QDialog):
    """A dialog requesting the password of ``login`` on the sync server ``server``."""

    def __init__(self, server: str, login: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncPassword")
        self.setWindowTitle(self.tr("Sync server password"))
        self.setMinimumWidth(420)

        self.prompt_label = QLabel(
            self.tr(
                "The sync server {server} asks for the password of {login}."
            ).format(server=server, login=login),
            self,
        )
        self.prompt_label.setWordWrap(True)
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.prompt_label.setBuddy(self.password_edit)
        self.remember_box = QCheckBox(
            self.tr("&Remember the password in the system keyring"), self
        )
        self.remember_box.setObjectName("remember")
        self.remember_box.setChecked(True)
        self.remember_box.setToolTip(
            self.tr(
                "The password is saved once the server accepts it. Without this, "
                "crmdesk asks again after it restarts."
            )
        )
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
            self,
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.password_edit.textChanged.connect(self._update_ok)

        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt_label)
        layout.addWidget(self.password_edit)
        layout.addWidget(self.remember_box)
        layout.addWidget(self.buttons)
        self._update_ok()

    def password(self) -> str:
        """Return the password typed."""
        return self.password_edit.text()

    def remember(self) -> bool:
        """Return True when the user ticked Remember (keep it in the keyring)."""
        return self.remember_box.isChecked()

    def _update_ok(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(self.password_edit.text()))
