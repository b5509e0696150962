"""Pausing Python's cyclic garbage collector around bulk work."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a block builds many objects.

    Loading a board of ten thousand cards or importing thousands of deals keeps
    every new record alive until the block ends, and the collector ran full
    collections over them again and again: about a fifth of the Maven import's
    time (3.8 s with it, 3.1 s without) and a quarter of a big board's load
    (224 ms with it, 168 ms without), measured on a 2-core machine. Reference
    counting still frees objects during the pause; only reference cycles wait
    for the next collection. Usable as a decorator.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
