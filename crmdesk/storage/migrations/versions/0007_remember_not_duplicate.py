"""remember the records a user said a lead is not a duplicate of

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04

"Not a duplicate" cleared a lead's flag, but the next check of the lead (an
edit, a re-import of its file) flagged it again for the same record. The new
column ``leads.not_duplicate_of`` keeps those records' ids as a JSON list, and
the duplicate check skips them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.add_column(
            sa.Column("not_duplicate_of", sa.Text(), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("not_duplicate_of")
