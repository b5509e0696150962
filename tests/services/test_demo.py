"""The demo generator: determinism, the series split, and history within the rules.

The history checks read the store with the sqlite3 module and replay every deal's
stage history through ``rules.check_move`` on their own, so they do not trust the
generator's bookkeeping or the product's read services.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from crmdesk.domain.errors import ValidationError
from crmdesk.domain.playbook import SeriesRules, StageKind
from crmdesk.domain.rules import StagePosition, check_move
from crmdesk.services.demo import generate_demo, split_deals
from crmdesk.storage.db import open_store

TODAY = date(2025, 6, 30)


def _generate(path: Path, deals: int, seed: int = 7) -> None:
    engine, sessions = open_store(path)
    try:
        generate_demo(sessions, deals, seed=seed, today=TODAY)
    finally:
        engine.dispose()


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    return connection


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    _generate(path, 900)
    return path


def _deal_fingerprint(path: Path) -> list[tuple[object, ...]]:
    with _connect(path) as connection:
        return [
            tuple(row)
            for row in connection.execute(
                """
                SELECT o.external_key, o.title, o.amount_minor, o.expected_close,
                       o.manual_probability, st.key, se.key, c.name, u.login,
                       o.created_at, o.stage_entered_at
                FROM opportunities o
                JOIN stages st ON st.id = o.stage_id
                JOIN series se ON se.id = o.series_id
                JOIN customers c ON c.id = o.customer_id
                JOIN users u ON u.id = o.owner_id
                ORDER BY o.rowid
                """
            )
        ]


def _history_fingerprint(path: Path) -> list[tuple[object, ...]]:
    with _connect(path) as connection:
        return [
            tuple(row)
            for row in connection.execute(
                """
                SELECT o.external_key, f.key, t.key, h.changed_at, h.amount_minor,
                       h.probability, h.expected_close, h.source
                FROM stage_history h
                JOIN opportunities o ON o.id = h.opportunity_id
                LEFT JOIN stages f ON f.id = h.from_stage_id
                JOIN stages t ON t.id = h.to_stage_id
                ORDER BY h.rowid
                """
            )
        ]


def test_split_puts_a_tenth_in_front_end_series():
    counts = split_deals(100_000)
    assert counts["new-customer"] == 10_000
    assert counts["trial-conversion"] == 45_000
    assert counts["repeat-referral"] == 45_000


@pytest.mark.parametrize("total", [1, 2, 3, 7, 19, 1_001, 99_999])
def test_split_keeps_total_and_populates_series(total):
    counts = split_deals(total)
    assert sum(counts.values()) == total
    if total >= 3:
        assert min(counts.values()) >= 1


def test_same_seed_gives_same_data(tmp_path):
    first = tmp_path / "first.sqlite3"
    second = tmp_path / "second.sqlite3"
    _generate(first, 150, seed=11)
    _generate(second, 150, seed=11)
    assert _deal_fingerprint(first) == _deal_fingerprint(second)
    assert _history_fingerprint(first) == _history_fingerprint(second)


def test_other_seed_gives_other_data(tmp_path):
    first = tmp_path / "first.sqlite3"
    second = tmp_path / "second.sqlite3"
    _generate(first, 150, seed=11)
    _generate(second, 150, seed=12)
    assert _deal_fingerprint(first) != _deal_fingerprint(second)


def test_demo_split_across_series(demo_store):
    with _connect(demo_store) as connection:
        counts = dict(
            connection.execute(
                "SELECT se.key, count(*) FROM opportunities o "
                "JOIN series se ON se.id = o.series_id GROUP BY se.key"
            ).fetchall()
        )
    assert counts == {
        "new-customer": 90,
        "trial-conversion": 405,
        "repeat-referral": 405,
    }


def test_demo_workspace_settings_and_no_outbox(demo_store):
    with _connect(demo_store) as connection:
        settings = dict(connection.execute("SELECT key, value FROM workspace_settings"))
        outbox = connection.execute("SELECT count(*) FROM outbox").fetchone()[0]
        lead = connection.execute(
            "SELECT display_name, role FROM users WHERE replace(id, '-', '') = ?",
            (settings["current_user"].replace("-", ""),),
        ).fetchone()
    assert settings["base_currency"] == "CNY"
    assert '"seed": 7' in settings["demo_workspace"]
    assert outbox == 0
    assert tuple(lead) == ("王芳", "lead")


def test_demo_history_averages_about_ten_rows(demo_store):
    with _connect(demo_store) as connection:
        history = connection.execute("SELECT count(*) FROM stage_history").fetchone()
        deals = connection.execute("SELECT count(*) FROM opportunities").fetchone()
    average = history[0] / deals[0]
    assert 8.5 <= average <= 11.5


def test_demo_has_varied_deals(demo_store):
    with _connect(demo_store) as connection:
        row = connection.execute(
            """
            SELECT sum(amount_minor IS NULL), sum(expected_close IS NULL),
                   sum(manual_probability IS NOT NULL),
                   sum(expected_close < '2025-06-30'),
                   (SELECT count(*) FROM outcomes WHERE reopened_at IS NOT NULL),
                   (SELECT count(*) FROM checklist_items)
            FROM opportunities
            """
        ).fetchone()
    no_amount, no_close, manual, overdue_or_past, reopened, ticked = row
    assert no_amount > 0
    assert no_close > 0
    assert manual > 0
    assert overdue_or_past > 0
    assert reopened > 0
    assert ticked > 0


def test_demo_rejects_store_with_deals(demo_store, tmp_path):
    engine, sessions = open_store(demo_store)
    try:
        with pytest.raises(ValidationError, match="already has deals"):
            generate_demo(sessions, 5, today=TODAY)
    finally:
        engine.dispose()


def test_demo_rejects_bad_count(store_path):
    engine, sessions = open_store(store_path)
    try:
        with pytest.raises(ValidationError, match="invalid number of demo deals 0"):
            generate_demo(sessions, 0, today=TODAY)
    finally:
        engine.dispose()


class _Replay:
    """The store's playbook and per-deal rows, read with plain SQL."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.rules: dict[str, SeriesRules] = {}
        self.positions: dict[str, list[StagePosition]] = defaultdict(list)
        for row in connection.execute("SELECT * FROM series"):
            self.rules[row["id"]] = SeriesRules(
                allow_skip=bool(row["allow_skip"]),
                allow_backward=bool(row["allow_backward"]),
                allow_reopen=bool(row["allow_reopen"]),
                checklist_gates=bool(row["checklist_gates"]),
            )
        self.stages: dict[str, sqlite3.Row] = {}
        for row in connection.execute("SELECT * FROM stages ORDER BY position"):
            self.stages[row["id"]] = row
            self.positions[row["series_id"]].append(
                StagePosition(
                    row["id"], row["key"], StageKind(row["kind"]), row["position"]
                )
            )
        self.required: dict[str, set[str]] = defaultdict(set)
        for row in connection.execute(
            "SELECT id, stage_id FROM checklist_actions WHERE required"
        ):
            self.required[row["stage_id"]].add(row["id"])
        self.reasons = {
            row["id"]: row for row in connection.execute("SELECT * FROM reasons")
        }
        self.history = self._group(connection, "stage_history", "changed_at")
        self.outcomes = self._group(connection, "outcomes", "recorded_at")
        self.revisions = self._group(connection, "probability_revisions", "changed_at")
        self.ticks = self._group(connection, "checklist_items", "changed_at")

    @staticmethod
    def _group(
        connection: sqlite3.Connection, table: str, order: str
    ) -> dict[str, list[sqlite3.Row]]:
        grouped: dict[str, list[sqlite3.Row]] = defaultdict(list)
        query = f"SELECT * FROM {table} ORDER BY opportunity_id, {order}, rowid"
        for row in connection.execute(query):
            grouped[row["opportunity_id"]].append(row)
        return grouped

    def manual_at(self, deal_id: str, moment: str) -> int | None:
        manual = None
        for revision in self.revisions[deal_id]:
            if revision["changed_at"] <= moment:
                manual = revision["probability"]
        return manual

    def open_required(self, deal_id: str, stage_id: str, moment: str) -> list[str]:
        done = {
            tick["action_id"]
            for tick in self.ticks[deal_id]
            if tick["done"] and tick["changed_at"] < moment
        }
        return sorted(self.required[stage_id] - done)


def _replay_deal(replay: _Replay, deal: sqlite3.Row) -> None:
    rows = replay.history[deal["id"]]
    positions = {p.id: p for p in replay.positions[deal["series_id"]]}
    rules = replay.rules[deal["series_id"]]
    first_open = min(
        (p for p in positions.values() if p.kind is StageKind.OPEN),
        key=lambda p: p.position,
    )
    assert rows[0]["from_stage_id"] is None
    assert rows[0]["to_stage_id"] == first_open.id
    assert rows[0]["changed_at"] == deal["created_at"]

    outcomes = {row["recorded_at"]: row for row in replay.outcomes[deal["id"]]}
    entered_result_at = None
    for previous, row in itertools.pairwise(rows):
        assert row["from_stage_id"] == previous["to_stage_id"]
        assert row["changed_at"] > previous["changed_at"]
        current = positions[row["from_stage_id"]]
        target = positions[row["to_stage_id"]]
        open_actions = []
        if rules.checklist_gates and not current.kind.is_result:
            open_actions = replay.open_required(
                deal["id"], current.id, row["changed_at"]
            )
        rejections = check_move(
            rules, list(positions.values()), current, target, open_actions
        )
        assert rejections == [], (deal["external_key"], rejections)

        if current.kind.is_result:
            left = outcomes[entered_result_at]
            assert left["reopened_at"] == row["changed_at"]
        if target.kind.is_result:
            outcome = outcomes[row["changed_at"]]
            assert outcome["result"] == target.kind.value
            reason = replay.reasons[outcome["reason_id"]]
            assert reason["series_id"] == deal["series_id"]
            assert reason["result"] == target.kind.value
            if reason["note_required"]:
                assert outcome["note"].strip()
            if target.kind is StageKind.WON:
                assert outcome["actual_amount_minor"] == row["amount_minor"]
            entered_result_at = row["changed_at"]

    for row in rows:
        stage = replay.stages[row["to_stage_id"]]
        manual = replay.manual_at(deal["id"], row["changed_at"])
        kind = StageKind(stage["kind"])
        if kind is StageKind.WON:
            expected = 100
        elif kind is StageKind.LOST:
            expected = 0
        else:
            expected = stage["default_probability"] if manual is None else manual
        assert row["probability"] == expected, deal["external_key"]

    last = rows[-1]
    assert deal["stage_id"] == last["to_stage_id"]
    assert deal["stage_entered_at"] == last["changed_at"]
    assert deal["amount_minor"] == last["amount_minor"]
    assert deal["expected_close"] == last["expected_close"]
    still_open = [o for o in outcomes.values() if o["reopened_at"] is None]
    kind = positions[deal["stage_id"]].kind
    assert len(still_open) == (1 if kind.is_result else 0)
    if kind is StageKind.WON:
        assert deal["expected_close"] == still_open[0]["actual_date"]


def test_demo_history_obeys_series_rules(demo_store):
    with _connect(demo_store) as connection:
        replay = _Replay(connection)
        deals = connection.execute("SELECT * FROM opportunities").fetchall()
    assert len(deals) == 900
    for deal in deals:
        _replay_deal(replay, deal)
