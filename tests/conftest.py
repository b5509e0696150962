"""Fixtures shared by every test folder: an isolated store and a small playbook."""

from __future__ import annotations

import os
import subprocess
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


@pytest.fixture(autouse=True)
def keyring_file(tmp_path: Path) -> Iterator[Path]:
    """Point the keyring library at a plaintext keyring file in the test's folder.

    No test reads or writes the keyring of the user running the tests. The file
    is outside the config and log folders, so tests can check those for secrets.
    """
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    path = tmp_path / "keyring" / "keyring_pass.cfg"
    backend.file_path = str(path)
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield path
    finally:
        keyring.set_keyring(previous)


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


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL (without a database) of a PostgreSQL server for this test session."""
    from helpers.postgres import server_url, unavailable

    try:
        with server_url() as url:
            yield url
    except (OSError, RuntimeError, subprocess.CalledProcessError) as error:
        unavailable(str(error))


@pytest.fixture(params=["sqlite", "postgresql"])
def any_sessions(request: pytest.FixtureRequest, store_path: Path) -> Iterator[object]:
    """A session factory on a migrated store: a SQLite file, then PostgreSQL.

    Tests using it run once per database, to show the same SQL runs on both.
    """
    from crmdesk.storage.db import make_session_factory, upgrade

    if request.param == "sqlite":
        from crmdesk.storage.db import open_store

        engine, factory = open_store(store_path)
        yield factory
        engine.dispose()
        return

    import sqlalchemy as sa
    from helpers.postgres import fresh_database

    base = request.getfixturevalue("pg_server")
    with fresh_database(base) as url:
        engine = sa.create_engine(url)
        upgrade(engine)
        yield make_session_factory(engine)
        engine.dispose()
