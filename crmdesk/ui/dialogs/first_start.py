"""The first-start dialog, shown when the store has no series yet.

It offers three ways to begin: a generated demo workspace, an import (a Maven CRM
export folder, or a playbook file), or an empty workspace from a shipped playbook
with the user's own name. The work runs on the task runner; the dialog closes
with Accepted when the store is ready.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.errors import CrmError
from crmdesk.domain.playbook import Playbook
from crmdesk.domain.playbook_file import load_playbook, shipped_playbooks
from crmdesk.services.playbooks import install_playbook
from crmdesk.services.workspace import ensure_user, set_current_user
from crmdesk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

DEFAULT_DEMO_DEALS = 2000
MAX_DEMO_DEALS = 200_000
"""Largest demo the dialog offers; the command line can generate more."""


@dataclass(frozen=True)
class StartJobs:
    """The store-wide jobs the dialog starts, built by the composition root.

    Each runs on the task runner's worker thread; the dialog turns the counts it
    returns into a translated summary.

    Attributes:
        generate_demo: fills the store with ``deals`` demo deals and returns the
            number of deals written.
        import_maven: imports a Maven CRM export folder inside the job's session
            and returns ``(imported, rejected, report path or None)``; None when
            importing is not offered.
    """

    generate_demo: Callable[[int], int]
    import_maven: Callable[[Any, Path], tuple[int, int, Path | None]] | None


def login_for(name: str) -> str:
    """Return a login made from a display name: lower case, dots for spaces."""
    folded = re.sub(r"\s+", ".", name.strip().casefold())
    return folded or "me"


def _start_empty(session: Any, playbook: Playbook, name: str) -> None:
    install_playbook(session, playbook)
    user = ensure_user(session, login_for(name), name, role="rep")
    set_current_user(session, user.id)


class FirstStartDialog(QDialog):
    """Asks how to fill an empty store, then does it.

    ``summary`` is a translated sentence of what was done once the dialog is
    accepted.
    """

    def __init__(
        self, runner: TaskRunner, jobs: StartJobs, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._jobs = jobs
        self._playbooks = shipped_playbooks()
        self._language = "en"
        self.summary = ""
        self.setWindowTitle(self.tr("Welcome to crmdesk"))
        self.setMinimumWidth(560)

        intro = QLabel(
            self.tr("This store has no sales pipeline yet. Choose how to start."), self
        )
        intro.setWordWrap(True)

        self.demo_radio = QRadioButton(self.tr("Demo workspace"), self)
        self.import_radio = QRadioButton(self.tr("Import"), self)
        self.empty_radio = QRadioButton(self.tr("Empty workspace"), self)
        self._group = QButtonGroup(self)
        for button in (self.demo_radio, self.import_radio, self.empty_radio):
            self._group.addButton(button)

        self.demo_deals = QSpinBox(self)
        self.demo_deals.setRange(1, MAX_DEMO_DEALS)
        self.demo_deals.setSingleStep(500)
        self.demo_deals.setValue(DEFAULT_DEMO_DEALS)
        self.demo_deals.setGroupSeparatorShown(True)

        self.import_path = QLineEdit(self)
        self.import_path.setPlaceholderText(
            self.tr("A Maven CRM export folder or a playbook file (.toml)")
        )
        self.folder_button = QPushButton(self.tr("Folder…"), self)
        self.file_button = QPushButton(self.tr("File…"), self)

        self.playbook_combo = QComboBox(self)
        self.user_name = QLineEdit(self)
        self.user_name.setPlaceholderText(self.tr("Your name, as colleagues see it"))

        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e;")
        self.error_label.hide()
        self.progress_label = QLabel(self)
        self.progress_label.hide()
        self.buttons = QDialogButtonBox(self)
        self.start_button = self.buttons.addButton(
            self.tr("Start"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)

        self._build_layout(intro)
        self.demo_radio.toggled.connect(self._update_enabled)
        self.import_radio.toggled.connect(self._update_enabled)
        self.folder_button.clicked.connect(self._choose_folder)
        self.file_button.clicked.connect(self._choose_file)
        self.buttons.accepted.connect(self._start)
        self.buttons.rejected.connect(self.reject)
        self.demo_radio.setChecked(True)
        self._update_enabled()

    def set_language(self, language: str) -> None:
        """Name the shipped playbooks in ``language`` (zh_CN or en)."""
        self._language = language
        current = self.playbook_combo.currentData()
        self.playbook_combo.clear()
        for playbook in self._playbooks:
            self.playbook_combo.addItem(playbook.name.get(language), playbook.key)
        self.playbook_combo.setCurrentIndex(
            max(self.playbook_combo.findData(current), 0)
        )

    def show_error(self, text: str) -> None:
        """Show an error above the buttons; an empty text hides it."""
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def _build_layout(self, intro: QLabel) -> None:
        self.set_language(self._language)
        grid = QGridLayout()
        grid.setColumnMinimumWidth(0, 24)
        grid.addWidget(self.demo_radio, 0, 0, 1, 2)
        grid.addWidget(
            self._hint(
                self.tr(
                    "An education business with generated teams, customers and "
                    "deals, to try crmdesk out."
                )
            ),
            1,
            1,
        )
        demo_form = QFormLayout()
        demo_form.addRow(self.tr("Deals"), self.demo_deals)
        grid.addLayout(demo_form, 2, 1)

        grid.addWidget(self.import_radio, 3, 0, 1, 2)
        grid.addWidget(
            self._hint(
                self.tr(
                    "Deals, accounts and sales teams from a Maven CRM export "
                    "folder, or the series of a playbook file."
                )
            ),
            4,
            1,
        )
        path_row = QHBoxLayout()
        path_row.addWidget(self.import_path, 1)
        path_row.addWidget(self.folder_button)
        path_row.addWidget(self.file_button)
        grid.addLayout(path_row, 5, 1)

        grid.addWidget(self.empty_radio, 6, 0, 1, 2)
        grid.addWidget(
            self._hint(self.tr("A shipped playbook, with you as the only user.")), 7, 1
        )
        empty_form = QFormLayout()
        empty_form.addRow(self.tr("Playbook"), self.playbook_combo)
        empty_form.addRow(self.tr("Your name"), self.user_name)
        grid.addLayout(empty_form, 8, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    def _hint(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setWordWrap(True)
        return label

    def _update_enabled(self) -> None:
        self.demo_deals.setEnabled(self.demo_radio.isChecked())
        for widget in (self.import_path, self.folder_button, self.file_button):
            widget.setEnabled(self.import_radio.isChecked())
        for widget in (self.playbook_combo, self.user_name):
            widget.setEnabled(self.empty_radio.isChecked())

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Choose a Maven CRM export folder")
        )
        if folder:
            self.import_path.setText(folder)

    def _choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose a file to import"),
            "",
            self.tr("Playbooks (*.toml);;Maven CRM deal file (sales_pipeline.csv)"),
        )
        if path:
            self.import_path.setText(path)

    def _start(self) -> None:
        self.show_error("")
        if self.demo_radio.isChecked():
            self._start_demo()
        elif self.import_radio.isChecked():
            self._start_import()
        else:
            self._start_empty()

    def _run(self, fn: Callable[[Any], Any], on_done: Callable[[Any], None]) -> None:
        self.buttons.setEnabled(False)
        self.progress_label.setText(self.tr("Working… this can take a minute."))
        self.progress_label.show()
        self._runner.run_write(fn, on_done, self._on_failed)

    def _start_demo(self) -> None:
        deals = self.demo_deals.value()
        # generate_demo opens its own transaction from the session factory; the
        # runner's session stays unused, so it holds no lock on the store.
        self._run(
            lambda _session: self._jobs.generate_demo(deals),
            lambda count: self._finish(
                self.tr("Generated a demo workspace with {count} deals.").format(
                    count=count
                )
            ),
        )

    def _start_import(self) -> None:
        text = self.import_path.text().strip()
        if not text:
            self.show_error(
                self.tr("Choose a folder or a file to import, or pick another option.")
            )
            return
        path = Path(text).expanduser()
        if not path.exists():
            self.show_error(
                self.tr(
                    "“{path}” does not exist: choose an existing folder or file."
                ).format(path=text)
            )
            return
        if path.is_file() and path.suffix.lower() == ".toml":
            self._run(
                lambda session: install_playbook(session, load_playbook(path)).key,
                lambda key: self._finish(
                    self.tr("Installed the playbook “{key}”.").format(key=key)
                ),
            )
            return
        folder = path.parent if path.is_file() else path
        if self._jobs.import_maven is None:
            self.show_error(self.tr("Importing Maven CRM exports is not available."))
            return
        importer = self._jobs.import_maven
        self._run(lambda session: importer(session, folder), self._on_imported)

    def _on_imported(self, counts: tuple[int, int, Path | None]) -> None:
        imported, rejected, report = counts
        text = self.tr(
            "Imported {imported} deals; {rejected} rows were rejected."
        ).format(imported=imported, rejected=rejected)
        if report is not None:
            text += " " + self.tr("Report: {path}").format(path=report)
        self._finish(text)

    def _start_empty(self) -> None:
        name = self.user_name.text().strip()
        if not name:
            self.show_error(
                self.tr("Your name is empty: enter the name colleagues know you by.")
            )
            self.user_name.setFocus()
            return
        key = self.playbook_combo.currentData()
        playbook = next(p for p in self._playbooks if p.key == key)
        self._run(
            lambda session: _start_empty(session, playbook, name),
            lambda _none: self._finish(
                self.tr(
                    "Started an empty workspace with the playbook “{name}”."
                ).format(name=playbook.name.get(self._language))
            ),
        )

    def _finish(self, summary: str) -> None:
        log.info("first start finished")
        self.summary = summary
        self.accept()

    def _on_failed(self, error: Exception) -> None:
        self.buttons.setEnabled(True)
        self.progress_label.hide()
        if not isinstance(error, CrmError):
            log.error("starting the workspace failed", exc_info=error)
        self.show_error(
            self.tr("Starting the workspace failed: {error}").format(error=error)
        )
