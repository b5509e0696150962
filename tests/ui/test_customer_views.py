"""The customer board in the main window, states-only mode and the detail panel."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from crmdesk.domain.playbook_file import shipped_playbook
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.deals import (
    NewCustomer,
    NewOpportunity,
    create_customer,
    create_opportunity,
)
from crmdesk.services.playbooks import find_series, install_playbook
from crmdesk.services.workspace import ensure_user, set_current_user
from crmdesk.storage.db import open_store
from crmdesk.storage.models import Contact, CustomerState, CustomerStateChange
from crmdesk.ui.events import EventHub
from crmdesk.ui.main_window import MainWindow
from crmdesk.ui.tasks import TaskRunner

pytestmark = [
    pytest.mark.gui,
    # Qt's offscreen platform warns when a shown window changes its size hints
    # or is raised, since it has no window system to pass them to.
    pytest.mark.qt_log_ignore(
        r"This plugin does not support (propagateSizeHints|raise)"
    ),
]


def add_customer(sessions: Any, name: str, state_key: str) -> uuid.UUID:
    """Create a customer in a state, with its creation history row a minute ago."""
    with sessions.begin() as session:
        states = {row.key: row.id for row in session.scalars(select(CustomerState))}
        customer = create_customer(
            session,
            NewCustomer(name, state_id=states[state_key]),
            Actor(None, ChangeSource.FORM, at=datetime.now(UTC) - timedelta(minutes=1)),
        )
        return customer.id


def state_changes(sessions: Any) -> list[CustomerStateChange]:
    with sessions() as session:
        return list(
            session.scalars(
                select(CustomerStateChange).order_by(CustomerStateChange.changed_at)
            )
        )


@pytest.fixture
def studio_window(
    qtbot: Any, tmp_path: Path, shell_settings: Any, shell_translators: Any
) -> Iterator[tuple[MainWindow, Any, TaskRunner]]:
    """A main window on a store with the studio playbook: states, no series."""
    engine, sessions = open_store(tmp_path / "studio.sqlite3")
    with sessions.begin() as session:
        install_playbook(session, shipped_playbook("studio"))
        user = ensure_user(session, "xu", "Xu Min")
        set_current_user(session, user.id)
    add_customer(sessions, "Li Na", "enquiry")
    add_customer(sessions, "Zhou Yu", "member")
    runner = TaskRunner(sessions)
    events = EventHub()
    window = MainWindow(runner, events, shell_settings, shell_translators)
    qtbot.addWidget(window)
    window.start()
    window.show()
    assert runner.wait_idle()
    yield window, sessions, runner
    runner.wait_idle()
    runner.shutdown()
    engine.dispose()


def test_states_only_store_opens_customer_board(studio_window):
    window, _sessions, _runner = studio_window
    assert window.customer_board_shown()
    toggle = window.actions_.customer_board
    assert toggle.isChecked()
    assert not toggle.isEnabled()
    board = window.customer_board
    labels = [board.model.state_label(s) for s in board.model.states()]
    assert labels == ["Enquiry", "Trial lesson", "Member", "Lapsed"]
    assert window.deals_label.text() == "2 customers"
    assert not window.filter_bar.close_from.isVisibleTo(window)


def test_states_only_store_shows_no_first_start(studio_window):
    from crmdesk.ui.dialogs.first_start import FirstStartDialog

    window, _sessions, _runner = studio_window
    assert window.findChild(FirstStartDialog) is None


def test_switch_between_deal_and_customer_boards(qtbot, main_window, store, runner):
    add_customer(store.sessions, "Acme", "prospect")
    toggle = main_window.actions_.customer_board
    assert toggle.isEnabled()
    assert not main_window.customer_board_shown()
    with qtbot.waitSignal(main_window.customer_board.board_loaded, timeout=5000):
        toggle.trigger()
    assert main_window.customer_board_shown()
    board = main_window.customer_board
    assert [card.name for card in board.model.visible_cards(None)] == []
    assert main_window.deals_label.text() == "1 customer"
    assert not main_window.actions_.export_png.isEnabled()
    toggle.trigger()
    assert not main_window.customer_board_shown()
    assert main_window.actions_.export_png.isEnabled()


def test_search_filters_customer_board(qtbot, main_window, store, runner):
    add_customer(store.sessions, "Acme", "prospect")
    add_customer(store.sessions, "Bolt", "prospect")
    with qtbot.waitSignal(main_window.customer_board.board_loaded, timeout=5000):
        main_window.actions_.customer_board.trigger()
    main_window.filter_bar.search_edit.setText("bol")
    main_window.filter_bar.search_edit.returnPressed.emit()
    model = main_window.customer_board.model
    prospect = next(s for s in model.states() if s.key == "prospect")
    assert [card.name for card in model.visible_cards(prospect.id)] == ["Bolt"]
    assert main_window.deals_label.text() == "1 of 2 customers shown"


def test_detail_panel_shows_customer(qtbot, main_window, store, runner):
    customer_id = add_customer(store.sessions, "Acme", "prospect")
    series = store.series("open-sales")
    now = datetime.now(UTC)
    with store.sessions.begin() as session:
        session.add(
            Contact(
                customer_id=customer_id,
                name="Zhao Lei",
                job_title="Buyer",
                is_primary=True,
                created_at=now,
                updated_at=now,
            )
        )
        create_opportunity(
            session,
            NewOpportunity(
                series_id=find_series(session, series.key).id,
                title="Acme renewal",
                customer_id=customer_id,
                amount=Decimal("1200"),
            ),
            Actor(None, ChangeSource.FORM),
        )
    panel = main_window.customer_detail
    panel.show_customer(customer_id)
    runner.wait_idle()
    assert panel.heading.text() == "Acme"
    assert panel.state_label.text().startswith("State: Prospect, since ")
    assert panel.contacts_table.rowCount() == 1
    assert panel.contacts_table.item(0, 0).text() == "Zhao Lei"
    assert panel.deals_table.rowCount() == 1
    assert panel.deals_table.item(0, 0).text() == "Acme renewal"
    assert panel.deals_table.item(0, 2).text() == "Qualify"
    assert [
        panel.state_combo.itemText(i) for i in range(panel.state_combo.count())
    ] == ["Customer"]
    assert panel.tabs.count() == 5
    assert panel.tabs.widget(4) is panel.timeline


def test_detail_panel_changes_state(qtbot, main_window, store, runner):
    customer_id = add_customer(store.sessions, "Acme", "prospect")
    panel = main_window.customer_detail
    panel.show_customer(customer_id)
    runner.wait_idle()
    panel.note_edit.setText("signed")
    panel.change_button.click()
    runner.wait_idle()
    rows = state_changes(store.sessions)
    assert [row.note for row in rows] == ["", "signed"]
    # The table lists the newest change first: the change, then the creation.
    assert panel.history_table.rowCount() == 2
    assert panel.history_table.item(0, 1).text() == "Prospect"
    assert panel.history_table.item(0, 2).text() == "Customer"
    assert panel.history_table.item(0, 5).text() == "signed"
    assert panel.history_table.item(1, 1).text() == ""
    assert panel.history_table.item(1, 2).text() == "Prospect"
    assert panel.history_table.item(1, 5).text() == ""
    assert panel.state_label.text().startswith("State: Customer")


def test_detail_panel_explains_missing_note(qtbot, main_window, store, runner):
    customer_id = add_customer(store.sessions, "Acme", "customer")
    panel = main_window.customer_detail
    panel.show_customer(customer_id)
    runner.wait_idle()
    assert panel.state_combo.currentText() == "Prospect"
    panel.change_button.click()
    runner.wait_idle()
    assert panel.message.isVisibleTo(panel)
    assert "needs a note" in panel.message.text()
    rows = state_changes(store.sessions)
    assert [(row.customer_id, row.from_state_id) for row in rows] == [
        (customer_id, None)
    ]
    assert panel.state_label.text().startswith("State: Customer")


def test_detail_panel_takes_extra_page(main_window):
    from PySide6.QtWidgets import QLabel

    panel = main_window.customer_detail
    assert panel.tabs.count() == 5
    assert panel.timeline_tab == 4
    assert panel.tabs.widget(4) is panel.timeline
    assert panel.tabs.tabText(4) == "Activities"
    index = panel.add_page(QLabel("files"), "Files")
    assert index == 5
    assert panel.tabs.count() == 6
    assert panel.tabs.tabText(5) == "Files"


def test_window_has_one_customer_panel(main_window):
    from crmdesk.ui.customers.detail import CustomerDetailPanel

    panels = main_window.findChildren(CustomerDetailPanel)
    assert panels == [main_window.customer_detail]
    assert (
        main_window.dockWidgetArea(panels[0]) == Qt.DockWidgetArea.RightDockWidgetArea
    )


def test_states_only_board_shows_no_deal_counts(studio_window):
    window, _sessions, _runner = studio_window
    headers = [header.text() for header in window.customer_board.columns.headers()]
    assert headers[0] == "Enquiry · 1 customer"
    assert not window.customer_board.model.show_deals


def test_customers_first_store_hides_leads_inbox(studio_window):
    window, _sessions, _runner = studio_window
    assert not window.actions_.leads.isVisible()


def test_customers_first_store_with_leads_shows_inbox(qtbot, studio_window):
    from crmdesk.services.context import Actor, ChangeSource
    from crmdesk.services.leads import NewLead, add_lead

    window, sessions, runner = studio_window
    with sessions.begin() as session:
        add_lead(
            session,
            NewLead(person="Chen Jie", phone="13800138000"),
            Actor(None, ChangeSource.FORM),
        )
    window.reload()
    assert runner.wait_idle()
    assert window.actions_.leads.isVisible()


def test_leads_first_store_shows_inbox(main_window):
    assert main_window.actions_.leads.isVisible()
