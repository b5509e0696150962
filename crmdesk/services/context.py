"""What every write carries: who acts, through which entry point, and when."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum


class ChangeSource(StrEnum):
    """The entry point a change came through, kept on stage history rows."""

    BOARD = "board"
    FORM = "form"
    BULK = "bulk"
    IMPORT = "import"
    CLI = "cli"
    DEMO = "demo"
    REPORT = "report"


def utc_now() -> datetime:
    """Return the current UTC instant."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Actor:
    """The user making a change, the entry point, and the time of the change.

    ``at`` defaults to the moment the actor was made; importers pass the time the
    event happened so history keeps real dates.
    """

    user_id: uuid.UUID | None
    source: ChangeSource
    at: datetime = field(default_factory=utc_now)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError(f"naive time {self.at!r}: pass an aware UTC instant")
