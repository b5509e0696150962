"""Create or upgrade the server schema, add users, publish playbooks.

These run as a PostgreSQL superuser (or a role allowed to create roles): the
schema migration creates the group roles, and adding a user creates a login role.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from importlib import resources

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.orm import Session, sessionmaker

from crmdesk.domain.errors import ValidationError
from crmdesk.domain.ids import new_id

log = logging.getLogger(__name__)

ROLES = ("rep", "lead", "admin")
DEFAULT_ROLE_PREFIX = "crmdesk"
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def server_engine(url: str) -> sa.Engine:
    """Create an engine for a server URL; ``postgresql://`` is read as psycopg 3."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if not url.startswith("postgresql+psycopg://"):
        raise ValidationError(
            f"server URL {url!r} is not a PostgreSQL URL: "
            "write postgresql://USER@HOST:PORT/DATABASE"
        )
    return sa.create_engine(url)


def alembic_config(engine: sa.Engine, role_prefix: str) -> Config:
    """Build the Alembic configuration of the server migrations."""
    config = Config()
    location = resources.files("crmdesk.sync.server") / "migrations"
    config.set_main_option("script_location", str(location))
    config.attributes["engine"] = engine
    config.attributes["role_prefix"] = role_prefix
    return config


def check_name(value: str, what: str) -> str:
    """Return ``value`` when it is a plain lower-case SQL name, else explain."""
    if not _NAME.match(value):
        raise ValidationError(
            f"invalid {what} {value!r}: use lower-case letters, digits and "
            "underscores, starting with a letter (at most 63 characters)"
        )
    return value


def upgrade(engine: sa.Engine, role_prefix: str = DEFAULT_ROLE_PREFIX) -> None:
    """Create the server schema, or bring it up to the newest migration."""
    check_name(role_prefix, "role prefix")
    log.info("upgrading the server schema at %s", engine.url.database)
    command.upgrade(alembic_config(engine, role_prefix), "head")


def role_prefix(connection: sa.Connection) -> str:
    """Return the prefix of the group roles this database was created with."""
    value = connection.execute(
        sa.text("SELECT role_prefix FROM sync.server_info")
    ).scalar_one()
    return str(value)


@dataclass(frozen=True)
class NewServerUser:
    """A user added to the server: its login role and users row."""

    user_id: uuid.UUID
    login: str
    role: str
    team_id: uuid.UUID
    created_login: bool


def add_user(
    engine: sa.Engine,
    login: str,
    *,
    role: str,
    team: str,
    display_name: str | None = None,
) -> NewServerUser:
    """Create (or update) a login role and its users row, in team ``team`` (a key).

    The team is created when missing. The login gets the group role of ``role``
    and no password; set one with ``ALTER ROLE ... PASSWORD`` (see the CLI).
    """
    check_name(login, "login name")
    if role not in ROLES:
        raise ValidationError(f"unknown role {role!r}: use rep, lead or admin")
    if not team.strip():
        raise ValidationError("a user needs a team: pass --team KEY")
    with engine.begin() as connection:
        prefix = role_prefix(connection)
        groups = {f"{prefix}_{name}" for name in (*ROLES, "app", "owner")}
        if login in groups:
            raise ValidationError(
                f"invalid login name {login!r}: it is one of crmdesk's group roles; "
                "choose another name"
            )
        exists = connection.execute(
            sa.text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": login}
        ).first()
        if exists is None:
            connection.execute(sa.text(f'CREATE ROLE "{login}" LOGIN'))
        for other in ROLES:
            if other != role:
                connection.execute(sa.text(f'REVOKE "{prefix}_{other}" FROM "{login}"'))
        connection.execute(sa.text(f'GRANT "{prefix}_{role}" TO "{login}"'))
        team_id = connection.execute(
            sa.text("SELECT id FROM public.teams WHERE key = :k"), {"k": team}
        ).scalar()
        if team_id is None:
            team_id = new_id()
            connection.execute(
                sa.text(
                    "INSERT INTO public.teams (id, key, name, region, version) "
                    "VALUES (:id, :k, :k, '', 0)"
                ),
                {"id": team_id, "k": team},
            )
        user_id = connection.execute(
            sa.text("SELECT id FROM public.users WHERE login = :l"), {"l": login}
        ).scalar()
        if user_id is None:
            user_id = new_id()
            connection.execute(
                sa.text(
                    "INSERT INTO public.users (id, login, display_name, role, "
                    "team_id, version) VALUES (:id, :l, :d, :r, :t, 0)"
                ),
                {
                    "id": user_id,
                    "l": login,
                    "d": display_name or login,
                    "r": role,
                    "t": team_id,
                },
            )
        else:
            connection.execute(
                sa.text(
                    "UPDATE public.users SET role = :r, team_id = :t, "
                    "deleted_at = NULL WHERE id = :id"
                ),
                {"id": user_id, "r": role, "t": team_id},
            )
        if role == "lead":
            connection.execute(
                sa.text("UPDATE public.teams SET lead_id = :u WHERE id = :t"),
                {"u": user_id, "t": team_id},
            )
    return NewServerUser(user_id, login, role, team_id, exists is None)


def server_sessions(engine: sa.Engine) -> sessionmaker[Session]:
    """Sessions on the server database that use the local models directly.

    The server tables carry every column of the local models (plus the sync
    columns the triggers fill), so the ORM models and the services that use them,
    such as playbook installation, work against the server as they do locally.
    No outbox journal is attached: the triggers record the changes.
    """
    return sessionmaker(engine, expire_on_commit=False)
