"""Pipeline review reports, on SQLite and PostgreSQL alike.

The three worked figures come from the product brief and are computed by hand:
a forecast of 26,000,000; a conversion of 50 % (1,000 moved, 800 stayed, 200
dropped); and a 30,000,000 deal set to 0 % lowering the forecast by 9,000,000.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from helpers import reportdata
from helpers.reportdata import Bulk

from crmdesk.domain.reports import Period, ReportFilter
from crmdesk.services import reports
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.stages import set_manual_probability
from crmdesk.services.workspace import set_setting

JAN_TO_OCT = ReportFilter(close_from=date(2017, 1, 1), close_to=date(2017, 10, 31))
JULY = datetime(2017, 7, 3, 8, 0, tzinfo=UTC)


def at(day: int, month: int = 8, hour: int = 10) -> datetime:
    return datetime(2017, month, day, hour, 0, tzinfo=UTC)


def split(total_major: int, count: int) -> list[int]:
    """Split an amount into ``count`` minor-unit amounts that add up exactly."""
    total = total_major * 100
    amounts = [total // count] * count
    amounts[0] += total - sum(amounts)
    return amounts


@pytest.fixture
def setup(any_sessions):
    with any_sessions.begin() as session:
        ids = reportdata.install(session)
        bulk = Bulk(ids)
        bulk.load_stages(session)
    return any_sessions, bulk


def add_forecast_deals(sessions, bulk: Bulk) -> None:
    in_window = date(2017, 6, 30)
    for stage, count, total in (
        ("p1", 4340, 50_000_000),
        ("p2", 3000, 20_000_000),
        ("p3", 2000, 10_000_000),
        ("p4", 300, 5_000_000),
        ("p5", 280, 4_000_000),
    ):
        for amount in split(total, count):
            bulk.deal(
                "review", [(stage, JULY)], amount_minor=amount, expected_close=in_window
            )
    # Outside the window, so not in the forecast.
    bulk.deal(
        "review", [("p3", JULY)], amount_minor=99_900, expected_close=date(2017, 11, 1)
    )
    bulk.deal("review", [("p3", JULY)], amount_minor=99_900, expected_close=None)
    with sessions.begin() as session:
        bulk.write(session)


def test_forecast_worked_figure(setup):
    sessions, bulk = setup
    add_forecast_deals(sessions, bulk)
    with sessions() as session:
        result = reports.forecast(session, JAN_TO_OCT)
    rows = {row.stage.key: row for row in result.rows}
    assert [rows[k].count for k in ("p1", "p2", "p3", "p4", "p5")] == [
        4340,
        3000,
        2000,
        300,
        280,
    ]
    assert rows["p1"].amount == Decimal("50000000.00")
    assert rows["p1"].weighted == Decimal("5000000.00")
    assert rows["p2"].weighted == Decimal("6000000.00")
    assert rows["p3"].weighted == Decimal("6000000.00")
    assert rows["p4"].weighted == Decimal("5000000.00")
    assert rows["p5"].weighted == Decimal("4000000.00")
    assert rows["p2"].expected_rate == Decimal("0.3000")
    assert result.weighted == Decimal("26000000.00")
    assert result.total == Decimal("26000000.00")


def test_forecast_won_separate_lost_ignored(setup):
    sessions, bulk = setup
    bulk.deal(
        "review", [("p1", JULY)], amount_minor=10_000, expected_close=date(2017, 3, 1)
    )
    bulk.deal(
        "review",
        [("p3", JULY), ("won", at(2))],
        amount_minor=500_000,
        won_amount_minor=450_000,
        closed_on=date(2017, 8, 2),
        expected_close=date(2017, 8, 2),
    )
    bulk.deal(
        "review",
        [("p3", JULY), ("lost", at(2))],
        amount_minor=700_000,
        closed_on=date(2017, 8, 2),
        expected_close=date(2017, 8, 2),
    )
    bulk.deal(
        "review",
        [("p3", JULY), ("won", at(2, 12))],
        amount_minor=1,
        won_amount_minor=1,
        closed_on=date(2017, 12, 2),
    )
    with sessions.begin() as session:
        bulk.write(session)
    with sessions() as session:
        result = reports.forecast(session, JAN_TO_OCT)
        won_ids = reports.deals_behind(session, JAN_TO_OCT, "won")
    assert result.weighted == Decimal("10.00")
    assert result.won_count == 1
    assert result.won_amount == Decimal("4500.00")
    assert result.total == Decimal("4510.00")
    assert len(won_ids) == 1


def test_forecast_is_per_deal_not_average(setup):
    sessions, bulk = setup
    close = date(2017, 5, 5)
    bulk.deal(
        "review", [("p1", JULY)], amount_minor=10_000, manual=99, expected_close=close
    )
    bulk.deal(
        "review", [("p1", JULY)], amount_minor=20_000, manual=0, expected_close=close
    )
    with sessions.begin() as session:
        bulk.write(session)
    with sessions() as session:
        assert reports.forecast(session, JAN_TO_OCT).weighted == Decimal("99.00")
    bulk.deal(
        "review", [("p1", JULY)], amount_minor=5_000, manual=50, expected_close=close
    )
    with sessions.begin() as session:
        bulk.write(session)
    with sessions() as session:
        assert reports.forecast(session, JAN_TO_OCT).weighted == Decimal("124.00")


def test_manual_zero_lowers_forecast_by_9m(setup):
    sessions, bulk = setup
    close = date(2017, 9, 1)
    big = bulk.deal(
        "consult",
        [("proposal", JULY)],
        amount_minor=30_000_000_00,
        expected_close=close,
    )
    stages = ["qualify", "proposal", "negotiation"]
    for index, amount in enumerate(split(70_000_000, 99)):
        bulk.deal(
            "consult",
            [(stages[index % 3], JULY)],
            amount_minor=amount,
            expected_close=close,
        )
    with sessions.begin() as session:
        bulk.write(session)
    series = ReportFilter(
        series_id=bulk.ids.series["consult"],
        close_from=date(2017, 1, 1),
        close_to=date(2017, 12, 31),
    )
    with sessions() as session:
        before = reports.forecast(session, series)
    with sessions.begin() as session:
        set_manual_probability(
            session, big, 0, Actor(None, ChangeSource.REPORT), "customer froze budget"
        )
    with sessions() as session:
        after = reports.forecast(session, series)
        funnel = reports.funnel(session, series)
    assert sum(row.count for row in funnel.rows) == 100
    assert sum(row.amount for row in funnel.rows) == Decimal("100000000.00")
    assert before.weighted - after.weighted == Decimal("9000000.00")


def add_august_cohort(sessions, bulk: Bulk) -> dict[str, object]:
    entered = [("p1", JULY)]
    for index in range(600):
        bulk.deal("review", [*entered, ("p2", at(1 + index % 28))], amount_minor=100)
    for _ in range(299):
        bulk.deal("review", [*entered, ("p2", at(3)), ("p3", at(9))], amount_minor=100)
    bounced = bulk.deal(
        "review",
        [*entered, ("p2", at(5)), ("p1", at(10)), ("p2", at(20))],
        amount_minor=100,
    )
    for _ in range(100):
        bulk.deal(
            "review",
            [*entered, ("p2", at(4)), ("won", at(25))],
            amount_minor=100,
            won_amount_minor=100,
            closed_on=date(2017, 8, 25),
        )
    for _ in range(799):
        bulk.deal("review", entered, amount_minor=100)
    bounced_back = bulk.deal(
        "review", [*entered, ("p2", at(5)), ("p1", at(10))], amount_minor=100
    )
    for _ in range(200):
        bulk.deal(
            "review",
            [*entered, ("lost", at(15))],
            amount_minor=100,
            closed_on=date(2017, 8, 15),
        )
    # Not in the cohort: entered P1 during August, or moved on before it.
    for _ in range(50):
        bulk.deal("review", [("p1", at(2))], amount_minor=100)
    bulk.deal("review", [*entered, ("p2", at(30, 7))], amount_minor=100)
    with sessions.begin() as session:
        bulk.write(session)
    return {"bounced": bounced, "bounced_back": bounced_back}


def test_conversion_worked_figure(setup):
    sessions, bulk = setup
    marked = add_august_cohort(sessions, bulk)
    august = Period(date(2017, 8, 1), date(2017, 8, 31))
    p1 = bulk.ids.stages[("review", "p1")]
    review = ReportFilter(series_id=bulk.ids.series["review"])
    with sessions() as session:
        [row] = reports.conversion(session, review, august, [p1])
        moved = reports.conversion_deals(session, review, august, p1, "moved")
        stayed = reports.conversion_deals(session, review, august, p1, "stayed")
        cohort = reports.conversion_deals(session, review, august, p1)
    assert row.cohort == 2000
    assert row.moved == 1000
    assert row.stayed == 800
    assert row.dropped == 200
    assert row.moved_back == 0
    assert row.rate == Decimal("0.5000")
    assert len(moved) == 1000
    assert len(stayed) == 800
    assert len(cohort) == 2000
    assert moved.count(marked["bounced"]) == 1
    assert marked["bounced_back"] in stayed


def test_conversion_day_bounds_follow_time_zone(setup):
    sessions, bulk = setup
    # 17:00 UTC on 31 July is 01:00 on 1 August in Shanghai.
    bulk.deal(
        "review", [("p1", datetime(2017, 7, 31, 17, 0, tzinfo=UTC))], amount_minor=1
    )
    with sessions.begin() as session:
        bulk.write(session)
    august = Period(date(2017, 8, 1), date(2017, 8, 31))
    p1 = bulk.ids.stages[("review", "p1")]
    with sessions() as session:
        [utc_row] = reports.conversion(session, ReportFilter(), august, [p1])
    with sessions.begin() as session:
        set_setting(session, reports.BUSINESS_TIME_ZONE, "Asia/Shanghai")
    with sessions() as session:
        [shanghai_row] = reports.conversion(session, ReportFilter(), august, [p1])
    assert utc_row.cohort == 1
    assert shanghai_row.cohort == 0


def test_distribution_as_of_past_date(setup):
    sessions, bulk = setup
    # On 15 Aug 2017: A in P1 (100), B in P2 (300), C in P2 (600); D not yet made.
    # On 15 Jul 2017: A and B in P1; C and D do not exist yet.
    bulk.deal("review", [("p1", at(1, 7)), ("p3", at(20))], amount_minor=100_00)
    bulk.deal("review", [("p1", at(2, 7)), ("p2", at(1))], amount_minor=300_00)
    bulk.deal(
        "review",
        [("p2", at(10)), ("won", at(25))],
        amount_minor=600_00,
        won_amount_minor=600_00,
        closed_on=date(2017, 8, 25),
    )
    bulk.deal("review", [("p1", at(16))], amount_minor=50_00)
    with sessions.begin() as session:
        bulk.write(session)
    with sessions() as session:
        result = reports.distribution(
            session,
            ReportFilter(series_id=bulk.ids.series["review"]),
            date(2017, 8, 15),
        )
    assert result.dates == (date(2017, 8, 15), date(2017, 7, 15), date(2016, 8, 15))
    rows = {row.stage.key: row.cells for row in result.rows}
    assert rows["p1"][0].count == 1
    assert rows["p1"][0].count_share == Decimal("0.3333")
    assert rows["p2"][0].count == 2
    assert rows["p2"][0].amount == Decimal("900.00")
    assert rows["p2"][0].amount_share == Decimal("0.9000")
    assert rows["p1"][1].count == 2
    assert rows["p1"][1].count_share == Decimal("1.0000")
    assert rows["p2"][1].count == 0
    assert rows["p1"][2].count == 0
    assert rows["p1"][2].count_share is None
    with sessions() as session:
        behind = reports.distribution_deals(
            session,
            ReportFilter(series_id=bulk.ids.series["review"]),
            date(2017, 8, 15),
            bulk.ids.stages[("review", "p2")],
        )
    assert len(behind) == 2


def test_win_rate_by_stage_counts_bounces_once(setup):
    sessions, bulk = setup
    bulk.deal(
        "review",
        [("p1", at(1)), ("p2", at(2)), ("p1", at(3)), ("p2", at(4)), ("won", at(5))],
        amount_minor=1,
        won_amount_minor=1,
        closed_on=date(2017, 8, 5),
    )
    bulk.deal(
        "review",
        [("p1", at(1)), ("lost", at(2))],
        amount_minor=1,
        closed_on=date(2017, 8, 2),
    )
    bulk.deal(
        "review",
        [("p1", at(1)), ("p2", at(2)), ("lost", at(3))],
        amount_minor=1,
        closed_on=date(2017, 8, 3),
    )
    bulk.deal("review", [("p1", at(1))], amount_minor=1)
    with sessions.begin() as session:
        bulk.write(session)
    with sessions() as session:
        rows = {
            row.group_id: row
            for row in reports.win_rates(
                session, ReportFilter(series_id=bulk.ids.series["review"]), "stage"
            )
        }
    p1 = rows[bulk.ids.stages[("review", "p1")]]
    p2 = rows[bulk.ids.stages[("review", "p2")]]
    assert (p1.won, p1.lost, p1.closed) == (1, 2, 3)
    assert p1.rate == Decimal("0.3333")
    assert p1.default_probability == 10
    assert p1.small_sample
    assert (p2.won, p2.lost) == (1, 1)
    assert p2.rate == Decimal("0.5000")


def test_win_rate_deals_listed_on_demand(setup):
    sessions, bulk = setup
    winner = bulk.deal(
        "review",
        [("p1", at(1)), ("p2", at(2)), ("p1", at(3)), ("won", at(5))],
        amount_minor=1,
        won_amount_minor=1,
        closed_on=date(2017, 8, 5),
    )
    loser = bulk.deal(
        "review",
        [("p1", at(1)), ("lost", at(2))],
        amount_minor=1,
        closed_on=date(2017, 8, 2),
    )
    bulk.deal("review", [("p1", at(1))], amount_minor=1)
    with sessions.begin() as session:
        bulk.write(session)
    series = ReportFilter(series_id=bulk.ids.series["review"])
    p1 = bulk.ids.stages[("review", "p1")]
    p2 = bulk.ids.stages[("review", "p2")]
    with sessions() as session:
        assert reports.win_rate_deals(session, series, "stage", p1, True) == [winner]
        assert reports.win_rate_deals(session, series, "stage", p1, False) == [loser]
        assert sorted(reports.win_rate_deals(session, series, "stage", p1, None)) == (
            sorted([winner, loser])
        )
        assert reports.win_rate_deals(session, series, "stage", p2, False) == []
        with pytest.raises(Exception, match="use one of stage"):
            reports.win_rate_deals(session, series, "region", None, True)


def test_funnel_counts_open_and_closed(setup):
    sessions, bulk = setup
    bulk.deal(
        "review", [("p1", JULY)], amount_minor=100_00, expected_close=date(2017, 9, 1)
    )
    bulk.deal(
        "review", [("p2", JULY)], amount_minor=None, expected_close=date(2017, 9, 1)
    )
    bulk.deal(
        "review",
        [("p2", JULY), ("won", at(3))],
        amount_minor=200_00,
        won_amount_minor=250_00,
        closed_on=date(2017, 8, 3),
    )
    bulk.deal(
        "review",
        [("p2", JULY), ("lost", at(4))],
        amount_minor=70_00,
        closed_on=date(2017, 8, 4),
    )
    with sessions.begin() as session:
        bulk.write(session)
    with sessions() as session:
        result = reports.funnel(session, JAN_TO_OCT)
        p2_ids = reports.deals_behind(
            session, JAN_TO_OCT, bulk.ids.stages[("review", "p2")]
        )
    rows = {(row.stage.series.en, row.stage.key): row for row in result.rows}
    assert rows[("Review", "p1")].count == 1
    assert rows[("Review", "p1")].amount == Decimal("100.00")
    assert rows[("Review", "p2")].count == 1
    assert rows[("Review", "p2")].amount == Decimal("0.00")
    assert len(p2_ids) == 1
    assert (result.won_count, result.won_amount) == (1, Decimal("250.00"))
    assert (result.lost_count, result.lost_amount) == (1, Decimal("70.00"))


def test_unknown_grouping_is_rejected(setup):
    sessions, _ = setup
    with sessions() as session, pytest.raises(Exception, match="use one of stage"):
        reports.win_rates(session, ReportFilter(), "region")


def test_period_end_before_start_is_rejected():
    with pytest.raises(ValueError, match="end is before the start"):
        Period(date(2017, 8, 31), date(2017, 8, 1))
