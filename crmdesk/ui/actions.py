"""The actions and menus of the main window, with their shortcuts and texts."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu


class WindowActions(QObject):
    """Every menu action of the main window; the window connects them.

    ``move_menu`` lists the stages of the current board each time it opens; the
    window fills it from ``aboutToShow``.
    """

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.new_deal = QAction(window)
        self.new_deal.setShortcut(QKeySequence.StandardKey.New)
        self.new_customer = QAction(window)
        self.new_customer.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.export_png = QAction(window)
        self.export_png.setShortcut(QKeySequence("Ctrl+E"))
        self.settings = QAction(window)
        self.settings.setShortcut(QKeySequence("Ctrl+,"))
        self.settings.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.quit = QAction(window)
        self.quit.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit.setMenuRole(QAction.MenuRole.QuitRole)
        self.find = QAction(window)
        self.find.setShortcut(QKeySequence.StandardKey.Find)
        self.reload = QAction(window)
        self.reload.setShortcut(QKeySequence.StandardKey.Refresh)
        self.review = QAction(window)
        self.review.setShortcut(QKeySequence("Ctrl+R"))
        self.about = QAction(window)
        self.about.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_qt = QAction(window)
        self.about_qt.setMenuRole(QAction.MenuRole.AboutQtRole)

        bar = window.menuBar()
        self.file_menu = bar.addMenu("")
        self.file_menu.addAction(self.new_deal)
        self.file_menu.addAction(self.new_customer)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.export_png)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.settings)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit)

        self.edit_menu = bar.addMenu("")
        self.edit_menu.addAction(self.find)
        self.move_menu = QMenu(window)
        self.edit_menu.addMenu(self.move_menu)

        self.view_menu = bar.addMenu("")
        self.view_menu.addAction(self.reload)
        self.view_menu.addAction(self.review)

        self.help_menu = bar.addMenu("")
        self.help_menu.addAction(self.about)
        self.help_menu.addAction(self.about_qt)
        self.retranslate()

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
        self.about.setText(self.tr("&About crmdesk"))
        self.about_qt.setText(self.tr("About &Qt"))
