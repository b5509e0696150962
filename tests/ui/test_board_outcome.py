"""Board drops on won and lost stages: the outcome dialog decides what is saved."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from helpers.board_ui import (
    column_ids,
    drop,
    header_text,
    history_count,
    open_board,
    outcomes,
    settle,
    stage_of,
)

from crmdesk.domain.playbook import OutcomeResult
from crmdesk.services.stages import OutcomeInput
from crmdesk.ui.dialogs.outcome import OutcomeDialog

pytestmark = pytest.mark.gui


class DialogStub:
    """Stands in for ``OutcomeDialog.ask``: records the call, returns a value."""

    def __init__(self, answer: OutcomeInput | None) -> None:
        self.answer = answer
        self.calls: list[dict[str, object]] = []

    def __call__(self, parent: object, **kwargs: object) -> OutcomeInput | None:
        self.calls.append(kwargs)
        return self.answer


def _install(
    monkeypatch: pytest.MonkeyPatch, answer: OutcomeInput | None
) -> DialogStub:
    stub = DialogStub(answer)
    monkeypatch.setattr(OutcomeDialog, "ask", stub)
    return stub


def test_cancel_saves_nothing(qtbot, monkeypatch, store, runner, events):
    series = store.series("open-sales")
    negotiate = series.stage_by_key("negotiate").id
    won = series.stage_by_key("won").id
    deal = store.add_deal("open-sales", "Servers", "5000", stage_key="negotiate")
    board = open_board(qtbot, runner, events, series.id)
    stub = _install(monkeypatch, None)

    drop(board, [deal], won)
    settle(qtbot, runner)

    assert len(stub.calls) == 1
    assert stub.calls[0]["result"] is OutcomeResult.WON
    assert stub.calls[0]["expected_amount"] == Decimal("5000.00")
    assert stub.calls[0]["currency"] == "USD"
    assert stage_of(store.sessions, deal) == negotiate
    assert history_count(store.sessions, deal) == 1
    assert outcomes(store.sessions, deal) == []
    assert column_ids(board, negotiate) == [deal]
    assert column_ids(board, won) == []


def test_ok_records_outcome(qtbot, monkeypatch, store, runner, events):
    series = store.series("open-sales")
    negotiate = series.stage_by_key("negotiate").id
    won = series.stage_by_key("won").id
    deal = store.add_deal("open-sales", "Servers", "5000", stage_key="negotiate")
    board = open_board(qtbot, runner, events, series.id)
    _install(
        monkeypatch,
        OutcomeInput(
            OutcomeResult.WON,
            actual_amount=Decimal("4800"),
            actual_date=date(2025, 6, 30),
        ),
    )

    drop(board, [deal], won)
    settle(qtbot, runner)

    assert stage_of(store.sessions, deal) == won
    assert history_count(store.sessions, deal) == 2
    recorded = outcomes(store.sessions, deal)
    assert len(recorded) == 1
    assert recorded[0].result == "won"
    assert recorded[0].actual_amount_minor == 480000
    assert recorded[0].actual_date == date(2025, 6, 30)
    assert column_ids(board, won) == [deal]
    assert column_ids(board, negotiate) == []
    assert "4,800.00 USD" in header_text(board, won)


def test_switch_to_lost_goes_to_lost_stage(qtbot, monkeypatch, store, runner, events):
    series = store.series("open-sales")
    won = series.stage_by_key("won").id
    lost = series.stage_by_key("lost").id
    competitor = next(r for r in series.reasons if r.key == "competitor")
    deal = store.add_deal("open-sales", "Servers", "5000", stage_key="negotiate")
    board = open_board(qtbot, runner, events, series.id)
    _install(monkeypatch, OutcomeInput(OutcomeResult.LOST, reason_id=competitor.id))

    drop(board, [deal], won)
    settle(qtbot, runner)

    assert stage_of(store.sessions, deal) == lost
    assert column_ids(board, lost) == [deal]
    assert outcomes(store.sessions, deal)[0].reason_id == competitor.id


def test_rejected_outcome_keeps_card(qtbot, monkeypatch, store, runner, events):
    series = store.series("open-sales")
    negotiate = series.stage_by_key("negotiate").id
    lost = series.stage_by_key("lost").id
    other = next(r for r in series.reasons if r.key == "other")
    deal = store.add_deal("open-sales", "Servers", "5000", stage_key="negotiate")
    board = open_board(qtbot, runner, events, series.id)
    # "Other" needs a note; the dialog is bypassed here, so the service rejects.
    _install(monkeypatch, OutcomeInput(OutcomeResult.LOST, reason_id=other.id))

    with qtbot.waitSignal(board.move_failed, timeout=5000) as failed:
        drop(board, [deal], lost)
    settle(qtbot, runner)

    assert "“Other” needs a note" in failed.args[0]
    assert stage_of(store.sessions, deal) == negotiate
    assert outcomes(store.sessions, deal) == []
    assert column_ids(board, negotiate) == [deal]


def test_rule_checked_before_dialog(qtbot, monkeypatch, store, runner, events):
    series = store.series("gated-sales")
    contact = series.stage_by_key("contact").id
    won = series.stage_by_key("won").id
    deal = store.add_deal("gated-sales", "Trial class", "500")
    board = open_board(qtbot, runner, events, series.id)
    stub = _install(monkeypatch, None)

    with qtbot.waitSignal(board.move_failed, timeout=5000) as failed:
        drop(board, [deal], won)
    settle(qtbot, runner)

    assert stub.calls == []
    assert "Effective call" in failed.args[0]
    assert "“Demo”" in failed.args[0]
    assert stage_of(store.sessions, deal) == contact
