"""The pipeline review opens from the main window's View menu and with Ctrl+R."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from crmdesk.ui.review.window import ReviewWindow

pytestmark = [
    pytest.mark.gui,
    # The offscreen platform has no window system to pass size hints or a
    # raise request to, so it logs a warning.
    pytest.mark.qt_log_ignore(
        r"This plugin does not support (propagateSizeHints|raise)"
    ),
]


def test_review_action_in_view_menu(main_window):
    action = main_window.actions_.review

    assert action in main_window.actions_.view_menu.actions()
    assert action.shortcut() == QKeySequence("Ctrl+R")
    assert action.text() == "Pipeline &review"


def test_ctrl_r_opens_one_review_window(main_window, qtbot, runner):
    qtbot.keyClick(main_window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    review = main_window.findChild(ReviewWindow)
    assert review is not None
    qtbot.waitUntil(lambda: review.forecast_tab.table() is not None, timeout=10_000)

    main_window.actions_.review.trigger()
    assert runner.wait_idle()

    assert review.isVisible()
    assert main_window.findChildren(ReviewWindow) == [review]
    assert review.filters.series_combo.currentText() == "Open sales"
