"""Properties of the hybrid logical clock and its twin in the outbox journal."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from crmdesk.sync.hlc import (
    MAX_SKEW_MS,
    HybridClock,
    clamp,
    pack,
    physical,
)

# A wall clock is a list of readings, free to jump backwards and forwards.
readings = st.lists(st.integers(min_value=0, max_value=2**40), min_size=1, max_size=60)


class _Wall:
    def __init__(self, values: list[int]) -> None:
        self.values = values
        self.index = 0

    def __call__(self) -> int:
        value = self.values[min(self.index, len(self.values) - 1)]
        self.index += 1
        return value


@settings(max_examples=200)
@given(readings)
def test_local_stamps_only_rise_whatever_the_wall_clock_does(values):
    clock = HybridClock(wall=_Wall(values))
    stamps = [clock.now() for _ in values]
    assert all(b > a for a, b in itertools.pairwise(stamps))
    assert all(physical(s) >= min(values) for s in stamps)


@settings(max_examples=200)
@given(readings, st.lists(st.integers(min_value=0, max_value=2**56), max_size=30))
def test_receiving_moves_past_the_received_stamp(values, received):
    clock = HybridClock(wall=_Wall(values))
    for stamp in received:
        before = clock.last
        after = clock.receive(stamp)
        assert after > stamp
        assert after > before
        assert clock.now() > after


@settings(max_examples=200)
@given(
    st.integers(min_value=0, max_value=2**40),
    st.integers(min_value=-(10**10), max_value=10**10),
)
def test_stamps_from_a_fast_clock_are_clamped(server_ms, offset):
    device = pack(max(server_ms + offset, 0))
    limited = clamp(device, server_ms)
    assert physical(limited) <= server_ms + MAX_SKEW_MS
    if offset <= MAX_SKEW_MS:
        assert limited == device  # an honest clock is left alone


@settings(max_examples=100)
@given(
    st.integers(min_value=0, max_value=2**40), st.integers(min_value=1, max_value=10**9)
)
def test_a_device_clock_ahead_of_the_server_is_flagged(server_ms, ahead):
    clock = HybridClock(wall=lambda: server_ms + ahead)
    assert clock.ahead_of(server_ms) is (ahead > MAX_SKEW_MS)


def test_the_outbox_stamp_rises_past_a_received_one(sessions):
    from crmdesk.storage.outbox import next_stamp
    from crmdesk.sync import local

    future = pack(2**42)  # far beyond any wall clock of this century
    with local.write_transaction(sessions.kw["bind"]) as connection:
        clock = HybridClock(int(local.get_state(connection, "hlc") or 0))
        local.set_state(connection, "hlc", str(clock.receive(future)))
        first = next_stamp(connection)
        second = next_stamp(connection)
    assert future < first < second
