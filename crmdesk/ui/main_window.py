"""The main window: lays out the boards, filter bar and deal panel, and wires them.

Behaviour lives in the parts: ``SeriesSwitcher`` (one board per series),
``CustomerBoardWidget`` (customers by lifecycle state), ``FilterBar``,
``DetailPanel``, ``CustomerDetailPanel``, ``WindowActions`` and the dialogs.
This module only connects their signals and opens dialogs from menu actions.

A store whose playbooks have states but no series opens on the customer board;
with series, View > Customer board switches between it and the deal boards.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from crmdesk import __version__
from crmdesk.config.logging_setup import LOG_FILE
from crmdesk.config.paths import resolve_paths
from crmdesk.config.settings import Settings
from crmdesk.domain.board import CardFilter
from crmdesk.domain.customer_board import CustomerFilter
from crmdesk.domain.dates import business_zone
from crmdesk.services.customer_board import PlaybookChoice, list_state_playbooks
from crmdesk.services.leads import offers_leads_inbox
from crmdesk.services.lookups import Choice, list_users
from crmdesk.services.playbooks import SeriesRecord, home_series_id, list_series
from crmdesk.services.workspace import (
    base_currency,
    business_time_zone,
    current_user_id,
)
from crmdesk.ui.actions import WindowActions
from crmdesk.ui.approvals.inbox import ApprovalsInbox
from crmdesk.ui.customers.board import CustomerBoardWidget
from crmdesk.ui.customers.detail import CustomerDetailPanel
from crmdesk.ui.detail.panel import DetailPanel
from crmdesk.ui.dialogs.new_customer import NewCustomerDialog
from crmdesk.ui.dialogs.new_deal import NewDealDialog
from crmdesk.ui.dialogs.password import PasswordDialog
from crmdesk.ui.dialogs.settings import SettingsDialog, SyncServerAccess
from crmdesk.ui.errors import open_folder
from crmdesk.ui.events import EventHub
from crmdesk.ui.filter_bar import FilterBar
from crmdesk.ui.formatting import set_display_zone
from crmdesk.ui.i18n import Translators, resolve_language
from crmdesk.ui.leads.inbox import LeadsWindow
from crmdesk.ui.review.window import ReviewWindow
from crmdesk.ui.series_switcher import SeriesSwitcher
from crmdesk.ui.sync.issues_panel import SyncIssuesPanel
from crmdesk.ui.sync.runner import (
    PasswordReply,
    PasswordRequest,
    RoundSummary,
    SyncRunner,
    SyncStatus,
)
from crmdesk.ui.sync.status_widget import SyncStatusWidget
from crmdesk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

DEFAULT_WIDTH, DEFAULT_HEIGHT = 1280, 800
MIN_WIDTH, MIN_HEIGHT = 640, 400
"""A restored window smaller than this gets the default size instead."""


@dataclass(frozen=True)
class _Workspace:
    series: list[SeriesRecord]
    users: list[Choice]
    currency: str
    state_playbooks: list[PlaybookChoice]
    leads_inbox: bool
    home_series: uuid.UUID | None
    zone_name: str


def _load_workspace(session: Any) -> _Workspace:
    series = list_series(session)
    return _Workspace(
        series,
        list_users(session),
        base_currency(session),
        list_state_playbooks(session),
        offers_leads_inbox(session),
        home_series_id(session, series, current_user_id(session)),
        business_time_zone(session),
    )


class MainWindow(QMainWindow):
    """The crmdesk main window.

    Signals:
        workspace_loaded(bool): the series list was (re)loaded; True when the
            store has at least one series or a playbook with customer states.
    """

    workspace_loaded = Signal(bool)

    def __init__(
        self,
        runner: TaskRunner,
        events: EventHub,
        settings: Settings,
        translators: Translators,
        parent: QWidget | None = None,
        *,
        log_file: Path | None = None,
        sync_access: SyncServerAccess | None = None,
        sync: SyncRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.log_file = log_file or resolve_paths().log_dir / LOG_FILE
        self._sync_access = sync_access
        self._runner = runner
        self._events = events
        self._settings = settings
        self._translators = translators
        self._currency = ""
        self._review: ReviewWindow | None = None
        self.leads_window: LeadsWindow | None = None
        self._approvals: ApprovalsInbox | None = None
        language = translators.language or "en"

        self.switcher = SeriesSwitcher(runner, events, language, self)
        self._build_customer_views(language)
        self.filter_bar = FilterBar(self)
        self.filter_toolbar = QToolBar(self)
        self.filter_toolbar.setObjectName("filters")
        self.filter_toolbar.setMovable(False)
        self.filter_toolbar.addWidget(self.filter_bar)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.filter_toolbar)
        self.detail = DetailPanel(runner, events, language, self)
        self.detail.setMinimumWidth(360)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.detail)
        self.detail.hide()
        self._add_dock(self.customer_detail)

        self.actions_ = WindowActions(self)
        detail_toggle = self.detail.toggleViewAction()
        detail_toggle.setShortcut(QKeySequence("Ctrl+D"))
        self.actions_.view_menu.addAction(detail_toggle)
        self.deals_label = QLabel(self)
        self.currency_label = QLabel(self)
        self.statusBar().addWidget(self.deals_label)
        self.statusBar().addPermanentWidget(self.currency_label)
        self.sync = sync
        self.sync_status = SyncStatusWidget(self)
        self.statusBar().addPermanentWidget(self.sync_status)
        self.sync_issues: SyncIssuesPanel | None = None
        if sync is not None:
            self.sync_issues = SyncIssuesPanel(sync, self, language)
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.sync_issues)
            self.sync_issues.hide()
        else:
            self.sync_status.hide()
        self.actions_.sync_now.setEnabled(sync is not None)
        self.actions_.sync_issues.setEnabled(sync is not None)

        self._connect()
        self.retranslate()
        self.resize(DEFAULT_WIDTH, DEFAULT_HEIGHT)

    def _build_customer_views(self, language: str) -> None:
        """Stack the customer board under the deal boards; make its detail dock."""
        self.customer_board = CustomerBoardWidget(
            self._runner, self._events, language, self
        )
        self.central = QStackedWidget(self)
        self.central.addWidget(self.switcher)
        self.central.addWidget(self.customer_board)
        self.setCentralWidget(self.central)
        self._states_only = False
        self.customer_detail = CustomerDetailPanel(
            self._runner, self._events, language, self
        )

    def _add_dock(self, dock: CustomerDetailPanel) -> None:
        dock.setMinimumWidth(360)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        dock.hide()

    def _connect(self) -> None:
        actions = self.actions_
        actions.new_deal.triggered.connect(self.open_new_deal)
        actions.new_customer.triggered.connect(self.open_new_customer)
        actions.export_png.triggered.connect(self.export_png)
        actions.settings.triggered.connect(self.open_settings)
        actions.quit.triggered.connect(self.close)
        actions.find.triggered.connect(self.filter_bar.focus_search)
        actions.reload.triggered.connect(self.reload)
        actions.review.triggered.connect(self.open_review)
        actions.leads.triggered.connect(self.open_leads)
        actions.approvals.triggered.connect(self.open_approvals)
        actions.move_selected.triggered.connect(self.popup_move_menu)
        actions.open_log_folder.triggered.connect(self.open_log_folder)
        actions.about.triggered.connect(self.show_about)
        actions.about_qt.triggered.connect(lambda: QMessageBox.aboutQt(self))
        actions.move_menu.aboutToShow.connect(self._fill_move_menu)
        actions.log_activity.triggered.connect(self.log_activity)
        actions.plan_activity.triggered.connect(self.plan_activity)
        self.switcher.card_menu_requested.connect(self.popup_card_menu)

        self.filter_bar.filter_changed.connect(self.switcher.set_filter)
        self.filter_bar.filter_changed.connect(self._filter_customers)
        actions.customer_board.toggled.connect(self.show_customer_board)
        self.customer_board.customer_activated.connect(
            self.customer_detail.show_customer
        )
        self.customer_board.model.totals_changed.connect(self._show_counts)
        self.customer_board.state_change_failed.connect(
            lambda text: self.statusBar().showMessage(text, 10_000)
        )
        self.customer_detail.deal_activated.connect(self.detail.show_deal)
        self._events.notice.connect(
            lambda text: self.statusBar().showMessage(text, 15_000)
        )
        self.switcher.current_changed.connect(self._on_series_shown)
        self.switcher.deal_activated.connect(self.detail.show_deal)
        self.switcher.counts_changed.connect(self._show_counts)
        self.switcher.selection_changed.connect(self._on_selection_changed)
        self.switcher.move_failed.connect(
            lambda text: self.statusBar().showMessage(text, 10_000)
        )
        self._events.series_changed.connect(lambda _series: self.reload())
        self._connect_sync()

    def _connect_sync(self) -> None:
        actions = self.actions_
        actions.sync_now.triggered.connect(self.sync_now)
        actions.sync_issues.triggered.connect(self.show_sync_issues)
        sync = self.sync
        if sync is None or self.sync_issues is None:
            return
        sync.state_changed.connect(self._on_sync_state)
        sync.status_changed.connect(self._on_sync_status)
        sync.round_finished.connect(self._on_sync_round)
        sync.pulled_changes.connect(self._on_sync_pulled)
        self.sync_status.issues_requested.connect(self.show_sync_issues)
        self.sync_status.connect_requested.connect(self.sync_now)
        sync.set_password_prompt(self.ask_sync_password)
        self.sync_issues.resolved.connect(self._on_issue_resolved)
        self._events.deals_changed.connect(lambda _ids: sync.refresh_status())

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("crmdesk"))
        self.filter_toolbar.setWindowTitle(self.tr("Filters"))
        self.actions_.retranslate()
        self._show_counts()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    @property
    def language(self) -> str:
        """The interface language in use: zh_CN or en."""
        return self._translators.language or "en"

    # Loading

    def start(self) -> None:
        """Restore the window geometry and load the series; call once, before show."""
        geometry = self._settings.get("window_geometry")
        if geometry:
            self.restoreGeometry(QByteArray.fromBase64(geometry.encode("ascii")))
        if self.width() < MIN_WIDTH or self.height() < MIN_HEIGHT:
            # A window saved while squeezed (a small screen, a crash mid-resize)
            # would come back with no room for the board.
            width = max(self.width(), DEFAULT_WIDTH)
            self.resize(width, max(self.height(), DEFAULT_HEIGHT))
        state = self._settings.get("window_state")
        if state:
            self.restoreState(QByteArray.fromBase64(state.encode("ascii")))
        self.reload()
        if self.sync is not None:
            self.sync.start()

    def reload(self) -> None:
        """Load the series, users and base currency again and refresh every board."""
        self._runner.run_read(_load_workspace, self._on_workspace, self._on_failed)

    def _on_workspace(self, workspace: _Workspace) -> None:
        self._currency = workspace.currency
        set_display_zone(business_zone(workspace.zone_name))
        self.filter_bar.set_users(workspace.users)
        current = self.switcher.current_series()
        wanted = current.id if current else self._settings.last_series_id
        if wanted not in {series.id for series in workspace.series}:
            # The settings are shared by every store of this laptop user; a
            # series of another store gives way to the user's team's series.
            wanted = workspace.home_series
        open_boards = [
            board
            for series in workspace.series
            if (board := self.switcher.board(series.id)) is not None
        ]
        self.switcher.set_series(workspace.series, wanted)
        for board in open_boards:
            if board.series_id is not None:
                board.show_series(board.series_id)
        self.actions_.new_deal.setEnabled(bool(workspace.series))
        self.actions_.leads.setVisible(workspace.leads_inbox)
        self._show_customers_of(workspace)
        self._show_counts()
        self.workspace_loaded.emit(
            bool(workspace.series) or bool(workspace.state_playbooks)
        )

    def _show_customers_of(self, workspace: _Workspace) -> None:
        """Load the customer board; a store with states and no series opens on it."""
        choices = workspace.state_playbooks
        toggle = self.actions_.customer_board
        if not choices:
            toggle.setEnabled(False)
            toggle.setChecked(False)
            return
        current = self.switcher.current_series()
        wanted = current.playbook_id if current is not None else None
        ids = [choice.id for choice in choices]
        self.customer_board.set_playbook(wanted if wanted in ids else ids[0])
        self._states_only = not workspace.series
        toggle.setEnabled(not self._states_only)
        if self._states_only:
            toggle.setChecked(True)
            self.show_customer_board(True)

    def show_customer_board(self, shown: bool) -> None:
        """Show the customer board instead of the deal boards, or the other way."""
        if self._states_only:
            shown = True
        self.central.setCurrentWidget(self.customer_board if shown else self.switcher)
        if self.actions_.customer_board.isChecked() != shown:
            self.actions_.customer_board.setChecked(shown)
        # The close range filters deals only; exports and moves act on deal boards.
        self.filter_bar.set_close_range_visible(not shown)
        self.actions_.export_png.setEnabled(not shown)
        self.actions_.move_selected.setEnabled(not shown)
        self._show_counts()

    def customer_board_shown(self) -> bool:
        """Return True while the customer board is the central view."""
        return self.central.currentWidget() is self.customer_board

    def _filter_customers(self, card_filter: CardFilter) -> None:
        self.customer_board.set_filter(
            CustomerFilter(owner_id=card_filter.owner_id, text=card_filter.text)
        )

    def _on_failed(self, error: Exception) -> None:
        log.error("loading the workspace failed", exc_info=error)
        QMessageBox.critical(
            self,
            self.tr("crmdesk"),
            self.tr("The store could not be read: {error}").format(error=error),
        )

    def _on_series_shown(self, series_id: uuid.UUID | None) -> None:
        if series_id is not None:
            self._settings.set("last_series_id", str(series_id))
        if self.detail.deal_id is not None:
            self.detail.clear()
        self._show_counts()

    # Status bar

    def _show_counts(self) -> None:
        if self.customer_board_shown():
            self._show_customer_counts()
            return
        board = self.switcher.current_board()
        shown = total = 0
        if board is not None:
            model = board.model
            for stage in model.stages():
                visible = len(model.visible_cards(stage.id))
                shown += visible
                total += visible + model.hidden_count(stage.id)
        if shown == total:
            text = self.tr("%n deal(s)", "", total)
        else:
            text = self.tr("{shown} of %n deal(s) shown", "", total).format(shown=shown)
        self.deals_label.setText(text)
        currency = self._currency or "—"
        self.currency_label.setText(
            self.tr("Base currency: {code}").format(code=currency)
        )

    def _show_customer_counts(self) -> None:
        model = self.customer_board.model
        shown = total = 0
        for state in model.states():
            visible = len(model.visible_cards(state.id))
            shown += visible
            total += visible + model.hidden_count(state.id)
        if shown == total:
            text = self.tr("%n customer(s)", "", total)
        else:
            text = self.tr("{shown} of %n customer(s) shown", "", total).format(
                shown=shown
            )
        self.deals_label.setText(text)

    # Sync

    def sync_now(self) -> None:
        """Start a sync round now (F9, Connect…); it may ask for the password."""
        if self.sync is None:
            return
        if (
            not self.sync.sync_now(ask_password=True)
            and self.sync.state == "not_configured"
        ):
            self.statusBar().showMessage(
                self.tr(
                    "No sync server is set: enter one under File > Settings, Sync."
                ),
                10_000,
            )

    def ask_sync_password(self, request: PasswordRequest) -> None:
        """Open the password dialog for a round the user started.

        The dialog is window-modal and returns at once; its OK or Cancel
        answers ``request``, which the waiting round then reads.
        """
        dialog = PasswordDialog(request.server, request.login, self)

        def finished(result: int) -> None:
            if result == QDialog.DialogCode.Accepted and dialog.password():
                request.answer(PasswordReply(dialog.password(), dialog.remember()))
            else:
                request.answer(None)
            dialog.password_edit.clear()
            dialog.deleteLater()

        dialog.finished.connect(finished)
        dialog.open()

    def _on_sync_round(self, summary: RoundSummary) -> None:
        if self.sync is not None:
            self.sync_status.set_last_round(self.sync.last_round_at)
        if summary.password_not_stored:
            self.statusBar().showMessage(
                self.tr(
                    "No system keyring is available: the password is kept until "
                    "crmdesk quits."
                ),
                10_000,
            )

    def show_sync_issues(self) -> None:
        """Show the sync issues panel (Shift+F9) and read the issues again."""
        if self.sync_issues is None:
            return
        self.sync_issues.show()
        self.sync_issues.raise_()
        self.sync_issues.reload()

    def _on_sync_state(self, state: str, cause: str, reason: str) -> None:
        self.sync_status.set_state(state, reason, cause)
        self.actions_.sync_now.setEnabled(state != "syncing")

    def _on_sync_status(self, status: SyncStatus) -> None:
        self.sync_status.set_status(status)
        panel = self.sync_issues
        if (
            panel is not None
            and panel.isVisible()
            and status.open_issues != len(panel.issues())
        ):
            panel.reload()

    def _on_sync_pulled(self) -> None:
        # A round does not report which deals changed, so every view reloads.
        self._events.series_changed.emit(None)
        self._events.deals_changed.emit(
            [self.detail.deal_id] if self.detail.deal_id is not None else []
        )

    def _on_issue_resolved(self, table_name: str, row_id: object) -> None:
        if table_name == "opportunities" and isinstance(row_id, uuid.UUID):
            self._events.deals_changed.emit([row_id])
        else:
            self._events.series_changed.emit(None)

    def _on_selection_changed(self, ids: list[uuid.UUID]) -> None:
        self.actions_.move_menu.setEnabled(bool(ids))

    # Actions

    def _fill_move_menu(self) -> None:
        menu = self.actions_.move_menu
        menu.clear()
        board = self.switcher.current_board()
        if board is None:
            return
        selected = board.selected_deal_ids()
        language = self.language
        for stage in board.stages():
            action = menu.addAction(stage.name.get(language))
            action.setEnabled(bool(selected))
            action.triggered.connect(
                lambda _checked=False, stage_id=stage.id: board.move_selected(stage_id)
            )
        if not selected:
            hint = menu.addAction(self.tr("Select cards on the board first"))
            hint.setEnabled(False)

    def popup_move_menu(self) -> None:
        """Open the Move selected to menu over the board (Ctrl+M)."""
        board = self.switcher.current_board()
        if board is None or not board.selected_deal_ids():
            self.statusBar().showMessage(
                self.tr("Select cards on the board first"), 5000
            )
            return
        centre = board.rect().center()
        self.actions_.move_menu.popup(board.mapToGlobal(QPoint(centre)))

    def _activity_deal(self) -> uuid.UUID | None:
        """Return the one selected card's deal, else the deal of the detail panel."""
        board = self.switcher.current_board()
        selected = [] if board is None else board.selected_deal_ids()
        if len(selected) == 1:
            return selected[0]
        if not selected and self.detail.deal_id is not None:
            return self.detail.deal_id
        self.statusBar().showMessage(
            self.tr("Select one card on the board first"), 5000
        )
        return None

    def log_activity(self, deal_id: uuid.UUID | None = None) -> None:
        """Open the Log activity dialog on a deal (Ctrl+L): the one given, the
        selected card's, or the deal in the detail panel."""
        deal_id = deal_id or self._activity_deal()
        if deal_id is None:
            return
        if self.detail.deal_id != deal_id:
            self.detail.show_deal(deal_id)
        self.detail.log_activity()

    def plan_activity(self, deal_id: uuid.UUID | None = None) -> None:
        """Open the Plan activity dialog on a deal (Ctrl+Shift+L)."""
        deal_id = deal_id or self._activity_deal()
        if deal_id is None:
            return
        if self.detail.deal_id != deal_id:
            self.detail.show_deal(deal_id)
        self.detail.plan_activity()

    def card_menu(self, deal_id: uuid.UUID) -> QMenu:
        """Return the context menu of a card; the caller pops it up."""
        menu = QMenu(self)
        menu.addAction(self.tr("Open deal"), lambda: self.detail.show_deal(deal_id))
        menu.addSeparator()
        log_action = menu.addAction(
            self.tr("Log activity…"), lambda: self.log_activity(deal_id)
        )
        log_action.setShortcut(self.actions_.log_activity.shortcut())
        plan_action = menu.addAction(
            self.tr("Plan activity…"), lambda: self.plan_activity(deal_id)
        )
        plan_action.setShortcut(self.actions_.plan_activity.shortcut())
        menu.addSeparator()
        menu.addMenu(self.actions_.move_menu)
        return menu

    def popup_card_menu(self, deal_id: uuid.UUID, position: QPoint) -> None:
        """Show the context menu of a card at a global position."""
        menu = self.card_menu(deal_id)
        menu.aboutToHide.connect(menu.deleteLater)
        menu.popup(position)

    def open_log_folder(self) -> None:
        """Open the folder of the log file in the system file manager."""
        open_folder(self.log_file.parent, self)

    def open_new_deal(self) -> None:
        """Open the New deal dialog on the current series."""
        current = self.switcher.current_series()
        dialog = NewDealDialog(
            self._runner,
            self._events,
            self.switcher.series(),
            current.id if current else None,
            self.language,
            self,
            phone_region=self._settings.phone_region,
        )
        dialog.exec()
        dialog.deleteLater()

    def open_new_customer(self) -> None:
        """Open the New customer dialog."""
        dialog = NewCustomerDialog(
            self._runner, self, phone_region=self._settings.phone_region
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.statusBar().showMessage(self.tr("Customer saved."), 5000)
        dialog.deleteLater()

    def export_png(self) -> None:
        """Save the current board as a PNG file the user chooses."""
        board = self.switcher.current_board()
        series = self.switcher.current_series()
        if board is None or series is None:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self,
            self.tr("Export board as PNG"),
            f"{series.key}.png",
            self.tr("PNG images (*.png)"),
        )
        if not path:
            return
        if not path.lower().endswith(".png"):
            path += ".png"
        if board.render_image().save(path):
            log.info("exported the board of series %s to %s", series.id, path)
            self.statusBar().showMessage(
                self.tr("Board saved to {path}").format(path=Path(path).name), 5000
            )
        else:
            QMessageBox.warning(
                self,
                self.tr("Export board as PNG"),
                self.tr(
                    "The image could not be written to {path}: choose a folder you "
                    "can write to."
                ).format(path=path),
            )

    def open_review(self) -> None:
        """Show the pipeline review window, opening it on first use."""
        if self._review is None:
            self._review = ReviewWindow(self._runner, self._events, self.language, self)
        self._review.show()
        self._review.raise_()
        self._review.activateWindow()

    def open_leads(self) -> None:
        """Show the leads inbox window, opening it on first use."""
        if self.leads_window is None:
            self.leads_window = LeadsWindow(
                self._runner,
                self.language,
                resolve_paths().data_dir,
                self,
                phone_region=self._settings.phone_region,
            )
            self.leads_window.customers_changed.connect(
                lambda: self._events.series_changed.emit(None)
            )
        self.leads_window.phone_region = self._settings.phone_region
        self.leads_window.show()
        self.leads_window.raise_()
        self.leads_window.activateWindow()
        self.leads_window.reload()

    def open_approvals(self) -> ApprovalsInbox:
        """Show the approvals inbox (Ctrl+Shift+A), opening it on first use."""
        if self._approvals is None:
            self._approvals = ApprovalsInbox(
                self._runner, self._events, self.language, self
            )
            self._approvals.deal_requested.connect(self.detail.show_deal)
        self._approvals.show()
        self._approvals.raise_()
        self._approvals.activateWindow()
        self._approvals.reload()
        return self._approvals

    def open_settings(self) -> None:
        """Open the Settings dialog and apply the changed settings at once."""
        dialog = SettingsDialog(
            self._runner,
            self._settings.language,
            self,
            phone_region=self._settings.phone_region,
            sync_access=self._sync_access,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._settings.set("phone_region", dialog.chosen_phone_region)
            self.apply_language_setting(dialog.chosen_language)
            if self.sync is not None:
                self.sync.settings_changed()
            # Totals depend on the base currency and rates, so boards load again.
            self.reload()
        dialog.deleteLater()

    def apply_language_setting(self, setting: str) -> None:
        """Store the language setting and switch the interface to it."""
        self._settings.set("language", setting)
        self._settings.save()
        self.set_language(resolve_language(None, setting))

    def set_language(self, language: str) -> None:
        """Switch the interface to ``language`` (zh_CN or en) while running."""
        if language == self._translators.language:
            return
        self._translators.install(language)
        self.switcher.set_language(language)
        self.detail.set_language(language)
        self.customer_board.set_language(language)
        self.customer_detail.set_language(language)
        if self.sync_issues is not None:
            self.sync_issues.set_language(language)
        if self._review is not None:
            self._review.set_language(language)
        if self.leads_window is not None:
            self.leads_window.set_language(language)
        if self._approvals is not None:
            self._approvals.set_language(language)

    def show_about(self) -> None:
        """Show the version and what crmdesk is."""
        QMessageBox.about(
            self,
            self.tr("About crmdesk"),
            self.tr(
                "<h3>crmdesk {version}</h3><p>An offline-first desktop CRM for field "
                "sales teams: opportunities on kanban boards, one per series.</p>"
            ).format(version=__version__),
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        self._settings.set(
            "window_geometry", self.saveGeometry().toBase64().data().decode("ascii")
        )
        self._settings.set(
            "window_state", self.saveState().toBase64().data().decode("ascii")
        )
        try:
            self._settings.save()
        except OSError as error:
            log.error("saving settings to %s failed: %s", self._settings.path, error)
        super().closeEvent(event)
