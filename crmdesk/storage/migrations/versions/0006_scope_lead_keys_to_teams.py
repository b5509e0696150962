"""make a lead's external key unique within its team, not across teams

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

Two teams that import the same fair list give their leads the same external
source and key. With the key unique across teams, the second team's import was
rejected by the server, and a store that holds several teams' leads (an
admin's) could not take both teams' rows. The key is now unique per team.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Names for the reflected, unnamed unique constraint of revision 0004, so the
# batch copy of a SQLite table can drop it. PostgreSQL names it itself.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
OLD_COLUMNS = ["external_source", "external_key"]


def _old_constraint_name() -> str:
    for constraint in sa.inspect(op.get_bind()).get_unique_constraints("leads"):
        if constraint["column_names"] == OLD_COLUMNS and constraint["name"]:
            return str(constraint["name"])
    return "uq_leads_external_source"


def upgrade() -> None:
    old = _old_constraint_name()
    with op.batch_alter_table("leads", naming_convention=NAMING) as batch:
        batch.drop_constraint(old, type_="unique")
        batch.create_unique_constraint(
            "uq_leads_team_id", ["team_id", "external_source", "external_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("leads", naming_convention=NAMING) as batch:
        batch.drop_constraint("uq_leads_team_id", type_="unique")
        batch.create_unique_constraint(
            "uq_leads_external_source", ["external_source", "external_key"]
        )
