"""What every headless command gets: the opened store and the acting user."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from crmdesk.config.paths import Paths, resolve_paths
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.workspace import current_user_id
from crmdesk.storage.db import open_store


@dataclass
class CliContext:
    """The store a command works on."""

    paths: Paths
    engine: Engine
    sessions: sessionmaker[Session]

    def actor(self, source: ChangeSource = ChangeSource.CLI) -> Actor:
        """Return an actor for the current user of this store, acting now."""
        with self.sessions() as session:
            return Actor(current_user_id(session), source)


@contextmanager
def open_context(args: argparse.Namespace) -> Iterator[CliContext]:
    """Open (creating or upgrading) the store named by ``--data-dir`` or defaults."""
    paths = resolve_paths(getattr(args, "data_dir", None))
    paths.ensure()
    engine, sessions = open_store(paths.database)
    try:
        yield CliContext(paths, engine, sessions)
    finally:
        engine.dispose()
