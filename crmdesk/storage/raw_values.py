"""Reading big result sets without SQLAlchemy's per-value result processing.

A board or report reads tens of thousands of rows; converting each key, date
and time through the column types costs more than the query. Columns wrapped
in ``type_coerce(column, RAW_UUID)`` (and the date and time variants) come back
as stored text on SQLite and as native values on PostgreSQL, whose driver
already converts them; the parsers below accept both.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import Date, DateTime, String, Uuid

from crmdesk.domain.ids import uuid_from_int

RAW_UUID = String().with_variant(Uuid(), "postgresql")
RAW_DATE = String().with_variant(Date(), "postgresql")
RAW_TIME = String().with_variant(DateTime(), "postgresql")


def parse_uuid(raw: object) -> uuid.UUID:
    """Return the UUID of a raw key: 32 hex digits on SQLite, a UUID on PostgreSQL.

    The hex text comes from the Uuid column type, which writes exactly 32 hex
    digits, so it is converted without uuid.UUID's argument checks.
    """
    if isinstance(raw, uuid.UUID):
        return raw
    text = str(raw)
    if len(text) != 32:
        return uuid.UUID(hex=text)
    return uuid_from_int(int(text, 16))


def parse_date(raw: object) -> date | None:
    """Return the date of a raw ISO date value, or None."""
    if raw is None or isinstance(raw, date):
        return raw
    return date.fromisoformat(str(raw))


def parse_utc(raw: object) -> datetime:
    """Return a raw UTC time (stored without offset) as an aware datetime."""
    value = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    return value.replace(tzinfo=UTC)


class UuidCache:
    """Parses keys that repeat across rows, such as stage ids, once each."""

    def __init__(self) -> None:
        self._seen: dict[object, uuid.UUID] = {}

    def get(self, raw: object) -> uuid.UUID:
        """Return the UUID of a raw key."""
        value = self._seen.get(raw)
        if value is None:
            value = parse_uuid(raw)
            self._seen[raw] = value
        return value

    def get_optional(self, raw: object) -> uuid.UUID | None:
        """Return the UUID of a raw key, or None for a NULL."""
        return None if raw is None else self.get(raw)
