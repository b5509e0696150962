"""The event hub: one QObject that announces what a write changed.

Whoever writes through the task runner (the board, the detail panel, dialogs,
imports) emits here once the write committed. Each view decides whether the
change concerns it and refreshes only what it shows.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class EventHub(QObject):
    """Change announcements shared by every view of the main window.

    Signals:
        deals_changed(list): ids (``uuid.UUID``) of deals that were created,
            edited, moved or deleted.
        series_changed(object): the ``uuid.UUID`` of a series whose stages,
            rules or reasons changed, so its board must load again.
        customers_changed(list): ids (``uuid.UUID``) of customers whose state
            or fields changed.
        notice(str): a sentence for the status bar about what a write did
            beyond its own record, such as a customer moved by a won deal.
    """

    deals_changed = Signal(list)
    series_changed = Signal(object)
    customers_changed = Signal(list)
    notice = Signal(str)
