"""Keyboard focus helpers shared by the dialogs."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from PySide6.QtWidgets import QWidget


def set_tab_chain(widgets: Sequence[QWidget]) -> None:
    """Make Tab visit ``widgets`` in the given order, and Shift+Tab reverse it."""
    for first, second in pairwise(widgets):
        QWidget.setTabOrder(first, second)
