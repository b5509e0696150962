"""Fixtures of the sync tests: a migrated server database and local clients.

Every test gets a fresh database; its group roles and logins are prefixed with
the database's name (roles are global to the cluster) and dropped afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from helpers.pipeline import PLAYBOOK, Pipeline, install
from helpers.postgres import fresh_database
from sqlalchemy.orm import Session, sessionmaker

from crmdesk.storage.db import open_store
from crmdesk.sync.engine import SyncEngine, SyncResult
from crmdesk.sync.server import admin


def _libpq_url(url: str, login: str) -> str:
    rest = url.split("://", 1)[1].split("@", 1)[1]
    return f"postgresql://{login}@{rest}"


@dataclass
class Server:
    """A test server database: its URL, superuser engine and role prefix."""

    url: str
    engine: sa.Engine
    prefix: str
    logins: list[str] = field(default_factory=list)
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    teams: dict[str, uuid.UUID] = field(default_factory=dict)
    pipeline: Pipeline | None = None

    def add_user(self, name: str, role: str, team: str) -> str:
        """Create a login ``<prefix>_<name>``; return the login name."""
        login = f"{self.prefix}_{name}"
        user = admin.add_user(self.engine, login, role=role, team=team)
        self.logins.append(login)
        self.users[name] = user.user_id
        self.teams[team] = user.team_id
        return login

    def connect(self, login: str) -> psycopg.Connection[Any]:
        """Open a connection logged in as ``login``."""
        return psycopg.connect(_libpq_url(self.url, login))

    def superuser(self) -> psycopg.Connection[Any]:
        """Open a superuser connection to the test database."""
        return psycopg.connect(self.url.replace("+psycopg", ""))

    def sessions(self) -> sessionmaker[Session]:
        """ORM sessions on the server as superuser (bypasses RLS)."""
        return admin.server_sessions(self.engine)

    def publish_playbook(self) -> Pipeline:
        """Install the test playbook on the server, as an admin would."""
        with self.sessions().begin() as session:
            self.pipeline = install(session, PLAYBOOK)
        return self.pipeline

    def scalar(self, sql: str, **params: Any) -> Any:
        """Run one query as superuser and return its first value."""
        with self.engine.connect() as connection:
            return connection.execute(sa.text(sql), params).scalar()


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


@dataclass
class Client:
    """One laptop: a real SQLite store and the real sync engine for one login."""

    name: str
    login: str
    server: Server
    path: Path
    engine: sa.Engine
    sessions: sessionmaker[Session]
    online: bool = True

    @property
    def user_id(self) -> uuid.UUID:
        return self.server.users[self.name]

    def sync(self) -> SyncResult:
        """Run one sync round."""
        return SyncEngine(self.sessions, lambda: self.server.connect(self.login)).run_once()

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(sa.text(sql), params).scalar()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as connection:
            return list(connection.execute(sa.text(sql), params).all())


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
