"""Reports over the imported Maven export, checked against the CSV files.

Expected figures are computed here with the csv module from the export itself.
The export writes one product as ``GTXPro`` in the pipeline and ``GTX Pro`` in
products.csv; the computation below applies that same pairing.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

import pytest
from helpers.data import MAVEN as MAVEN_EXPORT
from sqlalchemy import select

from crmdesk.domain.reports import ReportFilter
from crmdesk.services import reports
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.imports.maven import import_maven
from crmdesk.storage.db import open_store
from crmdesk.storage.models import Team, User

MAVEN = MAVEN_EXPORT
YEAR_2017 = ReportFilter(close_from=date(2017, 1, 1), close_to=date(2017, 12, 31))


def read(name: str) -> list[dict[str, str]]:
    with (MAVEN / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def product_name(raw: str) -> str:
    return "GTX Pro" if raw == "GTXPro" else raw


@pytest.fixture(scope="module")
def maven_store(tmp_path_factory):
    if not MAVEN.is_dir():
        pytest.fail(f"the Maven export is missing at {MAVEN}")
    path = tmp_path_factory.mktemp("maven") / "store.sqlite3"
    engine, sessions = open_store(path)
    with sessions.begin() as session:
        import_maven(
            session,
            MAVEN,
            Actor(None, ChangeSource.IMPORT),
            report_path=path.parent / "report.csv",
        )
    yield sessions
    engine.dispose()


def expected_rates(key: str) -> dict[str, tuple[int, int]]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in read("sales_pipeline.csv"):
        if row["deal_stage"] in ("Won", "Lost"):
            group = product_name(row[key]) if key == "product" else row[key]
            counts[group][row["deal_stage"]] += 1
    return {group: (c["Won"], c["Lost"]) for group, c in counts.items()}


def test_win_rates_per_rep_match_csv(maven_store):
    expected = expected_rates("sales_agent")
    with maven_store() as session:
        rows = reports.win_rates(session, ReportFilter(), "rep")
        logins = {u.display_name: u for u in session.scalars(select(User))}
    actual = {row.group: (row.won, row.lost) for row in rows}
    assert actual == expected
    assert all(name in logins for name in expected)
    for row in rows:
        won, lost = expected[row.group]
        assert row.rate == (Decimal(won) / (won + lost)).quantize(Decimal("0.0001"))


def test_win_rates_per_product_match_csv(maven_store):
    expected = expected_rates("product")
    with maven_store() as session:
        rows = reports.win_rates(session, ReportFilter(), "product")
    assert {row.group: (row.won, row.lost) for row in rows} == expected


def test_win_rates_per_team_match_csv(maven_store):
    manager_of = {r["sales_agent"]: r["manager"] for r in read("sales_teams.csv")}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in read("sales_pipeline.csv"):
        if row["deal_stage"] in ("Won", "Lost"):
            counts[manager_of[row["sales_agent"]]][row["deal_stage"]] += 1
    with maven_store() as session:
        rows = reports.win_rates(session, ReportFilter(), "team")
        teams = {t.id: t for t in session.scalars(select(Team))}
        leads = {u.id: u.display_name for u in session.scalars(select(User))}
    actual = {leads[teams[row.group_id].lead_id]: (row.won, row.lost) for row in rows}
    assert actual == {m: (c["Won"], c["Lost"]) for m, c in counts.items()}


def test_won_in_2017_matches_close_values(maven_store):
    pipeline = read("sales_pipeline.csv")
    won = [r for r in pipeline if r["deal_stage"] == "Won"]
    with maven_store() as session:
        result = reports.forecast(session, YEAR_2017)
    assert result.won_count == len(won)
    assert result.won_amount == sum(Decimal(r["close_value"]) for r in won)


def test_funnel_open_deals_at_list_price(maven_store):
    prices = {r["product"]: Decimal(r["sales_price"]) for r in read("products.csv")}
    open_rows: dict[str, list[Decimal]] = defaultdict(list)
    for row in read("sales_pipeline.csv"):
        if row["deal_stage"] in ("Prospecting", "Engaging"):
            open_rows[row["deal_stage"]].append(prices[product_name(row["product"])])
    with maven_store() as session:
        result = reports.funnel(session, ReportFilter())
    actual = {row.stage.name.en: (row.count, row.amount) for row in result.rows}
    for stage, amounts in open_rows.items():
        assert actual[stage] == (len(amounts), sum(amounts))
