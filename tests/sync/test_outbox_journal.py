"""The outbox journal's sync columns, and local schema 0002 over older stores."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from sqlalchemy import select

from crmdesk.storage.db import alembic_config, make_engine, make_session_factory
from crmdesk.storage.models import Customer, Lead, OutboxEntry, Team
from crmdesk.storage.outbox import order_entries


def _entries(sessions) -> list[OutboxEntry]:
    with sessions() as session:
        return list(session.scalars(select(OutboxEntry).order_by(OutboxEntry.seq)))


def _customer(name: str, team: Team | None = None) -> Customer:
    now = datetime.now(UTC)
    return Customer(
        name=name,
        team_id=None if team is None else team.id,
        created_at=now,
        updated_at=now,
    )


def test_one_transaction_is_one_group_and_parents_come_first(sessions):
    with sessions.begin() as session:
        team = Team(key="north", name="North")
        customer = _customer("Acme", team)
        session.add(customer)  # the child is added before its parent
        session.add(team)
        session.flush()
        customer.notes = "second flush, same transaction"
    with sessions.begin() as session:
        session.add(_customer("Other"))
    entries = _entries(sessions)
    assert [(e.table_name, e.operation) for e in entries] == [
        ("teams", "insert"),
        ("customers", "insert"),
        ("customers", "update"),
        ("customers", "insert"),
    ]
    assert len({e.tx_group for e in entries[:3]}) == 1
    assert entries[3].tx_group != entries[0].tx_group
    assert len({e.mutation_id for e in entries}) == 4
    assert all(e.status == "pending" for e in entries)
    stamps = [e.hlc for e in entries]
    assert stamps[0] > 0
    assert stamps[2] >= stamps[0]
    assert stamps[3] > stamps[2]


def test_new_tables_replay_parents_first():
    children_first = [
        "approval_decisions",
        "approvals",
        "activities",
        "leads",
        "contacts",
        "customer_state_history",
        "opportunities",
        "customers",
        "approval_types",
    ]
    inserts = [{"table_name": name} for name in children_first]
    deletes = [{"table_name": name} for name in reversed(children_first)]
    ordered = order_entries(inserts, [], deletes)
    position = {e["table_name"]: i for i, e in enumerate(ordered[: len(inserts)])}
    for parent, child in (
        ("customers", "contacts"),
        ("customers", "leads"),
        ("contacts", "leads"),
        ("customers", "customer_state_history"),
        ("contacts", "opportunities"),
        ("opportunities", "activities"),
        ("contacts", "activities"),
        ("approval_types", "approvals"),
        ("opportunities", "approvals"),
        ("approvals", "approval_decisions"),
    ):
        assert position[parent] < position[child], (parent, child)
    deleted = [e["table_name"] for e in ordered[len(inserts) :]]
    assert deleted.index("approval_decisions") < deleted.index("approvals")
    assert deleted.index("contacts") < deleted.index("customers")


def test_insert_carries_model_defaults(sessions):
    now = datetime.now(UTC)
    with sessions.begin() as session:
        session.add(Lead(company="Acme", created_at=now, updated_at=now))
    (entry,) = _entries(sessions)
    changes = json.loads(entry.changes)
    # Columns left unset carry the default the local row gets, not None.
    assert changes["status"] == "new"
    assert changes["notes"] == ""
    assert changes["phone_raw"] == ""
    assert changes["duplicate_of_lead_id"] is None


def test_an_update_records_its_base_version_and_old_values(sessions):
    with sessions.begin() as session:
        customer = _customer("Acme")
        customer.phone = "010"
        session.add(customer)
    with sessions.begin() as session:
        row = session.get(Customer, customer.id)
        row.version = 7  # as if the server had confirmed version 7
    with sessions.begin() as session:
        row = session.get(Customer, customer.id)
        row.phone = "020"
    update = _entries(sessions)[-1]
    assert update.operation == "update"
    assert update.base_version == 7
    assert json.loads(update.changes) == {"phone": "020"}
    assert json.loads(update.base_values) == {"phone": "010"}


def test_schema_0002_backfills_entries_written_before_it(tmp_path):
    engine = make_engine(tmp_path / "old.sqlite3")
    command.upgrade(alembic_config(engine), "0001")
    with engine.begin() as connection:
        for number in range(2):
            connection.execute(
                sa.text(
                    "INSERT INTO outbox (table_name, row_id, operation, changes, "
                    "created_at) VALUES ('customers', :r, 'insert', '{}', :t)"
                ),
                {"r": uuid.uuid4().hex, "t": datetime(2026, 1, number + 1)},
            )
    command.upgrade(alembic_config(engine), "head")
    entries = _entries(make_session_factory(engine))
    assert len(entries) == 2
    assert all(e.mutation_id is not None for e in entries)
    assert [e.tx_group for e in entries] == [e.mutation_id for e in entries]
    assert {(e.status, e.base_version, e.base_values, e.hlc) for e in entries} == {
        ("pending", 0, "{}", 0)
    }
    with engine.connect() as connection:
        tables = set(sa.inspect(connection).get_table_names())
    assert {"sync_shadow", "sync_state", "sync_issues"} <= tables
    command.downgrade(alembic_config(engine), "0001")
    with engine.connect() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("outbox")}
    assert "tx_group" not in columns
    engine.dispose()
