"""create the server schema: domain tables, sync bookkeeping, roles and policies

Revision ID: s0001
Revises: none
Create Date: 2026-12-04

The domain tables mirror the local store's synced tables (crmdesk/storage/models.py
at local schema 0004) and add ``row_version`` (bumped by a trigger under the row
lock), ``field_meta`` (per column: the version, hybrid clock stamp, client and
login of its last change) and ``last_hlc`` (the stamp of the row's last change,
sent to clients instead of the whole ``field_meta``). Everything else is SQL:
the ``sync`` schema, the triggers that write the change markers, the push and
pull functions and the row-level security policies. The row-version trigger
compares rows with the ``hstore`` extension (PostgreSQL contrib), which this
migration installs into the ``sync`` schema unless the database has it.

The statements that list a table's columns (row images, pushed updates) read
them from the catalog when they run, so columns added by later migrations are
covered without changing these functions.
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "s0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _create_tables() -> None:
    op.create_table(
        "playbooks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("base_currency", sa.String(length=3), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column(
            "intake", sa.String(length=12), nullable=False, server_default="leads"
        ),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("family", sa.String(length=120), nullable=False),
        sa.Column("list_price_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region", sa.String(length=200), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "customer_states",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("playbook_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["playbook_id"],
            ["playbooks.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("playbook_id", "key"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("login", sa.String(length=120), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("login"),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("state_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("sector", sa.String(length=120), nullable=False),
        sa.Column("country", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False, server_default=""),
        sa.Column("campaign", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("lead_id", sa.Uuid(), nullable=True),
        sa.Column("state_changed_at", sa.DateTime(), nullable=True),
        sa.Column("external_source", sa.String(length=40), nullable=True),
        sa.Column("external_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["customers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["state_id"],
            ["customer_states.id"],
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_source", "external_key"),
    )
    op.create_table(
        "series",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("playbook_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("team_key", sa.String(length=80), nullable=False),
        sa.Column("start_state_id", sa.Uuid(), nullable=True),
        sa.Column("end_state_id", sa.Uuid(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("allow_skip", sa.Boolean(), nullable=False),
        sa.Column("allow_backward", sa.Boolean(), nullable=False),
        sa.Column("allow_reopen", sa.Boolean(), nullable=False),
        sa.Column("checklist_gates", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["end_state_id"],
            ["customer_states.id"],
        ),
        sa.ForeignKeyConstraint(
            ["playbook_id"],
            ["playbooks.id"],
        ),
        sa.ForeignKeyConstraint(
            ["start_state_id"],
            ["customer_states.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("playbook_id", "key"),
    )
    op.create_table(
        "reasons",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("series_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("result", sa.String(length=8), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("note_required", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("series_id", "result", "key"),
    )
    op.create_table(
        "stages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("series_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("default_probability", sa.Integer(), nullable=False),
        sa.Column("exit_criterion_en", sa.Text(), nullable=False),
        sa.Column("exit_criterion_zh", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("series_id", "key"),
    )
    op.create_table(
        "checklist_actions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("stage_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("activity", sa.String(length=40), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stages.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stage_id", "key"),
    )
    op.create_table(
        "approval_types",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("stage_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("blocks_promotion", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["stage_id"], ["stages.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stage_id", "key"),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("job_title", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_contacts_customer", "contacts", ["customer_id"])
    op.create_index("ix_contacts_team", "contacts", ["team_id"])
    op.create_table(
        "leads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("company", sa.String(length=300), nullable=False),
        sa.Column("person", sa.String(length=200), nullable=False),
        sa.Column("job_title", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("phone_raw", sa.String(length=80), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("campaign", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("flag_reason", sa.Text(), nullable=False),
        sa.Column("not_duplicate_of", sa.Text(), nullable=False, server_default=""),
        sa.Column("duplicate_of_lead_id", sa.Uuid(), nullable=True),
        sa.Column("duplicate_of_customer_id", sa.Uuid(), nullable=True),
        sa.Column("merged_into_id", sa.Uuid(), nullable=True),
        sa.Column("converted_customer_id", sa.Uuid(), nullable=True),
        sa.Column("converted_contact_id", sa.Uuid(), nullable=True),
        sa.Column("converted_opportunity_id", sa.Uuid(), nullable=True),
        sa.Column("converted_at", sa.DateTime(), nullable=True),
        sa.Column("external_source", sa.String(length=40), nullable=True),
        sa.Column("external_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["converted_contact_id"], ["contacts.id"]),
        sa.ForeignKeyConstraint(["converted_customer_id"], ["customers.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "external_source", "external_key"),
    )
    op.create_index("ix_leads_team", "leads", ["team_id"])
    op.create_table(
        "customer_state_history",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("from_state_id", sa.Uuid(), nullable=True),
        sa.Column("to_state_id", sa.Uuid(), nullable=False),
        sa.Column("opportunity_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["changed_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.ForeignKeyConstraint(["from_state_id"], ["customer_states.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"]),
        sa.ForeignKeyConstraint(["to_state_id"], ["customer_states.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_customer_state_history_customer",
        "customer_state_history",
        ["customer_id", "changed_at"],
    )
    op.create_table(
        "opportunities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("series_id", sa.Uuid(), nullable=False),
        sa.Column("stage_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("product_id", sa.Uuid(), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("expected_close", sa.Date(), nullable=True),
        sa.Column("manual_probability", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("stage_entered_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("external_source", sa.String(length=40), nullable=True),
        sa.Column("external_key", sa.String(length=200), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.String(length=120), nullable=False, server_default=""),
        sa.Column("campaign", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("lead_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stages.id"],
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_source", "external_key"),
    )
    op.create_table(
        "checklist_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("opportunity_id", sa.Uuid(), nullable=False),
        sa.Column("action_id", sa.Uuid(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["checklist_actions.id"],
        ),
        sa.ForeignKeyConstraint(
            ["changed_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("opportunity_id", "action_id"),
    )
    op.create_table(
        "outcomes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("opportunity_id", sa.Uuid(), nullable=False),
        sa.Column("result", sa.String(length=8), nullable=False),
        sa.Column("reason_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actual_amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("actual_date", sa.Date(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("reopened_at", sa.DateTime(), nullable=True),
        sa.Column("reopened_by", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reason_id"],
            ["reasons.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reopened_by"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "probability_revisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("opportunity_id", sa.Uuid(), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["changed_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "stage_history",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("opportunity_id", sa.Uuid(), nullable=False),
        sa.Column("from_stage_id", sa.Uuid(), nullable=True),
        sa.Column("to_stage_id", sa.Uuid(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("expected_close", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["changed_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["from_stage_id"],
            ["stages.id"],
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
        ),
        sa.ForeignKeyConstraint(
            ["to_stage_id"],
            ["stages.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "activities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("opportunity_id", sa.Uuid(), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("checklist_action_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["checklist_action_id"], ["checklist_actions.id"]),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.ForeignKeyConstraint(["opportunity_id"], ["opportunities.id"]),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_activities_opportunity", "activities", ["opportunity_id"])
    op.create_table(
        "approvals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("opportunity_id", sa.Uuid(), nullable=False),
        sa.Column("approval_type_id", sa.Uuid(), nullable=False),
        sa.Column("stage_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("approver_id", sa.Uuid(), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("approved_amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["approval_type_id"], ["approval_types.id"]),
        sa.ForeignKeyConstraint(["approver_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["opportunity_id"], ["opportunities.id"]),
        sa.ForeignKeyConstraint(["requested_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["stage_id"], ["stages.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_approvals_opportunity", "approvals", ["opportunity_id", "status"]
    )
    op.create_table(
        "approval_decisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("approval_id", sa.Uuid(), nullable=False),
        sa.Column("opportunity_id", sa.Uuid(), nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("corrected_amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["approval_id"], ["approvals.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["opportunity_id"], ["opportunities.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_approval_decisions_opportunity", "approval_decisions", ["opportunity_id"]
    )


CONFIG_TABLES = (
    "playbooks",
    "products",
    "teams",
    "customer_states",
    "users",
    "series",
    "reasons",
    "stages",
    "checklist_actions",
    "approval_types",
)
# Shared within a team: bucket ``team:<team_id>``, read and written by the team.
TEAM_TABLES = ("customers", "contacts", "leads", "customer_state_history")
# Rows of a deal: they follow the deal's buckets and move with it. An activity
# without a deal is shared within its team instead. Parents come first, so the
# reversed list drops children first.
CHILD_TABLES = (
    "checklist_items",
    "outcomes",
    "probability_revisions",
    "stage_history",
    "activities",
    "approvals",
    "approval_decisions",
)
SYNCED_TABLES = (*CONFIG_TABLES, *TEAM_TABLES, "opportunities", *CHILD_TABLES)

# Fields where a concurrent change keeps the server value and records a conflict.
# A conflict on an aborting field refuses the whole local transaction: a close or
# a reopen is a stage move plus outcome and history rows; a lead's conversion or
# merge writes the lead and the records made from it; a decision on an approval
# writes the approval, a decision row and maybe a corrected deal amount.
BLOCKING = (
    "opportunities.stage_id",
    "opportunities.manual_probability",
    "opportunities.amount_minor",
    "opportunities.currency",
    "opportunities.expected_close",
    "outcomes.result",
    "outcomes.actual_amount_minor",
    "outcomes.actual_date",
    "leads.status",
    "leads.merged_into_id",
    "leads.converted_customer_id",
    "leads.converted_contact_id",
    "leads.converted_opportunity_id",
    "approvals.status",
    "approvals.approved_amount_minor",
)
ABORTING = (
    "opportunities.stage_id",
    "leads.status",
    "leads.merged_into_id",
    "leads.converted_customer_id",
    "approvals.status",
)
# Money columns, in minor units, and their limit: the laptop's amount check
# (crmdesk.domain.money.MAX_MINOR), so that a pushed or hand-written amount
# cannot overflow the sums of the team lead's reports.
MONEY_COLUMNS = (
    ("products", "list_price_minor"),
    ("opportunities", "amount_minor"),
    ("outcomes", "actual_amount_minor"),
    ("stage_history", "amount_minor"),
    ("approvals", "amount_minor"),
    ("approvals", "approved_amount_minor"),
    ("approval_decisions", "amount_minor"),
    ("approval_decisions", "corrected_amount_minor"),
)
MAX_AMOUNT_MINOR = 10**13

# How far ahead of the server's clock a stamp may be; later stamps are clamped.
MAX_SKEW_MS = 5 * 60 * 1000
# A UUID in its text form, with or without hyphens, as a PostgreSQL regex literal.
UUID_PATTERN = "'^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$'"

# Bookkeeping fields merged by the hybrid clock without a conflict record.
SILENT = ("updated_at", "stage_entered_at", "changed_at", "changed_by", "loaded_at")


def _roles() -> dict[str, str]:
    prefix = context.config.attributes.get("role_prefix", "crmdesk")
    return {
        "owner": f"{prefix}_owner",
        "app": f"{prefix}_app",
        "rep": f"{prefix}_rep",
        "lead": f"{prefix}_lead",
        "admin": f"{prefix}_admin",
        "prefix": prefix,
    }


def _array(values: Sequence[str]) -> str:
    return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]::text[]"


ROLES_SQL = """
DO $roles$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{owner}') THEN
    CREATE ROLE {owner} NOLOGIN BYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{app}') THEN
    CREATE ROLE {app} NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{rep}') THEN
    CREATE ROLE {rep} NOLOGIN IN ROLE {app};
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{lead}') THEN
    CREATE ROLE {lead} NOLOGIN IN ROLE {app};
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{admin}') THEN
    CREATE ROLE {admin} NOLOGIN IN ROLE {app};
  END IF;
END
$roles$;
"""

SYNC_TABLES_SQL = """
CREATE SCHEMA sync;
CREATE TABLE sync.server_info (
  id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  generation uuid NOT NULL DEFAULT gen_random_uuid(),
  min_client_schema int NOT NULL DEFAULT 5,
  tombstone_horizon timestamptz NOT NULL DEFAULT '1970-01-01 00:00:00+00',
  role_prefix text NOT NULL
);
INSERT INTO sync.server_info (role_prefix) VALUES ('{prefix}');
CREATE SEQUENCE sync.change_seq;
CREATE TABLE sync.marker (
  bucket text NOT NULL,
  tbl text NOT NULL,
  row_id uuid NOT NULL,
  txid xid8 NOT NULL,
  change_id bigint NOT NULL,
  op text NOT NULL CHECK (op IN ('put', 'delete', 'remove')),
  row_version bigint NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (bucket, tbl, row_id)
);
CREATE INDEX marker_cursor ON sync.marker (bucket, txid, change_id);
CREATE TABLE sync.client (
  client_id uuid PRIMARY KEY,
  login text NOT NULL DEFAULT session_user,
  last_seq bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE sync.applied_mutation (
  client_id uuid NOT NULL,
  client_seq bigint NOT NULL,
  mutation_id uuid NOT NULL,
  result jsonb NOT NULL,
  digest text,
  login text NOT NULL DEFAULT session_user,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, client_seq)
);
CREATE TABLE sync.conflict (
  id bigserial PRIMARY KEY,
  login text NOT NULL DEFAULT session_user,
  user_id uuid,
  team_id uuid,
  client_id uuid NOT NULL,
  client_seq bigint NOT NULL,
  mutation_id uuid NOT NULL,
  kind text NOT NULL,
  tbl text NOT NULL,
  row_id uuid NOT NULL,
  field text,
  mine jsonb,
  theirs jsonb,
  base jsonb,
  message text NOT NULL DEFAULT '',
  other_login text,
  kept text,
  sqlstate text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conflict_row ON sync.conflict (tbl, row_id);
CREATE TABLE public.workspace_settings (
  key varchar(80) PRIMARY KEY,
  value text NOT NULL
);
ALTER TABLE public.workspace_settings OWNER TO {owner};
GRANT SELECT ON public.workspace_settings TO {app};
"""


IDENTITY_SQL = """
-- plpgsql rather than SQL: SECURITY DEFINER SQL functions are not inlined, and
-- plpgsql keeps its statement plans for the session.
CREATE FUNCTION sync.me() RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  RETURN (SELECT id FROM public.users
           WHERE login = session_user AND deleted_at IS NULL);
END $$;
CREATE FUNCTION sync.my_team() RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  RETURN (SELECT team_id FROM public.users
           WHERE login = session_user AND deleted_at IS NULL);
END $$;
CREATE FUNCTION sync.my_role() RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  RETURN (SELECT role FROM public.users
           WHERE login = session_user AND deleted_at IS NULL);
END $$;
CREATE FUNCTION sync.my_buckets() RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  RETURN (SELECT array_remove(CASE u.role
    WHEN 'admin' THEN ARRAY['config', 'all']
    WHEN 'lead' THEN ARRAY['config', 'team:' || u.team_id, 'lead:' || u.team_id,
                           'rep:' || u.id]
    ELSE ARRAY['config', 'team:' || u.team_id, 'rep:' || u.id] END, NULL)
    FROM public.users u WHERE u.login = session_user AND u.deleted_at IS NULL);
END $$;
CREATE FUNCTION sync.synced_tables() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$ SELECT {synced} $$;
-- The columns of a synced table other than ``p_skip``, in table order, read from
-- the catalog on each call: statements built from them cover columns that later
-- migrations add.
CREATE FUNCTION sync.columns_of(p_tbl text, p_skip text[]) RETURNS text[]
LANGUAGE sql STABLE SET search_path = pg_catalog, public AS $$
  SELECT coalesce(array_agg(a.attname::text ORDER BY a.attnum), '{{}}')
    FROM pg_attribute a
   WHERE a.attrelid = to_regclass(format('public.%I', p_tbl)) AND a.attnum > 0
     AND NOT a.attisdropped AND NOT a.attname = ANY (p_skip)
$$;
-- The columns a change may write: all but the bookkeeping.
CREATE FUNCTION sync.write_columns(p_tbl text) RETURNS text[]
LANGUAGE sql STABLE SET search_path = pg_catalog, public AS $$
  SELECT sync.columns_of(p_tbl, ARRAY['row_version', 'field_meta', 'version',
                                      'last_hlc'])
$$;
-- The select list of a row image: every column but field_meta, as ``alias.column``.
-- row_to_json of these columns costs a fraction of to_jsonb(row) - 'field_meta',
-- which converts the large field_meta only to drop it again.
CREATE FUNCTION sync.image_list(p_tbl text, p_alias text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, public AS $$
  SELECT string_agg(format('%I.%I', p_alias, c), ', ')
    FROM unnest(sync.columns_of(p_tbl, ARRAY['field_meta'])) c
$$;
-- A row image as push results carry it: the JSON text and the row version.
CREATE FUNCTION sync.image_entry(p_image jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object('image', p_image::text,
                            'version', (p_image ->> 'row_version')::bigint)
$$;
CREATE FUNCTION sync.row_image(p_tbl text, p_id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY INVOKER SET search_path = pg_catalog, public AS $$
DECLARE v jsonb;
BEGIN
  IF NOT p_tbl = ANY (sync.synced_tables()) THEN RETURN NULL; END IF;
  EXECUTE format('SELECT row_to_json((SELECT r FROM (SELECT %s) r))::jsonb '
                 'FROM public.%I t WHERE t.id = $1', sync.image_list(p_tbl, 't'), p_tbl)
    INTO v USING p_id;
  RETURN v;
END $$;
"""

TRIGGERS_SQL = """
CREATE FUNCTION sync.bump() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
  v_by text := coalesce(nullif(current_setting('crmdesk.client_id', true), ''),
                        'sql:' || session_user);
  v_stamp text := current_setting('crmdesk.hlc', true);
  v_hlc bigint;
  v_meta jsonb := '{{}}';
  v_keys text[];
  v_entry jsonb;
  k text;
BEGIN
  IF v_stamp = 'row' AND NEW.last_hlc > 0 THEN
    -- A push that writes many rows in one statement gives each row its stamp.
    v_hlc := NEW.last_hlc;
  ELSE
    v_hlc := coalesce(nullif(nullif(v_stamp, 'row'), '')::bigint,
      (floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint << 16));
  END IF;
  -- field_meta is bookkeeping and the largest column: it stays out of the
  -- comparison. hstore compares the columns' text forms in C, where a jsonb
  -- comparison needed a query for every row.
  NEW.field_meta := NULL;
  IF TG_OP = 'INSERT' THEN
    NEW.row_version := 1;
    v_keys := {hs}.akeys({hs}.hstore(NEW) OPERATOR({hs}.-)
                         '{{row_version,version,last_hlc,field_meta}}'::text[]);
  ELSE
    v_meta := OLD.field_meta;
    OLD.field_meta := NULL;
    NEW.row_version := OLD.row_version + 1;
    v_keys := {hs}.akeys(({hs}.hstore(NEW) OPERATOR({hs}.-) {hs}.hstore(OLD))
                         OPERATOR({hs}.-) '{{row_version,version,last_hlc}}'::text[]);
  END IF;
  -- A stamp set by hand in a plain SQL session is clamped like a pushed one,
  -- because a far-future stamp would win every later merge.
  v_hlc := least(v_hlc, (floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint
                         + {max_skew_ms}) << 16);
  NEW.version := NEW.row_version;
  NEW.last_hlc := v_hlc;
  v_entry := jsonb_build_object('v', NEW.row_version, 'hlc', v_hlc, 'by', v_by,
                                'login', session_user);
  FOREACH k IN ARRAY v_keys LOOP
    v_meta := v_meta || jsonb_build_object(k, v_entry);
  END LOOP;
  NEW.field_meta := v_meta;
  RETURN NEW;
END $$;

CREATE FUNCTION sync.buckets_for(p_tbl text, p_row jsonb) RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF p_row IS NULL THEN RETURN '{{}}'; END IF;
{buckets_body}
END $$;

-- One call per statement, with the statement's old and new rows: the buckets
-- of every row, then one upsert of all their markers. A row trigger cost a
-- function call, a bucket lookup and an upsert for every row.
CREATE FUNCTION sync.mark_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  v_deal record;
  v_old text[];
  v_new text[];
  v_child text;
BEGIN
{mark_body}
  IF TG_TABLE_NAME = 'opportunities' AND TG_OP = 'UPDATE' THEN
    -- A deal that changed hands or teams: its child rows follow it.
    FOR v_deal IN
      SELECT n.id, to_jsonb(o) AS old_row, to_jsonb(n) AS new_row
        FROM new_rows n JOIN old_rows o ON o.id = n.id
       WHERE {deal_old} IS DISTINCT FROM {deal_new}
    LOOP
      v_old := sync.buckets_for('opportunities', v_deal.old_row);
      v_new := sync.buckets_for('opportunities', v_deal.new_row);
      FOREACH v_child IN ARRAY {children} LOOP
        EXECUTE format(
          'INSERT INTO sync.marker AS m '
          '(bucket, tbl, row_id, txid, change_id, op, row_version) '
          'SELECT x.bucket, %L, c.id, pg_current_xact_id(), '
          'nextval(''sync.change_seq''), x.op, c.row_version '
          'FROM public.%I c, LATERAL ('
          'SELECT b, ''remove'' FROM unnest($2::text[]) b WHERE NOT b = ANY ($3) '
          'UNION ALL SELECT b, CASE WHEN c.deleted_at IS NULL THEN ''put'' '
          'ELSE ''delete'' END FROM unnest($3::text[]) b) AS x(bucket, op) '
          'WHERE c.opportunity_id = $1 '
          'ON CONFLICT (bucket, tbl, row_id) DO UPDATE '
          'SET txid = EXCLUDED.txid, change_id = EXCLUDED.change_id, '
          'op = EXCLUDED.op, row_version = EXCLUDED.row_version, changed_at = now()',
          v_child, v_child) USING v_deal.id, v_old, v_new;
      END LOOP;
    END LOOP;
  END IF;
  RETURN NULL;
END $$;

-- Once per statement: a lead may change only the win probability and the owner
-- of a team member's deal.
CREATE FUNCTION sync.check_opportunity_update() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE v_changed text;
BEGIN
  IF sync.my_role() = 'lead' THEN
    SELECT string_agg(DISTINCT k.key, ', ' ORDER BY k.key) INTO v_changed
      FROM new_rows n JOIN old_rows o ON o.id = n.id,
           unnest({hs}.akeys({hs}.hstore(n) OPERATOR({hs}.-) {hs}.hstore(o))) AS k(key)
     WHERE o.owner_id IS DISTINCT FROM sync.me()
       AND k.key NOT IN ('manual_probability', 'owner_id', 'updated_at',
                         'row_version', 'field_meta', 'version', 'last_hlc')
       -- The amount only while the deal has an approval request: the lead may
       -- correct it when deciding.
       AND NOT (k.key = 'amount_minor' AND EXISTS (
             SELECT 1 FROM public.approvals a
              WHERE a.opportunity_id = o.id AND a.deleted_at IS NULL));
    IF v_changed IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = format(
        'a team lead may change only the win probability and the owner of a team '
        'member''s deal, and its amount when deciding an approval, not %s',
        v_changed);
    END IF;
    -- A lead hands a deal on only within its team: another team's rep could
    -- read the deal but not change it, and the team's reps would lose it.
    SELECT string_agg(DISTINCT n.owner_id::text, ', ') INTO v_changed
      FROM new_rows n JOIN old_rows o ON o.id = n.id
      LEFT JOIN public.users u ON u.id = n.owner_id
     WHERE n.owner_id IS DISTINCT FROM o.owner_id AND n.owner_id IS NOT NULL
       AND u.team_id IS DISTINCT FROM n.team_id;
    IF v_changed IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = format(
        'a team lead may give a deal only to a member of the deal''s team; user %s '
        'is not one: ask an admin to move the deal to another team', v_changed);
    END IF;
  END IF;
  RETURN NULL;
END $$;
"""

APPROVALS_SQL = """
CREATE FUNCTION sync.check_approval_update() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
  v_role text := sync.my_role();
  v_owner boolean;
  v_lead boolean;
  v_changed text;
BEGIN
  -- Admins, superusers and the server's own invalidation (running as the
  -- owner role) change anything; row-level security already limits the rest.
  IF v_role IS NULL OR v_role = 'admin' OR current_user = '{owner}' THEN
    RETURN NEW;
  END IF;
  SELECT coalesce(o.owner_id = sync.me(), false),
         v_role = 'lead' AND o.team_id IS NOT DISTINCT FROM sync.my_team()
         AND o.owner_id IS DISTINCT FROM sync.me()
    INTO v_owner, v_lead
    FROM public.opportunities o WHERE o.id = OLD.opportunity_id;
  v_owner := coalesce(v_owner, false);
  v_lead := coalesce(v_lead, false);
  -- A decided request keeps the amount it was decided for. The owner's laptop
  -- moves a pending request's amount with the deal's, and that change may
  -- arrive after the lead decided: the deal's amount then reaches the request
  -- through sync.settle_approvals (invalidated, asked again) or is a conflict.
  IF v_owner AND NOT v_lead AND OLD.status <> 'pending' THEN
    NEW.amount_minor := OLD.amount_minor;
    NEW.currency := OLD.currency;
  END IF;
  SELECT string_agg(e.key, ', ' ORDER BY e.key) INTO v_changed
    FROM jsonb_each(to_jsonb(NEW)) e
   WHERE e.value IS DISTINCT FROM to_jsonb(OLD) -> e.key
     AND e.key NOT IN ('row_version', 'field_meta', 'version', 'last_hlc')
     AND NOT (v_lead AND e.key IN ('status', 'approved_amount_minor', 'comment',
                                   'decided_at', 'decided_by'))
     -- A corrected amount moves the deal's other pending requests with it.
     AND NOT (v_lead AND OLD.status = 'pending' AND e.key IN ('amount_minor',
                                                              'currency'))
     AND NOT (v_owner AND (e.key IN ('amount_minor', 'currency')
                           OR (NEW.status = 'invalidated'
                               AND e.key IN ('status', 'comment', 'decided_at',
                                             'decided_by'))));
  IF v_changed IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = format(
      'you may not change %s of this approval: the team lead of the deal''s team '
      'decides it, and the deal''s owner may only change the requested amount or '
      'mark it invalidated', v_changed);
  END IF;
  RETURN NEW;
END $$;

-- An approval stays approved only for the amount approved. Whenever a deal's
-- amount or currency and an approved request of it disagree at commit, whichever
-- change came last, the server marks the request invalidated, records an
-- ``invalidated`` decision and opens a new pending request for the current amount.
-- A pending request likewise takes the deal's current amount.
-- Deferred to commit, so the order of the changes inside a push does not matter
-- (a lead's decision with an amount correction writes both), and done by the
-- server, so every client pulls the same result.
CREATE FUNCTION sync.settle_approvals() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  v_deal_id uuid;
  v_deal public.opportunities;
  v_by text := current_setting('crmdesk.client_id', true);
  v_hlc text := current_setting('crmdesk.hlc', true);
  v_now timestamp := clock_timestamp() AT TIME ZONE 'UTC';
  a record;
BEGIN
  IF TG_TABLE_NAME = 'opportunities' THEN
    v_deal_id := NEW.id;
  ELSE
    v_deal_id := NEW.opportunity_id;
  END IF;
  SELECT * INTO v_deal FROM public.opportunities WHERE id = v_deal_id;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  -- Stamped as the server's change, by the server clock.
  PERFORM set_config('crmdesk.client_id', 'server', true);
  PERFORM set_config('crmdesk.hlc', '', true);
  -- A waiting request is for the deal's amount as it is now.
  UPDATE public.approvals
     SET amount_minor = v_deal.amount_minor, currency = v_deal.currency
   WHERE opportunity_id = v_deal_id AND status = 'pending' AND deleted_at IS NULL
     AND (amount_minor IS DISTINCT FROM v_deal.amount_minor
          OR currency IS DISTINCT FROM v_deal.currency);
  FOR a IN SELECT * FROM public.approvals
            WHERE opportunity_id = v_deal_id AND status = 'approved'
              AND deleted_at IS NULL
              AND (approved_amount_minor IS DISTINCT FROM v_deal.amount_minor
                   OR currency IS DISTINCT FROM v_deal.currency)
            ORDER BY requested_at, id FOR UPDATE LOOP
    UPDATE public.approvals SET status = 'invalidated' WHERE id = a.id;
    INSERT INTO public.approval_decisions (id, approval_id, opportunity_id,
        decision, comment, amount_minor, corrected_amount_minor, currency,
        decided_at, decided_by, version)
    VALUES (gen_random_uuid(), a.id, v_deal_id, 'invalidated', '',
            v_deal.amount_minor, NULL, v_deal.currency, v_now, NULL, 0);
    IF v_deal.deleted_at IS NULL AND NOT EXISTS (
        SELECT 1 FROM public.approvals p
         WHERE p.opportunity_id = v_deal_id AND p.status = 'pending'
           AND p.approval_type_id = a.approval_type_id AND p.deleted_at IS NULL) THEN
      INSERT INTO public.approvals (id, opportunity_id, approval_type_id, stage_id,
          status, approver_id, amount_minor, currency, approved_amount_minor,
          comment, requested_at, requested_by, decided_at, decided_by, version)
      VALUES (gen_random_uuid(), v_deal_id, a.approval_type_id, a.stage_id,
              'pending', coalesce((SELECT t.lead_id FROM public.teams t
                                    WHERE t.id = v_deal.team_id), a.approver_id),
              v_deal.amount_minor, v_deal.currency, NULL, '', v_now,
              v_deal.owner_id, NULL, NULL, 0);
    END IF;
  END LOOP;
  PERFORM set_config('crmdesk.client_id', coalesce(v_by, ''), true);
  PERFORM set_config('crmdesk.hlc', coalesce(v_hlc, ''), true);
  RETURN NULL;
END $$;

CREATE TRIGGER a_check_approval BEFORE UPDATE ON public.approvals
  FOR EACH ROW EXECUTE FUNCTION sync.check_approval_update();

-- Once per statement: a deal moves forward from an open stage (to a later open
-- stage or to won) only when no blocking approval request of a stage it has
-- reached is pending or rejected. The laptop checks the same before the move;
-- this catches a move made on a laptop that had not yet heard that the request
-- went back to pending (an amount change on another laptop). A request's
-- current state per type is ranked as on the laptop: pending or approved over
-- rejected over invalidated, then the newest.
CREATE FUNCTION sync.check_blocking_approvals() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE v_blocked text;
BEGIN
  SELECT string_agg(DISTINCT format('%s of stage %s (%s)', t.name_en, rs.name_en,
                                    a.status), ', ')
    INTO v_blocked
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    JOIN public.stages os ON os.id = o.stage_id
    JOIN public.stages ns ON ns.id = n.stage_id
    JOIN LATERAL (
      SELECT DISTINCT ON (r.approval_type_id) r.*
        FROM public.approvals r
       WHERE r.opportunity_id = n.id AND r.deleted_at IS NULL
       ORDER BY r.approval_type_id,
                CASE r.status WHEN 'pending' THEN 3 WHEN 'approved' THEN 3
                              WHEN 'rejected' THEN 2 ELSE 1 END DESC,
                r.requested_at DESC, r.id DESC) a ON true
    JOIN public.approval_types t ON t.id = a.approval_type_id
    JOIN public.stages rs ON rs.id = a.stage_id
   WHERE n.stage_id IS DISTINCT FROM o.stage_id
     AND os.kind = 'open'
     AND (ns.kind = 'won' OR (ns.kind = 'open' AND ns.position > os.position))
     AND a.status IN ('pending', 'rejected')
     AND t.blocks_promotion AND t.deleted_at IS NULL
     AND rs.position <= os.position;
  IF v_blocked IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = format(
      'the deal cannot move on while the approval %s is not approved: the team '
      'lead must approve it first', v_blocked);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER a_check_blocking AFTER UPDATE ON public.opportunities
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sync.check_blocking_approvals();
CREATE CONSTRAINT TRIGGER settle_approvals_on_amount
  AFTER UPDATE OF amount_minor, currency ON public.opportunities
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.amount_minor IS DISTINCT FROM NEW.amount_minor
        OR OLD.currency IS DISTINCT FROM NEW.currency)
  EXECUTE FUNCTION sync.settle_approvals();
CREATE CONSTRAINT TRIGGER settle_approvals_on_decision
  AFTER INSERT OR UPDATE OF status, amount_minor, approved_amount_minor, currency
  ON public.approvals
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (NEW.status IN ('approved', 'pending'))
  EXECUTE FUNCTION sync.settle_approvals();
ALTER FUNCTION sync.settle_approvals() OWNER TO {owner};
ALTER FUNCTION sync.check_approval_update() OWNER TO {owner};
REVOKE ALL ON FUNCTION sync.settle_approvals() FROM PUBLIC;
"""


def _bucket_rule(kind: str, column: Callable[[str], str]) -> str:
    """SQL for the buckets of one row of a kind of table.

    ``column(name)`` is the SQL that reads a column of the row (a uuid or its
    text). The same rule serves the marker trigger (columns of the statement's
    rows) and ``sync.buckets_for`` (fields of a JSON row).
    """
    if kind == "config":
        return "ARRAY['config']"
    if kind == "team":
        return f"array_remove(ARRAY['all', 'team:' || {column('team_id')}], NULL)"
    if kind == "deal":
        return (
            f"array_remove(ARRAY['all', 'rep:' || {column('owner_id')}, "
            f"'lead:' || {column('team_id')}], NULL)"
        )
    if kind == "activity":
        # An activity on a deal follows the deal; one without a deal is the team's.
        return (
            f"CASE WHEN {column('opportunity_id')} IS NULL "
            f"THEN {_bucket_rule('team', column)} "
            f"ELSE {_bucket_rule('child', column)} END"
        )
    # A child row is in the buckets of its deal.
    deal = _bucket_rule("deal", lambda name: f"d.{name}")
    return (
        f"coalesce((SELECT {deal} FROM public.opportunities d "
        f"WHERE d.id = ({column('opportunity_id')})::uuid), '{{}}'::text[])"
    )


def _kinds() -> list[tuple[str, tuple[str, ...]]]:
    return [
        ("config", CONFIG_TABLES),
        ("team", TEAM_TABLES),
        ("deal", ("opportunities",)),
        ("child", tuple(t for t in CHILD_TABLES if t != "activities")),
        ("activity", ("activities",)),
    ]


def _buckets_body() -> str:
    lines = []
    for kind, tables in _kinds():
        rule = _bucket_rule(kind, lambda name: f"(p_row ->> '{name}')")
        lines.append(f"  IF p_tbl = ANY ({_array(tables)}) THEN RETURN {rule}; END IF;")
    lines.append("  RETURN '{}';")
    return "\n".join(lines)


def _marker_upsert(rows: str) -> str:
    """One upsert of the markers of ``rows`` (id, row_version, op, new_b, old_b)."""
    return f"""
      WITH s AS ({rows})
      INSERT INTO sync.marker AS m (bucket, tbl, row_id, txid, change_id, op,
                                    row_version)
      SELECT x.bucket, TG_TABLE_NAME, x.id, pg_current_xact_id(),
             nextval('sync.change_seq'), x.op, x.row_version
        FROM (SELECT s.id, s.row_version, 'remove' AS op, b.bucket
                FROM s, unnest(s.old_b) AS b(bucket)
               WHERE NOT b.bucket = ANY (s.new_b)
              UNION ALL
              SELECT s.id, s.row_version, s.op, b.bucket
                FROM s, unnest(s.new_b) AS b(bucket)) x
      ON CONFLICT (bucket, tbl, row_id) DO UPDATE
         SET txid = EXCLUDED.txid, change_id = EXCLUDED.change_id, op = EXCLUDED.op,
             row_version = EXCLUDED.row_version, changed_at = now();"""


def _mark_body() -> str:
    put = "CASE WHEN n.deleted_at IS NULL THEN 'put' ELSE 'delete' END"
    branches = []
    for kind, tables in _kinds():
        new = _bucket_rule(kind, lambda name: f"n.{name}")
        old = _bucket_rule(kind, lambda name: f"o.{name}")
        inserted = _marker_upsert(
            f"SELECT n.id, n.row_version, {put} AS op, {new} AS new_b, "
            "'{}'::text[] AS old_b FROM new_rows n"
        )
        updated = _marker_upsert(
            f"SELECT n.id, n.row_version, {put} AS op, {new} AS new_b, "
            f"{old} AS old_b FROM new_rows n JOIN old_rows o ON o.id = n.id"
        )
        deleted = _marker_upsert(
            "SELECT o.id, o.row_version, 'remove' AS op, '{}'::text[] AS new_b, "
            f"{old} AS old_b FROM old_rows o"
        )
        branches.append(
            f"  IF TG_TABLE_NAME = ANY ({_array(tables)}) THEN\n"
            f"    IF TG_OP = 'INSERT' THEN{inserted}\n"
            f"    ELSIF TG_OP = 'UPDATE' THEN{updated}\n"
            f"    ELSE{deleted}\n"
            "    END IF;\n"
            "  END IF;"
        )
    return "\n".join(branches)


PULL_SQL = """
-- The owner reads the markers of one of the caller's buckets past the marker
-- policy: the policy's filter hid the bucket's size from the planner, which then
-- sorted the whole bucket for every page instead of walking the cursor index.
CREATE FUNCTION sync.marker_page(p_bucket text, p_txid xid8, p_change bigint,
                                 p_limit int)
RETURNS TABLE (tbl text, row_id uuid, op text, txid xid8, change_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT m.tbl, m.row_id, m.op, m.txid, m.change_id
    FROM sync.marker m
   WHERE m.bucket = p_bucket
     AND p_bucket = ANY (sync.my_buckets())
     AND (m.txid, m.change_id) > (p_txid, p_change)
     AND m.txid < pg_snapshot_xmin(pg_current_snapshot())
   ORDER BY m.txid, m.change_id
   LIMIT p_limit
$$;
CREATE FUNCTION sync.newest_marker(p_bucket text) RETURNS xid8
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT m.txid FROM sync.marker m
   WHERE m.bucket = p_bucket AND p_bucket = ANY (sync.my_buckets())
   ORDER BY m.txid DESC LIMIT 1
$$;

CREATE FUNCTION sync.pull(p_bucket text, p_txid xid8, p_change bigint, p_limit int)
RETURNS TABLE (kind text, tbl text, row_id uuid, op text, txid xid8,
               change_id bigint, row_version bigint, last_hlc bigint, data text)
LANGUAGE plpgsql STABLE SECURITY INVOKER SET search_path = pg_catalog, public AS $$
#variable_conflict use_column
DECLARE
  -- A STABLE function runs every statement on its caller's snapshot, so the
  -- horizon, the markers and the row images all come from one snapshot: the
  -- cursor never passes a transaction that is still running.
  v_horizon xid8 := pg_snapshot_xmin(pg_current_snapshot());
  v_xmax xid8 := pg_snapshot_xmax(pg_current_snapshot());
  v_tbls text[];
  v_ids uuid[];
  v_ops text[];
  v_txids xid8[];
  v_changes bigint[];
  v_images text;
BEGIN
  RETURN QUERY
    SELECT 'header'::text, NULL::text, NULL::uuid, NULL::text, v_horizon,
           NULL::bigint, NULL::bigint, NULL::bigint,
           jsonb_build_object(
             'server_ms', floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint,
             'server_time', now(),
             'generation', i.generation,
             'min_client_schema', i.min_client_schema,
             'tombstone_horizon', i.tombstone_horizon,
             'xid_ahead', coalesce(sync.newest_marker(p_bucket) >= v_xmax, false)
           )::text
      FROM sync.server_info i;
  SELECT array_agg(m.tbl ORDER BY m.n), array_agg(m.row_id ORDER BY m.n),
         array_agg(m.op ORDER BY m.n), array_agg(m.txid ORDER BY m.n),
         array_agg(m.change_id ORDER BY m.n)
    INTO v_tbls, v_ids, v_ops, v_txids, v_changes
    FROM sync.marker_page(p_bucket, p_txid, p_change, p_limit)
         WITH ORDINALITY AS m(tbl, row_id, op, txid, change_id, n);
  IF v_tbls IS NULL THEN
    RETURN;
  END IF;
  -- One join per table on the page, under the caller's row-level security.
  SELECT string_agg(format(
           'SELECT %L::text AS tbl, x.id, x.row_version, x.last_hlc, '
           'row_to_json((SELECT r FROM (SELECT %s) r))::text AS data '
           'FROM public.%I x WHERE x.id = ANY ($2)',
           t.name, sync.image_list(t.name, 'x'), t.name), ' UNION ALL ')
    INTO v_images
    FROM (SELECT DISTINCT u.name FROM unnest(v_tbls) AS u(name)) t
   WHERE t.name = ANY (sync.synced_tables());
  RETURN QUERY EXECUTE format(
    'SELECT ''row''::text, p.tbl, p.row_id, p.op, p.txid, p.change_id, '
    'i.row_version, i.last_hlc, i.data '
    'FROM unnest($1, $2, $3, $4, $5) WITH ORDINALITY '
    'AS p(tbl, row_id, op, txid, change_id, n) '
    'LEFT JOIN (%s) i ON i.tbl = p.tbl AND i.id = p.row_id AND p.op <> ''remove'' '
    'ORDER BY p.n',
    coalesce(v_images, 'SELECT NULL::text AS tbl, NULL::uuid AS id, '
             'NULL::bigint AS row_version, NULL::bigint AS last_hlc, '
             'NULL::text AS data WHERE false'))
    USING v_tbls, v_ids, v_ops, v_txids, v_changes;
END $$;
"""

PUSH_SQL = """
-- Updates of distinct rows of one table, in one local transaction and in order:
-- one statement locks, reads and compares all the rows, the merge runs in
-- memory, and one statement writes every row that takes a change. The rows are
-- independent of each other, so this gives what applying the changes one by one
-- gives. The result has one entry per change up to the first refusal, which
-- carries 'abort'.
-- A change that names a column the server's table lacks is rejected with the
-- column's name: applying the rest would drop that value without a trace.
CREATE FUNCTION sync.check_columns(p_tbl text, p_changes jsonb) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public AS $$
DECLARE
  v_columns text[] := sync.columns_of(p_tbl, '{{}}');
  v_unknown text;
BEGIN
  SELECT string_agg(DISTINCT k, ', ' ORDER BY k) INTO v_unknown
    FROM jsonb_array_elements(p_changes) e,
         jsonb_object_keys(coalesce(e.value -> 'fields', '{{}}')) k
   WHERE NOT k = ANY (v_columns);
  IF v_unknown IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '42703', MESSAGE = format(
      'table %s on the server has no column %s: this crmdesk is newer than the '
      'server, so an admin must upgrade it with crmdesk server init', p_tbl,
      v_unknown);
  END IF;
END $$;

CREATE FUNCTION sync.apply_updates(p_client uuid, p_tbl text, p_run jsonb)
RETURNS jsonb[]
LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, public AS $$
DECLARE
  v_cols text[] := sync.write_columns(p_tbl);
  v_count int := jsonb_array_length(p_run);
  v_bound bigint := (floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint
                     + {max_skew_ms}) << 16;
  v_sent text[];
  v_found boolean[] := '{{}}';
  v_gone boolean[] := '{{}}';
  v_metas jsonb[] := '{{}}';
  v_diffs jsonb[] := '{{}}';
  v_results jsonb[] := '{{}}';
  v_by_id jsonb;
  v_writes jsonb;
  v_write_ids uuid[] := '{{}}';
  v_write_ns int[] := '{{}}';
  v_write_hlcs bigint[] := '{{}}';
  v_write_applies jsonb[] := '{{}}';
  v_written text[] := '{{}}';
  v_wrote boolean[] := '{{}}';
  v_need_ids uuid[] := '{{}}';
  v_last int;
  rec record;
  m jsonb;
  n int;
  i int;
  k text;
  v_id uuid;
  v_fields jsonb;
  v_base bigint;
  v_base_values jsonb;
  v_hlc bigint;
  v_flags jsonb;
  v_meta jsonb;
  v_apply text[];
  v_issues jsonb;
  v_abort boolean;
  v_restoring boolean;
  v_deleting boolean;
  v_norm jsonb;
  v_basev jsonb;
  v_cur jsonb;
  v_mine jsonb;
  v_sql text;
  v_image text := sync.image_list(p_tbl, 't');
  v_status text;
  v_ids uuid[];
BEGIN
  IF NOT p_tbl = ANY (sync.synced_tables()) THEN
    RAISE EXCEPTION 'table % is not synced: this change cannot be sent', p_tbl;
  END IF;
  PERFORM sync.check_columns(p_tbl, p_run);
  -- The columns any change of the run sends, in table order ('id' never changes).
  SELECT coalesce(array_agg(c.name ORDER BY c.pos), '{{}}') INTO v_sent
    FROM unnest(v_cols) WITH ORDINALITY AS c(name, pos)
   WHERE c.name <> 'id'
     AND EXISTS (SELECT 1 FROM jsonb_array_elements(p_run) e
                  WHERE e.value -> 'fields' ? c.name);
  -- Every statement below walks the primary key for the run's ids and finds each
  -- row's change by its id: row-level security makes the planner expect almost
  -- no rows, and a join with the changes then became a nested loop over both.
  SELECT jsonb_object_agg(((e.value ->> 'row_id')::uuid)::text, jsonb_build_object(
           'n', e.n, 'f', coalesce(e.value -> 'fields', '{{}}'))),
         array_agg((e.value ->> 'row_id')::uuid)
    INTO v_by_id, v_ids
    FROM jsonb_array_elements(p_run) WITH ORDINALITY AS e(value, n);
  v_sql := format(
    'SELECT (u.e ->> ''n'')::int AS n, t.field_meta, %s AS gone, '
    'to_jsonb(ARRAY(SELECT c.name FROM unnest($2::text[], %s) AS c(name, differs) '
    'WHERE c.differs AND u.e -> ''f'' ? c.name)) AS diff '
    'FROM public.%I t, LATERAL (SELECT $1 -> t.id::text AS e) u, '
    'LATERAL jsonb_populate_record(NULL::public.%I, u.e -> ''f'') AS r '
    'WHERE t.id = ANY ($3) ORDER BY t.id FOR UPDATE OF t',
    CASE WHEN 'deleted_at' = ANY (v_cols) THEN 't.deleted_at IS NOT NULL'
         ELSE 'false' END,
    CASE WHEN cardinality(v_sent) = 0 THEN '''{{}}''::boolean[]'
         ELSE 'ARRAY[' || (SELECT string_agg(
                             format('r.%1$I IS DISTINCT FROM t.%1$I', c), ', ')
                             FROM unnest(v_sent) c) || ']' END,
    p_tbl, p_tbl);
  FOR rec IN EXECUTE v_sql USING v_by_id, v_sent, v_ids LOOP
    v_found[rec.n] := true;
    v_metas[rec.n] := rec.field_meta;
    v_gone[rec.n] := rec.gone;
    v_diffs[rec.n] := rec.diff;
  END LOOP;

  v_last := v_count;
  FOR n IN 1..v_count LOOP
    m := p_run -> (n - 1);
    v_id := (m ->> 'row_id')::uuid;
    v_fields := coalesce(m -> 'fields', '{{}}');
    v_base := coalesce((m ->> 'base_version')::bigint, 0);
    v_base_values := coalesce(m -> 'base_values', '{{}}');
    v_hlc := coalesce((m ->> 'hlc')::bigint, 0);
    v_flags := '[]';
    IF v_hlc > v_bound THEN
      v_hlc := v_bound;
      v_flags := '["clock_ahead"]';
    END IF;
    v_norm := NULL;
    v_apply := '{{}}';
    v_issues := '[]';
    v_abort := false;
    IF v_found[n] IS NULL THEN
      v_results[n] := jsonb_build_object('abort', true, 'status', 'rejected',
        'issues', jsonb_build_array(jsonb_build_object('kind', 'not_permitted',
          'mine', v_fields,
          'message', 'the row is not on the server or no longer yours to change')));
      v_last := n;
      EXIT;
    END IF;
    v_restoring := v_fields ? 'deleted_at'
                   AND jsonb_typeof(v_fields -> 'deleted_at') = 'null';
    v_deleting := v_fields ? 'deleted_at' AND NOT v_restoring;
    IF v_gone[n] AND NOT v_restoring AND NOT v_deleting THEN
      -- Delete wins over an edit; the edit is kept as a conflict with Restore.
      EXECUTE format('SELECT to_jsonb(jsonb_populate_record(NULL::public.%I, $1))',
                     p_tbl) INTO v_norm USING v_fields;
      SELECT coalesce(jsonb_object_agg(c, v_norm -> c), '{{}}') INTO v_mine
        FROM unnest(v_cols) c WHERE v_fields ? c;
      v_results[n] := jsonb_build_object('abort', true, 'status', 'rejected',
        'issues', jsonb_build_array(jsonb_build_object('kind', 'deleted',
          'mine', v_mine, 'theirs', sync.row_image(p_tbl, v_id) -> 'deleted_at',
          'other_login', v_metas[n] -> 'deleted_at' ->> 'login',
          'message', 'the row was deleted on the server; restore it to keep this '
                     'edit')));
      v_last := n;
      EXIT;
    END IF;
    FOR i IN 0 .. jsonb_array_length(v_diffs[n]) - 1 LOOP
      k := v_diffs[n] ->> i;
      v_meta := v_metas[n] -> k;
      IF k = 'deleted_at' OR v_meta IS NULL OR (v_meta ->> 'v')::bigint <= v_base
         OR v_meta ->> 'by' = p_client::text THEN
        v_apply := v_apply || k;
        CONTINUE;
      END IF;
      IF k = ANY ({silent}) THEN
        IF v_hlc > (v_meta ->> 'hlc')::bigint THEN v_apply := v_apply || k; END IF;
        CONTINUE;
      END IF;
      IF v_norm IS NULL THEN
        -- The values for the issue, in the form the server stores them.
        EXECUTE format('SELECT to_jsonb(jsonb_populate_record(NULL::public.%1$I, $1)), '
                       'to_jsonb(jsonb_populate_record(NULL::public.%1$I, $2))', p_tbl)
          INTO v_norm, v_basev USING v_fields, v_base_values;
        v_cur := sync.row_image(p_tbl, v_id);
      END IF;
      IF (p_tbl || '.' || k) = ANY ({blocking}) THEN
        v_issues := v_issues || jsonb_build_array(jsonb_build_object(
          'kind', 'conflict', 'field', k, 'mine', v_norm -> k, 'theirs', v_cur -> k,
          'base', CASE WHEN v_base_values ? k THEN v_basev -> k END,
          'other_login', v_meta ->> 'login',
          'message', format('changed by %s since you last synced; the server value '
                            'stays', v_meta ->> 'login')));
        IF (p_tbl || '.' || k) = ANY ({aborting}) THEN v_abort := true; END IF;
      ELSE
        IF v_hlc > (v_meta ->> 'hlc')::bigint THEN
          v_apply := v_apply || k;
        END IF;
        v_issues := v_issues || jsonb_build_array(jsonb_build_object(
          'kind', 'also_edited', 'field', k, 'mine', v_norm -> k, 'theirs', v_cur -> k,
          'base', CASE WHEN v_base_values ? k THEN v_basev -> k END,
          'other_login', v_meta ->> 'login',
          'kept', CASE WHEN v_hlc > (v_meta ->> 'hlc')::bigint THEN 'mine'
                       ELSE 'theirs' END,
          'message', format('also edited by %s; the later edit by the hybrid clock '
                            'is kept', v_meta ->> 'login')));
      END IF;
    END LOOP;
    IF v_abort THEN
      -- Nothing of a refused change is applied, the later edit included.
      SELECT jsonb_agg(CASE WHEN x.i ->> 'kind' = 'also_edited'
                            THEN x.i || jsonb_build_object('kept', 'theirs',
                                 'message', format('also edited by %s; not applied '
                                   'because the change was refused',
                                   x.i ->> 'other_login'))
                            ELSE x.i END ORDER BY x.k)
        INTO v_issues FROM jsonb_array_elements(v_issues) WITH ORDINALITY AS x(i, k);
      v_results[n] := jsonb_build_object('abort', true, 'status', 'rejected',
                                         'issues', v_issues);
      v_last := n;
      EXIT;
    END IF;
    v_status := CASE WHEN jsonb_array_length(v_issues) = 0 THEN 'applied'
                     WHEN cardinality(v_apply) > 0 THEN 'partial' ELSE 'conflict' END;
    v_results[n] := jsonb_build_object('status', v_status, 'issues', v_issues,
      'flags', v_flags, 'merged_into', NULL);
    IF cardinality(v_apply) > 0 THEN
      v_write_ids := v_write_ids || v_id;
      v_write_ns := v_write_ns || n;
      v_write_hlcs := v_write_hlcs || v_hlc;
      v_write_applies := v_write_applies || to_jsonb(v_apply);
      v_written := v_written || v_apply;
      v_wrote[n] := true;
    END IF;
  END LOOP;

  -- Write the changes before a refusal too: an error in one of them comes first.
  IF cardinality(v_write_ids) > 0 THEN
    SELECT jsonb_object_agg(w.id::text, jsonb_build_object(
             'n', w.n, 'hlc', w.hlc, 'apply', w.apply,
             'fields', p_run -> (w.n - 1) -> 'fields'))
      INTO v_writes
      FROM unnest(v_write_ids, v_write_ns, v_write_hlcs, v_write_applies)
           AS w(id, n, hlc, apply);
    PERFORM set_config('crmdesk.client_id', p_client::text, true);
    PERFORM set_config('crmdesk.hlc', 'row', true);
    FOR rec IN EXECUTE format(
        'UPDATE public.%1$I t SET (%2$s, last_hlc) = '
        '(SELECT %3$s, (u.e ->> ''hlc'')::bigint '
        'FROM (SELECT $1 -> t.id::text AS e) u, '
        'jsonb_populate_record(NULL::public.%1$I, u.e -> ''fields'') r) '
        'WHERE t.id = ANY ($2) '
        'RETURNING ($1 -> t.id::text ->> ''n'')::int AS n, t.row_version, '
        'row_to_json((SELECT x FROM (SELECT %4$s) x))::text AS image',
        p_tbl,
        (SELECT string_agg(format('%I', c), ', ')
           FROM unnest(v_cols) c WHERE c = ANY (v_written)),
        (SELECT string_agg(format('CASE WHEN u.e -> ''apply'' ? %1$L THEN r.%1$I '
                                  'ELSE t.%1$I END', c), ', ')
           FROM unnest(v_cols) c WHERE c = ANY (v_written)),
        v_image) USING v_writes, v_write_ids LOOP
      v_results[rec.n] := v_results[rec.n] || jsonb_build_object(
        'image', rec.image, 'version', rec.row_version);
    END LOOP;
    FOR n IN 1 .. v_last LOOP
      IF v_results[n] ? 'abort' THEN EXIT; END IF;
      IF v_wrote[n] AND NOT v_results[n] ? 'image' THEN
        -- The row was locked but the update policy turned the write away.
        v_results[n] := jsonb_build_object('abort', true, 'status', 'rejected',
          'issues', jsonb_build_array(jsonb_build_object('kind', 'not_permitted',
            'mine', p_run -> (n - 1) -> 'fields',
            'message', 'you may not change this row')));
        v_last := n;
        EXIT;
      END IF;
    END LOOP;
  END IF;
  -- Changes that wrote nothing report the row as it is.
  FOR n IN 1 .. v_last LOOP
    IF NOT v_results[n] ? 'image' AND NOT v_results[n] ? 'abort' THEN
      v_need_ids := v_need_ids || (p_run -> (n - 1) ->> 'row_id')::uuid;
    END IF;
  END LOOP;
  IF cardinality(v_need_ids) > 0 THEN
    FOR rec IN EXECUTE format(
        'SELECT t.id, t.row_version, '
        'row_to_json((SELECT x FROM (SELECT %s) x))::text AS image '
        'FROM public.%I t WHERE t.id = ANY ($1)', v_image, p_tbl) USING v_need_ids
    LOOP
      n := (v_by_id -> rec.id::text ->> 'n')::int;
      v_results[n] := v_results[n] || jsonb_build_object(
        'image', rec.image, 'version', rec.row_version);
    END LOOP;
  END IF;
  RETURN v_results[1:v_last];
END $$;

CREATE FUNCTION sync.apply_mutation(p_client uuid, m jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, public AS $$
DECLARE
  v_tbl text := m ->> 'table';
  v_id uuid := (m ->> 'row_id')::uuid;
  v_op text := m ->> 'op';
  v_fields jsonb := coalesce(m -> 'fields', '{{}}');
  v_hlc bigint := coalesce((m ->> 'hlc')::bigint, 0);
  v_bound bigint;
  v_flags jsonb := '[]';
  v_cols text[];
  v_list text;
  v_cur jsonb;
  v_merged uuid;
  v_merge_fields jsonb;
  v_issues jsonb := '[]';
  n int;
BEGIN
  IF v_tbl IS NULL OR NOT v_tbl = ANY (sync.synced_tables()) THEN
    RAISE EXCEPTION 'table % is not synced: this change cannot be sent', v_tbl;
  END IF;
  IF v_op = 'insert' THEN
    -- Some inserts meet a row already there and merge into it, so the same
    -- thing made on two laptops commutes. The laptop drops its own row and
    -- takes the one that stayed (``merged_into``).
    v_merge_fields := '{{}}';
    IF v_tbl = 'checklist_items' THEN
      -- One row per (deal, action): a second tick takes the first tick's row.
      SELECT t.id INTO v_merged FROM public.checklist_items t
       WHERE t.opportunity_id = (v_fields ->> 'opportunity_id')::uuid
         AND t.action_id = (v_fields ->> 'action_id')::uuid FOR UPDATE;
      v_merge_fields := v_fields - 'id' - 'opportunity_id' - 'action_id';
    ELSIF v_tbl = 'leads' AND v_fields ->> 'external_key' IS NOT NULL THEN
      -- Two laptops of a team that import the same file make the same lead
      -- under different ids: the second meets the lead already there.
      SELECT t.id INTO v_merged FROM public.leads t
       WHERE t.team_id IS NOT DISTINCT FROM (v_fields ->> 'team_id')::uuid
         AND t.external_source IS NOT DISTINCT FROM v_fields ->> 'external_source'
         AND t.external_key = v_fields ->> 'external_key' FOR UPDATE;
    ELSIF v_tbl = 'approvals' AND v_fields ->> 'status' = 'pending' THEN
      -- One pending request per (deal, approval type): two laptops of the owner
      -- that opened one each offline, or a stale laptop asking again, meet in
      -- the request already waiting, which the lead decides once. Its amount
      -- follows the deal's (sync.settle_approvals), so nothing of the second
      -- request is applied.
      SELECT t.id INTO v_merged FROM public.approvals t
       WHERE t.opportunity_id = (v_fields ->> 'opportunity_id')::uuid
         AND t.approval_type_id = (v_fields ->> 'approval_type_id')::uuid
         AND t.status = 'pending' AND t.deleted_at IS NULL
       ORDER BY t.requested_at, t.id LIMIT 1 FOR UPDATE;
    END IF;
    IF v_merged IS NOT NULL AND v_merged <> v_id THEN
      RETURN (sync.apply_updates(p_client, v_tbl, jsonb_build_array(
        m || jsonb_build_object('row_id', v_merged, 'op', 'update', 'base_version', 0,
               'fields', v_merge_fields))))[1]
        || jsonb_build_object('merged_into', v_merged);
    END IF;
  END IF;
  IF v_op = 'update' THEN
    RETURN (sync.apply_updates(p_client, v_tbl, jsonb_build_array(m)))[1];
  END IF;
  v_bound := (floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint
              + {max_skew_ms}) << 16;
  IF v_hlc > v_bound THEN
    v_hlc := v_bound;
    v_flags := '["clock_ahead"]';
  END IF;
  PERFORM set_config('crmdesk.client_id', p_client::text, true);
  PERFORM set_config('crmdesk.hlc', v_hlc::text, true);

  IF v_op = 'insert' THEN
    PERFORM sync.check_columns(v_tbl, jsonb_build_array(m));
    SELECT array_agg(c) INTO v_cols
      FROM unnest(sync.write_columns(v_tbl)) c
     WHERE v_fields ? c;
    SELECT string_agg(format('%I', c), ', ') INTO v_list FROM unnest(v_cols) c;
    EXECUTE format('INSERT INTO public.%I (%s) SELECT %s FROM '
                   'jsonb_populate_record(NULL::public.%I, $1) '
                   'ON CONFLICT (id) DO NOTHING',
                   v_tbl, v_list, v_list, v_tbl) USING v_fields;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN
      -- The row is on the server already: a laptop restored from a backup sends
      -- its insert again under a new client id. It merges as an edit of the row,
      -- so only values that differ are reported.
      RETURN (sync.apply_updates(p_client, v_tbl, jsonb_build_array(
        m || jsonb_build_object('op', 'update', 'base_version', 0,
                                'fields', v_fields - 'id'))))[1];
    END IF;
    -- A row made offline under a parent deleted meanwhile is kept, and flagged.
    IF (v_tbl = 'opportunities' AND EXISTS (
          SELECT 1 FROM public.customers c
           WHERE c.id = (v_fields ->> 'customer_id')::uuid
             AND c.deleted_at IS NOT NULL))
       OR (v_fields ? 'opportunity_id' AND EXISTS (
          SELECT 1 FROM public.opportunities o
           WHERE o.id = (v_fields ->> 'opportunity_id')::uuid
             AND o.deleted_at IS NOT NULL)) THEN
      v_issues := jsonb_build_array(jsonb_build_object(
        'kind', 'parent_deleted', 'mine', v_fields,
        'message', 'saved, but the record it belongs to was deleted on the server'));
    END IF;
    RETURN jsonb_build_object('status', 'applied', 'issues', v_issues,
      'flags', v_flags) || sync.image_entry(sync.row_image(v_tbl, v_id));
  END IF;

  IF v_op = 'delete' THEN
    EXECUTE format('UPDATE public.%I SET deleted_at = now() AT TIME ZONE ''UTC'' '
                   'WHERE id = $1 AND deleted_at IS NULL', v_tbl) USING v_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    v_cur := sync.row_image(v_tbl, v_id);
    IF n = 0 AND v_cur IS NOT NULL AND v_cur ->> 'deleted_at' IS NULL THEN
      -- The row is visible, but the update policy turned the soft delete away.
      RETURN jsonb_build_object('abort', true, 'status', 'rejected',
        'issues', jsonb_build_array(jsonb_build_object('kind', 'not_permitted',
          'message', 'you may not delete this row')));
    END IF;
    IF n = 0 AND v_cur IS NULL THEN
      RETURN jsonb_build_object('abort', true, 'status', 'rejected',
        'issues', jsonb_build_array(jsonb_build_object('kind', 'not_permitted',
          'message', 'the row is not on the server or you may not change it')));
    END IF;
    RETURN jsonb_build_object('status', 'applied', 'issues', '[]'::jsonb,
      'flags', v_flags) || sync.image_entry(v_cur);
  END IF;
  RAISE EXCEPTION 'unknown operation %: expected insert, update or delete', v_op;
END $$;

-- Remembers, for the rest of the transaction, which pushed rows the server
-- merged into another (a second tick of one checklist action), so later groups
-- of the same push change the row that stayed.
CREATE FUNCTION sync.remember_merges(p_results jsonb[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE v_merged jsonb;
BEGIN
  SELECT jsonb_object_agg(r ->> 'row_id', r -> 'merged_into') INTO v_merged
    FROM unnest(p_results) AS r
   WHERE jsonb_typeof(r -> 'merged_into') = 'string';
  IF v_merged IS NOT NULL THEN
    PERFORM set_config('crmdesk.merged_ids', (coalesce(
      nullif(current_setting('crmdesk.merged_ids', true), '')::jsonb, '{{}}')
      || v_merged)::text, true);
  END IF;
END $$;

-- What a replay must repeat exactly: the table, row, operation and values.
CREATE FUNCTION sync.change_digest(m jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT md5(jsonb_build_array(m -> 'table', m -> 'row_id', m -> 'op',
                               m -> 'fields')::text)
$$;

-- Rejects a group whose changes lack what the ledger and the rows need, naming
-- the change and the field, before anything is applied.
CREATE FUNCTION sync.check_group(p_group jsonb) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  v_n bigint;
  v_problem text;
BEGIN
  IF jsonb_typeof(p_group) IS DISTINCT FROM 'array' THEN
    RAISE EXCEPTION USING ERRCODE = 'CR007', MESSAGE =
      'a pushed group must be a JSON array of changes';
  END IF;
  SELECT x.n, x.problem INTO v_n, v_problem FROM (
    SELECT g.n, CASE
        WHEN jsonb_typeof(g.m) IS DISTINCT FROM 'object' THEN 'is not a JSON object'
        WHEN jsonb_typeof(g.m -> 'seq') IS DISTINCT FROM 'number'
             OR (g.m ->> 'seq') !~ '^[0-9]+$' THEN
          'has no seq: each change needs a whole number seq of 1 or more'
        WHEN (g.m ->> 'seq')::numeric < 1 THEN
          'has seq 0: each change needs a whole number seq of 1 or more'
        WHEN g.prev_seq IS NOT NULL AND (g.m ->> 'seq')::numeric <= g.prev_seq THEN
          format('repeats or goes back in seq (%s after %s): seqs in a group '
                 'must increase', g.m ->> 'seq', g.prev_seq)
        WHEN coalesce(g.m ->> 'mutation_id', '') !~* {uuid_pattern} THEN
          'has no mutation_id UUID'
        WHEN coalesce(g.m ->> 'row_id', '') !~* {uuid_pattern} THEN
          'has no row_id UUID'
        WHEN coalesce(g.m ->> 'op', '') NOT IN ('insert', 'update', 'delete') THEN
          format('has op %s: expected insert, update or delete',
                 coalesce(g.m ->> 'op', 'null'))
        WHEN g.m ? 'fields' AND jsonb_typeof(g.m -> 'fields') <> 'object' THEN
          'has fields that are not a JSON object'
      END AS problem
      FROM (SELECT e.m, e.n,
                   lag(CASE WHEN jsonb_typeof(e.m -> 'seq') = 'number'
                            THEN (e.m ->> 'seq')::numeric END) OVER (ORDER BY e.n)
                     AS prev_seq
              FROM jsonb_array_elements(p_group) WITH ORDINALITY AS e(m, n)) g
  ) x WHERE x.problem IS NOT NULL ORDER BY x.n LIMIT 1;
  IF v_problem IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'CR007', MESSAGE = format(
      'change %s of the pushed group %s; nothing of the push was applied',
      v_n, v_problem);
  END IF;
END $$;

CREATE FUNCTION sync.push_group(p_client uuid, p_group jsonb) RETURNS jsonb[]
LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, public AS $$
DECLARE
  v_len int := jsonb_array_length(p_group);
  v_found int;
  v_bad int;
  v_replayed jsonb[];
  v_results jsonb[] := '{{}}';
  v_part jsonb[];
  v_last bigint;
  v_current text;
  v_state text;
  v_msg text;
  v_detail text;
  v_abort jsonb;
  v_seen uuid[];
  v_run jsonb;
  m jsonb;
  r jsonb;
  i int;
  j int;
  q int;
  k text;
  v_probe jsonb;
  v_sent jsonb;
  v_merged jsonb;
BEGIN
  IF v_len IS NULL OR v_len = 0 THEN
    RETURN '{{}}';
  END IF;
  PERFORM sync.check_group(p_group);
  SELECT count(a.client_seq),
         min(g.n) FILTER (WHERE a.mutation_id <> (g.m ->> 'mutation_id')::uuid
                            OR a.digest <> sync.change_digest(g.m)),
         array_agg(a.result || '{{"replayed": true}}' ORDER BY g.n)
           FILTER (WHERE a.client_seq IS NOT NULL)
    INTO v_found, v_bad, v_replayed
    FROM jsonb_array_elements(p_group) WITH ORDINALITY AS g(m, n)
    LEFT JOIN (SELECT * FROM sync.applied_mutation x
                WHERE x.client_id = p_client
                  AND x.client_seq = ANY (ARRAY(SELECT (e.value ->> 'seq')::bigint
                                          FROM jsonb_array_elements(p_group) e))) a
      ON a.client_seq = (g.m ->> 'seq')::bigint;
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'CR004', MESSAGE = format(
      'client %s sent change %s again with different content (a restored '
      'backup?): this installation needs a new client id', p_client,
      p_group -> (v_bad - 1) ->> 'seq');
  END IF;
  IF v_found = v_len THEN
    PERFORM sync.remember_merges(v_replayed);
    RETURN v_replayed;
  END IF;
  IF v_found > 0 THEN
    RAISE EXCEPTION USING ERRCODE = 'CR005', MESSAGE =
      'part of a local transaction was recorded before: resend it whole';
  END IF;
  SELECT last_seq INTO v_last FROM sync.client WHERE client_id = p_client;
  IF (p_group -> 0 ->> 'seq')::bigint <= v_last THEN
    RAISE EXCEPTION USING ERRCODE = 'CR006', MESSAGE = format(
      'change %s of client %s arrived after change %s: resend in order',
      p_group -> 0 ->> 'seq', p_client, v_last);
  END IF;
  -- Changes of a row that an earlier group of this push merged into another go
  -- to that row. The ledger keeps the digests of the changes as sent.
  v_sent := p_group;
  v_merged := nullif(current_setting('crmdesk.merged_ids', true), '')::jsonb;
  IF v_merged IS NOT NULL THEN
    SELECT jsonb_agg(CASE WHEN v_merged ? (e.value ->> 'row_id')
                          THEN jsonb_set(e.value, '{{row_id}}',
                                         v_merged -> (e.value ->> 'row_id'))
                          ELSE e.value END ORDER BY e.n)
      INTO p_group FROM jsonb_array_elements(p_group) WITH ORDINALITY AS e(value, n);
  END IF;
  BEGIN
    i := 0;
    WHILE i < v_len LOOP
      m := p_group -> i;
      IF m ->> 'op' = 'update' AND (m ->> 'table') = ANY (sync.synced_tables()) THEN
        -- A run of updates of distinct rows of one table goes in one piece.
        j := i + 1;
        v_seen := ARRAY[(m ->> 'row_id')::uuid];
        WHILE j < v_len AND p_group -> j ->> 'op' = 'update'
              AND p_group -> j ->> 'table' = m ->> 'table'
              AND NOT (p_group -> j ->> 'row_id')::uuid = ANY (v_seen) LOOP
          v_seen := v_seen || (p_group -> j ->> 'row_id')::uuid;
          j := j + 1;
        END LOOP;
        SELECT jsonb_agg(e.value ORDER BY e.n) INTO v_run
          FROM jsonb_array_elements(p_group) WITH ORDINALITY AS e(value, n)
         WHERE e.n > i AND e.n <= j;
        BEGIN
          v_part := sync.apply_updates(p_client, m ->> 'table', v_run);
        EXCEPTION WHEN OTHERS THEN
          -- A statement of the run failed: apply its changes one at a time, so
          -- the error is reported on the change that caused it.
          v_part := '{{}}';
          FOR q IN i .. j - 1 LOOP
            m := p_group -> q;
            v_current := m ->> 'seq';
            r := sync.apply_mutation(p_client, m);
            v_part := array_append(v_part, r);
            EXIT WHEN r ? 'abort';
          END LOOP;
        END;
      ELSE
        j := i + 1;
        v_current := m ->> 'seq';
        v_part := ARRAY[sync.apply_mutation(p_client, m)];
      END IF;
      FOR q IN 1 .. cardinality(v_part) LOOP
        r := v_part[q];
        m := p_group -> (i + q - 1);
        v_current := m ->> 'seq';
        IF r ? 'abort' THEN
          RAISE EXCEPTION USING ERRCODE = 'CR010', MESSAGE = 'refused',
                                DETAIL = (r - 'abort')::text;
        END IF;
        -- array_append grows the array in place; jsonb || would copy it each time.
        v_results := array_append(v_results, r || jsonb_build_object(
          'seq', (m ->> 'seq')::bigint, 'mutation_id', m ->> 'mutation_id',
          'table', m ->> 'table', 'row_id', m ->> 'row_id'));
      END LOOP;
      i := j;
    END LOOP;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT,
                            v_detail = PG_EXCEPTION_DETAIL;
    IF v_state LIKE '22%' AND m ->> 'table' = ANY (sync.synced_tables()) THEN
      -- A value the column's type does not take: find the column to name it.
      FOR k IN SELECT jsonb_object_keys(coalesce(m -> 'fields', '{{}}')) LOOP
        BEGIN
          EXECUTE format('SELECT to_jsonb(jsonb_populate_record(NULL::public.%I, $1))',
                         m ->> 'table')
            INTO v_probe USING jsonb_build_object(k, m -> 'fields' -> k);
        EXCEPTION WHEN OTHERS THEN
          v_msg := format('invalid value for column %s of %s: %s', k,
                          m ->> 'table', v_msg);
          EXIT;
        END;
      END LOOP;
    END IF;
    v_abort := CASE
      WHEN v_state = 'CR010' THEN v_detail::jsonb
      WHEN v_state = '42501' THEN jsonb_build_object('issues', jsonb_build_array(
        jsonb_build_object('kind', 'not_permitted', 'sqlstate', v_state,
                           'mine', m -> 'fields', 'message', v_msg)))
      ELSE jsonb_build_object('issues', jsonb_build_array(
        jsonb_build_object('kind', 'rejected', 'sqlstate', v_state,
                           'mine', m -> 'fields', 'message', v_msg))) END;
    v_results := '{{}}';
    FOR m IN SELECT value FROM jsonb_array_elements(p_group) LOOP
      IF m ->> 'seq' = v_current THEN
        r := jsonb_build_object('issues', v_abort -> 'issues');
      ELSE
        r := jsonb_build_object('issues', jsonb_build_array(jsonb_build_object(
          'kind', 'group_rejected', 'mine', m -> 'fields', 'message',
          'not applied: another change made in the same action was refused')));
      END IF;
      v_results := array_append(v_results, r || jsonb_build_object(
        'status', 'rejected', 'flags', '[]'::jsonb,
        'seq', (m ->> 'seq')::bigint, 'mutation_id', m ->> 'mutation_id',
        'table', m ->> 'table', 'row_id', m ->> 'row_id')
        || sync.image_entry(sync.row_image(m ->> 'table', (m ->> 'row_id')::uuid)));
    END LOOP;
  END;
  INSERT INTO sync.applied_mutation (client_id, client_seq, mutation_id, result,
                                     digest)
  SELECT p_client, (r.value ->> 'seq')::bigint, (r.value ->> 'mutation_id')::uuid,
         r.value - 'image' - 'version', sync.change_digest(g.value)
    FROM unnest(v_results) WITH ORDINALITY AS r(value, n)
    JOIN jsonb_array_elements(v_sent) WITH ORDINALITY AS g(value, n) USING (n);
  INSERT INTO sync.conflict (user_id, team_id, client_id, client_seq, mutation_id,
                             kind, tbl, row_id, field, mine, theirs, base, message,
                             other_login, kept, sqlstate)
  SELECT (SELECT sync.me()), (SELECT sync.my_team()), p_client,
         (x.r ->> 'seq')::bigint, (x.r ->> 'mutation_id')::uuid, y.i ->> 'kind',
         x.r ->> 'table', (x.r ->> 'row_id')::uuid, y.i ->> 'field', y.i -> 'mine',
         y.i -> 'theirs', y.i -> 'base', coalesce(y.i ->> 'message', ''),
         y.i ->> 'other_login', y.i ->> 'kept', y.i ->> 'sqlstate'
    FROM unnest(v_results) WITH ORDINALITY AS x(r, n),
         jsonb_array_elements(x.r -> 'issues') WITH ORDINALITY AS y(i, k)
   ORDER BY x.n, y.k;
  UPDATE sync.client SET last_seq = (p_group -> -1 ->> 'seq')::bigint
   WHERE client_id = p_client;
  PERFORM sync.remember_merges(v_results);
  RETURN v_results;
END $$;

CREATE FUNCTION sync.push(p_client uuid, p_schema int, p_groups jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, public AS $$
DECLARE
  v_info sync.server_info;
  v_out jsonb[] := '{{}}';
  g jsonb;
  r jsonb;
BEGIN
  SELECT * INTO v_info FROM sync.server_info;
  IF p_schema < v_info.min_client_schema THEN
    RAISE EXCEPTION USING ERRCODE = 'CR001', MESSAGE = format(
      'this crmdesk is too old for the server (local schema %s, the server needs %s '
      'or later): upgrade crmdesk; your unsent changes are kept',
      p_schema, v_info.min_client_schema);
  END IF;
  IF sync.me() IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'CR002', MESSAGE = format(
      'login %s is not a crmdesk user on this server: ask an admin to run '
      'crmdesk server add-user', session_user);
  END IF;
  INSERT INTO sync.client (client_id) VALUES (p_client) ON CONFLICT DO NOTHING;
  PERFORM 1 FROM sync.client WHERE client_id = p_client FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'CR003', MESSAGE = format(
      'client id %s belongs to another login: this installation needs a new '
      'client id', p_client);
  END IF;
  FOR g IN SELECT value FROM jsonb_array_elements(p_groups) LOOP
    FOREACH r IN ARRAY sync.push_group(p_client, g) LOOP
      v_out := array_append(v_out, r);
    END LOOP;
  END LOOP;
  RETURN jsonb_build_object('results', to_jsonb(v_out),
    'server_ms', floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint,
    'generation', v_info.generation);
END $$;

CREATE FUNCTION sync.require_admin() RETURNS void
LANGUAGE plpgsql STABLE SECURITY INVOKER SET search_path = pg_catalog, public AS $$
BEGIN
  IF coalesce(sync.my_role(), '') <> 'admin'
     AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) THEN
    RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = format(
      'login %s is not a crmdesk admin: only admins may run this', session_user);
  END IF;
END $$;

CREATE FUNCTION sync.purge_tombstones(p_before timestamptz) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE n bigint;
BEGIN
  PERFORM sync.require_admin();
  DELETE FROM sync.marker WHERE op IN ('delete', 'remove') AND changed_at < p_before;
  GET DIAGNOSTICS n = ROW_COUNT;
  UPDATE sync.server_info SET tombstone_horizon = p_before
   WHERE tombstone_horizon < p_before;
  RETURN n;
END $$;

CREATE FUNCTION sync.new_generation() RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE v uuid;
BEGIN
  PERFORM sync.require_admin();
  UPDATE sync.server_info SET generation = gen_random_uuid() RETURNING generation
    INTO v;
  RETURN v;
END $$;
"""


def _policies_sql(table: str) -> str:
    admin = "(SELECT sync.my_role()) = 'admin'"
    in_my_team = f"({admin} OR team_id = (SELECT sync.my_team()))"
    # Child rows: ``deal(c)`` holds when the row's deal is visible and, for an
    # admin or when ``c`` holds for the deal ``o``, writable.
    owner = "o.owner_id = (SELECT sync.me())"
    # The lead of the deal's team, on a deal they do not own themselves.
    lead = (
        "((SELECT sync.my_role()) = 'lead' AND o.team_id = (SELECT sync.my_team()) "
        "AND o.owner_id IS DISTINCT FROM (SELECT sync.me()))"
    )
    deal_visible = (
        "EXISTS (SELECT 1 FROM public.opportunities o WHERE o.id = opportunity_id)"
    )

    def deal(condition: str) -> str:
        return (
            "EXISTS (SELECT 1 FROM public.opportunities o WHERE o.id = opportunity_id "
            f"AND ({admin} OR {condition}))"
        )

    if table in CONFIG_TABLES:
        read = "true"
        insert = update = admin
    elif table in TEAM_TABLES:
        read = insert = update = in_my_team
    elif table == "opportunities":
        team = "team_id = (SELECT sync.my_team())"
        lead_of_team = f"((SELECT sync.my_role()) = 'lead' AND {team})"
        read = f"({admin} OR owner_id = (SELECT sync.me()) OR {lead_of_team})"
        # A rep writes only their own deals, and only inside their own team.
        insert = update = (
            f"({admin} OR (owner_id = (SELECT sync.me()) AND {team}) OR {lead_of_team})"
        )
    elif table == "activities":
        # On a deal like the deal's other rows; without one, shared in its team.
        no_deal = "CASE WHEN opportunity_id IS NULL THEN"
        read = f"{no_deal} {in_my_team} ELSE {deal_visible} END"
        insert = update = f"{no_deal} {in_my_team} ELSE {deal(owner)} END"
    elif table == "approvals":
        # The owner opens requests; the lead of the deal's team decides them,
        # and asks again for the deal's other approvals when a corrected
        # amount invalidates them. sync.check_approval_update limits which
        # columns each of them changes.
        read = deal_visible
        insert = (
            f"({deal('false')} OR (status = 'pending' "
            "AND approved_amount_minor IS NULL AND decided_by IS NULL "
            f"AND {deal(f'{owner} OR {lead}')}))"
        )
        update = deal(f"{owner} OR {lead}")
    elif table == "approval_decisions":
        # Append-only. The lead records decisions; the owner only invalidations.
        read = deal_visible
        insert = f"({deal(lead)} OR (decision = 'invalidated' AND {deal(owner)}))"
        update = admin
    else:
        read = deal_visible
        if table == "probability_revisions":
            insert = update = deal(f"{owner} OR (SELECT sync.my_role()) = 'lead'")
        else:
            insert = update = deal(owner)
    return f"""
ALTER TABLE public.{table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.{table} FORCE ROW LEVEL SECURITY;
CREATE POLICY {table}_select ON public.{table} FOR SELECT USING ({read});
CREATE POLICY {table}_insert ON public.{table} FOR INSERT WITH CHECK ({insert});
CREATE POLICY {table}_update ON public.{table} FOR UPDATE USING ({update})
  WITH CHECK ({update});
CREATE POLICY {table}_delete ON public.{table} FOR DELETE USING ({admin});
"""


def _table_sql(table: str, roles: dict[str, str]) -> str:
    return f"""
ALTER TABLE public.{table}
  ADD COLUMN row_version bigint NOT NULL DEFAULT 0,
  ADD COLUMN field_meta jsonb NOT NULL DEFAULT '{{}}',
  ADD COLUMN last_hlc bigint NOT NULL DEFAULT 0;
ALTER TABLE public.{table} OWNER TO {roles["owner"]};
CREATE TRIGGER zz_bump BEFORE INSERT OR UPDATE ON public.{table}
  FOR EACH ROW EXECUTE FUNCTION sync.bump();
CREATE TRIGGER zz_mark_insert AFTER INSERT ON public.{table}
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sync.mark_rows();
CREATE TRIGGER zz_mark_update AFTER UPDATE ON public.{table}
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sync.mark_rows();
CREATE TRIGGER zz_mark_delete AFTER DELETE ON public.{table}
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sync.mark_rows();
GRANT SELECT, INSERT, UPDATE, DELETE ON public.{table} TO {roles["app"]};
"""


GRANTS_SQL = """
ALTER SCHEMA sync OWNER TO {owner};
ALTER TABLE sync.server_info OWNER TO {owner};
ALTER TABLE sync.marker OWNER TO {owner};
ALTER TABLE sync.client OWNER TO {owner};
ALTER TABLE sync.applied_mutation OWNER TO {owner};
ALTER TABLE sync.conflict OWNER TO {owner};
ALTER SEQUENCE sync.change_seq OWNER TO {owner};
GRANT USAGE ON SCHEMA sync TO {app};
GRANT SELECT ON sync.server_info TO {app};
GRANT SELECT ON sync.marker TO {app};
GRANT SELECT, INSERT, UPDATE ON sync.client TO {app};
GRANT SELECT, INSERT ON sync.applied_mutation TO {app};
GRANT SELECT, INSERT ON sync.conflict TO {app};
GRANT USAGE ON SEQUENCE sync.conflict_id_seq TO {app};
ALTER TABLE sync.marker ENABLE ROW LEVEL SECURITY;
CREATE POLICY marker_select ON sync.marker FOR SELECT
  USING ((SELECT sync.my_buckets()) @> ARRAY[bucket]);
ALTER TABLE sync.client ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync.client FORCE ROW LEVEL SECURITY;
CREATE POLICY client_own ON sync.client FOR ALL
  USING (login = session_user) WITH CHECK (login = session_user);
ALTER TABLE sync.applied_mutation ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync.applied_mutation FORCE ROW LEVEL SECURITY;
-- Ledger rows only under a client id of the login's own: a team mate who read
-- another's client id from field_meta cannot take that client's seqs.
CREATE POLICY applied_own ON sync.applied_mutation FOR ALL
  USING (login = session_user)
  WITH CHECK (login = session_user AND client_id = ANY (ARRAY(
    SELECT c.client_id FROM sync.client c WHERE c.login = session_user)));
ALTER TABLE sync.conflict ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync.conflict FORCE ROW LEVEL SECURITY;
CREATE POLICY conflict_select ON sync.conflict FOR SELECT USING (
  login = session_user OR (SELECT sync.my_role()) = 'admin'
  OR ((SELECT sync.my_role()) = 'lead' AND team_id = (SELECT sync.my_team())));
CREATE POLICY conflict_insert ON sync.conflict FOR INSERT
  WITH CHECK (login = session_user
              AND user_id IS NOT DISTINCT FROM (SELECT sync.me())
              AND team_id IS NOT DISTINCT FROM (SELECT sync.my_team()));
ALTER FUNCTION sync.me() OWNER TO {owner};
ALTER FUNCTION sync.my_team() OWNER TO {owner};
ALTER FUNCTION sync.my_role() OWNER TO {owner};
ALTER FUNCTION sync.my_buckets() OWNER TO {owner};
ALTER FUNCTION sync.buckets_for(text, jsonb) OWNER TO {owner};
ALTER FUNCTION sync.mark_rows() OWNER TO {owner};
ALTER FUNCTION sync.marker_page(text, xid8, bigint, int) OWNER TO {owner};
ALTER FUNCTION sync.newest_marker(text) OWNER TO {owner};
REVOKE ALL ON FUNCTION sync.buckets_for(text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION sync.mark_rows() FROM PUBLIC;
ALTER FUNCTION sync.purge_tombstones(timestamptz) OWNER TO {owner};
ALTER FUNCTION sync.new_generation() OWNER TO {owner};
REVOKE ALL ON FUNCTION sync.purge_tombstones(timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION sync.new_generation() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sync.purge_tombstones(timestamptz) TO {admin};
GRANT EXECUTE ON FUNCTION sync.new_generation() TO {admin};
"""


def _hstore_schema(roles: dict[str, str]) -> str:
    """Install hstore (a contrib extension) unless present; return its schema.

    The row-version trigger compares rows with it. A new install goes into the
    ``sync`` schema, which every crmdesk login may use.
    """
    bind = op.get_bind()
    schema = bind.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'hstore'"
        )
    ).scalar()
    if schema is None:
        op.execute("CREATE EXTENSION hstore SCHEMA sync")
        return "sync"
    quoted = bind.dialect.identifier_preparer.quote(str(schema))
    op.execute(f"GRANT USAGE ON SCHEMA {quoted} TO {roles['app']}")
    return quoted


def upgrade() -> None:
    roles = _roles()
    op.execute(ROLES_SQL.format(**roles))
    _create_tables()
    op.execute(SYNC_TABLES_SQL.format(**roles))
    hstore = _hstore_schema(roles)
    op.execute(IDENTITY_SQL.format(synced=_array(SYNCED_TABLES)))
    deal = _bucket_rule("deal", lambda name: f"o.{name}")
    op.execute(
        TRIGGERS_SQL.format(
            hs=hstore,
            max_skew_ms=MAX_SKEW_MS,
            children=_array(CHILD_TABLES),
            buckets_body=_buckets_body(),
            mark_body=_mark_body(),
            deal_old=deal,
            deal_new=_bucket_rule("deal", lambda name: f"n.{name}"),
        )
    )
    op.execute(
        "CREATE TRIGGER a_check_lead AFTER UPDATE ON public.opportunities "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION sync.check_opportunity_update();"
    )
    for table, column in MONEY_COLUMNS:
        op.execute(
            f"ALTER TABLE public.{table} ADD CONSTRAINT {table}_{column}_range "
            f"CHECK ({column} BETWEEN -{MAX_AMOUNT_MINOR} AND {MAX_AMOUNT_MINOR})"
        )
    for table in SYNCED_TABLES:
        op.execute(_table_sql(table, roles))
        op.execute(_policies_sql(table))
    op.execute(APPROVALS_SQL.format(**roles))
    op.execute(PULL_SQL)
    op.execute(
        PUSH_SQL.format(
            max_skew_ms=MAX_SKEW_MS,
            uuid_pattern=UUID_PATTERN,
            silent=_array(SILENT),
            blocking=_array(BLOCKING),
            aborting=_array(ABORTING),
        )
    )
    op.execute(GRANTS_SQL.format(**roles))


def downgrade() -> None:
    op.execute("DROP SCHEMA sync CASCADE")
    for table in reversed(SYNCED_TABLES):
        op.drop_table(table)
