"""What every headless command gets: the opened store and the acting user."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from crmdesk.config.paths import Paths, resolve_paths
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.workspace import current_user_id
from crmdesk.storage.db import open_store


class CliContext:
    """The store a command works on, opened (created or upgraded) on first use.

    Commands that never touch the local store, such as ``crmdesk server``, leave
    no store or data folder behind.
    """

    def __init__(self, paths: Paths) -> None:
        self.paths = paths
        self._store: tuple[Engine, sessionmaker[Session]] | None = None

    def _open(self) -> tuple[Engine, sessionmaker[Session]]:
        if self._store is None:
            self.paths.ensure()
            self._store = open_store(self.paths.database)
        return self._store

    @property
    def engine(self) -> Engine:
        """The engine of the local store."""
        return self._open()[0]

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The session factory of the local store."""
        return self._open()[1]

    def close(self) -> None:
        """Dispose of the store's engine, if it was opened."""
        if self._store is not None:
            self._store[0].dispose()
            self._store = None

    def actor(self, source: ChangeSource = ChangeSource.CLI) -> Actor:
        """Return an actor for the current user of this store, acting now."""
        with self.sessions() as session:
            return Actor(current_user_id(session), source)


@contextmanager
def open_context(args: argparse.Namespace) -> Iterator[CliContext]:
    """Yield the context of the store named by ``--data-dir`` or the defaults."""
    context = CliContext(resolve_paths(getattr(args, "data_dir", None)))
    try:
        yield context
    finally:
        context.close()
