"""The installed Qt binding keeps Python's reference counts intact on emit.

PySide6 6.12.0 decrements the reference count of ``True`` on every
``SignalInstance.emit()``; after enough emits Python aborts the process. The
dependency range in pyproject.toml excludes it, and this test catches a binding
with the same fault.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class Emitter(QObject):
    value_changed = Signal(int)
    flag_changed = Signal(bool)


def test_emit_keeps_true_refcount(qapp):
    emitter = Emitter()
    received: list[object] = []
    emitter.value_changed.connect(received.append)

    def emit_many() -> None:
        for index in range(500):
            emitter.value_changed.emit(index)
            emitter.flag_changed.emit(True)

    # The faulty binding loses one reference per emit, a thousand per round. A
    # few references may come and go for other reasons, such as pytest-qt's
    # message capture, so the check allows a small drift.
    emit_many()
    before = sys.getrefcount(True)
    emit_many()
    assert abs(sys.getrefcount(True) - before) < 10
    assert len(received) == 1000
