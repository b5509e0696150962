"""The demo's approval requests follow the approval rules.

The checks read the store with the sqlite3 module and compare the rows with
the rules written out here, not with the approval service's own reading.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest

from crmdesk.services.approvals import InboxFilter, inbox
from crmdesk.services.demo import generate_demo
from crmdesk.services.people import find_user
from crmdesk.storage.db import open_store

TODAY = date(2025, 6, 30)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo-approvals") / "demo.sqlite3"
    engine, sessions = open_store(path)
    try:
        generate_demo(sessions, 900, seed=7, today=TODAY)
    finally:
        engine.dispose()
    return path


def _rows(path: Path, sql: str) -> list[sqlite3.Row]:
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    try:
        return list(connection.execute(sql))
    finally:
        connection.close()


def _key(value: str) -> str:
    return value.replace("-", "")


def test_open_deals_in_stage_have_requests(demo_store):
    in_stage = _rows(
        demo_store,
        "SELECT o.id, count(DISTINCT t.id) AS types FROM opportunities o "
        "JOIN approval_types t ON t.stage_id = o.stage_id GROUP BY o.id",
    )
    requested = {
        _key(r["opportunity_id"])
        for r in _rows(demo_store, "SELECT opportunity_id FROM approvals")
    }
    assert in_stage
    assert all(_key(row["id"]) in requested for row in in_stage)


def test_demo_requests_keep_rules(demo_store):
    requests = _rows(
        demo_store,
        "SELECT a.*, o.amount_minor AS deal_amount, o.team_id AS team, "
        "t.lead_id AS lead FROM approvals a "
        "JOIN opportunities o ON o.id = a.opportunity_id "
        "JOIN teams t ON t.id = o.team_id",
    )
    by_type: dict[tuple[str, str], list[sqlite3.Row]] = defaultdict(list)
    for row in requests:
        by_type[(row["opportunity_id"], row["approval_type_id"])].append(row)
        assert _key(row["approver_id"]) == _key(row["lead"])
    statuses = Counter(row["status"] for row in requests)
    # Every state a real inbox holds is there.
    assert set(statuses) == {"pending", "approved", "rejected", "invalidated"}
    for rows in by_type.values():
        live = [r for r in rows if r["status"] in ("pending", "approved")]
        assert len(live) <= 1
        if live and live[0]["status"] == "approved":
            # An approved request holds the deal's amount, else it was reopened.
            assert live[0]["approved_amount_minor"] == live[0]["deal_amount"]
        if live and live[0]["status"] == "pending":
            assert live[0]["amount_minor"] == live[0]["deal_amount"]
        if not live:
            [rejected] = [r for r in rows if r["status"] == "rejected"]
            assert rejected["amount_minor"] == rejected["deal_amount"]


def test_every_decision_has_row(demo_store):
    decided = _rows(
        demo_store,
        "SELECT a.id, a.status, count(d.id) AS decisions FROM approvals a "
        "LEFT JOIN approval_decisions d ON d.approval_id = a.id GROUP BY a.id",
    )
    expected = {"pending": 0, "approved": 1, "rejected": 1, "invalidated": 2}
    for row in decided:
        assert row["decisions"] == expected[row["status"]], row["status"]


def test_teaching_lead_inbox_filled(demo_store):
    engine, sessions = open_store(demo_store)
    try:
        with sessions() as session:
            lead = find_user(session, "li.na")
            pending = inbox(session, lead.id)
            decided = inbox(session, lead.id, InboxFilter.DECIDED)
    finally:
        engine.dispose()
    assert len(pending) >= 5
    assert len(decided) >= 5
    assert {r.team for r in pending} == {"教学服务组"}
