"""Demo customer states and histories agree with the demo's deals.

Checked with plain SQL over a generated demo store, independently of the
generator: each history is a chain from no state to the customer's state, and
every win left its customer at or past the series' end state.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from crmdesk.services.demo import generate_demo
from crmdesk.storage.db import open_store

TODAY = date(2025, 6, 30)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    path: Path = tmp_path_factory.mktemp("demo-customers") / "demo.sqlite3"
    engine, sessions = open_store(path)
    try:
        generate_demo(sessions, 900, seed=11, today=TODAY)
    finally:
        engine.dispose()
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    return connection


def histories(demo: sqlite3.Connection) -> dict[str, list[sqlite3.Row]]:
    rows = demo.execute(
        "SELECT * FROM customer_state_history ORDER BY changed_at, id"
    ).fetchall()
    result: dict[str, list[sqlite3.Row]] = defaultdict(list)
    for row in rows:
        result[row["customer_id"]].append(row)
    return result


def test_every_customer_has_a_state_and_chain(demo):
    by_customer = histories(demo)
    customers = demo.execute(
        "SELECT id, state_id, state_changed_at FROM customers"
    ).fetchall()
    assert customers
    for customer in customers:
        chain = by_customer[customer["id"]]
        assert chain, customer["id"]
        assert chain[0]["from_state_id"] is None
        for before, after in itertools.pairwise(chain):
            assert after["from_state_id"] == before["to_state_id"]
        assert chain[-1]["to_state_id"] == customer["state_id"]
        assert chain[-1]["changed_at"] == customer["state_changed_at"]


def test_no_change_after_the_demo_day(demo):
    latest = demo.execute("SELECT max(changed_at) FROM customer_state_history")
    assert latest.fetchone()[0] < "2025-06-30"


def test_customers_of_won_deals_reached_end_state(demo):
    positions = dict(demo.execute("SELECT id, position FROM customer_states"))
    won = demo.execute(
        """
        SELECT DISTINCT o.customer_id, s.end_state_id
        FROM stage_history h
        JOIN stages st ON st.id = h.to_stage_id AND st.kind = 'won'
        JOIN opportunities o ON o.id = h.opportunity_id
        JOIN series s ON s.id = o.series_id
        WHERE o.customer_id IS NOT NULL
        """
    ).fetchall()
    assert won
    states = dict(demo.execute("SELECT id, state_id FROM customers"))
    for row in won:
        current = positions[states[row["customer_id"]]]
        assert current >= positions[row["end_state_id"]]


def test_win_rows_name_a_won_deal_and_move_forward(demo):
    positions = dict(demo.execute("SELECT id, position FROM customer_states"))
    rows = demo.execute(
        """
        SELECT c.*, o.customer_id AS deal_customer,
               (SELECT count(*) FROM stage_history h
                JOIN stages st ON st.id = h.to_stage_id AND st.kind = 'won'
                WHERE h.opportunity_id = c.opportunity_id
                  AND h.changed_at = c.changed_at) AS wins_then
        FROM customer_state_history c
        JOIN opportunities o ON o.id = c.opportunity_id
        """
    ).fetchall()
    assert rows
    for row in rows:
        assert row["deal_customer"] == row["customer_id"]
        assert row["wins_then"] == 1
        if row["from_state_id"] is not None:
            assert positions[row["to_state_id"]] > positions[row["from_state_id"]]


def test_hand_changes_have_notes(demo):
    rows = demo.execute(
        "SELECT note FROM customer_state_history "
        "WHERE opportunity_id IS NULL AND from_state_id IS NOT NULL"
    ).fetchall()
    assert rows
    assert all(row["note"] for row in rows)
