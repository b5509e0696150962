"""Deal detail panel: field edits, checklist, stage moves and win probability."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from crmdesk.domain.playbook import OutcomeResult
from crmdesk.services.board import load_board
from crmdesk.services.stages import OutcomeInput, move_opportunity
from crmdesk.storage.models import (
    ChecklistItem,
    Opportunity,
    Outcome,
    ProbabilityRevision,
)
from crmdesk.ui.combo import find_data
from crmdesk.ui.detail.panel import DetailPanel
from crmdesk.ui.dialogs.outcome import OutcomeDialog

pytestmark = [
    pytest.mark.gui,
    # Qt's offscreen platform warns when a shown window changes its size hints
    # or is raised, since it has no window system to pass them to.
    pytest.mark.qt_log_ignore(
        r"This plugin does not support (propagateSizeHints|raise)"
    ),
]


@pytest.fixture
def panel(qtbot, runner, events):
    widget = DetailPanel(runner, events, "en")
    qtbot.addWidget(widget)
    return widget


def open_deal(panel, runner, deal_id):
    panel.show_deal(deal_id)
    assert runner.wait_idle()
    assert panel.tabs.isEnabled()


def stored(store, deal_id) -> Opportunity:
    with store.sessions() as session:
        return session.get(Opportunity, deal_id)


def choose_stage(panel, stage_id):
    combo = panel.stage_section.stage_combo
    index = find_data(combo, stage_id)
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def test_shows_deal_fields(panel, store, runner):
    deal = store.add_deal(
        "open-sales",
        "Laptops",
        "1234.5",
        customer="Northwind",
        expected_close=date(2025, 6, 30),
    )

    open_deal(panel, runner, deal)

    fields = panel.fields
    assert panel.heading.text() == "Laptops"
    assert fields.title_edit.text() == "Laptops"
    assert fields.customer_combo.currentText() == "Northwind"
    assert fields.owner_combo.currentText() == "Lin Wei"
    assert fields.amount_edit.text() == "1234.50"
    assert fields.currency_edit.text() == "USD"
    assert fields.close_edit.value() == date(2025, 6, 30)
    assert panel.stage_section.stage_combo.currentText() == "Qualify"


def test_edit_title_and_amount_saves(panel, store, runner, events, qtbot):
    deal = store.add_deal("open-sales", "Laptops", "100")
    open_deal(panel, runner, deal)

    panel.fields.title_edit.setText("Laptops for 30 pupils")
    panel.fields.amount_edit.setText("2,500.75")
    with qtbot.waitSignal(events.deals_changed) as changed:
        qtbot.mouseClick(panel.fields.save_button, Qt.MouseButton.LeftButton)
    assert runner.wait_idle()

    assert changed.args[0] == [deal]
    row = stored(store, deal)
    assert row.title == "Laptops for 30 pupils"
    assert row.amount_minor == 250075
    assert panel.heading.text() == "Laptops for 30 pupils"


def test_bad_amount_names_value(panel, store, runner):
    deal = store.add_deal("open-sales", "Laptops", "100")
    open_deal(panel, runner, deal)

    panel.fields.amount_edit.setText("12x")
    panel.fields.save_button.click()
    assert runner.wait_idle()

    assert "“12x”" in panel.fields.error_label.text()
    assert not panel.fields.error_label.isHidden()
    assert stored(store, deal).amount_minor == 10000


def test_tick_checklist_action(panel, store, runner):
    series = store.series("gated-sales")
    action = series.stage_by_key("contact").checklist[0]
    deal = store.add_deal("gated-sales", "Trial lessons", "300")
    open_deal(panel, runner, deal)
    item = panel.checklist.list.item(0)
    assert item.text() == "Effective call (required)"
    assert item.font().bold()

    item.setCheckState(Qt.CheckState.Checked)
    assert runner.wait_idle()

    with store.sessions() as session:
        ticked = session.scalars(
            select(ChecklistItem).where(ChecklistItem.opportunity_id == deal)
        ).one()
    assert ticked.action_id == action.id
    assert ticked.done is True
    assert panel.checklist.summary.text() == "1 of 2 done."


def test_rejected_move_shows_reason(panel, store, runner):
    series = store.series("gated-sales")
    deal = store.add_deal("gated-sales", "Trial lessons", "300")
    open_deal(panel, runner, deal)

    choose_stage(panel, series.stage_by_key("demo").id)
    assert runner.wait_idle()

    assert "Effective call" in panel.message.text()
    assert "Valid contact" in panel.message.text()
    assert stored(store, deal).stage_id == series.stage_by_key("contact").id
    assert panel.stage_section.stage_combo.currentText() == "Valid contact"


def test_manual_rate_survives_move(panel, store, runner):
    series = store.series("gated-sales")
    offer = series.stage_by_key("offer")
    assert offer.default_probability == 80
    deal = store.add_deal("gated-sales", "Trial lessons", "300", stage_key="demo")
    open_deal(panel, runner, deal)
    section = panel.stage_section

    section.manual_spin.setValue(30)
    section.reason_edit.setText("Budget not confirmed")
    section.set_button.click()
    assert runner.wait_idle()
    choose_stage(panel, offer.id)
    assert runner.wait_idle()

    row = stored(store, deal)
    assert row.stage_id == offer.id
    assert row.manual_probability == 30
    assert section.default_label.text() == "80 %"
    assert section.effective_label.text() == "30 %"
    assert panel.records.revisions_table.item(0, 2).text() == "Budget not confirmed"

    section.clear_button.click()
    assert runner.wait_idle()

    assert stored(store, deal).manual_probability is None
    assert section.effective_label.text() == "80 %"
    assert section.manual_label.text() == "not set"
    with store.sessions() as session:
        revisions = session.scalars(
            select(ProbabilityRevision.probability)
            .where(ProbabilityRevision.opportunity_id == deal)
            .order_by(ProbabilityRevision.changed_at)
        ).all()
    assert revisions == [30, None]


def test_result_stage_asks_outcome(panel, store, runner, monkeypatch):
    series = store.series("open-sales")
    deal = store.add_deal("open-sales", "Laptops", "100", stage_key="negotiate")
    open_deal(panel, runner, deal)
    asked = {}

    def answer(parent, **kwargs):
        asked.update(kwargs)
        return OutcomeInput(
            OutcomeResult.WON, actual_amount=Decimal(95), actual_date=date(2025, 5, 2)
        )

    monkeypatch.setattr(OutcomeDialog, "ask", answer)

    choose_stage(panel, series.stage_by_key("won").id)
    assert runner.wait_idle()

    assert asked["result"] is OutcomeResult.WON
    assert asked["expected_amount"] == Decimal(100)
    with store.sessions() as session:
        outcome = session.scalars(
            select(Outcome).where(Outcome.opportunity_id == deal)
        ).one()
    assert outcome.actual_amount_minor == 9500
    assert panel.records.outcomes_table.rowCount() == 1
    assert panel.records.outcomes_table.item(0, 1).text() == "Won"
    assert not panel.stage_section.set_button.isEnabled()


def test_cancelled_outcome_keeps_stage(panel, store, runner, monkeypatch):
    series = store.series("open-sales")
    deal = store.add_deal("open-sales", "Laptops", "100", stage_key="negotiate")
    open_deal(panel, runner, deal)
    monkeypatch.setattr(OutcomeDialog, "ask", lambda parent, **kwargs: None)

    choose_stage(panel, series.stage_by_key("lost").id)
    assert runner.wait_idle()

    assert stored(store, deal).stage_id == series.stage_by_key("negotiate").id
    assert panel.stage_section.stage_combo.currentText() == "Negotiate"


def test_board_activation_opens_panel(main_window, store, runner):
    deal = store.add_deal("open-sales", "Laptops", "100")
    main_window.reload()
    assert runner.wait_idle()

    main_window.switcher.current_board().deal_activated.emit(deal)
    assert runner.wait_idle()

    assert main_window.detail.deal_id == deal
    assert main_window.detail.isVisible()
    assert main_window.detail.fields.title_edit.text() == "Laptops"


def test_edit_refreshes_board_card(main_window, store, runner):
    deal = store.add_deal("open-sales", "Laptops", "100")
    main_window.reload()
    assert runner.wait_idle()
    main_window.detail.show_deal(deal)
    assert runner.wait_idle()

    main_window.detail.fields.title_edit.setText("Tablets")
    main_window.detail.fields.save_button.click()
    assert runner.wait_idle()

    card = main_window.switcher.current_board().model.card(deal)
    assert card.title == "Tablets"


def test_won_deal_moved_back_by_form(panel, store, runner):
    series = store.series("open-sales")
    propose = series.stage_by_key("propose")
    assert propose.default_probability == 40
    deal = store.add_deal("open-sales", "Servers", "9000", stage_key="negotiate")
    with store.sessions.begin() as session:
        move_opportunity(
            session,
            deal,
            series.stage_by_key("won").id,
            store.actor(),
            OutcomeInput(
                OutcomeResult.WON,
                actual_amount=Decimal(10000),
                actual_date=date(2025, 5, 2),
            ),
        )
    open_deal(panel, runner, deal)

    choose_stage(panel, propose.id)
    assert runner.wait_idle()

    row = stored(store, deal)
    assert row.stage_id == propose.id
    assert row.amount_minor == 1_000_000
    assert panel.stage_section.effective_label.text() == "40 %"
    with store.sessions() as session:
        board = load_board(session, series.id)
    weighted = dict((s.key, t.weighted) for s, t in board.column_totals())
    assert weighted["propose"] == Decimal("4000.00")
