"""Row keys: UUIDv7, made on the client so offline inserts never collide."""

from __future__ import annotations

import uuid

import uuid6


def new_id() -> uuid.UUID:
    """Return a fresh UUIDv7 (time-ordered, so new rows append to the index)."""
    value = uuid6.uuid7()
    return uuid.UUID(bytes=value.bytes)
