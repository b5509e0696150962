"""Demo activities: open deals only, planned and overdue ones, checklist links.

The checks read the store with the sqlite3 module, so they do not rely on the
product's read services.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from crmdesk.domain.playbook_file import ACTIVITY_TYPES
from crmdesk.services.demo import generate_demo
from crmdesk.storage.db import open_store

TODAY = date(2025, 6, 30)
# Midnight of TODAY in Shanghai (UTC+8), where the demo business sits.
TODAY_START = datetime(2025, 6, 29, 16, 0)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo-activities") / "demo.sqlite3"
    engine, sessions = open_store(path)
    try:
        generate_demo(sessions, 600, seed=11, today=TODAY)
    finally:
        engine.dispose()
    return path


def _rows(path: Path, sql: str) -> list[sqlite3.Row]:
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_activities_on_open_deals_only(demo_store):
    rows = _rows(
        demo_store,
        """SELECT s.kind AS stage_kind, a.kind, a.customer_id,
                  o.customer_id AS deal_customer
           FROM activities AS a
           JOIN opportunities AS o ON o.id = a.opportunity_id
           JOIN stages AS s ON s.id = o.stage_id""",
    )
    assert rows
    assert {row["stage_kind"] for row in rows} == {"open"}
    assert {row["kind"] for row in rows} <= set(ACTIVITY_TYPES)
    assert all(row["customer_id"] == row["deal_customer"] for row in rows)


def test_planned_and_overdue_present(demo_store):
    planned = _rows(
        demo_store,
        "SELECT due_at FROM activities WHERE done_at IS NULL",
    )
    dues = [_instant(row["due_at"]) for row in planned]
    assert all(due is not None for due in dues)
    overdue = [due for due in dues if due < TODAY_START]
    upcoming = [due for due in dues if due >= TODAY_START]
    assert overdue
    assert upcoming
    # Due from five days before today to fourteen days after, in business hours.
    assert min(dues) >= TODAY_START - timedelta(days=5)
    assert max(dues) < TODAY_START + timedelta(days=15)
    hours_in_shanghai = {(due + timedelta(hours=8)).hour for due in dues}
    assert hours_in_shanghai <= set(range(9, 18))


def test_done_activities_in_past(demo_store):
    rows = _rows(demo_store, "SELECT done_at FROM activities WHERE done_at IS NOT NULL")
    assert rows
    assert max(_instant(row["done_at"]) for row in rows) <= TODAY_START


def test_checklist_links_match_ticks(demo_store):
    linked = _rows(
        demo_store,
        """SELECT a.opportunity_id, a.kind, a.done_at, a.checklist_action_id,
                  c.activity, c.stage_id, o.stage_id AS deal_stage,
                  i.done, i.changed_at
           FROM activities AS a
           JOIN checklist_actions AS c ON c.id = a.checklist_action_id
           JOIN opportunities AS o ON o.id = a.opportunity_id
           LEFT JOIN checklist_items AS i
             ON i.opportunity_id = a.opportunity_id AND i.action_id = c.id""",
    )
    assert linked
    for row in linked:
        assert row["kind"] == row["activity"]
        assert row["stage_id"] == row["deal_stage"]
        assert row["done"] == 1
        assert row["done_at"] == row["changed_at"]
    # Every tick of an activity-named action of an open deal's stage has its
    # activity.
    ticks = _rows(
        demo_store,
        """SELECT count(*) AS n
           FROM checklist_items AS i
           JOIN checklist_actions AS c ON c.id = i.action_id
           JOIN opportunities AS o ON o.id = i.opportunity_id
           JOIN stages AS s ON s.id = o.stage_id
           WHERE i.done = 1 AND c.activity IS NOT NULL
             AND c.stage_id = o.stage_id AND s.kind = 'open'""",
    )
    assert ticks[0]["n"] == len(linked)


def test_demo_activities_not_journalled(demo_store):
    rows = _rows(
        demo_store, "SELECT count(*) AS n FROM outbox WHERE table_name = 'activities'"
    )
    assert rows[0]["n"] == 0


def test_today_start_is_shanghai_midnight():
    from crmdesk.services.demo import BUSINESS_ZONE

    start = datetime.combine(TODAY, datetime.min.time(), BUSINESS_ZONE)
    assert start.astimezone(UTC).replace(tzinfo=None) == TODAY_START
