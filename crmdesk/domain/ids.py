"""Row keys: UUIDv7, made on the client so offline inserts never collide.

Layout (RFC 9562, section 5.7, with the fixed-length counter of section 6.2,
method 1): a 48-bit Unix timestamp in milliseconds, the version 7, a 12-bit
counter in ``rand_a``, the variant bits 10 and 62 random bits in ``rand_b``.
The counter starts at a random value below 2048 in each new millisecond and
goes up by one for each further key in that millisecond. When it passes 4095,
the timestamp moves one millisecond ahead, so the keys of one process rise
strictly even when the wall clock goes back.

Random bits come from ``os.urandom`` (the operating system's CSPRNG), read in
blocks because one system call per key cost more than the rest of the key.
"""

from __future__ import annotations

import os
import struct
import threading
import time
import uuid

_COUNTER_MAX = 0xFFF
_RAND_B_MASK = (1 << 62) - 1
_VERSION_AND_VARIANT = (0x7 << 76) | (0b10 << 62)
# 64-bit random words read with one system call.
_WORDS_PER_READ = 512
_UNPACK_WORDS = struct.Struct(f">{_WORDS_PER_READ}Q").unpack


class _Uuid7Clock:
    """The last timestamp and counter of this process's UUIDv7 keys."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last_millis = -1
        self.counter = 0
        self.words: list[int] = []

    def reset_after_fork(self) -> None:
        """Drop the unused random words, so a forked child never reuses them."""
        self.lock = threading.Lock()
        self.words.clear()

    def random_word(self) -> int:
        """Return 64 random bits; the caller has acquired ``lock``."""
        if not self.words:
            self.words.extend(_UNPACK_WORDS(os.urandom(8 * _WORDS_PER_READ)))
        return self.words.pop()

    def next_value(self, millis: int) -> int:
        with self.lock:
            random_bits = self.random_word()
            if millis > self.last_millis:
                self.last_millis = millis
                # The counter's top bit starts clear, so at least 2048 keys fit
                # in this millisecond before the counter overflows.
                self.counter = self.random_word() & 0x7FF
            elif self.counter < _COUNTER_MAX:
                self.counter += 1
            else:
                self.last_millis += 1
                self.counter = 0
            return (
                (self.last_millis & 0xFFFFFFFFFFFF) << 80
                | self.counter << 64
                | _VERSION_AND_VARIANT
                | (random_bits & _RAND_B_MASK)
            )


_clock = _Uuid7Clock()
os.register_at_fork(after_in_child=_clock.reset_after_fork)


def uuid7_int(millis: int) -> int:
    """Return the 128-bit value of the next UUIDv7 for a clock reading in ms.

    Thread-safe. Each value is greater than every value returned before it by
    this process, whatever ``millis`` is.
    """
    return _clock.next_value(millis)


def new_id() -> uuid.UUID:
    """Return a fresh UUIDv7 (time-ordered, so new rows append to the index)."""
    return uuid_from_int(_clock.next_value(time.time_ns() // 1_000_000))


def uuid_from_int(value: int) -> uuid.UUID:
    """Return the UUID of a 128-bit integer the caller knows to be in range.

    The two attribute stores are what uuid.UUID.__init__ ends with (CPython
    3.11); its argument checks took half the time of a key, which counts when a
    board or an import handles tens of thousands of them.
    """
    key = _new_object(uuid.UUID)
    _set_attribute(key, "int", value)
    _set_attribute(key, "is_safe", uuid.SafeUUID.unknown)
    return key


_new_object = object.__new__
_set_attribute = object.__setattr__
