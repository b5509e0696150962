"""``crmdesk report``: filters, formats and figures worked out by hand."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from helpers import reportdata
from helpers.reportdata import Bulk

from crmdesk.cli import run
from crmdesk.config.paths import resolve_paths
from crmdesk.storage.db import open_store

JULY = datetime(2017, 7, 3, 8, 0, tzinfo=UTC)


def at(day: int, month: int = 8) -> datetime:
    return datetime(2017, month, day, 10, 0, tzinfo=UTC)


@pytest.fixture
def store():
    """The default store (isolated per test by CRMDESK_DATA_DIR) with deals."""
    paths = resolve_paths()
    paths.ensure()
    engine, sessions = open_store(paths.database)
    with sessions.begin() as session:
        ids = reportdata.install(session)
        bulk = Bulk(ids)
        bulk.load_stages(session)
        close = date(2017, 6, 1)
        bulk.deal("review", [("p1", JULY)], amount_minor=100_00, expected_close=close)
        bulk.deal(
            "review",
            [("p2", JULY)],
            amount_minor=200_00,
            expected_close=close,
            manual=50,
        )
        bulk.deal("review", [("p2", JULY)], amount_minor=None, expected_close=close)
        bulk.deal(
            "review",
            [("p1", JULY), ("p2", at(5)), ("won", at(9))],
            amount_minor=300_00,
            won_amount_minor=310_00,
            closed_on=date(2017, 8, 9),
        )
        bulk.deal(
            "review",
            [("p1", JULY), ("lost", at(9))],
            amount_minor=10_00,
            closed_on=date(2017, 8, 9),
        )
        bulk.write(session)
    engine.dispose()
    return ids


def report(capsys, *args: str) -> str:
    status = run(["--language", "en", "report", *args])
    output = capsys.readouterr()
    assert status == 0, output.err
    return output.out


def test_forecast_json_rows(store, capsys):
    rows = json.loads(
        report(
            capsys,
            "forecast",
            "--series",
            "review",
            "--from",
            "2017-01-01",
            "--to",
            "2017-12-31",
            "--format",
            "json",
        )
    )
    by_stage = {row["stage"]: row for row in rows}
    assert by_stage["Initial contact"]["weighted"] == "10.00"
    assert by_stage["Needs confirmed"]["count"] == 2
    assert by_stage["Needs confirmed"]["weighted"] == "100.00"
    assert by_stage["won in window"]["amount"] == "310.00"
    assert by_stage["total"]["weighted"] == "420.00"
    assert set(rows[0]) == {
        "series",
        "stage",
        "count",
        "amount",
        "expected_rate",
        "weighted",
    }


def test_funnel_csv_parses(store, capsys):
    text = report(
        capsys,
        "funnel",
        "--series",
        "review",
        "--from",
        "2017-01-01",
        "--to",
        "2017-12-31",
        "--format",
        "csv",
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    kinds = {(row["kind"], row["stage"]): row for row in rows}
    assert kinds[("open", "Initial contact")]["amount"] == "100.00"
    assert kinds[("won", "")]["count"] == "1"
    assert kinds[("lost", "")]["amount"] == "10.00"


def test_conversion_table_for_one_stage(store, capsys):
    text = report(
        capsys,
        "conversion",
        "--series",
        "review",
        "--stage",
        "p1",
        "--period-start",
        "2017-08-01",
        "--period-end",
        "2017-08-31",
    )
    header, line = text.strip().splitlines()
    assert header.split()[:3] == ["series", "stage", "period_start"]
    # Cohort of 3 in P1 on 1 August: one won (moved), one lost, one still there.
    assert line.split()[-6:] == ["3", "1", "1", "0", "1", "0.3333"]


def test_winrate_by_stage_marks_small_sample(store, capsys):
    rows = json.loads(
        report(capsys, "winrate", "--series", "review", "--format", "json")
    )
    first = rows[0]
    assert first["stage"] == "Initial contact"
    assert (first["won"], first["lost"], first["closed"]) == (1, 1, 2)
    assert first["rate"] == "0.5000"
    assert first["small_sample"] is True
    assert first["default_rate"] == "0.1"


def test_distribution_compares_three_dates(store, capsys):
    rows = json.loads(
        report(
            capsys,
            "distribution",
            "--series",
            "review",
            "--as-of",
            "2017-08-06",
            "--format",
            "json",
        )
    )
    dates = sorted({row["date"] for row in rows})
    assert dates == ["2016-08-06", "2017-07-06", "2017-08-06"]
    now = {row["stage"]: row for row in rows if row["date"] == "2017-08-06"}
    assert now["Initial contact"]["count"] == 2
    assert now["Needs confirmed"]["count"] == 3


def test_unknown_rep_is_an_error(store, capsys):
    status = run(["report", "funnel", "--rep", "nobody"])
    assert status == 1
    assert "user 'nobody' not found" in capsys.readouterr().err


def test_bad_date_names_value(store, capsys):
    with pytest.raises(SystemExit):
        run(["report", "forecast", "--from", "2017-13-01"])
    assert "invalid date '2017-13-01'" in capsys.readouterr().err


def test_forecast_needs_a_window(store, capsys):
    assert run(["report", "forecast"]) == 1
    assert "a forecast needs a close window" in capsys.readouterr().err


def test_table_groups_amount_columns():
    from crmdesk.cli.report import _table_cell

    assert _table_cell("1234567.50", "amount") == "1,234,567.50"
    assert _table_cell("-1000.00", "weighted") == "-1,000.00"
    # Rates and counts stay as they are.
    assert _table_cell("0.2500", "expected_rate") == "0.2500"
    assert _table_cell(1200, "count") == "1200"
    assert _table_cell(None, "amount") == ""
