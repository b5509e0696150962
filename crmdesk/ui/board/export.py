"""Board images: render a board offscreen, every column and header, to a PNG.

The image lays the columns out at full height, so it shows more than a window
does; a column with more than ``MAX_CARDS_PER_COLUMN`` cards shows the first
ones and states how many more there are.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from crmdesk.services.board import Board
from crmdesk.ui.board.columns import COLUMN_SPACING, BoardColumns
from crmdesk.ui.board.delegate import CARD_WIDTH
from crmdesk.ui.board.model import BoardModel

MAX_CARDS_PER_COLUMN = 40
"""Cards an exported column shows at most, so the image stays a sensible size."""

MIN_COLUMN_WIDTH = 200
MAX_COLUMN_WIDTH = CARD_WIDTH + 40

_APPLICATION: list[QApplication] = []
"""Keeps a QApplication made here alive for the life of the process."""


def ensure_application() -> QApplication:
    """Return the running QApplication, creating an offscreen one if none exists.

    Raises:
        RuntimeError: a QCoreApplication or QGuiApplication runs, which cannot
            render widgets.
    """
    existing = QCoreApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    if existing is not None:
        raise RuntimeError(
            "board images need a QApplication, but a "
            f"{type(existing).__name__} is running: create a QApplication instead"
        )
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication([])
    _APPLICATION.append(app)
    return app


def render_model_image(model: BoardModel, width: int, title: str) -> QImage:
    """Render every column of a board model, at full height, to an image.

    The columns share ``width`` pixels, each between ``MIN_COLUMN_WIDTH`` and
    ``MAX_COLUMN_WIDTH`` wide; when they do not fit, the image is wider.
    """
    ensure_application()
    count = max(1, len(model.stages()))
    # The page margins and the spacing around every column come off the width.
    room = width - 2 * COLUMN_SPACING - COLUMN_SPACING * (count + 1)
    column_width = max(MIN_COLUMN_WIDTH, min(MAX_COLUMN_WIDTH, room // count))

    page = QWidget()
    page.setAutoFillBackground(True)
    heading = QLabel(page)
    heading.setTextFormat(Qt.TextFormat.PlainText)
    font = heading.font()
    font.setPointSizeF(font.pointSizeF() * 1.3)
    font.setBold(True)
    heading.setFont(font)
    heading.setText(title)
    subtitle = QLabel(page)
    subtitle.setTextFormat(Qt.TextFormat.PlainText)
    subtitle.setText(_subtitle(model))
    palette = subtitle.palette()
    palette.setColor(
        QPalette.ColorRole.WindowText,
        palette.color(QPalette.ColorRole.PlaceholderText),
    )
    subtitle.setPalette(palette)
    columns = BoardColumns(
        model, expanded=True, max_cards=MAX_CARDS_PER_COLUMN, parent=page
    )
    columns.set_column_width(column_width)
    layout = QVBoxLayout(page)
    layout.setContentsMargins(COLUMN_SPACING, COLUMN_SPACING, COLUMN_SPACING, 0)
    layout.setSpacing(2)
    layout.addWidget(heading)
    layout.addWidget(subtitle)
    layout.addWidget(columns)

    try:
        # The page is never shown: render() paints hidden widgets once their
        # layouts are activated, and showing a window warns on offscreen Qt.
        page.ensurePolished()
        layout.activate()
        size = page.sizeHint()
        page.resize(max(width, size.width()), size.height())
        layout.activate()
        for view in columns.views():
            view.doItemsLayout()
        image = QImage(page.size(), QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(page.palette().color(QPalette.ColorRole.Window))
        painter = QPainter(image)
        page.render(painter, QPoint(0, 0))
        _mark_truncated(painter, model, columns)
        painter.end()
        return image
    finally:
        page.deleteLater()


def render_board_png(
    board: Board, path: str | os.PathLike[str], language: str, width: int = 1600
) -> None:
    """Render a loaded board offscreen and save it as a PNG file.

    Creates an offscreen QApplication when none runs, so the command line can
    call it without a display.

    Raises:
        OSError: the file could not be written.
    """
    ensure_application()
    model = BoardModel(language)
    model.load(board.stages, board.cards, board.currency, board.rates)
    image = render_model_image(model, width, board.series_name.get(language))
    target = Path(path)
    if not image.save(str(target), "PNG"):
        raise OSError(
            f"could not write the board image to {target}: check that the folder "
            "exists and is writable"
        )


def _subtitle(model: BoardModel) -> str:
    total = sum(len(model.visible_cards(stage.id)) for stage in model.stages())
    return QCoreApplication.translate(
        "BoardExport", "{count} deals · totals in {currency} · {day}"
    ).format(count=total, currency=model.currency, day=date.today().isoformat())


TRUNCATED_STRIP = 32
"""Height in pixels of the note under a column that shows only its first cards."""


def _mark_truncated(
    painter: QPainter, model: BoardModel, columns: BoardColumns
) -> None:
    for stage, view in zip(model.stages(), columns.views(), strict=True):
        hidden = len(model.visible_cards(stage.id)) - MAX_CARDS_PER_COLUMN
        if hidden <= 0:
            continue
        text = QCoreApplication.translate("BoardExport", "and {count} more").format(
            count=hidden
        )
        corner = view.mapTo(view.window(), view.rect().bottomLeft())
        # The view may show the top of the next card; a strip in the column's
        # own colour covers it so the note is not drawn over a card.
        strip = QRect(
            corner.x(), corner.y() - TRUNCATED_STRIP, view.width(), TRUNCATED_STRIP
        )
        painter.fillRect(strip, view.palette().color(QPalette.ColorRole.Base))
        painter.setPen(QColor("#555555"))
        painter.drawText(
            strip.adjusted(12, 0, -12, 0),
            int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
            text,
        )
