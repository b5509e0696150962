"""The outcome dialog: won or lost, the reason, a note, the actual amount and date.

The dialog only collects values and returns them as an ``OutcomeInput``. The
stage service decides whether the outcome is acceptable. The dialog enables OK
once the fields the chosen result needs are filled, which catches the common
mistakes before the service call.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.errors import ValidationError
from crmdesk.domain.money import Money, currency_exponent
from crmdesk.domain.playbook import OutcomeResult
from crmdesk.services.lookups import ReasonChoice
from crmdesk.services.stages import OutcomeInput


class OutcomeDialog(QDialog):
    """Asks for the outcome of a deal that enters a won or lost stage.

    Widgets carry object names (``wonRadio``, ``lostRadio``, ``reasonCombo``,
    ``noteEdit``, ``noteHint``, ``amountEdit``, ``currencyLabel``, ``dateEdit``,
    ``buttons``) so tests can find and drive them.
    """

    def __init__(
        self,
        *,
        deal_title: str,
        result: OutcomeResult,
        reasons: Sequence[ReasonChoice],
        expected_amount: Decimal | None,
        currency: str,
        language: str,
        today: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("outcomeDialog")
        self.setWindowTitle(self.tr("Record the outcome"))
        self.setMinimumWidth(420)
        self._reasons = list(reasons)
        self._currency = currency
        self._language = language

        intro = QLabel(self.tr("How did “{title}” end?").format(title=deal_title), self)
        intro.setObjectName("introLabel")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        results = self._make_result_row()
        self._make_reason_fields()
        amount_row = self._make_amount_row(expected_amount)
        self._date = QDateEdit(self)
        self._date.setObjectName("dateEdit")
        self._date.setCalendarPopup(True)
        self._date.setDisplayFormat("yyyy-MM-dd")
        self._date.setDate(QDate(today or date.today()))
        self._buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
            self,
        )
        self._buttons.setObjectName("buttons")
        self._buttons.accepted.connect(self.accept)
        self._buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow(self.tr("Result"), results)
        form.addRow(self.tr("Reason"), self._reason)
        form.addRow(self.tr("Note"), self._note)
        form.addRow("", self._note_hint)
        form.addRow(self.tr("Actual amount"), amount_row)
        form.addRow("", self._amount_hint)
        form.addRow(self.tr("Actual date"), self._date)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self._buttons)

        (self._won if result is OutcomeResult.WON else self._lost).setChecked(True)
        self._fill_reasons()
        self._won.toggled.connect(self._on_result_toggled)
        self._reason.currentIndexChanged.connect(self._update)
        self._note.textChanged.connect(self._update)
        self._amount.textChanged.connect(self._update)
        self._update()

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        *,
        deal_title: str,
        result: OutcomeResult,
        reasons: Sequence[ReasonChoice],
        expected_amount: Decimal | None,
        currency: str,
        language: str,
        today: date | None = None,
    ) -> OutcomeInput | None:
        """Show the dialog modally; return the outcome, or None on Cancel."""
        dialog = cls(
            deal_title=deal_title,
            result=result,
            reasons=reasons,
            expected_amount=expected_amount,
            currency=currency,
            language=language,
            today=today,
            parent=parent,
        )
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return dialog.value()
        finally:
            dialog.deleteLater()

    def result_choice(self) -> OutcomeResult:
        """Return the result the user chose."""
        return OutcomeResult.WON if self._won.isChecked() else OutcomeResult.LOST

    def value(self) -> OutcomeInput:
        """Return what the fields hold as an outcome.

        An amount that cannot be read gives ``actual_amount=None``; OK is disabled
        in that case, so only a direct caller sees it.
        """
        reason = self._current_reason()
        return OutcomeInput(
            result=self.result_choice(),
            reason_id=None if reason is None else reason.id,
            note=self._note.toPlainText().strip(),
            actual_amount=self._parsed_amount(),
            actual_date=self._date.date().toPython(),
        )

    def ok_enabled(self) -> bool:
        """True when OK can be pressed."""
        button = self._buttons.button(QDialogButtonBox.StandardButton.Ok)
        return button is not None and button.isEnabled()

    # -- construction ---------------------------------------------------------

    def _make_result_row(self) -> QHBoxLayout:
        self._won = QRadioButton(self.tr("Won"), self)
        self._won.setObjectName("wonRadio")
        self._lost = QRadioButton(self.tr("Lost"), self)
        self._lost.setObjectName("lostRadio")
        group = QButtonGroup(self)
        group.addButton(self._won)
        group.addButton(self._lost)
        row = QHBoxLayout()
        row.addWidget(self._won)
        row.addWidget(self._lost)
        row.addStretch(1)
        return row

    def _make_reason_fields(self) -> None:
        self._reason = QComboBox(self)
        self._reason.setObjectName("reasonCombo")
        self._note = QPlainTextEdit(self)
        self._note.setObjectName("noteEdit")
        self._note.setTabChangesFocus(True)
        self._note.setFixedHeight(72)
        self._note_hint = QLabel(self)
        self._note_hint.setObjectName("noteHint")
        self._note_hint.setWordWrap(True)

    def _make_amount_row(self, expected_amount: Decimal | None) -> QHBoxLayout:
        self._amount = QLineEdit(self)
        self._amount.setObjectName("amountEdit")
        if expected_amount is not None:
            exponent = currency_exponent(self._currency)
            self._amount.setText(f"{expected_amount:.{exponent}f}")
        currency_label = QLabel(self._currency, self)
        currency_label.setObjectName("currencyLabel")
        self._amount_hint = QLabel(self)
        self._amount_hint.setObjectName("amountHint")
        row = QHBoxLayout()
        row.addWidget(self._amount, 1)
        row.addWidget(currency_label)
        return row

    # -- internals ------------------------------------------------------------

    def _on_result_toggled(self) -> None:
        self._fill_reasons()
        self._update()

    def _fill_reasons(self) -> None:
        result = self.result_choice()
        self._reason.blockSignals(True)
        self._reason.clear()
        if result is OutcomeResult.WON:
            self._reason.addItem(self.tr("No reason given"), None)
        else:
            self._reason.addItem(self.tr("Choose a reason…"), None)
        for reason in self._reasons:
            if reason.result is result:
                self._reason.addItem(reason.name.get(self._language), reason.id)
        self._reason.setCurrentIndex(0)
        self._reason.blockSignals(False)

    def _current_reason(self) -> ReasonChoice | None:
        reason_id = self._reason.currentData()
        for reason in self._reasons:
            if reason.id == reason_id:
                return reason
        return None

    def _parsed_amount(self) -> Decimal | None:
        text = self._amount.text().strip()
        if not text:
            return None
        try:
            money = Money.parse(text, self._currency)
        except ValidationError:
            return None
        return money.amount

    def _update(self) -> None:
        won = self.result_choice() is OutcomeResult.WON
        reason = self._current_reason()
        note_needed = reason is not None and reason.note_required
        note_given = bool(self._note.toPlainText().strip())
        if note_needed:
            self._note_hint.setText(self.tr("This reason needs a note that says more."))
        else:
            self._note_hint.setText("")
        self._note_hint.setVisible(note_needed)

        amount = self._parsed_amount()
        amount_text = self._amount.text().strip()
        if amount_text and (amount is None or amount < 0):
            self._amount_hint.setText(
                self.tr("Enter an amount such as 1234.50 in {currency}.").format(
                    currency=self._currency
                )
            )
        else:
            self._amount_hint.setText("")
        self._amount_hint.setVisible(bool(self._amount_hint.text()))

        ready = not note_needed or note_given
        if won:
            ready = ready and amount is not None and amount >= 0
        else:
            ready = ready and reason is not None
        button = self._buttons.button(QDialogButtonBox.StandardButton.Ok)
        if button is not None:
            button.setEnabled(ready)
