"""Board images: the whole board rendered offscreen to a PNG file."""

from __future__ import annotations

import pytest
from helpers.board_ui import open_board
from PySide6.QtGui import QImage

from crmdesk.services.board import load_board
from crmdesk.ui.board.delegate import CARD_HEIGHT
from crmdesk.ui.board.export import MAX_CARDS_PER_COLUMN, render_board_png

pytestmark = pytest.mark.gui


def test_png_of_loaded_board(qapp, store, tmp_path):
    series = store.series("open-sales")
    for number in range(3):
        store.add_deal("open-sales", f"Deal {number}", "100", stage_key="propose")
    store.add_deal("open-sales", "上海育才中学 投影仪", "250")
    with store.sessions() as session:
        board = load_board(session, series.id)
    target = tmp_path / "board.png"

    render_board_png(board, target, "zh_CN", width=1600)

    image = QImage(str(target))
    assert not image.isNull()
    assert image.width() == 1600
    # Header, the three cards of the tallest column, and margins.
    assert image.height() >= 3 * CARD_HEIGHT + 100
    assert image.height() < 3 * CARD_HEIGHT + 400


def test_tall_column_is_capped(qapp, store, tmp_path):
    series = store.series("open-sales")
    for number in range(MAX_CARDS_PER_COLUMN + 5):
        store.add_deal("open-sales", f"Deal {number}", None)
    with store.sessions() as session:
        board = load_board(session, series.id)
    target = tmp_path / "board.png"

    render_board_png(board, target, "en", width=1200)

    image = QImage(str(target))
    assert image.height() < (MAX_CARDS_PER_COLUMN + 5) * CARD_HEIGHT


def test_unwritable_path_raises(qapp, store, tmp_path):
    series = store.series("open-sales")
    with store.sessions() as session:
        board = load_board(session, series.id)

    with pytest.raises(OSError, match="could not write the board image"):
        render_board_png(board, tmp_path / "missing" / "board.png", "en")


def test_widget_renders_all_columns(qtbot, store, runner, events):
    series = store.series("open-sales")
    store.add_deal("open-sales", "Laptops", "100")
    board = open_board(qtbot, runner, events, series.id)

    image = board.render_image(1600)

    assert image.width() == 1600
    assert image.height() > CARD_HEIGHT
