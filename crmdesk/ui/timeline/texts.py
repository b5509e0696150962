"""Translated names of activity kinds and timeline events, shared by the views."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QObject

from crmdesk.domain.playbook_file import ACTIVITY_TYPES
from crmdesk.ui.formatting import displayed


class ActivityTexts(QObject):
    """Names of the activity kinds in the interface language.

    Read them on each use rather than caching them: the language may change
    while the app runs.
    """

    def kind_name(self, kind: str) -> str:
        """Return the name of an activity kind; an unknown kind is shown as stored."""
        names = {
            "call": self.tr("Call"),
            "visit": self.tr("Visit"),
            "meeting": self.tr("Meeting"),
            "email": self.tr("E-mail"),
            "trial": self.tr("Trial"),
            "note": self.tr("Note"),
        }
        return names.get(kind, kind)

    def kinds(self) -> list[tuple[str, str]]:
        """Return every kind with its name, in the playbook's order."""
        return [(kind, self.kind_name(kind)) for kind in ACTIVITY_TYPES]


def short_instant(value: datetime) -> str:
    """Return an instant in the display zone as ``12-05 10:00`` for a card."""
    return displayed(value).strftime("%m-%d %H:%M")
