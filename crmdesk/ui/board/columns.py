"""Board columns: a header and a card list per stage, all on one board model."""

from __future__ import annotations

import uuid
from decimal import Decimal

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, QRect, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDrag,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QFocusEvent,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QSizePolicy,
    QStyle,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.board import BoardStage, Totals
from crmdesk.domain.money import currency_exponent
from crmdesk.domain.playbook import StageKind
from crmdesk.ui.board.delegate import (
    CARD_HEIGHT,
    CARD_WIDTH,
    LOST_COLOR,
    WON_COLOR,
    CardDelegate,
)
from crmdesk.ui.board.model import MIME_TYPE, BoardModel, Role

OPEN_COLOR = QColor("#3d6fb6")
"""Top strip of the header of an open stage."""

COLUMN_SPACING = 12
"""Pixels between two columns."""


def money_text(amount: Decimal, currency: str) -> str:
    """Return a base-currency total as ``12,345.00 CNY``."""
    return f"{amount:,.{currency_exponent(currency)}f} {currency}"


class StageHeader(QFrame):
    """The header of one column: stage name, deal count, amount and weighted total.

    The totals cover only the cards the filter shows, and the tooltip states it.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stageHeader")
        self._kind = StageKind.OPEN
        self._name = QLabel(self)
        self._name.setObjectName("stageName")
        font = self._name.font()
        font.setBold(True)
        self._name.setFont(font)
        self._name.setTextFormat(Qt.TextFormat.PlainText)
        self._count = QLabel(self)
        self._count.setObjectName("stageCount")
        self._count.setAlignment(
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        )
        self._amount = QLabel(self)
        self._amount.setObjectName("stageAmount")
        self._weighted = QLabel(self)
        self._weighted.setObjectName("stageWeighted")
        for label in (self._amount, self._weighted):
            label.setTextFormat(Qt.TextFormat.PlainText)
            small = label.font()
            small.setPointSizeF(small.pointSizeF() * 0.92)
            label.setFont(small)
        muted = self.palette().color(QPalette.ColorRole.PlaceholderText)
        for label in (self._count, self._weighted):
            palette = label.palette()
            palette.setColor(QPalette.ColorRole.WindowText, muted)
            label.setPalette(palette)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self._name, 1)
        top.addWidget(self._count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 8)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self._amount)
        layout.addWidget(self._weighted)

    def show_stage(
        self,
        stage: BoardStage,
        language: str,
        totals: Totals,
        currency: str,
        hidden: int,
    ) -> None:
        """Show a stage's name and the totals of its visible cards."""
        self._kind = stage.kind
        name = stage.name.get(language)
        self._name.setText(name)
        if totals.count == 1:
            self._count.setText(self.tr("1 deal"))
        else:
            self._count.setText(self.tr("{count} deals").format(count=totals.count))
        self._amount.setText(money_text(totals.amount, currency))
        self._weighted.setText(
            self.tr("Weighted {amount}").format(
                amount=money_text(totals.weighted, currency)
            )
        )
        if stage.kind is StageKind.OPEN:
            rate = self.tr("Default win probability {percent}%.").format(
                percent=stage.default_probability
            )
        else:
            rate = ""
        if hidden:
            scope = self.tr(
                "Totals cover the deals the filter shows ({count}); it hides {hidden}."
            ).format(count=totals.count, hidden=hidden)
        else:
            scope = self.tr("Totals cover every deal of this stage ({count}).").format(
                count=totals.count
            )
        explain = self.tr(
            "Weighted: each deal's amount times its own win probability, in {currency}."
        ).format(currency=currency)
        self.setToolTip(
            "\n".join(part for part in (name, rate, scope, explain) if part)
        )
        self.setAccessibleName(self.tr("Stage {name}").format(name=name))
        self.update()

    def text(self) -> str:
        """Return every line of the header as one string, as read aloud."""
        return " · ".join(
            label.text()
            for label in (self._name, self._count, self._amount, self._weighted)
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        color = {StageKind.WON: WON_COLOR, StageKind.LOST: LOST_COLOR}.get(
            self._kind, OPEN_COLOR
        )
        painter.fillRect(QRect(0, 0, self.width(), 3), color)
        painter.end()
        super().paintEvent(event)


class ColumnView(QListView):
    """The cards of one stage: a list view whose root is the stage's row.

    Signals:
        neighbour_requested(int): Left (-1) or Right (+1) was pressed, so focus
            should go to the column on that side.
    """

    neighbour_requested = Signal(int)

    def __init__(
        self, model: BoardModel, delegate: CardDelegate, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("boardColumn")
        self.setModel(model)
        self.setItemDelegate(delegate)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(False)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setSpacing(0)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_Hover)
        self.viewport().setAutoFillBackground(False)
        self._drop_target = False
        self._stage_id: uuid.UUID | None = None

    @property
    def stage_id(self) -> uuid.UUID | None:
        """The id of the stage whose cards this view shows."""
        return self._stage_id

    def show_stage(self, stage: BoardStage, language: str) -> None:
        """Point the view at a stage row of the model."""
        model = self.model()
        assert isinstance(model, BoardModel)
        self._stage_id = stage.id
        self.setRootIndex(model.stage_index(stage.id))
        self.setAccessibleName(
            self.tr("Deals in {stage}").format(stage=stage.name.get(language))
        )

    # -- keyboard -------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Left and not event.modifiers():
            self.neighbour_requested.emit(-1)
            return
        if event.key() == Qt.Key.Key_Right and not event.modifiers():
            self.neighbour_requested.emit(1)
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        # All columns share one selection model, so the current index may sit in
        # another column; arrow keys need it inside this one.
        current = self.currentIndex()
        if current.parent() != self.rootIndex():
            first = self.model().index(0, 0, self.rootIndex())
            if first.isValid():
                self.selectionModel().setCurrentIndex(
                    first, QItemSelectionModel.SelectionFlag.NoUpdate
                )
        super().focusInEvent(event)

    # -- drag and drop --------------------------------------------------------

    def startDrag(self, supported_actions: Qt.DropAction) -> None:
        # Drag every selected card of the board, not only this column's.
        indexes = [
            index
            for index in self.selectionModel().selectedIndexes()
            if index.parent().isValid()
        ]
        if not indexes:
            return
        model = self.model()
        drag = QDrag(self)
        drag.setMimeData(model.mimeData(indexes))
        drag.setPixmap(
            self._drag_pixmap(
                self.currentIndex() if self.currentIndex() in indexes else indexes[0],
                len(indexes),
            )
        )
        drag.setHotSpot(QPoint(CARD_WIDTH // 2, 20))
        drag.exec(Qt.DropAction.MoveAction, Qt.DropAction.MoveAction)

    def _drag_pixmap(self, index: QModelIndex, count: int) -> QPixmap:
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(int(CARD_WIDTH * ratio), int(CARD_HEIGHT * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        option.rect = QRect(0, 0, CARD_WIDTH, CARD_HEIGHT)
        option.state |= QStyle.StateFlag.State_Selected
        self.itemDelegate().paint(painter, option, index)
        if count > 1:
            badge = QRect(CARD_WIDTH - 34, 0, 28, 20)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setBrush(self.palette().color(QPalette.ColorRole.Highlight))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawRoundedRect(badge, 10, 10)
            painter.setPen(self.palette().color(QPalette.ColorRole.HighlightedText))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, str(count))
        painter.end()
        return pixmap

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(MIME_TYPE):
            self._set_drop_target(True)
        super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        super().dragMoveEvent(event)
        if event.mimeData().hasFormat(MIME_TYPE):
            # A drop anywhere in the column targets its stage.
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._set_drop_target(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_drop_target(False)
        if not event.mimeData().hasFormat(MIME_TYPE):
            event.ignore()
            return
        # The model only requests the move and returns False, so no row is removed.
        self.model().dropMimeData(
            event.mimeData(), Qt.DropAction.MoveAction, -1, 0, self.rootIndex()
        )
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()

    def _set_drop_target(self, on: bool) -> None:
        if self._drop_target != on:
            self._drop_target = on
            self.viewport().update()

    # -- painting -------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.model().rowCount(self.rootIndex()) == 0 or self._drop_target:
            painter = QPainter(self.viewport())
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            area = self.viewport().rect().adjusted(8, 4, -8, -4)
            if self._drop_target:
                pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), 1.5)
                pen.setStyle(Qt.PenStyle.DashLine)
                painter.setPen(pen)
                painter.drawRoundedRect(area, 6, 6)
            if self.model().rowCount(self.rootIndex()) == 0:
                painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
                painter.drawText(
                    area.adjusted(0, 16, 0, 0),
                    Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                    self.tr("No deals"),
                )
            painter.end()


class BoardColumns(QWidget):
    """All columns of a board model side by side, one header and one view each.

    With ``expanded`` set, every view is as tall as its cards (up to
    ``max_cards``) and shows no scroll bar, which is what image export needs.

    Signals:
        deal_activated(object): the ``uuid.UUID`` of a card activated with a
            double click or Enter.
        card_menu_requested(object, QPoint): a card's context menu was asked
            for; the deal's ``uuid.UUID`` and the global position of the menu.
    """

    deal_activated = Signal(object)
    card_menu_requested = Signal(object, QPoint)

    def __init__(
        self,
        model: BoardModel,
        *,
        expanded: bool = False,
        max_cards: int = 40,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("boardColumns")
        self._model = model
        self._expanded = expanded
        self._max_cards = max_cards
        self._delegate = CardDelegate(self)
        self._selection = QItemSelectionModel(model, self)
        self._headers: list[StageHeader] = []
        self._views: list[ColumnView] = []
        self._frames: list[QFrame] = []
        self._column_width = CARD_WIDTH + (
            0
            if expanded
            else self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        )
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(
            COLUMN_SPACING, COLUMN_SPACING, COLUMN_SPACING, COLUMN_SPACING
        )
        self._layout.setSpacing(COLUMN_SPACING)
        self._layout.addStretch(1)
        model.modelReset.connect(self.rebuild)
        model.totals_changed.connect(self.refresh_headers)
        model.dataChanged.connect(self._on_data_changed)
        self.rebuild()

    @property
    def selection_model(self) -> QItemSelectionModel:
        """The selection shared by every column."""
        return self._selection

    def views(self) -> list[ColumnView]:
        """Return the column views in stage order."""
        return list(self._views)

    def headers(self) -> list[StageHeader]:
        """Return the column headers in stage order."""
        return list(self._headers)

    def set_column_width(self, width: int) -> None:
        """Set the width of every column in pixels."""
        self._column_width = width
        for frame in self._frames:
            frame.setFixedWidth(width)

    def rebuild(self) -> None:
        """Make one column per stage of the model, after a load."""
        stages = self._model.stages()
        while len(self._frames) > len(stages):
            frame = self._frames.pop()
            self._headers.pop()
            self._views.pop()
            self._layout.removeWidget(frame)
            frame.deleteLater()
        while len(self._frames) < len(stages):
            self._add_column()
        for stage, view in zip(stages, self._views, strict=True):
            view.show_stage(stage, self._model.language)
        self.refresh_headers()

    def refresh_headers(self) -> None:
        """Show every stage's name, count and totals; size views when expanded."""
        model = self._model
        for stage, header, view in zip(
            model.stages(), self._headers, self._views, strict=True
        ):
            header.show_stage(
                stage,
                model.language,
                model.stage_totals(stage.id),
                model.currency,
                model.hidden_count(stage.id),
            )
            if self._expanded:
                total = model.rowCount(model.stage_index(stage.id))
                rows = min(total, self._max_cards)
                room_for_note = 24 if total > rows else 0
                view.setFixedHeight(max(1, rows) * CARD_HEIGHT + 8 + room_for_note)

    def _add_column(self) -> None:
        frame = QFrame(self)
        frame.setObjectName("boardColumnFrame")
        frame.setFrameShape(QFrame.Shape.NoFrame)
        frame.setAutoFillBackground(True)
        palette = frame.palette()
        window = palette.color(QPalette.ColorRole.Window)
        palette.setColor(QPalette.ColorRole.Window, window.darker(104))
        frame.setPalette(palette)
        frame.setFixedWidth(self._column_width)
        frame.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        header = StageHeader(frame)
        view = ColumnView(self._model, self._delegate, frame)
        view.setSelectionModel(self._selection)
        view.activated.connect(self._on_activated)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(
            lambda position, source=view: self._on_card_menu(source, position)
        )
        view.neighbour_requested.connect(self._on_neighbour_requested)
        if self._expanded:
            view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(0, 0, 0, 6)
        layout.setSpacing(4)
        layout.addWidget(header)
        layout.addWidget(view, 1)
        if self._expanded:
            layout.addStretch(1)
        self._layout.insertWidget(len(self._frames), frame)
        self._frames.append(frame)
        self._headers.append(header)
        self._views.append(view)

    def _on_activated(self, index: QModelIndex) -> None:
        deal_id = index.data(Role.DEAL_ID)
        if isinstance(deal_id, uuid.UUID):
            self.deal_activated.emit(deal_id)

    def _on_card_menu(self, view: ColumnView, position: QPoint) -> None:
        index = view.indexAt(position)
        deal_id = index.data(Role.DEAL_ID)
        if not isinstance(deal_id, uuid.UUID):
            return
        if not self._selection.isSelected(index):
            # The menu acts on the card under the pointer, as in file managers.
            self._selection.setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
        self.card_menu_requested.emit(deal_id, view.viewport().mapToGlobal(position))

    def _on_neighbour_requested(self, step: int) -> None:
        sender = self.sender()
        if not isinstance(sender, ColumnView) or sender not in self._views:
            return
        position = self._views.index(sender) + step
        if 0 <= position < len(self._views):
            self._views[position].setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_data_changed(
        self, top_left: QModelIndex, bottom_right: QModelIndex
    ) -> None:
        if not top_left.parent().isValid():
            # Only set_language changes stage rows, so relabel views and headers.
            for stage, view in zip(self._model.stages(), self._views, strict=True):
                view.setAccessibleName(
                    view.tr("Deals in {stage}").format(
                        stage=stage.name.get(self._model.language)
                    )
                )
            self.refresh_headers()
