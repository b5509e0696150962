"""UUIDv7 keys: layout bits and strict order within one process."""

from __future__ import annotations

import itertools
import time
import uuid

from hypothesis import given
from hypothesis import strategies as st

from crmdesk.domain.ids import new_id, uuid7_int

# Clock readings around now, with repeats and steps back.
_NOW_MS = time.time_ns() // 1_000_000
_READINGS = st.lists(
    st.integers(min_value=_NOW_MS - 5_000, max_value=_NOW_MS + 5_000),
    min_size=1,
    max_size=200,
)


def _fields(value: int) -> tuple[int, int, int]:
    """Return (timestamp ms, version, variant) of a 128-bit UUID value."""
    return value >> 80, (value >> 76) & 0xF, (value >> 62) & 0b11


@given(_READINGS)
def test_uuid7_int_rises_strictly(readings: list[int]) -> None:
    values = [uuid7_int(millis) for millis in readings]
    for before, after in itertools.pairwise(values):
        assert after > before


@given(_READINGS)
def test_uuid7_int_version_and_variant(readings: list[int]) -> None:
    for millis in readings:
        value = uuid7_int(millis)
        timestamp, version, variant = _fields(value)
        assert version == 7
        assert variant == 0b10
        assert timestamp >= millis


def test_uuid7_int_counter_overflow_moves_timestamp() -> None:
    millis = time.time_ns() // 1_000_000 + 60_000
    values = [uuid7_int(millis) for _ in range(5_000)]
    assert values == sorted(set(values))
    # A 12-bit counter starting below 2048 allows at most 4096 keys per
    # millisecond, so 5,000 keys need at least one more millisecond.
    assert _fields(values[-1])[0] > millis
    assert _fields(values[0])[0] == millis


def test_new_id_is_uuid7_near_clock() -> None:
    before = time.time_ns() // 1_000_000
    key = new_id()
    assert isinstance(key, uuid.UUID)
    assert key.version == 7
    assert key.variant == uuid.RFC_4122
    assert key.int >> 80 >= before
    assert uuid.UUID(str(key)) == key
    assert hash(uuid.UUID(str(key))) == hash(key)
    assert key.is_safe is uuid.SafeUUID.unknown


def test_new_id_unique_and_sorted() -> None:
    keys = [new_id() for _ in range(10_000)]
    assert len(set(keys)) == len(keys)
    assert keys == sorted(keys)
