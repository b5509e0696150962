"""add sync bookkeeping: outbox columns, shadow, sync state and sync issues

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04

Entries already in the outbox each become a local transaction of their own, with
a fresh mutation id, base version 0 and no base values: the server then treats
every field of theirs as changed after the base, which can only raise conflicts,
never overwrite a newer server value silently.
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
import uuid6
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("mutation_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("tx_group", sa.Uuid(), nullable=True))
        batch.add_column(
            sa.Column("base_version", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("base_values", sa.Text(), nullable=False, server_default="{}")
        )
        batch.add_column(
            sa.Column("hlc", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column(
                "status", sa.String(length=12), nullable=False, server_default="pending"
            )
        )
        batch.add_column(
            sa.Column("attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
    connection = op.get_bind()
    outbox = sa.table(
        "outbox",
        sa.column("seq", sa.Integer()),
        sa.column("mutation_id", sa.Uuid()),
        sa.column("tx_group", sa.Uuid()),
    )
    for (seq,) in connection.execute(sa.select(outbox.c.seq)).all():
        mutation = uuid.UUID(bytes=uuid6.uuid7().bytes)
        connection.execute(
            outbox.update()
            .where(outbox.c.seq == seq)
            .values(mutation_id=mutation, tx_group=mutation)
        )
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("mutation_id", existing_type=sa.Uuid(), nullable=False)
        batch.create_index("ix_outbox_status", ["status", "seq"])
        batch.create_index("ix_outbox_row", ["table_name", "row_id"])
    op.create_table(
        "sync_shadow",
        sa.Column("table_name", sa.String(length=60), nullable=False),
        sa.Column("row_id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("buckets", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "row_id"),
    )
    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "sync_issues",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("table_name", sa.String(length=60), nullable=False),
        sa.Column("row_id", sa.Uuid(), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=True),
        sa.Column("mine", sa.Text(), nullable=True),
        sa.Column("theirs", sa.Text(), nullable=True),
        sa.Column("base", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("mutation_id", sa.Uuid(), nullable=True),
        sa.Column("client_seq", sa.Integer(), nullable=True),
        sa.Column("detected_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sync_issues_row", "sync_issues", ["table_name", "row_id"])


def downgrade() -> None:
    op.drop_index("ix_sync_issues_row", table_name="sync_issues")
    op.drop_table("sync_issues")
    op.drop_table("sync_state")
    op.drop_table("sync_shadow")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_row")
        batch.drop_index("ix_outbox_status")
        for column in (
            "last_error",
            "attempts",
            "status",
            "hlc",
            "base_values",
            "base_version",
            "tx_group",
            "mutation_id",
        ):
            batch.drop_column(column)
