"""Board widget: the model, drag and drop through the stage service, column totals."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from helpers.board_ui import (
    column_ids,
    drop,
    header_text,
    history_count,
    open_board,
    settle,
    stage_of,
    utc,
)

from crmdesk.domain.board import CardFilter, Totals
from crmdesk.domain.playbook import OutcomeResult
from crmdesk.services.stages import OutcomeInput, move_opportunity, set_checklist_action
from crmdesk.ui.board.model import IDLE_DAYS, Role

pytestmark = pytest.mark.gui


def test_model_passes_model_tester(qtbot, qtmodeltester, store, runner, events):
    series = store.series("open-sales")
    first = store.add_deal("open-sales", "Laptops", "100", customer="Northwind")
    store.add_deal("open-sales", "Printers", "250", stage_key="propose")
    store.add_deal("open-sales", "Cables", None, stage_key="negotiate")
    board = open_board(qtbot, runner, events, series.id)
    model = board.model

    qtmodeltester.check(model)

    drop(board, [first], series.stage_by_key("propose").id)
    settle(qtbot, runner)
    assert stage_of(store.sessions, first) == series.stage_by_key("propose").id
    qtmodeltester.check(model)

    board.set_filter(CardFilter(text="print"))
    qtmodeltester.check(model)
    board.set_filter(CardFilter())
    qtmodeltester.check(model)


def test_model_structure(qtbot, store, runner, events):
    series = store.series("open-sales")
    deal = store.add_deal("open-sales", "Laptops", "100", customer="Northwind")
    board = open_board(qtbot, runner, events, series.id)
    model = board.model

    assert model.rowCount() == 5
    qualify = model.stage_index(series.stage_by_key("qualify").id)
    assert model.rowCount(qualify) == 1
    card_index = model.index(0, 0, qualify)
    assert card_index.data(Role.DEAL_ID) == deal
    assert card_index.data(Role.CARD).customer == "Northwind"
    assert card_index.parent() == qualify
    assert model.rowCount(card_index) == 0
    assert qualify.data() == "Qualify"


def test_drag_to_next_stage_moves_deal(qtbot, store, runner, events):
    series = store.series("open-sales")
    qualify = series.stage_by_key("qualify").id
    propose = series.stage_by_key("propose").id
    deal = store.add_deal("open-sales", "Laptops", "100")
    store.add_deal("open-sales", "Printers", "250")
    board = open_board(qtbot, runner, events, series.id)
    assert "2 deals" in header_text(board, qualify)
    assert "0 deals" in header_text(board, propose)

    accepted = drop(board, [deal], propose)
    settle(qtbot, runner)

    # The model only requests the move, so the view never removes the rows.
    assert accepted is False
    assert stage_of(store.sessions, deal) == propose
    assert history_count(store.sessions, deal) == 2
    assert column_ids(board, propose) == [deal]
    assert deal not in column_ids(board, qualify)
    assert "1 deal" in header_text(board, qualify)
    assert "250.00 USD" in header_text(board, qualify)
    assert "1 deal" in header_text(board, propose)
    assert "100.00 USD" in header_text(board, propose)
    # Propose has a default win probability of 40 %: 100 x 40 % = 40.
    assert "Weighted 40.00 USD" in header_text(board, propose)
    assert board.model.stage_totals(propose) == Totals(1, Decimal(100), Decimal(40))


def test_forbidden_skip_keeps_card(qtbot, store, runner, events):
    series = store.series("open-sales")
    qualify = series.stage_by_key("qualify").id
    negotiate = series.stage_by_key("negotiate").id
    deal = store.add_deal("open-sales", "Laptops", "100")
    board = open_board(qtbot, runner, events, series.id)

    with qtbot.waitSignal(board.move_failed, timeout=5000) as failed:
        drop(board, [deal], negotiate)
    settle(qtbot, runner)

    message = failed.args[0]
    assert "Laptops" in message
    assert "skipping stages" in message
    assert "“Propose”" in message
    assert board.message_text() == message
    assert stage_of(store.sessions, deal) == qualify
    assert history_count(store.sessions, deal) == 1
    assert column_ids(board, qualify) == [deal]


def test_checklist_gate_blocks_until_ticked(qtbot, store, runner, events):
    series = store.series("gated-sales")
    contact = series.stage_by_key("contact")
    demo = series.stage_by_key("demo").id
    deal = store.add_deal("gated-sales", "Trial class", "500")
    board = open_board(qtbot, runner, events, series.id)

    with qtbot.waitSignal(board.move_failed, timeout=5000) as failed:
        drop(board, [deal], demo)
    settle(qtbot, runner)
    assert "Effective call" in failed.args[0]
    assert "Send brochure" not in failed.args[0]
    assert stage_of(store.sessions, deal) == contact.id
    assert column_ids(board, contact.id) == [deal]

    call = next(a for a in contact.checklist if a.key == "effective-call")
    with store.sessions.begin() as session:
        set_checklist_action(session, deal, call.id, True, store.actor())
    events.deals_changed.emit([deal])
    settle(qtbot, runner)
    assert board.model.card(deal).checklist_done == 1

    drop(board, [deal], demo)
    settle(qtbot, runner)
    assert stage_of(store.sessions, deal) == demo
    assert column_ids(board, demo) == [deal]


def test_column_totals_skip_missing_amount(qtbot, store, runner, events):
    series = store.series("open-sales")
    propose = series.stage_by_key("propose").id
    for title, amount in (("A", "100"), ("B", "250"), ("C", "40"), ("D", None)):
        store.add_deal("open-sales", title, amount, stage_key="propose")
    board = open_board(qtbot, runner, events, series.id)

    # 100 + 250 + 40 = 390; at 40 % each: 40 + 100 + 16 = 156.
    assert board.model.stage_totals(propose) == Totals(
        4, Decimal("390.00"), Decimal("156.00")
    )
    text = header_text(board, propose)
    assert "4 deals" in text
    assert "390.00 USD" in text
    assert "Weighted 156.00 USD" in text


def test_totals_follow_filter(qtbot, store, runner, events):
    series = store.series("open-sales")
    propose = series.stage_by_key("propose").id
    store.add_deal("open-sales", "Laptops", "100", stage_key="propose")
    store.add_deal("open-sales", "Printers", "250", stage_key="propose")
    board = open_board(qtbot, runner, events, series.id)

    board.set_filter(CardFilter(text="laptop"))

    assert board.model.stage_totals(propose) == Totals(1, Decimal(100), Decimal(40))
    position = [s.id for s in board.stages()].index(propose)
    header = board.columns.headers()[position]
    assert "1 deal" in header.text()
    assert "hides 1" in header.toolTip()


def test_won_deal_dragged_back_uses_stage_default(qtbot, store, runner, events):
    series = store.series("open-sales")
    won = series.stage_by_key("won").id
    propose = series.stage_by_key("propose").id
    deal = store.add_deal("open-sales", "Servers", "10000", stage_key="negotiate")
    with store.sessions.begin() as session:
        move_opportunity(
            session,
            deal,
            won,
            store.actor(),
            OutcomeInput(
                OutcomeResult.WON,
                actual_amount=Decimal(10000),
                actual_date=date(2025, 3, 1),
            ),
        )
    board = open_board(qtbot, runner, events, series.id)
    assert board.model.card(deal).probability == 100

    drop(board, [deal], propose)
    settle(qtbot, runner)

    # Reopened into a stage whose default is 40 %: 10,000 x 40 % = 4,000.
    assert stage_of(store.sessions, deal) == propose
    assert board.model.card(deal).probability == 40
    assert board.model.stage_totals(propose) == Totals(
        1, Decimal("10000.00"), Decimal("4000.00")
    )
    assert "Weighted 4,000.00 USD" in header_text(board, propose)
    assert "0 deals" in header_text(board, won)


def test_edit_elsewhere_refreshes_card(qtbot, store, runner, events):
    series = store.series("open-sales")
    deal = store.add_deal("open-sales", "Laptops", "100")
    board = open_board(qtbot, runner, events, series.id)
    call = series.stage_by_key("propose").checklist[0]
    with store.sessions.begin() as session:
        move_opportunity(
            session, deal, series.stage_by_key("propose").id, store.actor()
        )
        set_checklist_action(session, deal, call.id, True, store.actor())

    events.deals_changed.emit([deal])
    settle(qtbot, runner)

    card = board.model.card(deal)
    assert card.stage_id == series.stage_by_key("propose").id
    assert (card.checklist_done, card.checklist_total) == (1, 1)
    assert column_ids(board, series.stage_by_key("propose").id) == [deal]


def test_multi_select_drag_moves_all(qtbot, store, runner, events):
    series = store.series("open-sales")
    propose = series.stage_by_key("propose").id
    first = store.add_deal("open-sales", "Laptops", "100")
    second = store.add_deal("open-sales", "Printers", "250")
    board = open_board(qtbot, runner, events, series.id)

    drop(board, [first, second], propose)
    settle(qtbot, runner)

    assert stage_of(store.sessions, first) == propose
    assert stage_of(store.sessions, second) == propose
    assert sorted(column_ids(board, propose)) == sorted([first, second])
    assert board.model.stage_totals(propose).amount == Decimal(350)


def test_move_selected_is_bulk_move(qtbot, store, runner, events):
    series = store.series("open-sales")
    propose = series.stage_by_key("propose").id
    deal = store.add_deal("open-sales", "Laptops", "100")
    board = open_board(qtbot, runner, events, series.id)
    selection = board.columns.selection_model
    with qtbot.waitSignal(board.selection_changed) as changed:
        selection.select(
            board.model.deal_index(deal), selection.SelectionFlag.ClearAndSelect
        )
    assert changed.args[0] == [deal]

    board.move_selected(propose)
    settle(qtbot, runner)

    assert stage_of(store.sessions, deal) == propose
    assert board.selected_deal_ids() == [deal]


def test_overdue_and_idle_marks(qtbot, store, runner, events):
    series = store.series("open-sales")
    today = date.today()
    late = store.add_deal(
        "open-sales", "Late", "100", expected_close=today - timedelta(days=1)
    )
    idle = store.add_deal(
        "open-sales",
        "Idle",
        "100",
        entered_at=utc(today.year, today.month, today.day)
        - timedelta(days=IDLE_DAYS + 1),
    )
    fresh = store.add_deal(
        "open-sales", "Fresh", "100", expected_close=today + timedelta(days=5)
    )
    board = open_board(qtbot, runner, events, series.id)
    model = board.model

    assert model.deal_index(late).data(Role.OVERDUE) is True
    assert model.deal_index(late).data(Role.IDLE) is False
    assert model.deal_index(idle).data(Role.IDLE) is True
    assert model.deal_index(idle).data(Role.DAYS_IN_STAGE) == IDLE_DAYS + 1
    assert model.deal_index(fresh).data(Role.OVERDUE) is False
    assert model.deal_index(fresh).data(Role.IDLE) is False


def test_enter_activates_deal(qtbot, store, runner, events):
    series = store.series("open-sales")
    deal = store.add_deal("open-sales", "Laptops", "100")
    board = open_board(qtbot, runner, events, series.id)
    view = board.columns.views()[0]
    view.setFocus()
    view.setCurrentIndex(board.model.deal_index(deal))

    with qtbot.waitSignal(board.deal_activated) as activated:
        qtbot.keyClick(view, "\r")

    assert activated.args[0] == deal


def test_chinese_labels(qtbot, store, runner, events):
    series = store.series("open-sales")
    store.add_deal("open-sales", "Laptops", "100")
    board = open_board(qtbot, runner, events, series.id, language="zh_CN")

    assert board.columns.headers()[0].text().startswith("资格确认")
    board.set_language("en")
    assert board.columns.headers()[0].text().startswith("Qualify")
