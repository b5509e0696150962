"""The customer card delegate: paints one customer of the customer board model.

Cards have one fixed size, so columns use uniform item sizes, as on the deal
board. Fonts and the frame come from the deal card delegate's helpers.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from crmdesk.domain.customer_board import CustomerCard
from crmdesk.ui.board.delegate import CARD_WIDTH, _build_fonts, _Fonts, _initials, _mix
from crmdesk.ui.customers.model import CustomerBoardModel, CustomerRole

CUSTOMER_CARD_HEIGHT = 84
"""Height of a customer card in pixels, margins included."""

_MARGIN_X = 8
_MARGIN_Y = 4
_PADDING = 10
_ELIDE_CACHE_LIMIT = 4096


class CustomerCardDelegate(QStyledItemDelegate):
    """Paints customer cards: name, open deals, primary contact, owner and days
    in state."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fonts: dict[str, _Fonts] = {}
        self._elided: dict[tuple[str, int, str], str] = {}

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(CARD_WIDTH, CUSTOMER_CARD_HEIGHT)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        card = index.data(CustomerRole.CARD)
        model = index.model()
        if not isinstance(card, CustomerCard) or not isinstance(
            model, CustomerBoardModel
        ):
            super().paint(painter, option, index)
            return
        fonts = self._fonts_for(option.font)
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        rect = QRect(option.rect).adjusted(_MARGIN_X, _MARGIN_Y, -_MARGIN_X, -_MARGIN_Y)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_frame(painter, rect, palette, selected, hovered)
        self._paint_text(painter, rect, fonts, palette, model, card)
        painter.restore()

    def _paint_frame(
        self,
        painter: QPainter,
        rect: QRect,
        palette: QPalette,
        selected: bool,
        hovered: bool,
    ) -> None:
        base = palette.color(QPalette.ColorRole.Base)
        highlight = palette.color(QPalette.ColorRole.Highlight)
        text = palette.color(QPalette.ColorRole.Text)
        shape = QPainterPath()
        shape.addRoundedRect(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
        painter.fillPath(shape, _mix(base, highlight, 0.10) if selected else base)
        if selected:
            pen = QPen(highlight, 1.6)
        else:
            pen = QPen(_mix(base, text, 0.35 if hovered else 0.16), 1.0)
        painter.setPen(pen)
        painter.drawPath(shape)

    def _paint_text(
        self,
        painter: QPainter,
        rect: QRect,
        fonts: _Fonts,
        palette: QPalette,
        model: CustomerBoardModel,
        card: CustomerCard,
    ) -> None:
        text_color = palette.color(QPalette.ColorRole.Text)
        muted = _mix(palette.color(QPalette.ColorRole.Base), text_color, 0.62)
        inner = rect.adjusted(_PADDING, _PADDING - 2, -_PADDING, -_PADDING + 2)
        line = fonts.body_metrics.height() + 3

        # Line 1: the customer's name and, when the playbook has deals, its
        # open deals.
        deals = ""
        if model.show_deals and card.open_deals:
            deals = self.tr("%n open deal(s)", "", card.open_deals)
        elif model.show_deals:
            deals = self.tr("No open deals")
        painter.setFont(fonts.small)
        deals_width = fonts.small_metrics.horizontalAdvance(deals)
        top = QRect(inner.left(), inner.top(), inner.width(), line)
        painter.setPen(text_color if card.open_deals else muted)
        painter.drawText(
            top, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, deals
        )
        painter.setFont(fonts.heading)
        painter.setPen(text_color)
        room = inner.width() - deals_width - 10
        painter.drawText(
            top,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self._elide(card.name, fonts.heading, fonts.heading_metrics, room),
        )

        # Line 2: the primary contact, when the customer has one.
        if card.contact:
            second = top.translated(0, line)
            painter.setFont(fonts.body)
            painter.setPen(muted)
            painter.drawText(
                second,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                self._elide(
                    card.contact, fonts.body, fonts.body_metrics, inner.width()
                ),
            )

        # Line 3: owner and days in state.
        footer = QRect(inner.left(), inner.bottom() - line + 1, inner.width(), line)
        self._paint_footer(painter, footer, fonts, palette, model, card, muted)

    def _paint_footer(
        self,
        painter: QPainter,
        rect: QRect,
        fonts: _Fonts,
        palette: QPalette,
        model: CustomerBoardModel,
        card: CustomerCard,
        muted: QColor,
    ) -> None:
        painter.setFont(fonts.small)
        metrics = fonts.small_metrics
        days = model.days_in_state(card)
        if days == 0:
            days_text = self.tr("In this state since today")
        else:
            days_text = self.tr("%n day(s) in state", "", days)
        days_width = metrics.horizontalAdvance(days_text)
        painter.setPen(muted)
        painter.drawText(
            rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, days_text
        )
        if not card.owner:
            return
        diameter = rect.height() - 2
        circle = QRectF(rect.left(), rect.top() + 1, diameter, diameter)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(
            _mix(
                palette.color(QPalette.ColorRole.Base),
                palette.color(QPalette.ColorRole.Highlight),
                0.22,
            )
        )
        painter.drawEllipse(circle)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        initials_font = QFont(fonts.small)
        initials_font.setPointSizeF(max(6.0, fonts.small.pointSizeF() * 0.85))
        painter.setFont(initials_font)
        painter.drawText(circle, Qt.AlignmentFlag.AlignCenter, _initials(card.owner))
        painter.setFont(fonts.small)
        painter.setPen(muted)
        name_left = int(circle.right()) + 6
        room = rect.right() - name_left - days_width - 8
        painter.drawText(
            QRect(name_left, rect.top(), max(0, room), rect.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self._elide(card.owner, fonts.small, metrics, room),
        )

    def _fonts_for(self, font: QFont) -> _Fonts:
        key = font.key()
        fonts = self._fonts.get(key)
        if fonts is None:
            fonts = _build_fonts(font)
            self._fonts[key] = fonts
        return fonts

    def _elide(self, text: str, font: QFont, metrics: QFontMetrics, width: int) -> str:
        if width <= 0 or not text:
            return ""
        key = (text, width, font.key())
        elided = self._elided.get(key)
        if elided is None:
            if len(self._elided) >= _ELIDE_CACHE_LIMIT:
                self._elided.clear()
            elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
            self._elided[key] = elided
        return elided
