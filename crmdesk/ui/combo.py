"""Combo box lookups by item data that compare values, not object identity."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox


def find_data(combo: QComboBox, value: object) -> int:
    """Return the index of the first item whose data equals ``value``, or -1.

    ``QComboBox.findData`` compares Python objects such as ``uuid.UUID`` by
    identity, so an equal UUID loaded in another query would not be found.
    """
    for index in range(combo.count()):
        if combo.itemData(index) == value:
            return index
    return -1
