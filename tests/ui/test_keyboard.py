"""Keyboard use: shortcuts on every main action, none shared, and Tab orders."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDateEdit, QMenu, QToolButton

from crmdesk.ui.date_edit import OptionalDateEdit
from crmdesk.ui.dialogs.new_customer import NewCustomerDialog
from crmdesk.ui.dialogs.new_deal import NewDealDialog
from crmdesk.ui.errors import ErrorDialog
from crmdesk.ui.review.window import ReviewWindow

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_ignore(
        r"This plugin does not support (propagateSizeHints|raise)"
    ),
]


def menu_actions(menu: QMenu) -> list[QAction]:
    """Return the actions of ``menu``, without separators and submenu entries."""
    return [
        action
        for action in menu.actions()
        if not action.isSeparator() and action.menu() is None
    ]


def key_text(sequence: QKeySequence) -> str:
    return sequence.toString(QKeySequence.SequenceFormat.PortableText)


def test_menu_titles_have_mnemonics(main_window):
    actions = main_window.actions_
    for menu in (
        actions.file_menu,
        actions.edit_menu,
        actions.view_menu,
        actions.help_menu,
        actions.move_menu,
    ):
        assert "&" in menu.title(), menu.title()
        for action in menu_actions(menu):
            assert "&" in action.text() or action.shortcut(), action.text()


def test_main_actions_have_shortcuts(main_window):
    actions = main_window.actions_
    missing = []
    for menu in (actions.file_menu, actions.edit_menu, actions.view_menu):
        for action in menu_actions(menu):
            if action.shortcut().isEmpty():
                missing.append(f"{menu.title()} > {action.text()}")
    assert missing == []


def test_help_entries_reachable(main_window):
    texts = [action.text() for action in menu_actions(main_window.actions_.help_menu)]
    assert texts == ["Open &log folder", "&About crmdesk", "About &Qt"]


def test_no_shortcut_shared(main_window):
    owners: dict[str, list[str]] = {}
    for action in main_window.findChildren(QAction):
        for sequence in action.shortcuts():
            owners.setdefault(key_text(sequence), []).append(action.text())
    for shortcut in main_window.findChildren(QShortcut):
        owners.setdefault(key_text(shortcut.key()), []).append("series tab")

    shared = {key: names for key, names in owners.items() if len(names) > 1}
    assert shared == {}
    assert {"Ctrl+N", "Ctrl+M", "Ctrl+D", "Ctrl+R", "Ctrl+F", "Ctrl+1"} <= set(owners)


def test_shortcut_opens_review(main_window, qtbot):
    main_window.activateWindow()
    qtbot.waitExposed(main_window)

    QTest.keySequence(main_window, QKeySequence("Ctrl+R"))

    review = main_window.findChild(ReviewWindow)
    assert review is not None
    assert review.isVisible()
    review.close()


def test_review_actions_have_shortcuts(qtbot, runner, events):
    window = ReviewWindow(runner, events, "en")
    qtbot.addWidget(window)
    assert runner.wait_idle()
    actions = [
        window.refresh_action,
        window.csv_action,
        window.png_action,
        window.pdf_action,
        window.close_action,
    ]
    keys = [key_text(action.shortcut()) for action in actions]

    assert all(keys), keys
    assert len(set(keys)) == len(keys)
    assert "(Ctrl+Shift+E)" in window.csv_action.toolTip()


def walk_tab(window, count: int) -> list:
    """Move focus ``count`` times with Tab; return the focus widget after each.

    A date edit takes Tab to step through its day, month and year sections
    first (Qt's standard behaviour), so Tab is pressed until the focus moves,
    at most eight times per step.
    """
    visited = [window.focusWidget()]
    for _ in range(count):
        before = window.focusWidget()
        for _press in range(8):
            QTest.keyClick(window.focusWidget(), Qt.Key.Key_Tab)
            if window.focusWidget() is not before:
                break
        visited.append(window.focusWidget())
    return visited


def shown(qtbot, dialog):
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitExposed(dialog)
    return dialog


def test_new_customer_tab_order(qtbot, runner):
    dialog = shown(qtbot, NewCustomerDialog(runner))
    dialog.name_edit.setFocus()
    save = dialog.buttons.button(dialog.buttons.StandardButton.Save)
    cancel = dialog.buttons.button(dialog.buttons.StandardButton.Cancel)
    expected = [
        dialog.name_edit,
        dialog.sector_edit,
        dialog.country_edit,
        dialog.phone_edit,
        dialog.email_edit,
        dialog.notes_edit,
        dialog.contact_name_edit,
        dialog.contact_title_edit,
        dialog.contact_phone_edit,
        dialog.contact_email_edit,
        save,
        cancel,
        dialog.name_edit,
    ]

    assert walk_tab(dialog, len(expected) - 1) == expected


def test_new_deal_tab_order(qtbot, runner, events, store):
    series = [store.series("open-sales")]
    dialog = shown(qtbot, NewDealDialog(runner, events, series, series[0].id, "en"))
    assert runner.wait_idle()
    dialog.series_combo.setFocus()
    close_date = dialog.close_edit.findChild(QDateEdit)
    expected = [
        dialog.series_combo,
        dialog.stage_combo,
        dialog.title_edit,
        dialog.customer_combo,
        dialog.new_customer_button,
        dialog.owner_combo,
        dialog.amount_edit,
        dialog.currency_edit,
        close_date,
        dialog.close_edit.findChild(QToolButton),
        dialog.notes_edit,
        dialog.buttons.buttons()[0],
    ]

    visited = walk_tab(dialog, len(expected) - 1)

    assert visited == expected, [type(widget).__name__ for widget in visited]


def test_error_dialog_tab_order(qtbot, tmp_path):
    dialog = shown(qtbot, ErrorDialog(ValueError("bad"), tmp_path / "crmdesk.log"))
    close = dialog.buttons.button(dialog.buttons.StandardButton.Close)
    close.setFocus()
    expected = [close, dialog.open_log_button, dialog.copy_button, dialog.details_edit]

    assert walk_tab(dialog, len(expected) - 1) == expected


def test_filter_fields_named(main_window):
    bar = main_window.filter_bar
    assert bar.owner_combo.accessibleName() == "Owner filter"
    assert bar.search_edit.accessibleName() == "Search deals"
    assert bar.close_from.findChild(QDateEdit).accessibleName() == (
        "Expected close from"
    )
    assert bar.close_to.findChild(QDateEdit).accessibleName() == "Expected close to"


def test_empty_date_lets_tab_leave(qtbot, runner):
    bar_window = shown(qtbot, NewCustomerDialog(runner))
    date_field = OptionalDateEdit(bar_window)
    bar_window.layout().insertWidget(0, date_field)
    inner = date_field.findChild(QDateEdit)
    inner.setFocus()
    assert date_field.value() is None

    QTest.keyClick(inner, Qt.Key.Key_Tab)

    assert bar_window.focusWidget() is not None
    assert bar_window.focusWidget() is not inner
