"""Outcome dialog: which fields enable OK, and the value it returns."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPlainTextEdit, QRadioButton

from crmdesk.domain.playbook import LocalText, OutcomeResult
from crmdesk.services.lookups import ReasonChoice
from crmdesk.services.stages import OutcomeInput
from crmdesk.ui.dialogs.outcome import OutcomeDialog

pytestmark = pytest.mark.gui

PRICE = ReasonChoice(
    uuid.uuid4(), "price", LocalText("Best price", "价格优势"), OutcomeResult.WON, False
)
COMPETITOR = ReasonChoice(
    uuid.uuid4(),
    "competitor",
    LocalText("Chose a competitor", "选择了竞争对手"),
    OutcomeResult.LOST,
    False,
)
OTHER = ReasonChoice(
    uuid.uuid4(), "other", LocalText("Other", "其他"), OutcomeResult.LOST, True
)


def _dialog(qtbot, result=OutcomeResult.WON, amount=Decimal("1250.50"), language="en"):
    dialog = OutcomeDialog(
        deal_title="Servers",
        result=result,
        reasons=[PRICE, COMPETITOR, OTHER],
        expected_amount=amount,
        currency="USD",
        language=language,
        today=date(2025, 5, 6),
    )
    qtbot.addWidget(dialog)
    return dialog


def _child(dialog, kind, name):
    widget = dialog.findChild(kind, name)
    assert widget is not None, name
    return widget


def test_won_prefills_amount_and_date(qtbot):
    dialog = _dialog(qtbot)

    assert _child(dialog, QRadioButton, "wonRadio").isChecked()
    assert _child(dialog, QLineEdit, "amountEdit").text() == "1250.50"
    assert _child(dialog, QLabel, "currencyLabel").text() == "USD"
    assert dialog.ok_enabled()
    assert dialog.value() == OutcomeInput(
        OutcomeResult.WON,
        reason_id=None,
        note="",
        actual_amount=Decimal("1250.50"),
        actual_date=date(2025, 5, 6),
    )


def test_won_needs_valid_amount(qtbot):
    dialog = _dialog(qtbot)
    amount = _child(dialog, QLineEdit, "amountEdit")

    amount.setText("")
    assert not dialog.ok_enabled()
    amount.setText("12.345")
    assert not dialog.ok_enabled()
    amount.setText("-5")
    assert not dialog.ok_enabled()
    amount.setText("1,000")
    assert dialog.ok_enabled()
    assert dialog.value().actual_amount == Decimal(1000)


def test_lost_needs_reason(qtbot):
    dialog = _dialog(qtbot, result=OutcomeResult.LOST)
    combo = _child(dialog, QComboBox, "reasonCombo")

    labels = [combo.itemText(i) for i in range(combo.count())]
    assert labels[1:] == ["Chose a competitor", "Other"]
    assert not dialog.ok_enabled()
    combo.setCurrentIndex(1)
    assert dialog.ok_enabled()
    assert dialog.value().result is OutcomeResult.LOST
    assert dialog.value().reason_id == COMPETITOR.id


def test_note_required_reason(qtbot):
    dialog = _dialog(qtbot, result=OutcomeResult.LOST)
    combo = _child(dialog, QComboBox, "reasonCombo")
    hint = _child(dialog, QLabel, "noteHint")

    combo.setCurrentIndex(2)
    assert not dialog.ok_enabled()
    assert "needs a note" in hint.text()
    _child(dialog, QPlainTextEdit, "noteEdit").setPlainText("  budget moved  ")
    assert dialog.ok_enabled()
    assert dialog.value().note == "budget moved"


def test_switching_result_refills_reasons(qtbot):
    dialog = _dialog(qtbot)
    combo = _child(dialog, QComboBox, "reasonCombo")
    assert [combo.itemText(i) for i in range(1, combo.count())] == ["Best price"]

    _child(dialog, QRadioButton, "lostRadio").setChecked(True)

    assert dialog.result_choice() is OutcomeResult.LOST
    assert [combo.itemText(i) for i in range(1, combo.count())] == [
        "Chose a competitor",
        "Other",
    ]


def test_chinese_reason_labels(qtbot):
    dialog = _dialog(qtbot, result=OutcomeResult.LOST, language="zh_CN")
    combo = _child(dialog, QComboBox, "reasonCombo")

    assert combo.itemText(1) == "选择了竞争对手"


def test_ask_returns_none_on_cancel(qtbot, monkeypatch):
    monkeypatch.setattr(OutcomeDialog, "exec", lambda self: 0)

    answer = OutcomeDialog.ask(
        None,
        deal_title="Servers",
        result=OutcomeResult.WON,
        reasons=[PRICE],
        expected_amount=None,
        currency="USD",
        language="en",
    )

    assert answer is None
