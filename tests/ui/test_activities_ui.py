"""Activities in the desktop: the Log activity dialog, timeline, card marks, menus.

Series ``gated-sales`` of tests/helpers/board_ui.py starts in "Valid contact",
whose required action "Effective call" is completed by logging a call.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from helpers.board_ui import open_board, settle
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QDialogButtonBox, QStyleOptionViewItem
from sqlalchemy import select

from crmdesk.services.activities import PlanInput, Target, plan_activity
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.storage.models import Activity, ChecklistAction, ChecklistItem
from crmdesk.ui.board.delegate import CARD_HEIGHT, CARD_WIDTH, OVERDUE_COLOR
from crmdesk.ui.board.model import Role
from crmdesk.ui.detail.panel import DetailPanel
from crmdesk.ui.dialogs.activity import ActivityDialog

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_ignore(
        r"This plugin does not support (propagateSizeHints|raise)"
    ),
]


@pytest.fixture
def panel(qtbot, runner, events):
    widget = DetailPanel(runner, events, "en")
    qtbot.addWidget(widget)
    return widget


def the_dialog(qtbot, parent) -> ActivityDialog:
    found: list[ActivityDialog] = []

    def opened() -> bool:
        found[:] = [
            dialog
            for dialog in parent.findChildren(ActivityDialog)
            if dialog.isVisible()
        ]
        return bool(found)

    qtbot.waitUntil(opened, timeout=5000)
    return found[0]


def action_id(store, key: str):
    with store.sessions() as session:
        return session.scalars(
            select(ChecklistAction.id).where(ChecklistAction.key == key)
        ).one()


def plan_for(store, deal_id, due: datetime) -> None:
    """Plan a call on a deal due at ``due``, as if planned a week before."""
    actor = Actor(store.user_id, ChangeSource.FORM, at=due - timedelta(days=7))
    with store.sessions.begin() as session:
        plan_activity(
            session,
            Target.deal(deal_id),
            PlanInput("call", due.date(), due.time().replace(second=0)),
            actor,
        )


def test_logged_call_ticks_checklist_action(qtbot, panel, store, runner):
    deal_id = store.add_deal("gated-sales", "Tablet rollout", "900", customer="Acme")
    panel.show_deal(deal_id)
    settle(qtbot, runner)
    panel.log_activity()
    dialog = the_dialog(qtbot, panel)

    assert dialog.windowTitle() == "Log activity"
    assert dialog.kind_combo.currentData() == "call"
    assert dialog.checklist_hint.isVisibleTo(dialog)
    assert "Effective call" in dialog.checklist_hint.text()
    dialog.subject_edit.setText("Intro with the buyer")
    dialog.duration_spin.setValue(20)
    dialog.result_edit.setText("Wants a demo")
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
        Qt.MouseButton.LeftButton,
    )
    qtbot.waitUntil(lambda: dialog.saved, timeout=5000)
    settle(qtbot, runner)

    with store.sessions() as session:
        activity = session.scalars(select(Activity)).one()
        item = session.scalars(select(ChecklistItem)).one()
    assert activity.kind == "call"
    assert activity.duration_minutes == 20
    assert activity.result == "Wants a demo"
    assert activity.checklist_action_id == action_id(store, "effective-call")
    assert item.action_id == action_id(store, "effective-call")
    assert item.done is True

    # The panel shows the tick and the timeline the logged call.
    checklist = panel.checklist.list
    assert checklist.item(0).checkState() == Qt.CheckState.Checked
    rows = panel.timeline.history_items()
    assert rows[0].text(1) == "Call: Intro with the buyer"
    assert "Wants a demo" in rows[0].text(2)
    assert "20 min" in rows[0].text(2)
    assert "✓ Effective call" in rows[0].text(2)


def test_plan_dialog_lists_planned_activity(qtbot, panel, store, runner):
    deal_id = store.add_deal("gated-sales", "Lab kits", "300")
    panel.show_deal(deal_id)
    settle(qtbot, runner)
    panel.plan_activity()
    dialog = the_dialog(qtbot, panel)
    assert dialog.windowTitle() == "Plan activity"
    assert not dialog.checklist_hint.isVisibleTo(dialog)
    index = dialog.kind_combo.findData("visit")
    dialog.kind_combo.setCurrentIndex(index)
    dialog.subject_edit.setText("Campus tour")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: dialog.saved, timeout=5000)
    settle(qtbot, runner)

    planned = panel.timeline.planned_items()
    assert [row.text(1) for row in planned] == ["Visit: Campus tour"]
    with store.sessions() as session:
        assert session.scalars(select(ChecklistItem)).all() == []


def test_dialog_shows_service_error(qtbot, panel, store, runner):
    deal_id = store.add_deal("gated-sales", "Lab kits", "300")
    panel.show_deal(deal_id)
    settle(qtbot, runner)
    panel.log_activity()
    dialog = the_dialog(qtbot, panel)
    # The deal is deleted by someone else while the dialog is open.
    with store.sessions.begin() as session:
        from crmdesk.storage.models import Opportunity

        session.get(Opportunity, deal_id).deleted_at = datetime.now(UTC)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    settle(qtbot, runner)
    assert dialog.isVisible()
    assert not dialog.saved
    assert dialog.error_label.isVisibleTo(dialog)
    assert str(deal_id) in dialog.error_label.text()
    assert "not found" in dialog.error_label.text()
    dialog.reject()


def _red_pixels(image: QImage, rect: QRect) -> int:
    count = 0
    for y in range(rect.top(), rect.bottom()):
        for x in range(rect.left(), rect.right()):
            color = QColor(image.pixel(x, y))
            if (
                abs(color.red() - OVERDUE_COLOR.red()) < 40
                and abs(color.green() - OVERDUE_COLOR.green()) < 40
                and abs(color.blue() - OVERDUE_COLOR.blue()) < 40
            ):
                count += 1
    return count


def _paint_card(board, deal_id) -> QImage:
    view = board.columns.views()[0]
    index = board.model.deal_index(deal_id)
    image = QImage(CARD_WIDTH, CARD_HEIGHT, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, CARD_WIDTH, CARD_HEIGHT)
    option.font = view.font()
    option.palette = view.palette()
    view.itemDelegate().paint(painter, option, index)
    painter.end()
    return image


def test_overdue_activity_marked_on_card(qtbot, store, runner, events):
    now = datetime.now(UTC).replace(microsecond=0)
    late = store.add_deal("gated-sales", "Late follow-up", "100")
    upcoming = store.add_deal("gated-sales", "Upcoming follow-up", "100")
    nothing = store.add_deal("gated-sales", "Nothing planned", "100")
    plan_for(store, late, now - timedelta(hours=3))
    plan_for(store, upcoming, now + timedelta(days=2))
    board = open_board(qtbot, runner, events, store.series("gated-sales").id)
    model = board.model

    late_card = model.card(late)
    assert late_card.next_activity_kind == "call"
    assert late_card.next_activity_due == (now - timedelta(hours=3)).replace(second=0)
    assert model.deal_index(late).data(Role.ACTIVITY_OVERDUE) is True
    assert model.deal_index(upcoming).data(Role.ACTIVITY_OVERDUE) is False
    assert model.deal_index(nothing).data(Role.ACTIVITY_OVERDUE) is False
    assert model.card(nothing).next_activity_due is None
    tooltip = model.deal_index(late).data(Qt.ItemDataRole.ToolTipRole)
    assert "The next planned activity is overdue." in tooltip

    # The next activity is drawn on the fourth text line, which is red only on
    # the overdue card. No card has a passed close date, so no card gets the
    # red accent stripe.
    line = QRect(12, 62, CARD_WIDTH - 24, 22)
    assert _red_pixels(_paint_card(board, late), line) > 20
    assert _red_pixels(_paint_card(board, upcoming), line) == 0
    assert _red_pixels(_paint_card(board, nothing), line) == 0


def test_overdue_mark_follows_clock(qtbot, store, runner, events):
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    deal_id = store.add_deal("gated-sales", "Tomorrow", "100")
    plan_for(store, deal_id, due)
    board = open_board(qtbot, runner, events, store.series("gated-sales").id)
    index = board.model.deal_index(deal_id)
    assert index.data(Role.ACTIVITY_OVERDUE) is False
    board.model.set_today(date.today() + timedelta(days=2), due + timedelta(hours=1))
    assert index.data(Role.ACTIVITY_OVERDUE) is True


def test_card_menu_opens_log_dialog(qtbot, main_window, store, runner):
    deal_id = store.add_deal("gated-sales", "Menu deal", "100")
    main_window.reload()
    settle(qtbot, runner)
    menu = main_window.card_menu(deal_id)
    texts = [action.text() for action in menu.actions() if action.text()]
    assert "Log activity…" in texts
    assert "Plan activity…" in texts
    log_action = next(a for a in menu.actions() if a.text() == "Log activity…")
    log_action.trigger()
    dialog = the_dialog(qtbot, main_window)
    assert dialog.heading.text() == "Deal: Menu deal"
    assert main_window.detail.deal_id == deal_id
    dialog.reject()
    settle(qtbot, runner)


def test_shortcut_needs_one_card(qtbot, main_window, runner):
    main_window.actions_.log_activity.trigger()
    assert "Select one card" in main_window.statusBar().currentMessage()
    assert main_window.actions_.log_activity.shortcut().toString() == "Ctrl+L"


def test_timeline_widget_shows_customer(qtbot, store, runner, events):
    from crmdesk.services.activities import DoneInput, log_activity
    from crmdesk.storage.models import Opportunity
    from crmdesk.ui.timeline.widget import TimelineWidget

    deal_id = store.add_deal("gated-sales", "Tablets", "100", customer="Acme")
    with store.sessions.begin() as session:
        customer_id = session.get(Opportunity, deal_id).customer_id
        actor = Actor(store.user_id, ChangeSource.FORM)
        log_activity(
            session,
            Target.customer(customer_id),
            DoneInput("note", actor.at - timedelta(hours=1), subject="Prefers calls"),
            actor,
        )
    widget = TimelineWidget(runner, events, "en")
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.loaded, timeout=5000):
        widget.show_customer(customer_id)
    rows = widget.history_items()
    assert [row.text(1) for row in rows] == ["Note: Prefers calls"]
    texts = [
        widget._history_group.child(index).text(1)
        for index in range(widget._history_group.childCount())
    ]
    assert "[Tablets] Created in Valid contact" in texts
    assert widget.log_button.isEnabled()


def test_board_clock_refreshes_marks(qtbot, store, runner, events):
    due = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    deal_id = store.add_deal("gated-sales", "Just due", "100")
    plan_for(store, deal_id, due)
    board = open_board(qtbot, runner, events, store.series("gated-sales").id)
    index = board.model.deal_index(deal_id)
    # A clock left at a minute before the due time shows no mark ...
    board.model.set_today(date.today(), due - timedelta(minutes=1))
    assert index.data(Role.ACTIVITY_OVERDUE) is False
    # ... and the board's clock tick measures from now again.
    board.refresh_clock()
    assert index.data(Role.ACTIVITY_OVERDUE) is True
    assert board._clock.isActive()
    assert board._clock.interval() == 60_000
