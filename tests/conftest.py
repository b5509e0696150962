"""Fixtures shared by every test folder: an isolated store and a small playbook."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Qt must pick the offscreen platform before any test module imports it.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point every per-user folder at the test's own temporary folder."""
    for name in ("DATA", "CONFIG", "CACHE", "LOG"):
        monkeypatch.setenv(f"CRMDESK_{name}_DIR", str(tmp_path / name.lower()))


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """Path of a fresh SQLite store file for one test."""
    return tmp_path / "store.sqlite3"


@pytest.fixture
def sessions(store_path: Path) -> Iterator[object]:
    """A session factory on a new, migrated SQLite store file."""
    from crmdesk.storage.db import open_store

    engine, factory = open_store(store_path)
    yield factory
    engine.dispose()
