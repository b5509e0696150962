"""Test servers and clients for the sync tests, and small deal helpers."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from helpers.pipeline import PLAYBOOK, Pipeline, install
from sqlalchemy.orm import Session, sessionmaker

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

    def sync(self, *, settle: bool = True) -> SyncResult:
        """Run one sync round, repeated while other transactions hold pulls back.

        The test server may be shared: transaction ids are cluster-wide, so a
        transaction in another database can delay what a pull may deliver.
        ``settle=False`` runs exactly one round.
        """
        engine = SyncEngine(self.sessions, lambda: self.server.connect(self.login))
        result = engine.run_once()
        deadline = time.monotonic() + 60
        while settle and not result.caught_up and time.monotonic() < deadline:
            time.sleep(0.05)
            again = engine.run_once()
            again.pushed += result.pushed
            again.pulled += result.pulled
            again.issues = result.issues + again.issues
            again.resynced = again.resynced or result.resynced
            again.clock_ahead = again.clock_ahead or result.clock_ahead
            again.new_client_id = again.new_client_id or result.new_client_id
            result = again
        return result

    def scalar(self, sql: str, **params: Any) -> Any:
        """Run one query on the local store; UUID parameters become SQLite's hex."""
        with self.engine.connect() as connection:
            return connection.execute(sa.text(sql), _hex(params)).scalar()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        """Run one query on the local store and return every row."""
        with self.engine.connect() as connection:
            return list(connection.execute(sa.text(sql), _hex(params)).all())


def _hex(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v.hex if isinstance(v, uuid.UUID) else v for k, v in params.items()}


def actor(client: Client) -> Any:
    """An actor for the client's user, acting now."""
    from crmdesk.services.context import Actor, ChangeSource

    return Actor(client.user_id, ChangeSource.CLI)


def new_deal(client: Client, title: str = "Deal", amount: str = "10000", **extra: Any):
    """Create a deal in series ``sales`` through the deal service; return its id."""
    from decimal import Decimal

    from crmdesk.services.deals import NewOpportunity, create_opportunity

    pipeline = client.server.pipeline
    assert pipeline is not None
    with client.sessions.begin() as session:
        deal = create_opportunity(
            session,
            NewOpportunity(
                series_id=pipeline.series["sales"],
                title=title,
                amount=Decimal(amount),
                currency="CNY",
                **extra,
            ),
            actor(client),
        )
        return deal.id


def edit_deal(client: Client, deal_id: uuid.UUID, **fields: Any) -> None:
    """Edit a deal through the deal service (OpportunityEdit fields)."""
    from crmdesk.services.deals import OpportunityEdit, update_opportunity

    with client.sessions.begin() as session:
        update_opportunity(session, deal_id, OpportunityEdit(**fields), actor(client))
