"""The stage of a deal and its win probability: stage default, manual rate, reason."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.playbook import StageKind
from crmdesk.services.deal_detail import DealDetail
from crmdesk.services.playbooks import StageRecord
from crmdesk.ui.combo import find_data
from crmdesk.ui.formatting import percent_text


class StageSection(QWidget):
    """The stage combo and the win probability controls of one deal.

    Choosing a stage does not move the deal by itself: the panel calls the stage
    service, and calls ``show_detail`` again with the result, which also puts the
    combo back when the move is rejected.

    Signals:
        move_requested(object): the UUID of the stage the user chose.
        probability_requested(object, str): a manual rate in percent, or None to
            clear it, and the reason the user gave.
    """

    move_requested = Signal(object)
    probability_requested = Signal(object, str)

    def __init__(self, language: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._language = language
        self._stages: list[StageRecord] = []
        self._detail: DealDetail | None = None

        self.stage_group = QGroupBox(self)
        self.stage_combo = QComboBox(self.stage_group)
        stage_layout = QVBoxLayout(self.stage_group)
        stage_layout.addWidget(self.stage_combo)

        self.probability_group = QGroupBox(self)
        self.default_label = QLabel(self.probability_group)
        self.manual_label = QLabel(self.probability_group)
        self.effective_label = QLabel(self.probability_group)
        self.manual_spin = QSpinBox(self.probability_group)
        self.manual_spin.setRange(0, 100)
        self.manual_spin.setSuffix(" %")
        self.reason_edit = QLineEdit(self.probability_group)
        self.set_button = QPushButton(self.probability_group)
        self.clear_button = QPushButton(self.probability_group)

        self._captions = [QLabel(self.probability_group) for _ in range(5)]
        form = QFormLayout()
        form.addRow(self._captions[0], self.default_label)
        form.addRow(self._captions[1], self.manual_label)
        form.addRow(self._captions[2], self.effective_label)
        form.addRow(self._captions[3], self.manual_spin)
        form.addRow(self._captions[4], self.reason_edit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.set_button)
        probability_layout = QVBoxLayout(self.probability_group)
        probability_layout.addLayout(form)
        probability_layout.addLayout(buttons)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stage_group)
        layout.addWidget(self.probability_group)

        self.stage_combo.activated.connect(self._on_stage_chosen)
        self.set_button.clicked.connect(self._on_set)
        self.clear_button.clicked.connect(self._on_clear)
        self.retranslate()

    def retranslate(self) -> None:
        self.stage_group.setTitle(self.tr("Stage"))
        self.probability_group.setTitle(self.tr("Win probability"))
        captions = (
            self.tr("Stage default"),
            self.tr("Manual rate"),
            self.tr("In use"),
            self.tr("New manual rate"),
            self.tr("Reason"),
        )
        for label, text in zip(self._captions, captions, strict=True):
            label.setText(text)
        self.reason_edit.setPlaceholderText(self.tr("Why the rate differs"))
        self.set_button.setText(self.tr("Set manual rate"))
        self.clear_button.setText(self.tr("Clear"))
        self.clear_button.setToolTip(
            self.tr("Drop the manual rate and use the stage default again")
        )
        if self._detail is not None:
            self._show_probability(self._detail)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_language(self, language: str) -> None:
        """Label stages in ``language`` (zh_CN or en)."""
        self._language = language
        if self._detail is not None:
            self.show_detail(self._detail, self._stages)

    def show_detail(self, detail: DealDetail, stages: list[StageRecord]) -> None:
        """Show the deal's stage among the series' stages, and its probability."""
        self._detail = detail
        self._stages = stages
        self.stage_combo.blockSignals(True)
        self.stage_combo.clear()
        for stage in stages:
            label = stage.name.get(self._language)
            if stage.kind is not StageKind.OPEN:
                label = f"{label} ({self._kind_text(stage.kind)})"
            self.stage_combo.addItem(label, stage.id)
        self.stage_combo.setCurrentIndex(find_data(self.stage_combo, detail.stage_id))
        self.stage_combo.blockSignals(False)
        self._show_probability(detail)

    def current_stage_id(self) -> uuid.UUID | None:
        """The stage the combo shows."""
        value = self.stage_combo.currentData()
        return value if isinstance(value, uuid.UUID) else None

    def _kind_text(self, kind: StageKind) -> str:
        if kind is StageKind.WON:
            return self.tr("won")
        return self.tr("lost")

    def _show_probability(self, detail: DealDetail) -> None:
        self.default_label.setText(percent_text(detail.stage_probability))
        if detail.manual_probability is None:
            self.manual_label.setText(self.tr("not set"))
        else:
            self.manual_label.setText(percent_text(detail.manual_probability))
        self.effective_label.setText(percent_text(detail.probability))
        self.manual_spin.setValue(
            detail.probability
            if detail.manual_probability is None
            else detail.manual_probability
        )
        editable = not detail.stage_kind.is_result
        for widget in (self.manual_spin, self.reason_edit, self.set_button):
            widget.setEnabled(editable)
        self.clear_button.setEnabled(editable and detail.manual_probability is not None)
        if not editable:
            self.probability_group.setToolTip(
                self.tr("A won or lost deal has a fixed rate; reopen it to change it.")
            )
        else:
            self.probability_group.setToolTip("")

    def _on_stage_chosen(self, index: int) -> None:
        chosen = self.stage_combo.itemData(index)
        if self._detail is None or chosen == self._detail.stage_id:
            return
        self.move_requested.emit(chosen)

    def _on_set(self) -> None:
        self.probability_requested.emit(
            self.manual_spin.value(), self.reason_edit.text().strip()
        )
        self.reason_edit.clear()

    def _on_clear(self) -> None:
        self.probability_requested.emit(None, self.reason_edit.text().strip())
        self.reason_edit.clear()
