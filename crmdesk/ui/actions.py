"""The actions and menus of the main window, with their shortcuts and texts."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu


def standard_keys(
    key: QKeySequence.StandardKey, fallback: QKeySequence
) -> list[QKeySequence]:
    """Return the platform's bindings of ``key``, or ``fallback`` where it has none.

    Some platforms bind no key to a standard action (Linux without a desktop
    theme has none for Quit), and the menu would then show no shortcut.
    """
    return QKeySequence.keyBindings(key) or [fallback]


class WindowActions(QObject):
    """Every menu action of the main window; the window connects them.

    ``move_menu`` lists the stages of the current board each time it opens; the
    window fills it from ``aboutToShow``. ``move_selected`` opens the same menu
    over the board, so the keyboard reaches it with one shortcut. The Help menu
    entries have no shortcuts, as on most desktop apps.
    """

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.new_deal = QAction(window)
        self.new_deal.setShortcuts(
            standard_keys(QKeySequence.StandardKey.New, QKeySequence("Ctrl+N"))
        )
        self.new_customer = QAction(window)
        self.new_customer.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.export_png = QAction(window)
        self.export_png.setShortcut(QKeySequence("Ctrl+E"))
        self.settings = QAction(window)
        self.settings.setShortcut(QKeySequence("Ctrl+,"))
        self.settings.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.quit = QAction(window)
        self.quit.setShortcuts(
            standard_keys(QKeySequence.StandardKey.Quit, QKeySequence("Ctrl+Q"))
        )
        self.quit.setMenuRole(QAction.MenuRole.QuitRole)
        self.find = QAction(window)
        self.find.setShortcuts(
            standard_keys(QKeySequence.StandardKey.Find, QKeySequence("Ctrl+F"))
        )
        self.reload = QAction(window)
        self.reload.setShortcuts(
            standard_keys(QKeySequence.StandardKey.Refresh, QKeySequence("F5"))
        )
        self.review = QAction(window)
        self.review.setShortcut(QKeySequence("Ctrl+R"))
        self.leads = QAction(window)
        self.leads.setShortcut(QKeySequence("Ctrl+I"))
        self.customer_board = QAction(window)
        self.customer_board.setCheckable(True)
        self.customer_board.setShortcut(QKeySequence("Ctrl+Shift+B"))
        self.approvals = QAction(window)
        self.approvals.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.move_selected = QAction(window)
        self.move_selected.setShortcut(QKeySequence("Ctrl+M"))
        self.log_activity = QAction(window)
        self.log_activity.setShortcut(QKeySequence("Ctrl+L"))
        self.plan_activity = QAction(window)
        self.plan_activity.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.sync_now = QAction(window)
        self.sync_now.setShortcut(QKeySequence("F9"))
        self.sync_issues = QAction(window)
        self.sync_issues.setShortcut(QKeySequence("Shift+F9"))
        self.open_log_folder = QAction(window)
        self.about = QAction(window)
        self.about.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_qt = QAction(window)
        self.about_qt.setMenuRole(QAction.MenuRole.AboutQtRole)
        self._build_menus(window)
        self.retranslate()

    def _build_menus(self, window: QMainWindow) -> None:
        bar = window.menuBar()
        self.file_menu = bar.addMenu("")
        self.file_menu.addAction(self.new_deal)
        self.file_menu.addAction(self.new_customer)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.export_png)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.sync_now)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.settings)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit)

        self.edit_menu = bar.addMenu("")
        self.edit_menu.addAction(self.find)
        self.move_menu = QMenu(window)
        self.edit_menu.addMenu(self.move_menu)
        self.edit_menu.addAction(self.move_selected)
        self.edit_menu.addSeparator()
        self.edit_menu.addAction(self.log_activity)
        self.edit_menu.addAction(self.plan_activity)

        self.view_menu = bar.addMenu("")
        self.view_menu.addAction(self.reload)
        self.view_menu.addAction(self.review)
        self.view_menu.addAction(self.leads)
        self.view_menu.addAction(self.customer_board)
        self.view_menu.addAction(self.approvals)
        self.view_menu.addAction(self.sync_issues)

        self.help_menu = bar.addMenu("")
        self.help_menu.addAction(self.open_log_folder)
        self.help_menu.addSeparator()
        self.help_menu.addAction(self.about)
        self.help_menu.addAction(self.about_qt)

    def retranslate(self) -> None:
        self.file_menu.setTitle(self.tr("&File"))
        self.edit_menu.setTitle(self.tr("&Edit"))
        self.view_menu.setTitle(self.tr("&View"))
        self.help_menu.setTitle(self.tr("&Help"))
        self.new_deal.setText(self.tr("&New deal…"))
        self.new_customer.setText(self.tr("New &customer…"))
        self.export_png.setText(self.tr("&Export board as PNG…"))
        self.settings.setText(self.tr("&Settings…"))
        self.quit.setText(self.tr("&Quit"))
        self.find.setText(self.tr("&Find deals"))
        self.move_menu.setTitle(self.tr("&Move selected to"))
        self.reload.setText(self.tr("&Reload board"))
        self.review.setText(self.tr("Pipeline &review"))
        self.leads.setText(self.tr("&Leads inbox"))
        self.customer_board.setText(self.tr("&Customer board"))
        self.approvals.setText(self.tr("&Approvals inbox"))
        self.move_selected.setText(self.tr("Move selected cards…"))
        self.log_activity.setText(self.tr("&Log activity…"))
        self.plan_activity.setText(self.tr("&Plan activity…"))
        self.sync_now.setText(self.tr("S&ync now"))
        self.sync_issues.setText(self.tr("Sync &issues"))
        self.open_log_folder.setText(self.tr("Open &log folder"))
        self.about.setText(self.tr("&About crmdesk"))
        self.about_qt.setText(self.tr("About &Qt"))
