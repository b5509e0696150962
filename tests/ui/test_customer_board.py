"""The customer board: columns and totals, drag to change state, rejected drops.

The test playbook has the states Prospect and Customer (tests/helpers/board_ui.py).
Drops go through the model's drop path, as a column view's drop does.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from helpers.customers import insert_stateless_customer
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy import select

from crmdesk.domain.customer_board import CustomerFilter
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.deals import (
    NewCustomer,
    NewOpportunity,
    create_customer,
    create_opportunity,
)
from crmdesk.services.playbooks import find_series
from crmdesk.storage.models import (
    Customer,
    CustomerState,
    CustomerStateChange,
    User,
)
from crmdesk.ui.customers.board import CustomerBoardWidget
from crmdesk.ui.customers.note_dialog import StateNoteDialog


@pytest.fixture(autouse=True)
def english(shell_translators: Any) -> Any:
    """The English translation, which has the plural forms of counts."""
    return shell_translators


def state_ids(store: Any) -> dict[str, uuid.UUID]:
    with store.sessions() as session:
        return {row.key: row.id for row in session.scalars(select(CustomerState))}


def add_customer(
    store: Any, name: str, state: str | None, *, days_ago: int = 0, deals: int = 0
) -> uuid.UUID:
    """Create a customer owned by the store's user, with deals in open-sales.

    A customer in ``state`` comes from ``create_customer`` and has a creation
    history row a minute before the board changes anything; a customer with
    ``state`` None is stored without a state, as sync can deliver one.
    """
    states = state_ids(store)
    at = datetime.now(UTC) - timedelta(days=days_ago, minutes=1)
    actor = Actor(store.user_id, ChangeSource.FORM, at)
    with store.sessions.begin() as session:
        if state is None:
            owner = session.get(User, store.user_id)
            assert owner is not None
            customer = insert_stateless_customer(
                session, name, at, team_id=owner.team_id, owner_id=owner.id
            )
        else:
            customer = create_customer(
                session,
                NewCustomer(name, owner_id=store.user_id, state_id=states[state]),
                actor,
            )
        series = find_series(session, "open-sales")
        for number in range(deals):
            create_opportunity(
                session,
                NewOpportunity(
                    series_id=series.id,
                    title=f"{name} {number}",
                    customer_id=customer.id,
                    amount=Decimal("100"),
                ),
                actor,
            )
        return customer.id


def open_customer_board(qtbot: Any, runner: Any, events: Any) -> CustomerBoardWidget:
    board = CustomerBoardWidget(runner, events, "en")
    qtbot.addWidget(board)
    board.resize(1200, 700)
    with qtbot.waitSignal(board.board_loaded, timeout=5000):
        board.show_playbook(None)
    return board


def drop(board: CustomerBoardWidget, ids: list[uuid.UUID], state_id: Any) -> None:
    model = board.model
    indexes = [model.customer_index(customer_id) for customer_id in ids]
    assert all(index.isValid() for index in indexes)
    mime = model.mimeData(indexes)
    parent = model.state_index(state_id)
    assert model.canDropMimeData(mime, Qt.DropAction.MoveAction, -1, 0, parent)
    assert not model.dropMimeData(mime, Qt.DropAction.MoveAction, -1, 0, parent)


def settle(qtbot: Any, runner: Any) -> None:
    qtbot.waitUntil(runner.is_idle, timeout=5000)


def column_names(board: CustomerBoardWidget, state_id: Any) -> list[str]:
    return [card.name for card in board.model.visible_cards(state_id)]


def history(store: Any, customer_id: uuid.UUID) -> list[CustomerStateChange]:
    with store.sessions() as session:
        return list(
            session.scalars(
                select(CustomerStateChange)
                .where(CustomerStateChange.customer_id == customer_id)
                .order_by(CustomerStateChange.changed_at)
            )
        )


def transitions(rows: list[CustomerStateChange]) -> list[tuple[Any, Any]]:
    return [(row.from_state_id, row.to_state_id) for row in rows]


def test_columns_cards_and_totals(qtbot, store, runner, events):
    states = state_ids(store)
    add_customer(store, "Acme", "prospect", days_ago=3, deals=2)
    add_customer(store, "Bolt", "prospect", deals=1)
    add_customer(store, "Crane", "customer")
    add_customer(store, "Drift", None)
    board = open_customer_board(qtbot, runner, events)
    labels = [board.model.state_label(s) for s in board.model.states()]
    assert labels == ["No state", "Prospect", "Customer"]
    assert column_names(board, states["prospect"]) == ["Bolt", "Acme"]
    assert column_names(board, None) == ["Drift"]
    headers = [header.text() for header in board.columns.headers()]
    assert headers[1] == "Prospect · 2 customers · 3 open deals"
    assert headers[2] == "Customer · 1 customer · 0 open deals"
    acme = board.model.visible_cards(states["prospect"])[1]
    assert acme.owner == "Lin Wei"
    assert board.model.days_in_state(acme) == 3


def test_model_passes_model_tester(qtbot, store, runner, events, qtmodeltester):
    add_customer(store, "Acme", "prospect")
    add_customer(store, "Drift", None)
    board = open_customer_board(qtbot, runner, events)
    qtmodeltester.check(board.model)


def test_filter_hides_cards_and_totals(qtbot, store, runner, events):
    states = state_ids(store)
    add_customer(store, "Acme", "prospect", deals=2)
    add_customer(store, "Bolt", "prospect", deals=1)
    board = open_customer_board(qtbot, runner, events)
    board.set_filter(CustomerFilter(text="bol"))
    assert column_names(board, states["prospect"]) == ["Bolt"]
    assert board.model.state_totals(states["prospect"]).open_deals == 1
    assert board.model.hidden_count(states["prospect"]) == 1


def test_drag_promotes_and_writes_history(qtbot, store, runner, events):
    states = state_ids(store)
    acme = add_customer(store, "Acme", "prospect")
    board = open_customer_board(qtbot, runner, events)
    drop(board, [acme], states["customer"])
    settle(qtbot, runner)
    assert column_names(board, states["customer"]) == ["Acme"]
    assert column_names(board, states["prospect"]) == []
    rows = history(store, acme)
    assert transitions(rows) == [
        (None, states["prospect"]),
        (states["prospect"], states["customer"]),
    ]
    assert rows[1].changed_by == store.user_id
    assert rows[1].note == ""
    assert not board.message_visible()


def test_drag_back_asks_for_note(qtbot, monkeypatch, store, runner, events):
    states = state_ids(store)
    acme = add_customer(store, "Acme", "customer")
    asked: list[tuple[str, str, str, bool]] = []

    def answer(_parent, customers, from_state, to_state, *, required):
        asked.append((customers, from_state, to_state, required))
        return "contract cancelled"

    monkeypatch.setattr(StateNoteDialog, "ask", answer)
    board = open_customer_board(qtbot, runner, events)
    drop(board, [acme], states["prospect"])
    settle(qtbot, runner)
    assert asked == [("“Acme”", "Customer", "Prospect", True)]
    rows = history(store, acme)
    assert transitions(rows) == [
        (None, states["customer"]),
        (states["customer"], states["prospect"]),
    ]
    assert [row.note for row in rows] == ["", "contract cancelled"]
    assert column_names(board, states["prospect"]) == ["Acme"]


def test_cancelled_note_changes_nothing(qtbot, monkeypatch, store, runner, events):
    states = state_ids(store)
    acme = add_customer(store, "Acme", "customer")
    monkeypatch.setattr(StateNoteDialog, "ask", lambda *args, **kwargs: None)
    board = open_customer_board(qtbot, runner, events)
    drop(board, [acme], states["prospect"])
    settle(qtbot, runner)
    assert transitions(history(store, acme)) == [(None, states["customer"])]
    assert column_names(board, states["customer"]) == ["Acme"]


def test_drop_on_no_state_is_explained(qtbot, store, runner, events):
    states = state_ids(store)
    acme = add_customer(store, "Acme", "prospect")
    add_customer(store, "Drift", None)
    board = open_customer_board(qtbot, runner, events)
    with qtbot.waitSignal(board.state_change_failed, timeout=5000):
        drop(board, [acme], None)
    assert board.message_visible()
    assert "cannot be cleared" in board.message_text()
    settle(qtbot, runner)
    assert transitions(history(store, acme)) == [(None, states["prospect"])]
    assert column_names(board, states["prospect"]) == ["Acme"]


def test_rejected_change_is_explained(qtbot, store, runner, events):
    states = state_ids(store)
    acme = add_customer(store, "Acme", "prospect")
    board = open_customer_board(qtbot, runner, events)
    # Another window deletes the customer after the board loaded.
    with store.sessions.begin() as session:
        customer = session.get(Customer, acme)
        assert customer is not None
        customer.deleted_at = datetime.now(UTC)
    with qtbot.waitSignal(board.state_change_failed, timeout=5000):
        drop(board, [acme], states["customer"])
    text = board.message_text()
    assert "“Acme” cannot move to “Customer”:" in text
    assert "not found" in text
    assert transitions(history(store, acme)) == [(None, states["prospect"])]


def test_bulk_drop_moves_each_and_reports_rest(
    qtbot, monkeypatch, store, runner, events
):
    states = state_ids(store)
    acme = add_customer(store, "Acme", "prospect")
    drift = add_customer(store, "Drift", None)
    board = open_customer_board(qtbot, runner, events)
    drop(board, [acme, drift], states["customer"])
    settle(qtbot, runner)
    assert sorted(column_names(board, states["customer"])) == ["Acme", "Drift"]
    assert [row.from_state_id for row in history(store, drift)] == [None]


def test_note_dialog_requires_text(qtbot):
    dialog = StateNoteDialog("“Acme”", "Customer", "Prospect", required=True)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.note_edit.setPlainText("   ")
    assert not ok.isEnabled()
    dialog.note_edit.setPlainText("  moved away ")
    assert ok.isEnabled()
    assert dialog.note() == "moved away"
    assert "moves back from “Customer” to “Prospect”" in dialog.message.text()


@pytest.mark.parametrize("required", [False])
def test_optional_note_dialog_accepts_empty(qtbot, required):
    dialog = StateNoteDialog("“Acme”", "Prospect", "Customer", required=required)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled()


def test_deal_board_win_and_reopen(qtbot, monkeypatch, store, runner, events):
    from datetime import date

    from helpers.board_ui import drop as drop_deal
    from helpers.board_ui import open_board

    from crmdesk.domain.playbook import OutcomeResult
    from crmdesk.services.stages import OutcomeInput
    from crmdesk.ui.dialogs.outcome import OutcomeDialog

    states = state_ids(store)
    acme = add_customer(store, "Acme", "prospect", deals=1)
    series = store.series("open-sales")
    customers = open_customer_board(qtbot, runner, events)
    deals = open_board(qtbot, runner, events, series.id)
    deal_id = deals.model.visible_cards(series.stage_by_key("qualify").id)[0].id
    won = OutcomeInput(
        OutcomeResult.WON, actual_amount=Decimal("100"), actual_date=date.today()
    )
    monkeypatch.setattr(OutcomeDialog, "ask", lambda *args, **kwargs: won)
    notices: list[str] = []
    events.notice.connect(notices.append)
    # The open-sales series forbids skipping and has no checklist gates, so the
    # deal goes stage by stage.
    for key in ("propose", "negotiate"):
        drop_deal(deals, [deal_id], series.stage_by_key(key).id)
        settle(qtbot, runner)
    drop_deal(deals, [deal_id], series.won_stage.id)
    settle(qtbot, runner)
    created_and_won = [
        (None, states["prospect"]),
        (states["prospect"], states["customer"]),
    ]
    rows = history(store, acme)
    assert transitions(rows) == created_and_won
    assert rows[0].opportunity_id is None
    assert rows[1].opportunity_id == deal_id
    assert notices == ["“Acme” moved to the state “Customer”."]
    assert column_names(customers, states["customer"]) == ["Acme"]

    # Reopening the won deal keeps the customer's state and says so.
    drop_deal(deals, [deal_id], series.stage_by_key("negotiate").id)
    settle(qtbot, runner)
    assert transitions(history(store, acme)) == created_and_won
    assert column_names(customers, states["customer"]) == ["Acme"]
    assert notices[-1].startswith("“Acme” stays in the state “Customer”")
