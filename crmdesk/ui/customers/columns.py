"""Customer board columns: a header and a card list per state, on one model."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDrag,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.customer_board import BoardState, CustomerTotals
from crmdesk.ui.board.delegate import CARD_WIDTH
from crmdesk.ui.customers.delegate import CustomerCardDelegate
from crmdesk.ui.customers.model import MIME_TYPE, CustomerBoardModel, CustomerRole

STATE_COLOR = QColor("#3d6fb6")
NO_STATE_COLOR = QColor("#8a8f98")
COLUMN_SPACING = 12


class StateHeader(QFrame):
    """The header of one column: state name, customer count and open deals."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customerStateHeader")
        self._no_state = False
        self._name = QLabel(self)
        font = self._name.font()
        font.setBold(True)
        self._name.setFont(font)
        self._name.setTextFormat(Qt.TextFormat.PlainText)
        self._count = QLabel(self)
        self._count.setAlignment(
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        )
        self._deals = QLabel(self)
        muted = self.palette().color(QPalette.ColorRole.PlaceholderText)
        for label in (self._count, self._deals):
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
        layout.addWidget(self._deals)

    def show_state(
        self,
        name: str,
        no_state: bool,
        totals: CustomerTotals,
        hidden: int,
        *,
        show_deals: bool = True,
    ) -> None:
        """Show a state's name and the totals of its visible cards.

        ``show_deals`` False hides the open deals line, for playbooks without
        series.
        """
        self._no_state = no_state
        self._name.setText(name)
        self._count.setText(self.tr("%n customer(s)", "", totals.count))
        self._deals.setText(self.tr("%n open deal(s)", "", totals.open_deals))
        self._deals.setVisible(show_deals)
        if hidden:
            scope = self.tr(
                "Totals cover the customers the filter shows; it hides %n.", "", hidden
            )
        else:
            scope = self.tr("Totals cover every customer in this state.")
        self.setToolTip(f"{name}\n{scope}")
        self.setAccessibleName(self.tr("State {name}").format(name=name))
        self.update()

    def text(self) -> str:
        """Return every shown line of the header as one string, as read aloud."""
        labels = [self._name, self._count]
        if not self._deals.isHidden():
            labels.append(self._deals)
        return " · ".join(label.text() for label in labels)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        color = NO_STATE_COLOR if self._no_state else STATE_COLOR
        painter.fillRect(0, 0, self.width(), 3, color)
        painter.end()
        super().paintEvent(event)


class CustomerColumnView(QListView):
    """The cards of one state: a list view whose root is the state's row."""

    def __init__(
        self,
        model: CustomerBoardModel,
        delegate: CustomerCardDelegate,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("customerColumn")
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
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_Hover)
        self.viewport().setAutoFillBackground(False)
        self._drop_target = False
        self.state: BoardState | None = None

    def show_state(self, state: BoardState, label: str) -> None:
        """Point the view at a state row of the model."""
        model = self.model()
        assert isinstance(model, CustomerBoardModel)
        self.state = state
        self.setRootIndex(model.state_index(state.id))
        self.setAccessibleName(self.tr("Customers in {state}").format(state=label))

    def startDrag(self, supported_actions: Qt.DropAction) -> None:
        # Drag every selected card of the board, not only this column's.
        indexes = [
            index
            for index in self.selectionModel().selectedIndexes()
            if index.parent().isValid()
        ]
        if not indexes:
            return
        drag = QDrag(self)
        drag.setMimeData(self.model().mimeData(indexes))
        current = self.currentIndex() if self.currentIndex() in indexes else indexes[0]
        rect = self.visualRect(current)
        drag.setPixmap(self.viewport().grab(rect))
        drag.setHotSpot(QPoint(rect.width() // 2, 20))
        drag.exec(Qt.DropAction.MoveAction, Qt.DropAction.MoveAction)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(MIME_TYPE):
            self._set_drop_target(True)
        super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        super().dragMoveEvent(event)
        if event.mimeData().hasFormat(MIME_TYPE):
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
        # The model only requests the change and returns False.
        self.model().dropMimeData(
            event.mimeData(), Qt.DropAction.MoveAction, -1, 0, self.rootIndex()
        )
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()

    def _set_drop_target(self, on: bool) -> None:
        if self._drop_target != on:
            self._drop_target = on
            self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        empty = self.model().rowCount(self.rootIndex()) == 0
        if not (empty or self._drop_target):
            return
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = self.viewport().rect().adjusted(8, 4, -8, -4)
        if self._drop_target:
            pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), 1.5)
            pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawRoundedRect(area, 6, 6)
        if empty:
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(
                area.adjusted(0, 16, 0, 0),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                self.tr("No customers"),
            )
        painter.end()


class CustomerColumns(QWidget):
    """All columns of a customer board model side by side.

    Signals:
        customer_activated(object): the ``uuid.UUID`` of a card activated with a
            double click or Enter.
    """

    customer_activated = Signal(object)

    def __init__(
        self, model: CustomerBoardModel, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("customerColumns")
        self._model = model
        self._delegate = CustomerCardDelegate(self)
        self._selection = QItemSelectionModel(model, self)
        self._headers: list[StateHeader] = []
        self._views: list[CustomerColumnView] = []
        self._frames: list[QFrame] = []
        self._width = CARD_WIDTH + self.style().pixelMetric(
            QStyle.PixelMetric.PM_ScrollBarExtent
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

    def views(self) -> list[CustomerColumnView]:
        """Return the column views in board order."""
        return list(self._views)

    def headers(self) -> list[StateHeader]:
        """Return the column headers in board order."""
        return list(self._headers)

    def rebuild(self) -> None:
        """Make one column per state of the model, after a load."""
        states = self._model.states()
        while len(self._frames) > len(states):
            frame = self._frames.pop()
            self._headers.pop()
            self._views.pop()
            self._layout.removeWidget(frame)
            frame.deleteLater()
        while len(self._frames) < len(states):
            self._add_column()
        for state, view in zip(states, self._views, strict=True):
            view.show_state(state, self._model.state_label(state))
        self.refresh_headers()

    def refresh_headers(self) -> None:
        """Show every state's name, customer count and open deals."""
        model = self._model
        for state, header in zip(model.states(), self._headers, strict=True):
            header.show_state(
                model.state_label(state),
                state.id is None,
                model.state_totals(state.id),
                model.hidden_count(state.id),
                show_deals=model.show_deals,
            )

    def _add_column(self) -> None:
        frame = QFrame(self)
        frame.setObjectName("customerColumnFrame")
        frame.setAutoFillBackground(True)
        palette = frame.palette()
        window = palette.color(QPalette.ColorRole.Window)
        palette.setColor(QPalette.ColorRole.Window, window.darker(104))
        frame.setPalette(palette)
        frame.setFixedWidth(self._width)
        frame.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        header = StateHeader(frame)
        view = CustomerColumnView(self._model, self._delegate, frame)
        view.setSelectionModel(self._selection)
        view.activated.connect(self._on_activated)
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(0, 0, 0, 6)
        layout.setSpacing(4)
        layout.addWidget(header)
        layout.addWidget(view, 1)
        self._layout.insertWidget(len(self._frames), frame)
        self._frames.append(frame)
        self._headers.append(header)
        self._views.append(view)

    def _on_activated(self, index: QModelIndex) -> None:
        customer_id = index.data(CustomerRole.CUSTOMER_ID)
        if isinstance(customer_id, uuid.UUID):
            self.customer_activated.emit(customer_id)

    def _on_data_changed(self, top_left: QModelIndex, _bottom: QModelIndex) -> None:
        if not top_left.parent().isValid():
            for state, view in zip(self._model.states(), self._views, strict=True):
                view.show_state(state, self._model.state_label(state))
            self.refresh_headers()
