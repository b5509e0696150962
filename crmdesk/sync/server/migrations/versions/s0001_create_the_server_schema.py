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
pull functions and the row-level security policies.
"""

from collections.abc import Sequence

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
        sa.UniqueConstraint("external_source", "external_key"),
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
CREATE FUNCTION sync.row_image(p_tbl text, p_id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY INVOKER SET search_path = pg_catalog, public AS $$
DECLARE v jsonb;
BEGIN
  IF NOT p_tbl = ANY (sync.synced_tables()) THEN RETURN NULL; END IF;
  EXECUTE format('SELECT to_jsonb(t) - ''field_meta'' FROM public.%I t '
                 'WHERE t.id = $1', p_tbl)
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
  v_hlc bigint := coalesce(nullif(current_setting('crmdesk.hlc', true), '')::bigint,
    (floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint << 16));
  v_old jsonb := '{{}}';
  v_meta jsonb := '{{}}';
  v_changed jsonb;
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.row_version := 1;
  ELSE
    NEW.row_version := OLD.row_version + 1;
    v_old := to_jsonb(OLD);
    v_meta := OLD.field_meta;
  END IF;
  NEW.version := NEW.row_version;
  NEW.last_hlc := v_hlc;
  SELECT coalesce(jsonb_object_agg(e.key, jsonb_build_object(
           'v', NEW.row_version, 'hlc', v_hlc, 'by', v_by, 'login', session_user)),
           '{{}}')
    INTO v_changed
    FROM jsonb_each(to_jsonb(NEW) - 'row_version' - 'field_meta' - 'version'
                    - 'last_hlc') e
   WHERE TG_OP = 'INSERT' OR e.value IS DISTINCT FROM v_old -> e.key;
  NEW.field_meta := v_meta || v_changed;
  RETURN NEW;
END $$;

CREATE FUNCTION sync.buckets_for(p_tbl text, p_row jsonb) RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE v_parent jsonb;
BEGIN
  IF p_row IS NULL THEN RETURN '{{}}'; END IF;
  IF p_tbl = ANY ({config}) THEN RETURN ARRAY['config']; END IF;
  IF p_tbl = ANY ({team})
     OR (p_tbl = 'activities' AND p_row ->> 'opportunity_id' IS NULL) THEN
    RETURN array_remove(ARRAY['all', 'team:' || (p_row ->> 'team_id')], NULL);
  END IF;
  IF p_tbl = 'opportunities' THEN
    RETURN array_remove(ARRAY['all', 'rep:' || (p_row ->> 'owner_id'),
                              'lead:' || (p_row ->> 'team_id')], NULL);
  END IF;
  SELECT to_jsonb(o) INTO v_parent FROM public.opportunities o
   WHERE o.id = (p_row ->> 'opportunity_id')::uuid;
  RETURN sync.buckets_for('opportunities', v_parent);
END $$;

CREATE FUNCTION sync.write_markers(p_tbl text, p_id uuid, p_old text[], p_new text[],
                                   p_op text, p_version bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  -- plpgsql rather than SQL: its statement plan is cached for the session.
  INSERT INTO sync.marker AS m (bucket, tbl, row_id, txid, change_id, op, row_version)
  SELECT b.bucket, p_tbl, p_id, pg_current_xact_id(), nextval('sync.change_seq'),
         b.op, p_version
    FROM (SELECT o AS bucket, 'remove' AS op FROM unnest(p_old) o
           WHERE NOT o = ANY (p_new)
          UNION ALL
          SELECT n, p_op FROM unnest(p_new) n) b
  ON CONFLICT (bucket, tbl, row_id) DO UPDATE
     SET txid = EXCLUDED.txid, change_id = EXCLUDED.change_id, op = EXCLUDED.op,
         row_version = EXCLUDED.row_version, changed_at = now();
END $$;

CREATE FUNCTION sync.mark() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  v_old text[] := '{{}}';
  v_new text[];
  v_child text;
  v_row record;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    v_old := sync.buckets_for(TG_TABLE_NAME, to_jsonb(OLD));
  END IF;
  IF TG_OP = 'DELETE' THEN
    PERFORM sync.write_markers(TG_TABLE_NAME, OLD.id, v_old, '{{}}', 'remove',
                               OLD.row_version);
    RETURN OLD;
  END IF;
  v_new := sync.buckets_for(TG_TABLE_NAME, to_jsonb(NEW));
  PERFORM sync.write_markers(TG_TABLE_NAME, NEW.id, v_old, v_new,
    CASE WHEN NEW.deleted_at IS NULL THEN 'put' ELSE 'delete' END, NEW.row_version);
  IF TG_TABLE_NAME = 'opportunities' AND TG_OP = 'UPDATE'
     AND v_old IS DISTINCT FROM v_new THEN
    -- The deal changed hands or teams: its child rows follow it between buckets.
    FOREACH v_child IN ARRAY {children} LOOP
      FOR v_row IN EXECUTE format(
          'SELECT id, row_version, deleted_at FROM public.%I WHERE opportunity_id = $1',
          v_child) USING NEW.id LOOP
        PERFORM sync.write_markers(v_child, v_row.id, v_old, v_new,
          CASE WHEN v_row.deleted_at IS NULL THEN 'put' ELSE 'delete' END,
          v_row.row_version);
      END LOOP;
    END LOOP;
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION sync.check_opportunity_update() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE v_changed text;
BEGIN
  IF sync.my_role() = 'lead' AND OLD.owner_id IS DISTINCT FROM sync.me() THEN
    -- The amount only while the deal has an approval request: the lead may
    -- correct it when deciding.
    SELECT string_agg(e.key, ', ' ORDER BY e.key) INTO v_changed
      FROM jsonb_each(to_jsonb(NEW)) e
     WHERE e.value IS DISTINCT FROM to_jsonb(OLD) -> e.key
       AND e.key NOT IN ('manual_probability', 'owner_id', 'updated_at',
                         'row_version', 'field_meta', 'version', 'last_hlc')
       AND NOT (e.key = 'amount_minor' AND EXISTS (
             SELECT 1 FROM public.approvals a
              WHERE a.opportunity_id = OLD.id AND a.deleted_at IS NULL));
    IF v_changed IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = format(
        'a team lead may change only the win probability and the owner of a team '
        'member''s deal, and its amount when deciding an approval, not %s',
        v_changed);
    END IF;
  END IF;
  RETURN NEW;
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
CREATE CONSTRAINT TRIGGER settle_approvals_on_amount
  AFTER UPDATE OF amount_minor, currency ON public.opportunities
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.amount_minor IS DISTINCT FROM NEW.amount_minor
        OR OLD.currency IS DISTINCT FROM NEW.currency)
  EXECUTE FUNCTION sync.settle_approvals();
CREATE CONSTRAINT TRIGGER settle_approvals_on_decision
  AFTER INSERT OR UPDATE OF status, approved_amount_minor, currency
  ON public.approvals
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (NEW.status = 'approved')
  EXECUTE FUNCTION sync.settle_approvals();
ALTER FUNCTION sync.settle_approvals() OWNER TO {owner};
ALTER FUNCTION sync.check_approval_update() OWNER TO {owner};
REVOKE ALL ON FUNCTION sync.settle_approvals() FROM PUBLIC;
"""

PULL_SQL = """
CREATE FUNCTION sync.pull(p_bucket text, p_txid xid8, p_change bigint, p_limit int)
RETURNS TABLE (kind text, tbl text, row_id uuid, op text, txid xid8,
               change_id bigint, data jsonb)
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = pg_catalog, public AS $$
  -- One statement, so the horizon and the markers come from one snapshot: the
  -- cursor never passes a transaction that is still running.
  WITH h AS (
    SELECT pg_snapshot_xmin(pg_current_snapshot()) AS horizon,
           pg_snapshot_xmax(pg_current_snapshot()) AS xmax
  ), page AS (
    SELECT m.* FROM sync.marker m, h
     WHERE m.bucket = p_bucket
       AND (m.txid, m.change_id) > (p_txid, p_change)
       AND m.txid < h.horizon
     ORDER BY m.txid, m.change_id
     LIMIT p_limit
  )
  SELECT 'header', NULL, NULL, NULL, h.horizon, NULL::bigint,
         jsonb_build_object(
           'server_ms', floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint,
           'server_time', now(),
           'generation', i.generation,
           'min_client_schema', i.min_client_schema,
           'tombstone_horizon', i.tombstone_horizon,
           'xid_ahead', coalesce((SELECT x.txid FROM sync.marker x
                                   WHERE x.bucket = p_bucket
                                   ORDER BY x.txid DESC LIMIT 1) >= h.xmax, false))
    FROM h, sync.server_info i
  UNION ALL
  SELECT * FROM (
    SELECT 'row', p.tbl, p.row_id, p.op, p.txid, p.change_id,
           CASE WHEN p.op = 'remove' THEN NULL ELSE {images} END
      FROM page p ORDER BY p.txid, p.change_id) rows
$$;
"""

PUSH_SQL = """
CREATE FUNCTION sync.apply_mutation(p_client uuid, m jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, public AS $$
DECLARE
  v_tbl text := m ->> 'table';
  v_id uuid := (m ->> 'row_id')::uuid;
  v_op text := m ->> 'op';
  v_fields jsonb := coalesce(m -> 'fields', '{{}}');
  v_base bigint := coalesce((m ->> 'base_version')::bigint, 0);
  v_base_values jsonb := coalesce(m -> 'base_values', '{{}}');
  v_hlc bigint := coalesce((m ->> 'hlc')::bigint, 0);
  v_bound bigint;
  v_flags jsonb := '[]';
  v_cols text[];
  v_list text;
  v_cur jsonb;
  v_norm jsonb;
  v_basev jsonb;
  v_meta jsonb;
  v_apply text[] := '{{}}';
  v_issues jsonb := '[]';
  v_abort boolean := false;
  v_restoring boolean;
  v_deleting boolean;
  v_merged uuid;
  v_status text;
  k text;
  n int;
  v_mine jsonb;
  v_image jsonb;
BEGIN
  IF v_tbl IS NULL OR NOT v_tbl = ANY (sync.synced_tables()) THEN
    RAISE EXCEPTION 'table % is not synced: this change cannot be sent', v_tbl;
  END IF;
  v_bound := (floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint
              + {max_skew_ms}) << 16;
  IF v_hlc > v_bound THEN
    v_hlc := v_bound;
    v_flags := '["clock_ahead"]';
  END IF;
  PERFORM set_config('crmdesk.client_id', p_client::text, true);
  PERFORM set_config('crmdesk.hlc', v_hlc::text, true);
  SELECT array_agg(a.attname::text ORDER BY a.attnum) INTO v_cols
    FROM pg_attribute a
   WHERE a.attrelid = format('public.%I', v_tbl)::regclass AND a.attnum > 0
     AND NOT a.attisdropped
     AND a.attname NOT IN ('row_version', 'field_meta', 'version', 'last_hlc')
     AND v_fields ? a.attname;
  v_cols := coalesce(v_cols, '{{}}');

  IF v_op = 'insert' AND v_tbl = 'checklist_items' THEN
    -- One row per (deal, action): a second tick of the same action is merged
    -- into the row already there, so inserts commute.
    SELECT to_jsonb(t) INTO v_cur FROM public.checklist_items t
     WHERE t.opportunity_id = (v_fields ->> 'opportunity_id')::uuid
       AND t.action_id = (v_fields ->> 'action_id')::uuid FOR UPDATE;
    IF v_cur IS NOT NULL AND (v_cur ->> 'id')::uuid <> v_id THEN
      v_merged := (v_cur ->> 'id')::uuid;
      v_id := v_merged;
      v_op := 'update';
      v_base := 0;
      v_fields := v_fields - 'id' - 'opportunity_id' - 'action_id';
      v_cols := array_remove(array_remove(array_remove(v_cols, 'id'),
                             'opportunity_id'), 'action_id');
    END IF;
  END IF;

  IF v_op = 'insert' THEN
    SELECT string_agg(format('%I', c), ', ') INTO v_list FROM unnest(v_cols) c;
    EXECUTE format('INSERT INTO public.%I (%s) SELECT %s FROM '
                   'jsonb_populate_record(NULL::public.%I, $1)',
                   v_tbl, v_list, v_list, v_tbl) USING v_fields;
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
      'flags', v_flags, 'image', sync.row_image(v_tbl, v_id));
  END IF;

  IF v_op = 'delete' THEN
    EXECUTE format('UPDATE public.%I SET deleted_at = now() AT TIME ZONE ''UTC'' '
                   'WHERE id = $1 AND deleted_at IS NULL', v_tbl) USING v_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    v_cur := sync.row_image(v_tbl, v_id);
    IF n = 0 AND v_cur IS NULL THEN
      RETURN jsonb_build_object('abort', true, 'status', 'rejected',
        'issues', jsonb_build_array(jsonb_build_object('kind', 'not_permitted',
          'message', 'the row is not on the server or you may not change it')));
    END IF;
    RETURN jsonb_build_object('status', 'applied', 'issues', '[]'::jsonb,
      'flags', v_flags, 'image', v_cur);
  END IF;

  IF v_op <> 'update' THEN
    RAISE EXCEPTION 'unknown operation %: expected insert, update or delete', v_op;
  END IF;
  -- One statement locks and reads the row and normalises the values sent: each
  -- dynamic statement is planned again, with its policies, on every call.
  EXECUTE format('SELECT to_jsonb(t), '
                 'to_jsonb(jsonb_populate_record(NULL::public.%I, $2)), '
                 'to_jsonb(jsonb_populate_record(NULL::public.%I, $3)) '
                 'FROM public.%I t WHERE t.id = $1 FOR UPDATE', v_tbl, v_tbl, v_tbl)
    INTO v_cur, v_norm, v_basev USING v_id, v_fields, v_base_values;
  IF v_cur IS NULL THEN
    RETURN jsonb_build_object('abort', true, 'status', 'rejected',
      'issues', jsonb_build_array(jsonb_build_object('kind', 'not_permitted',
        'mine', v_fields,
        'message', 'the row is not on the server or no longer yours to change')));
  END IF;
  v_restoring := v_fields ? 'deleted_at'
                 AND jsonb_typeof(v_fields -> 'deleted_at') = 'null';
  v_deleting := v_fields ? 'deleted_at' AND NOT v_restoring;
  IF v_cur ->> 'deleted_at' IS NOT NULL AND NOT v_restoring AND NOT v_deleting THEN
    -- Delete wins over an edit; the edit is kept as a conflict with Restore.
    SELECT coalesce(jsonb_object_agg(c, v_norm -> c), '{{}}') INTO v_mine
      FROM unnest(v_cols) c;
    RETURN jsonb_build_object('abort', true, 'status', 'rejected',
      'issues', jsonb_build_array(jsonb_build_object('kind', 'deleted',
        'mine', v_mine, 'theirs', v_cur -> 'deleted_at',
        'other_login', v_cur -> 'field_meta' -> 'deleted_at' ->> 'login',
        'message', 'the row was deleted on the server; restore it to keep this edit')));
  END IF;
  FOREACH k IN ARRAY v_cols LOOP
    CONTINUE WHEN k = 'id';
    CONTINUE WHEN v_norm -> k IS NOT DISTINCT FROM v_cur -> k;
    v_meta := v_cur -> 'field_meta' -> k;
    IF k = 'deleted_at' OR v_meta IS NULL OR (v_meta ->> 'v')::bigint <= v_base
       OR v_meta ->> 'by' = p_client::text THEN
      v_apply := v_apply || k;
    ELSIF k = ANY ({silent}) THEN
      IF v_hlc > (v_meta ->> 'hlc')::bigint THEN v_apply := v_apply || k; END IF;
    ELSIF (v_tbl || '.' || k) = ANY ({blocking}) THEN
      v_issues := v_issues || jsonb_build_array(jsonb_build_object(
        'kind', 'conflict', 'field', k, 'mine', v_norm -> k, 'theirs', v_cur -> k,
        'base', CASE WHEN v_base_values ? k THEN v_basev -> k END,
        'other_login', v_meta ->> 'login',
        'message', format('changed by %s since you last synced; the server value '
                          'stays', v_meta ->> 'login')));
      IF (v_tbl || '.' || k) = ANY ({aborting}) THEN v_abort := true; END IF;
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
    RETURN jsonb_build_object('abort', true, 'status', 'rejected', 'issues', v_issues);
  END IF;
  IF cardinality(v_apply) > 0 THEN
    SELECT string_agg(format('%I', c), ', ') INTO v_list FROM unnest(v_apply) c;
    EXECUTE format('UPDATE public.%I t SET (%s) = (SELECT %s FROM '
                   'jsonb_populate_record(NULL::public.%I, $1)) WHERE t.id = $2 '
                   'RETURNING to_jsonb(t) - ''field_meta''',
                   v_tbl, v_list, v_list, v_tbl) INTO v_image USING v_fields, v_id;
    IF v_image IS NULL THEN
      RETURN jsonb_build_object('abort', true, 'status', 'rejected',
        'issues', jsonb_build_array(jsonb_build_object('kind', 'not_permitted',
          'mine', v_fields, 'message', 'you may not change this row')));
    END IF;
  END IF;
  v_status := CASE WHEN jsonb_array_length(v_issues) = 0 THEN 'applied'
                   WHEN cardinality(v_apply) > 0 THEN 'partial' ELSE 'conflict' END;
  RETURN jsonb_build_object('status', v_status, 'issues', v_issues, 'flags', v_flags,
    'merged_into', v_merged,
    'image', coalesce(v_image, v_cur - 'field_meta'));
END $$;

CREATE FUNCTION sync.push_group(p_client uuid, p_group jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, public AS $$
DECLARE
  m jsonb;
  r jsonb;
  v_stored sync.applied_mutation;
  v_replayed jsonb := '[]';
  v_missing int := 0;
  v_results jsonb[] := '{{}}';
  v_last bigint;
  v_current text;
  v_state text;
  v_msg text;
  v_detail text;
  v_abort jsonb;
  i jsonb;
BEGIN
  FOR m IN SELECT value FROM jsonb_array_elements(p_group) LOOP
    SELECT * INTO v_stored FROM sync.applied_mutation
     WHERE client_id = p_client AND client_seq = (m ->> 'seq')::bigint;
    IF FOUND THEN
      IF v_stored.mutation_id <> (m ->> 'mutation_id')::uuid THEN
        RAISE EXCEPTION USING ERRCODE = 'CR004', MESSAGE = format(
          'client %s sent change %s again with different content (a restored '
          'backup?): this installation needs a new client id', p_client, m ->> 'seq');
      END IF;
      v_replayed := v_replayed || jsonb_build_array(v_stored.result
                                                    || '{{"replayed": true}}');
    ELSE
      v_missing := v_missing + 1;
    END IF;
  END LOOP;
  IF v_missing = 0 THEN RETURN v_replayed; END IF;
  IF jsonb_array_length(v_replayed) > 0 THEN
    RAISE EXCEPTION USING ERRCODE = 'CR005', MESSAGE =
      'part of a local transaction was recorded before: resend it whole';
  END IF;
  SELECT last_seq INTO v_last FROM sync.client WHERE client_id = p_client;
  IF (p_group -> 0 ->> 'seq')::bigint <= v_last THEN
    RAISE EXCEPTION USING ERRCODE = 'CR006', MESSAGE = format(
      'change %s of client %s arrived after change %s: resend in order',
      p_group -> 0 ->> 'seq', p_client, v_last);
  END IF;
  BEGIN
    FOR m IN SELECT value FROM jsonb_array_elements(p_group) LOOP
      v_current := m ->> 'seq';
      r := sync.apply_mutation(p_client, m);
      IF r ? 'abort' THEN
        RAISE EXCEPTION USING ERRCODE = 'CR010', MESSAGE = 'refused',
                              DETAIL = (r - 'abort')::text;
      END IF;
      -- array_append grows the array in place; jsonb || would copy it each time.
      v_results := array_append(v_results, r || jsonb_build_object(
        'seq', (m ->> 'seq')::bigint, 'mutation_id', m ->> 'mutation_id',
        'table', m ->> 'table', 'row_id', m ->> 'row_id'));
    END LOOP;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT,
                            v_detail = PG_EXCEPTION_DETAIL;
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
        'table', m ->> 'table', 'row_id', m ->> 'row_id',
        'image', sync.row_image(m ->> 'table', (m ->> 'row_id')::uuid)));
    END LOOP;
  END;
  FOREACH r IN ARRAY v_results LOOP
    INSERT INTO sync.applied_mutation (client_id, client_seq, mutation_id, result)
    VALUES (p_client, (r ->> 'seq')::bigint, (r ->> 'mutation_id')::uuid, r - 'image');
    FOR i IN SELECT value FROM jsonb_array_elements(r -> 'issues') LOOP
      INSERT INTO sync.conflict (user_id, team_id, client_id, client_seq, mutation_id,
                                 kind, tbl, row_id, field, mine, theirs, base, message)
      VALUES (sync.me(), sync.my_team(), p_client, (r ->> 'seq')::bigint,
              (r ->> 'mutation_id')::uuid, i ->> 'kind', r ->> 'table',
              (r ->> 'row_id')::uuid, i ->> 'field', i -> 'mine', i -> 'theirs',
              i -> 'base', coalesce(i ->> 'message', ''));
    END LOOP;
  END LOOP;
  UPDATE sync.client SET last_seq = (p_group -> -1 ->> 'seq')::bigint
   WHERE client_id = p_client;
  RETURN to_jsonb(v_results);
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
    FOR r IN SELECT value FROM jsonb_array_elements(sync.push_group(p_client, g)) LOOP
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


def _image_case() -> str:
    arms = " ".join(
        f"WHEN '{t}' THEN (SELECT to_jsonb(t) - 'field_meta' FROM public.{t} t "
        "WHERE t.id = p.row_id)"
        for t in SYNCED_TABLES
    )
    return f"CASE p.tbl {arms} END"


def _policies_sql(table: str) -> str:
    admin = "(SELECT sync.my_role()) = 'admin'"
    in_my_team = f"({admin} OR team_id = (SELECT sync.my_team()))"
    # Child rows: ``deal(c)`` holds when the row's deal is visible and, for an
    # admin or when ``c`` holds for the deal ``o``, writable.
    owner = "o.owner_id = (SELECT sync.me())"
    lead = "((SELECT sync.my_role()) = 'lead' AND o.team_id = (SELECT sync.my_team()))"
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
CREATE TRIGGER zz_mark AFTER INSERT OR UPDATE OR DELETE ON public.{table}
  FOR EACH ROW EXECUTE FUNCTION sync.mark();
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
CREATE POLICY applied_own ON sync.applied_mutation FOR ALL
  USING (login = session_user) WITH CHECK (login = session_user);
ALTER TABLE sync.conflict ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync.conflict FORCE ROW LEVEL SECURITY;
CREATE POLICY conflict_select ON sync.conflict FOR SELECT USING (
  login = session_user OR (SELECT sync.my_role()) = 'admin'
  OR ((SELECT sync.my_role()) = 'lead' AND team_id = (SELECT sync.my_team())));
CREATE POLICY conflict_insert ON sync.conflict FOR INSERT
  WITH CHECK (login = session_user);
ALTER FUNCTION sync.me() OWNER TO {owner};
ALTER FUNCTION sync.my_team() OWNER TO {owner};
ALTER FUNCTION sync.my_role() OWNER TO {owner};
ALTER FUNCTION sync.my_buckets() OWNER TO {owner};
ALTER FUNCTION sync.buckets_for(text, jsonb) OWNER TO {owner};
ALTER FUNCTION sync.write_markers(text, uuid, text[], text[], text, bigint)
  OWNER TO {owner};
ALTER FUNCTION sync.mark() OWNER TO {owner};
REVOKE ALL ON FUNCTION sync.write_markers(text, uuid, text[], text[], text, bigint)
  FROM PUBLIC;
REVOKE ALL ON FUNCTION sync.buckets_for(text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION sync.mark() FROM PUBLIC;
ALTER FUNCTION sync.purge_tombstones(timestamptz) OWNER TO {owner};
ALTER FUNCTION sync.new_generation() OWNER TO {owner};
REVOKE ALL ON FUNCTION sync.purge_tombstones(timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION sync.new_generation() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sync.purge_tombstones(timestamptz) TO {admin};
GRANT EXECUTE ON FUNCTION sync.new_generation() TO {admin};
"""


def upgrade() -> None:
    roles = _roles()
    op.execute(ROLES_SQL.format(**roles))
    _create_tables()
    op.execute(SYNC_TABLES_SQL.format(**roles))
    op.execute(IDENTITY_SQL.format(synced=_array(SYNCED_TABLES)))
    op.execute(
        TRIGGERS_SQL.format(
            config=_array(CONFIG_TABLES),
            team=_array(TEAM_TABLES),
            children=_array(CHILD_TABLES),
        )
    )
    op.execute(
        "CREATE TRIGGER a_check_lead BEFORE UPDATE ON public.opportunities "
        "FOR EACH ROW EXECUTE FUNCTION sync.check_opportunity_update();"
    )
    for table in SYNCED_TABLES:
        op.execute(_table_sql(table, roles))
        op.execute(_policies_sql(table))
    op.execute(APPROVALS_SQL.format(**roles))
    op.execute(PULL_SQL.format(images=_image_case()))
    op.execute(
        PUSH_SQL.format(
            max_skew_ms=5 * 60 * 1000,
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
