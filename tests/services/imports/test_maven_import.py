"""The Maven preset against the real export, with figures computed by the csv module.

The expected values below come from reading the four CSV files here, not from
the importer. The pipeline writes one product as ``GTXPro`` while products.csv
has ``GTX Pro``; ``product_key`` pairs them the way a person would, by removing
spaces and case, independently of the importer's rapidfuzz matching.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from helpers.data import MAVEN as MAVEN_EXPORT
from sqlalchemy import func, select

from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.imports.maven import import_maven
from crmdesk.storage.db import open_store
from crmdesk.storage.models import (
    Customer,
    Opportunity,
    OutboxEntry,
    Outcome,
    Product,
    Stage,
    StageHistory,
    Team,
    User,
)

MAVEN = MAVEN_EXPORT
IMPORT_TIME = datetime(2024, 5, 1, 8, 30, tzinfo=UTC)


def read(name: str) -> list[dict[str, str]]:
    with (MAVEN / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def product_key(name: str) -> str:
    return "".join(name.split()).casefold()


def outbox_count(session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxEntry))


@pytest.fixture(scope="module")
def maven(tmp_path_factory):
    """The store after two imports of the export, with both results."""
    if not MAVEN.is_dir():
        pytest.fail(f"the Maven export is missing at {MAVEN}")
    folder = tmp_path_factory.mktemp("maven")
    engine, sessions = open_store(folder / "store.sqlite3")
    actor = Actor(None, ChangeSource.IMPORT, at=IMPORT_TIME)
    with sessions.begin() as session:
        first = import_maven(session, MAVEN, actor, report_path=folder / "r1.csv")
    with sessions() as session:
        outbox_after_first = outbox_count(session)
    with sessions.begin() as session:
        second = import_maven(
            session, MAVEN / "sales_pipeline.csv", actor, report_path=folder / "r2.csv"
        )
    with sessions() as session:
        outbox_after_second = outbox_count(session)
    yield {
        "sessions": sessions,
        "first": first,
        "second": second,
        "outbox": (outbox_after_first, outbox_after_second),
    }
    engine.dispose()


def deals_by_key(session) -> dict[str, Opportunity]:
    rows = session.scalars(
        select(Opportunity).where(Opportunity.external_source == "maven")
    )
    return {row.external_key: row for row in rows}


def test_first_import_counts(maven):
    rows = read("sales_pipeline.csv")
    result = maven["first"]
    assert result.rows == len(rows)
    assert result.imported == len(rows)
    assert result.updated == 0
    assert result.unchanged == 0
    assert result.rejected == 0
    assert result.report_path is None


def test_stage_counts(maven):
    expected = Counter(row["deal_stage"] for row in read("sales_pipeline.csv"))
    with maven["sessions"]() as session:
        counts = dict(
            session.execute(
                select(Stage.name_en, func.count())
                .join(Opportunity, Opportunity.stage_id == Stage.id)
                .where(Opportunity.external_source == "maven")
                .group_by(Stage.name_en)
            ).all()
        )
    assert counts == dict(expected)


def test_won_revenue(maven):
    expected = sum(
        Decimal(row["close_value"])
        for row in read("sales_pipeline.csv")
        if row["deal_stage"] == "Won"
    )
    with maven["sessions"]() as session:
        cents = session.scalar(
            select(func.sum(Outcome.actual_amount_minor)).where(
                Outcome.result == "won", Outcome.reopened_at.is_(None)
            )
        )
    assert Decimal(cents) / 100 == expected


def test_customers_and_parents(maven):
    accounts = read("accounts.csv")
    with maven["sessions"]() as session:
        customers = {
            row.name: row
            for row in session.scalars(
                select(Customer).where(Customer.external_source == "maven")
            )
        }
    assert len(customers) == len(accounts)
    for account in accounts:
        customer = customers[account["account"]]
        assert customer.sector == account["sector"]
        assert customer.country == account["office_location"]
        parent = account["subsidiary_of"]
        if parent:
            assert customer.parent_id == customers[parent].id
        else:
            assert customer.parent_id is None


def test_users_and_teams(maven):
    teams_csv = read("sales_teams.csv")
    agents = {row["sales_agent"] for row in teams_csv}
    managers = {row["manager"] for row in teams_csv}
    with maven["sessions"]() as session:
        users = {user.display_name: user for user in session.scalars(select(User))}
        teams = {
            team.id: team
            for team in session.scalars(select(Team).where(Team.key.like("maven-%")))
        }
    assert len(teams) == len(managers)
    assert len(agents) + len(managers) == 41
    assert agents | managers <= set(users)
    for name in managers:
        assert users[name].role == "lead"
    for row in teams_csv:
        agent = users[row["sales_agent"]]
        assert agent.role == "rep"
        team = teams[agent.team_id]
        assert team.region == row["regional_office"]
        assert team.lead_id == users[row["manager"]].id


def test_office_win_rates(maven):
    office_of = {
        row["sales_agent"]: row["regional_office"] for row in read("sales_teams.csv")
    }
    expected: dict[str, Counter[str]] = defaultdict(Counter)
    for row in read("sales_pipeline.csv"):
        if row["deal_stage"] in ("Won", "Lost"):
            expected[office_of[row["sales_agent"]]][row["deal_stage"]] += 1
    with maven["sessions"]() as session:
        rows = session.execute(
            select(Team.region, Outcome.result, func.count())
            .join(Opportunity, Opportunity.team_id == Team.id)
            .join(Outcome, Outcome.opportunity_id == Opportunity.id)
            .where(Opportunity.external_source == "maven")
            .group_by(Team.region, Outcome.result)
        ).all()
    actual: dict[str, Counter[str]] = defaultdict(Counter)
    for region, result, count in rows:
        actual[region][result.capitalize()] = count
    assert actual == expected
    for office, counts in expected.items():
        rate = counts["Won"] / (counts["Won"] + counts["Lost"])
        got = actual[office]["Won"] / (actual[office]["Won"] + actual[office]["Lost"])
        assert got == pytest.approx(rate)


def test_history_rows_follow_dates(maven):
    rows = read("sales_pipeline.csv")
    expected = {
        row["opportunity_id"]: 1 + bool(row["engage_date"]) + bool(row["close_date"])
        for row in rows
    }
    with maven["sessions"]() as session:
        keys = {deal.id: key for key, deal in deals_by_key(session).items()}
        counts = session.execute(
            select(StageHistory.opportunity_id, func.count()).group_by(
                StageHistory.opportunity_id
            )
        ).all()
    actual = {keys[deal_id]: count for deal_id, count in counts if deal_id in keys}
    assert actual == expected
    assert sum(actual.values()) == sum(expected.values())


def test_history_dates(maven):
    rows = {row["opportunity_id"]: row for row in read("sales_pipeline.csv")}
    with maven["sessions"]() as session:
        keys = {deal.id: key for key, deal in deals_by_key(session).items()}
        history = session.execute(
            select(
                StageHistory.opportunity_id,
                StageHistory.from_stage_id.is_(None),
                Stage.key,
                StageHistory.changed_at,
            )
            .join(Stage, Stage.id == StageHistory.to_stage_id)
            .order_by(StageHistory.changed_at)
        ).all()
    for deal_id, created, stage_key, changed_at in history:
        row = rows[keys[deal_id]]
        if created:
            assert stage_key == "prospecting"
            if row["engage_date"]:
                assert changed_at.date() == date.fromisoformat(row["engage_date"])
            else:
                assert changed_at == IMPORT_TIME
        elif stage_key == "engaging":
            assert changed_at.date() == date.fromisoformat(row["engage_date"])
        else:
            assert stage_key == row["deal_stage"].lower()
            assert changed_at.date() == date.fromisoformat(row["close_date"])


def test_outcomes_match_rows(maven):
    rows = {row["opportunity_id"]: row for row in read("sales_pipeline.csv")}
    with maven["sessions"]() as session:
        deals = deals_by_key(session)
        outcomes = {
            outcome.opportunity_id: outcome
            for outcome in session.scalars(select(Outcome))
        }
    for key, row in rows.items():
        outcome = outcomes.get(deals[key].id)
        if row["deal_stage"] not in ("Won", "Lost"):
            assert outcome is None
            continue
        assert outcome.result == row["deal_stage"].lower()
        assert outcome.actual_date == date.fromisoformat(row["close_date"])
        assert Decimal(outcome.actual_amount_minor) / 100 == Decimal(row["close_value"])
        if row["deal_stage"] == "Lost":
            assert outcome.reason_id is not None
            assert outcome.note


def test_amounts_use_list_price(maven):
    prices = {
        product_key(row["product"]): Decimal(row["sales_price"])
        for row in read("products.csv")
    }
    rows = read("sales_pipeline.csv")
    with maven["sessions"]() as session:
        deals = deals_by_key(session)
    for row in rows:
        deal = deals[row["opportunity_id"]]
        amount = Decimal(deal.amount_minor) / 100
        if row["deal_stage"] == "Won":
            assert amount == Decimal(row["close_value"])
        else:
            assert amount == prices[product_key(row["product"])]
        assert deal.currency == "USD"


def test_gtxpro_paired_with_gtx_pro(maven):
    rows = read("sales_pipeline.csv")
    gtxpro_rows = sum(1 for row in rows if row["product"] == "GTXPro")
    both = sum(1 for row in rows if product_key(row["product"]) == "gtxpro")
    assert maven["first"].fuzzy_matches == {"GTXPro": ("GTX Pro", gtxpro_rows)}
    assert any("GTXPro" in warning for warning in maven["first"].warnings)
    with maven["sessions"]() as session:
        product = session.scalar(select(Product).where(Product.name == "GTX Pro"))
        linked = session.scalar(
            select(func.count()).where(Opportunity.product_id == product.id)
        )
        names = set(session.scalars(select(Product.name)))
    assert linked == both
    assert "GTXPro" not in names
    assert len(names) == len(read("products.csv"))


def test_deals_without_account(maven):
    rows = [row for row in read("sales_pipeline.csv") if not row["account"]]
    with maven["sessions"]() as session:
        deals = deals_by_key(session)
    assert rows
    for row in rows:
        deal = deals[row["opportunity_id"]]
        assert deal.customer_id is None
        assert row["opportunity_id"] in deal.title


def test_titles_name_product_and_account(maven):
    row = next(
        row
        for row in read("sales_pipeline.csv")
        if row["account"] and row["product"] == "GTXPro"
    )
    with maven["sessions"]() as session:
        deal = deals_by_key(session)[row["opportunity_id"]]
    assert deal.title == f"GTX Pro for {row['account']}"


def test_import_fills_outbox(maven):
    rows = read("sales_pipeline.csv")
    with maven["sessions"]() as session:
        inserts = session.scalar(
            select(func.count()).where(
                OutboxEntry.table_name == "opportunities",
                OutboxEntry.operation == "insert",
            )
        )
    assert inserts == len(rows)


def test_second_import_changes_nothing(maven):
    rows = read("sales_pipeline.csv")
    second = maven["second"]
    assert second.unchanged == len(rows)
    assert second.imported == 0
    assert second.updated == 0
    assert second.rejected == 0
    before, after = maven["outbox"]
    assert after == before
    with maven["sessions"]() as session:
        deals = session.scalar(
            select(func.count()).where(Opportunity.external_source == "maven")
        )
        customers = session.scalar(select(func.count()).select_from(Customer))
        users = session.scalar(select(func.count()).select_from(User))
        products = session.scalar(select(func.count()).select_from(Product))
    assert deals == len(rows)
    assert customers == len(read("accounts.csv"))
    assert users == 41
    assert products == len(read("products.csv"))
