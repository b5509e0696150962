"""The card delegate: paints one deal of the board model as a card.

Cards have one fixed size, so the column views use uniform item sizes and lay
out their rows without asking each one for its size. Fonts and their metrics are
built once per view font, and elided strings are cached by text and width, so a
paint only draws.
"""

from __future__ import annotations

from dataclasses import dataclass

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

from crmdesk.domain.board import Card
from crmdesk.ui.board.model import BoardModel, Role
from crmdesk.ui.formatting import amount_text, date_text
from crmdesk.ui.timeline.texts import ActivityTexts, short_instant

CARD_WIDTH = 264
"""Width of a card in pixels, margins included."""

CARD_HEIGHT = 124
"""Height of a card in pixels, margins included."""

_MARGIN_X = 8
_MARGIN_Y = 4
_PADDING = 10
_ACCENT_WIDTH = 4
_ELIDE_CACHE_LIMIT = 4096

OVERDUE_COLOR = QColor("#c8372d")
"""Accent of cards whose expected close date has passed."""

IDLE_COLOR = QColor("#d48806")
"""Accent of cards that stayed too long in their stage."""

APPROVAL_PENDING_COLOR = QColor("#2f6fb3")
"""Badge of cards whose approval request waits for the team lead."""

WON_COLOR = QColor("#2f8f4e")
LOST_COLOR = QColor("#8a8f98")


@dataclass(frozen=True)
class _Fonts:
    heading: QFont
    heading_metrics: QFontMetrics
    body: QFont
    body_metrics: QFontMetrics
    small: QFont
    small_metrics: QFontMetrics


def _build_fonts(base: QFont) -> _Fonts:
    heading = QFont(base)
    heading.setWeight(QFont.Weight.DemiBold)
    body = QFont(base)
    small = QFont(base)
    small.setPointSizeF(max(7.0, base.pointSizeF() * 0.88))
    return _Fonts(
        heading,
        QFontMetrics(heading),
        body,
        QFontMetrics(body),
        small,
        QFontMetrics(small),
    )


def _mix(first: QColor, second: QColor, share: float) -> QColor:
    """Return ``first`` blended with ``share`` (0..1) of ``second``."""
    return QColor.fromRgbF(
        first.redF() * (1 - share) + second.redF() * share,
        first.greenF() * (1 - share) + second.greenF() * share,
        first.blueF() * (1 - share) + second.blueF() * share,
    )


def _initials(name: str) -> str:
    """Return up to two Latin initials, or the first character of a CJK name.

    Two CJK characters do not fit the small owner badge legibly; the family
    name comes first, so one character identifies the owner well enough.
    """
    words = name.split()
    if not words:
        return ""
    if not words[0].isascii():
        return words[0][:1]
    if len(words) == 1:
        return words[0][:2]
    return (words[0][0] + words[-1][0]).upper()


class CardDelegate(QStyledItemDelegate):
    """Paints board cards: customer, title, amount, close date, probability,
    checklist progress, next planned activity, owner and days in stage, with
    overdue and idle marks."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._activity_texts = ActivityTexts(self)
        self._fonts: dict[str, _Fonts] = {}
        self._elided: dict[tuple[str, int, str], str] = {}

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(CARD_WIDTH, CARD_HEIGHT)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        card = index.data(Role.CARD)
        if not isinstance(card, Card):
            super().paint(painter, option, index)
            return
        model = index.model()
        assert isinstance(model, BoardModel)
        fonts = self._fonts_for(option.font)
        palette = option.palette
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        hovered = bool(state & QStyle.StateFlag.State_MouseOver)
        focused = bool(state & QStyle.StateFlag.State_HasFocus)

        rect = QRect(option.rect).adjusted(_MARGIN_X, _MARGIN_Y, -_MARGIN_X, -_MARGIN_Y)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_frame(painter, rect, palette, selected, hovered, focused)
        accent = self._accent(model, card)
        if accent is not None:
            self._paint_accent(painter, rect, accent)
        self._paint_text(painter, rect, fonts, palette, model, card)
        painter.restore()

    # -- pieces of a card -----------------------------------------------------

    def _paint_frame(
        self,
        painter: QPainter,
        rect: QRect,
        palette: QPalette,
        selected: bool,
        hovered: bool,
        focused: bool,
    ) -> None:
        base = palette.color(QPalette.ColorRole.Base)
        highlight = palette.color(QPalette.ColorRole.Highlight)
        text = palette.color(QPalette.ColorRole.Text)
        shape = QPainterPath()
        shape.addRoundedRect(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)

        shadow = QColor(0, 0, 0, 28 if hovered else 14)
        painter.fillPath(shape.translated(0, 1.5), shadow)
        fill = _mix(base, highlight, 0.10) if selected else base
        painter.fillPath(shape, fill)

        if selected:
            pen = QPen(highlight, 1.6)
        elif hovered or focused:
            pen = QPen(_mix(base, text, 0.35), 1.0)
        else:
            pen = QPen(_mix(base, text, 0.16), 1.0)
        if focused and not selected:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawPath(shape)

    def _paint_accent(self, painter: QPainter, rect: QRect, color: QColor) -> None:
        clip = QPainterPath()
        clip.addRoundedRect(QRectF(rect), 6, 6)
        painter.save()
        painter.setClipPath(clip)
        painter.fillRect(
            QRect(rect.left(), rect.top(), _ACCENT_WIDTH, rect.height()), color
        )
        painter.restore()

    def _accent(self, model: BoardModel, card: Card) -> QColor | None:
        if model.is_overdue(card):
            return OVERDUE_COLOR
        if model.is_idle(card):
            return IDLE_COLOR
        return None

    def _paint_text(
        self,
        painter: QPainter,
        rect: QRect,
        fonts: _Fonts,
        palette: QPalette,
        model: BoardModel,
        card: Card,
    ) -> None:
        text_color = palette.color(QPalette.ColorRole.Text)
        muted = _mix(palette.color(QPalette.ColorRole.Base), text_color, 0.62)
        inner = rect.adjusted(_PADDING + 2, _PADDING - 2, -_PADDING, -_PADDING + 2)
        line = fonts.body_metrics.height() + 3

        # Line 1: customer (or title when there is none) and the amount.
        amount = amount_text(card.amount_minor, card.currency) or self.tr("No amount")
        amount_width = fonts.heading_metrics.horizontalAdvance(amount)
        top = QRect(inner.left(), inner.top(), inner.width(), line)
        painter.setFont(fonts.heading)
        painter.setPen(text_color if card.amount_minor is not None else muted)
        painter.drawText(
            top, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, amount
        )
        painter.setPen(text_color)
        heading = card.customer or card.title
        room = inner.width() - amount_width - 10
        painter.drawText(
            top,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self._elide(heading, fonts.heading, fonts.heading_metrics, room),
        )

        # Line 2: the deal title under its customer, and the approval badge.
        second = top.translated(0, line)
        badge_width = self._paint_approval(painter, second, fonts, palette, card)
        painter.setFont(fonts.body)
        painter.setPen(muted if card.customer else text_color)
        subtitle = card.title if card.customer else ""
        room = inner.width() - badge_width
        painter.drawText(
            second,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self._elide(subtitle, fonts.body, fonts.body_metrics, room),
        )

        # Line 3: expected close, win probability, checklist progress.
        third = second.translated(0, line + 2)
        self._paint_facts(painter, third, fonts, model, card, text_color, muted)

        # Line 4: the next planned activity, red when it is overdue.
        self._paint_next_activity(
            painter, third.translated(0, line), fonts, model, card, muted
        )

        # Line 5: owner and days in stage.
        fourth = QRect(inner.left(), inner.bottom() - line + 1, inner.width(), line)
        self._paint_footer(painter, fourth, fonts, palette, model, card, muted)

    def _paint_approval(
        self,
        painter: QPainter,
        rect: QRect,
        fonts: _Fonts,
        palette: QPalette,
        card: Card,
    ) -> int:
        """Paint the pending or rejected approval badge; return the room it took."""
        if card.approval == "pending":
            text = self.tr("Approval pending")
            color = APPROVAL_PENDING_COLOR
        elif card.approval == "rejected":
            text = self.tr("Approval rejected")
            color = OVERDUE_COLOR
        else:
            return 0
        painter.setFont(fonts.small)
        width = fonts.small_metrics.horizontalAdvance(text) + 12
        badge = QRectF(
            rect.right() - width, rect.top() + 2, width, max(1, rect.height() - 4)
        )
        path = QPainterPath()
        path.addRoundedRect(badge, badge.height() / 2, badge.height() / 2)
        painter.fillPath(
            path, _mix(palette.color(QPalette.ColorRole.Base), color, 0.18)
        )
        painter.setPen(color.darker(130))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
        return width + 8

    def _paint_facts(
        self,
        painter: QPainter,
        rect: QRect,
        fonts: _Fonts,
        model: BoardModel,
        card: Card,
        text_color: QColor,
        muted: QColor,
    ) -> None:
        painter.setFont(fonts.small)
        metrics = fonts.small_metrics
        x = rect.left()
        gap = 12

        if card.expected_close is not None:
            overdue = model.is_overdue(card)
            if model.is_open(card):
                label = self.tr("Close {date}")
            else:
                # A won or lost deal shows the date it closed, not an estimate.
                label = self.tr("Closed {date}")
            label = label.format(date=date_text(card.expected_close))
            painter.setPen(OVERDUE_COLOR if overdue else muted)
            painter.drawText(
                QRect(x, rect.top(), rect.width(), rect.height()),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                label,
            )
            x += metrics.horizontalAdvance(label) + gap

        if card.manual_probability is not None:
            # The pencil marks a rate set by hand instead of the stage default.
            probability = self.tr("{percent}% ✎").format(percent=card.probability)
        else:
            probability = self.tr("{percent}%").format(percent=card.probability)
        painter.setPen(text_color)
        painter.drawText(
            QRect(x, rect.top(), rect.right() - x, rect.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            probability,
        )
        x += metrics.horizontalAdvance(probability) + gap

        if card.checklist_total:
            progress = self.tr("✓ {done}/{total}").format(
                done=card.checklist_done, total=card.checklist_total
            )
            complete = card.checklist_done >= card.checklist_total
            painter.setPen(WON_COLOR if complete else muted)
            painter.drawText(
                QRect(x, rect.top(), max(0, rect.right() - x), rect.height()),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                progress,
            )

    def _paint_next_activity(
        self,
        painter: QPainter,
        rect: QRect,
        fonts: _Fonts,
        model: BoardModel,
        card: Card,
        muted: QColor,
    ) -> None:
        if card.next_activity_kind is None or card.next_activity_due is None:
            if not model.is_open(card):
                return
            # An open deal with nothing planned is worth a glance.
            text = self.tr("No activity planned")
            painter.setPen(muted)
        else:
            kind = self._activity_texts.kind_name(card.next_activity_kind)
            when = short_instant(card.next_activity_due)
            if model.is_activity_overdue(card):
                text = self.tr("Overdue: {kind} {when}").format(kind=kind, when=when)
                painter.setPen(OVERDUE_COLOR)
            else:
                text = self.tr("Next: {kind} {when}").format(kind=kind, when=when)
                painter.setPen(muted)
        painter.setFont(fonts.small)
        painter.drawText(
            rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self._elide(text, fonts.small, fonts.small_metrics, rect.width()),
        )

    def _paint_footer(
        self,
        painter: QPainter,
        rect: QRect,
        fonts: _Fonts,
        palette: QPalette,
        model: BoardModel,
        card: Card,
        muted: QColor,
    ) -> None:
        painter.setFont(fonts.small)
        metrics = fonts.small_metrics
        days = model.days_in_stage(card)
        idle = model.is_idle(card)
        if not model.is_open(card):
            # Time spent in the won or lost column says nothing about the deal.
            days_text = ""
        elif days == 0:
            days_text = self.tr("New in stage today")
        elif days == 1:
            days_text = self.tr("1 day in stage")
        else:
            days_text = self.tr("{days} days in stage").format(days=days)
        days_width = metrics.horizontalAdvance(days_text)

        if idle:
            badge = QRectF(
                rect.right() - days_width - 12,
                rect.top() + 1,
                days_width + 12,
                rect.height() - 2,
            )
            path = QPainterPath()
            path.addRoundedRect(badge, badge.height() / 2, badge.height() / 2)
            painter.fillPath(
                path, _mix(palette.color(QPalette.ColorRole.Base), IDLE_COLOR, 0.18)
            )
            painter.setPen(IDLE_COLOR.darker(130))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, days_text)
            days_width += 12
        else:
            painter.setPen(muted)
            painter.drawText(
                rect,
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                days_text,
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

    # -- caches ---------------------------------------------------------------

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
