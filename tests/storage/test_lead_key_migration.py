"""Revision 0006 scopes a lead's external key to its team, keeping the rows.

A store is built at revision 0005 with one lead from an import, then upgraded.
The lead must survive unchanged, a second team may then hold a lead with the
same key, and one team still may not hold two.
"""

from __future__ import annotations

import sqlite3
import uuid

import pytest
from alembic import command

from crmdesk.storage.db import alembic_config, make_engine, upgrade

INSERT_LEAD = (
    "INSERT INTO leads (id, company, person, job_title, phone, phone_raw, email, "
    "source, campaign, notes, status, flag_reason, team_id, external_source, "
    "external_key, created_at, updated_at, version) VALUES (?, ?, '', '', '', '', "
    "'', '', '', '', "
    "'new', '', ?, 'fair.csv', 'row-1', '2026-12-01 00:00:00', "
    "'2026-12-01 00:00:00', 0)"
)


def _team(connection: sqlite3.Connection, key: str) -> str:
    team = uuid.uuid4().hex
    connection.execute(
        "INSERT INTO teams (id, key, name, region, version) VALUES (?, ?, ?, '', 0)",
        (team, key, key),
    )
    return team


def test_upgrade_keeps_leads_and_scopes_keys(tmp_path):
    database = tmp_path / "store.sqlite3"
    engine = make_engine(database)
    command.upgrade(alembic_config(engine), "0005")
    connection = sqlite3.connect(database)
    north, south = _team(connection, "north"), _team(connection, "south")
    first = uuid.uuid4().hex
    connection.execute(INSERT_LEAD, (first, "Sunny Kindergarten", north))
    connection.commit()
    connection.close()

    upgrade(engine)
    engine.dispose()

    connection = sqlite3.connect(database)
    assert connection.execute("SELECT id, company FROM leads").fetchall() == [
        (first, "Sunny Kindergarten")
    ]
    connection.execute(INSERT_LEAD, (uuid.uuid4().hex, "Sunny Kindergarten", south))
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        connection.execute(INSERT_LEAD, (uuid.uuid4().hex, "Sunny again", north))
    assert connection.execute("SELECT count(*) FROM leads").fetchone() == (2,)
    connection.close()
