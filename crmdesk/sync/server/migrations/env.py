"""Alembic environment of the server schema: runs on the connection crmdesk passes.

The group role names are prefixed with ``role_prefix`` (default ``crmdesk``), so
several crmdesk databases can share one PostgreSQL cluster, where roles are global.
"""

from __future__ import annotations

from alembic import context

config = context.config


def run_migrations_online() -> None:
    """Run the migrations on the engine stored in the configuration attributes."""
    engine = config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=None,
            version_table="alembic_version",
            version_table_schema="public",
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
