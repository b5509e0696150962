"""add the other login, kept side and SQLSTATE to sync issues

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05

The sync issues panel writes each issue's explanation in the user's language
from these fields, so it no longer shows the server's English ``message``:

- ``other_login``: the login whose change on the server met this one (a
  conflict, an edit on both sides, a delete);
- ``kept``: for an edit on both sides, whose value the hybrid clock kept
  (``mine`` or ``theirs``);
- ``sqlstate``: the PostgreSQL error code of a change the server refused with
  an error, such as 23505 for a unique violation.

Issues recorded before this revision have none of them, and the panel explains
those from their kind alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sync_issues") as batch:
        batch.add_column(sa.Column("other_login", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("kept", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("sqlstate", sa.String(length=5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_issues") as batch:
        for column in ("sqlstate", "kept", "other_login"):
            batch.drop_column(column)
