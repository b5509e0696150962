"""add covering indexes for the pipeline review reports

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04

The reports of crmdesk/storage/report_queries.py read these indexes without
touching the table rows:

- ix_opportunities_report_open: open deals per stage over the expected-close
  window, with the amount, currency, rate and scope columns (funnel, forecast);
- ix_opportunities_report_scope: a deal's scope, amount and groups by id, for
  joins from outcomes and stage history;
- ix_outcomes_current: current outcomes by result and close date (won and lost
  totals, win rates);
- ix_stage_history_reached: whether a deal ever reached a stage (win rates);
- ix_stage_history_state: a deal's latest history row before an instant,
  read backwards (distribution, conversion).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES: dict[str, tuple[str, list[str]]] = {
    "ix_opportunities_report_open": (
        "opportunities",
        [
            "stage_id",
            "expected_close",
            "deleted_at",
            "series_id",
            "team_id",
            "owner_id",
            "currency",
            "amount_minor",
            "manual_probability",
        ],
    ),
    "ix_opportunities_report_scope": (
        "opportunities",
        [
            "id",
            "deleted_at",
            "series_id",
            "team_id",
            "owner_id",
            "product_id",
            "currency",
            "amount_minor",
        ],
    ),
    "ix_outcomes_current": (
        "outcomes",
        [
            "reopened_at",
            "result",
            "actual_date",
            "opportunity_id",
            "currency",
            "actual_amount_minor",
        ],
    ),
    "ix_stage_history_reached": (
        "stage_history",
        ["opportunity_id", "to_stage_id"],
    ),
    "ix_stage_history_state": (
        "stage_history",
        ["opportunity_id", "changed_at", "id", "to_stage_id"],
    ),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _columns) in reversed(INDEXES.items()):
        op.drop_index(name, table_name=table)
