"""Fixtures of the sync tests: a migrated server database and local clients.

Every test gets a fresh database; its group roles and logins are prefixed with
the database's name (roles are global to the cluster) and dropped afterwards.
The helpers live in ``synckit`` (this folder is put on the import path).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from helpers.postgres import fresh_database

sys.path.insert(0, str(Path(__file__).parent))

from synckit import Client, Server

from crmdesk.storage.db import open_store
from crmdesk.sync.server import admin


@pytest.fixture
def server(pg_server: str) -> Iterator[Server]:
    """A fresh, migrated server database with the test playbook published."""
    with fresh_database(pg_server) as url:
        prefix = url.rsplit("/", 1)[1]
        engine = admin.server_engine(url)
        srv = Server(url, engine, prefix)
        try:
            admin.upgrade(engine, prefix)
            srv.publish_playbook()
            yield srv
        finally:
            engine.dispose()
    roles = [*srv.logins, *(f"{prefix}_{r}" for r in ("rep", "lead", "admin", "app"))]
    roles.append(f"{prefix}_owner")
    drop = sa.create_engine(f"{pg_server}/postgres", isolation_level="AUTOCOMMIT")
    with drop.connect() as connection:
        for role in roles:
            connection.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))
    drop.dispose()


@pytest.fixture
def make_client(tmp_path: Path, server: Server) -> Iterator[Any]:
    """Make clients: ``make_client(name)`` for a user added to the server."""
    made: list[Client] = []

    def make(name: str) -> Client:
        login = f"{server.prefix}_{name}"
        path = tmp_path / f"{name}-{len(made)}.sqlite3"
        engine, sessions = open_store(path)
        client = Client(name, login, server, path, engine, sessions)
        made.append(client)
        return client

    yield make
    for client in made:
        client.engine.dispose()
