"""Engine and session factory of the local SQLite store, and schema upgrades."""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from crmdesk.storage.outbox import install_journal

log = logging.getLogger(__name__)


def _set_sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(database: Path) -> Engine:
    """Create the engine of a local store file, in WAL mode with foreign keys on."""
    database.parent.mkdir(parents=True, exist_ok=True)
    # The pool hands each connection to one thread at a time, so a connection may
    # be reused by the task runner's worker after the GUI thread opened it.
    engine = create_engine(
        f"sqlite+pysqlite:///{database}",
        connect_args={"check_same_thread": False},
    )
    event.listen(engine, "connect", _set_sqlite_pragmas)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Create the session factory; its sessions journal synced writes to the outbox."""
    factory = sessionmaker(engine, expire_on_commit=False)
    install_journal(factory)
    return factory


def alembic_config(engine: Engine) -> Config:
    """Build an Alembic configuration for the migrations shipped in the package."""
    config = Config()
    script_location = resources.files("crmdesk.storage") / "migrations"
    config.set_main_option("script_location", str(script_location))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Create the schema or bring it up to the newest migration."""
    log.info("upgrading the local store schema at %s", engine.url.database)
    command.upgrade(alembic_config(engine), "head")


def open_store(database: Path) -> tuple[Engine, sessionmaker[Session]]:
    """Open (creating or upgrading as needed) a local store file."""
    engine = make_engine(database)
    upgrade(engine)
    return engine, make_session_factory(engine)
