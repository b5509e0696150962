"""Time the pipeline review reports on a big store, side by side with pandas.

Run from the repository root::

    .venv/bin/python benchmarks/reports.py --store /tmp/bench100k/crmdesk.sqlite3
    .venv/bin/python benchmarks/reports.py --deals 20000 --repeat 3

Each report (funnel, forecast, distribution, conversion, win rates by stage and
by rep) is timed through ``crmdesk.services.reports`` and then computed again
with pandas from the same SQLite file. Both sides read from the store, so
both timings include reading the data: crmdesk runs its SQL, pandas reads the
tables it needs with ``pd.read_sql`` over a ``sqlite3`` connection and computes
the figures in data frames. Before timing, the script checks that both give the
same numbers; a mismatch stops it. docs/benchmarks.md describes the method.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "reports.json"
TARGETS_MS = {
    "funnel": 100.0,
    "forecast": 100.0,
    "conversion": 1000.0,
    "win rates by stage": 1000.0,
    "win rates by rep": 1000.0,
}

sys.path.insert(0, str(ROOT / "benchmarks"))
from run import Figure, build_demo, machine, timed  # noqa: E402

# Figures --------------------------------------------------------------------------
#
# Both sides reduce a report to the same plain structure, so they can be compared
# with ==: counts as int and amounts as int minor units of the base currency.


class Setup:
    """The windows and dates a run uses, derived from the store's own dates."""

    def __init__(self, database: Path) -> None:
        connection = sqlite3.connect(database)
        settings = dict(
            connection.execute("SELECT key, value FROM workspace_settings").fetchall()
        )
        connection.close()
        self.base = settings.get("base_currency", "")
        self.zone = ZoneInfo(settings.get("business_time_zone") or "UTC")
        today = json.loads(settings.get("demo_workspace", "{}")).get("today")
        if today is None:
            raise SystemExit(f"{database} is not a demo store: run `crmdesk demo`")
        self.today = date.fromisoformat(today)
        # The calendar year of the demo's today as the close window; the last
        # whole month as the conversion period; yesterday for the distribution.
        self.close_from = date(self.today.year, 1, 1)
        self.close_to = date(self.today.year, 12, 31)
        last_month_end = self.today.replace(day=1) - timedelta(days=1)
        self.period = (last_month_end.replace(day=1), last_month_end)
        self.as_of = self.today - timedelta(days=1)

    def bound(self, day: date) -> datetime:
        """The UTC instant at which ``day`` starts in the business time zone."""
        start = datetime(day.year, day.month, day.day, tzinfo=self.zone)
        return start.astimezone(UTC).replace(tzinfo=None)


def minor(amount: Decimal) -> int:
    """Decimal major units of the base currency as int minor units (CNY: 2)."""
    return int(amount * 100)


# crmdesk --------------------------------------------------------------------------


def crmdesk_reports(setup: Setup) -> dict[str, Callable[[Any], Any]]:
    from crmdesk.domain.dates import months_earlier
    from crmdesk.domain.reports import Period, ReportFilter
    from crmdesk.services import reports

    window = ReportFilter(close_from=setup.close_from, close_to=setup.close_to)
    everything = ReportFilter()
    period = Period(*setup.period)

    def funnel(session: Any) -> Any:
        result = reports.funnel(session, window)
        return (
            {str(r.stage.id): (r.count, minor(r.amount)) for r in result.rows},
            (result.won_count, minor(result.won_amount)),
            (result.lost_count, minor(result.lost_amount)),
        )

    def forecast(session: Any) -> Any:
        result = reports.forecast(session, window)
        return (
            {
                str(r.stage.id): (r.count, minor(r.amount), minor(r.weighted))
                for r in result.rows
            },
            (result.won_count, minor(result.won_amount)),
        )

    def distribution(session: Any) -> Any:
        result = reports.distribution(session, everything, setup.as_of)
        assert result.dates[1] == months_earlier(setup.as_of, 1)
        return [
            {
                str(row.stage.id): (row.cells[i].count, minor(row.cells[i].amount))
                for row in result.rows
            }
            for i in range(len(result.dates))
        ]

    def conversion(session: Any) -> Any:
        return {
            str(r.stage.id): (r.cohort, r.moved, r.stayed, r.moved_back, r.dropped)
            for r in reports.conversion(session, everything, period)
        }

    def win_rates(by: str) -> Callable[[Any], Any]:
        def run(session: Any) -> Any:
            return {
                str(r.group_id): (r.won, r.lost)
                for r in reports.win_rates(session, everything, by)
                if r.closed
            }

        return run

    return {
        "funnel": funnel,
        "forecast": forecast,
        "distribution": distribution,
        "conversion": conversion,
        "win rates by stage": win_rates("stage"),
        "win rates by rep": win_rates("rep"),
    }


# pandas ---------------------------------------------------------------------------
#
# Written from the report definitions in docs/, not from the SQL: read the rows,
# then filter, group and count in data frames. Ids are compared as hex strings,
# the form SQLite stores them in.


def hexed(value: Any) -> str:
    return str(uuid.UUID(hex=value)) if isinstance(value, str) else str(value)


class PandasReports:
    def __init__(self, database: Path, setup: Setup) -> None:
        self.database = database
        self.setup = setup

    def read(self, sql: str, **params: Any) -> pd.DataFrame:
        connection = sqlite3.connect(self.database)
        try:
            return pd.read_sql(sql, connection, params=params or None)
        finally:
            connection.close()

    def stages(self) -> pd.DataFrame:
        return self.read(
            "SELECT id, series_id, kind, position, default_probability FROM stages "
            "WHERE deleted_at IS NULL"
        )

    def check_currency(self, currencies: pd.Series) -> None:
        others = set(currencies.unique()) - {self.setup.base}
        if others:
            raise SystemExit(
                f"currencies {sorted(others)} besides the base currency "
                f"{self.setup.base}: the pandas side does not convert money"
            )

    def current_outcomes(self) -> pd.DataFrame:
        outcomes = self.read(
            "SELECT opportunity_id, result, actual_amount_minor, currency, "
            "actual_date FROM outcomes WHERE reopened_at IS NULL"
        )
        deals = self.read(
            "SELECT id, owner_id, series_id, amount_minor, currency AS deal_currency "
            "FROM opportunities WHERE deleted_at IS NULL"
        )
        return outcomes.merge(deals, left_on="opportunity_id", right_on="id")

    def closed_in_window(self) -> tuple[tuple[int, int], tuple[int, int]]:
        closed = self.current_outcomes()
        day = closed["actual_date"]
        closed = closed[
            (day >= self.setup.close_from.isoformat())
            & (day <= self.setup.close_to.isoformat())
        ]
        won = closed[closed["result"] == "won"]
        lost = closed[closed["result"] == "lost"]
        self.check_currency(won["currency"])
        self.check_currency(lost["deal_currency"])
        return (
            (len(won), int(won["actual_amount_minor"].fillna(0).sum())),
            (len(lost), int(lost["amount_minor"].fillna(0).sum())),
        )

    def open_in_window(self) -> pd.DataFrame:
        deals = self.read(
            "SELECT stage_id, amount_minor, currency, expected_close, "
            "manual_probability FROM opportunities WHERE deleted_at IS NULL"
        )
        stages = self.stages()
        open_stages = stages[stages["kind"] == "open"]
        deals = deals.merge(open_stages, left_on="stage_id", right_on="id")
        day = deals["expected_close"]
        deals = deals[
            (day >= self.setup.close_from.isoformat())
            & (day <= self.setup.close_to.isoformat())
        ]
        self.check_currency(deals["currency"])
        amount = deals["amount_minor"].fillna(0)
        rate = deals["manual_probability"].fillna(deals["default_probability"])
        deals = deals.assign(amount=amount, weighted=amount * rate)
        grouped = deals.groupby("stage_id").agg(
            count=("amount", "size"),
            amount=("amount", "sum"),
            weighted=("weighted", "sum"),
        )
        return grouped.reindex(open_stages["id"], fill_value=0)

    def funnel(self) -> Any:
        rows = self.open_in_window()
        won, lost = self.closed_in_window()
        return (
            {
                hexed(stage): (int(row["count"]), int(row["amount"]))
                for stage, row in rows.iterrows()
            },
            won,
            lost,
        )

    def forecast(self) -> Any:
        rows = self.open_in_window()
        won, _lost = self.closed_in_window()
        return (
            {
                hexed(stage): (
                    int(row["count"]),
                    int(row["amount"]),
                    int(row["weighted"]) // 100,
                )
                for stage, row in rows.iterrows()
            },
            won,
        )

    def history(self) -> pd.DataFrame:
        history = self.read(
            "SELECT id, opportunity_id, to_stage_id, changed_at, amount_minor, "
            "currency FROM stage_history"
        )
        deals = self.read("SELECT id AS deal_id, deleted_at FROM opportunities")
        history = history.merge(deals, left_on="opportunity_id", right_on="deal_id")
        # Sorted once, so "the newest row before an instant" is the last one.
        return history.sort_values(["opportunity_id", "changed_at", "id"])

    def states(self, history: pd.DataFrame, instant: datetime) -> pd.DataFrame:
        text = instant.strftime("%Y-%m-%d %H:%M:%S.%f")
        before = history[history["changed_at"] < text]
        latest = before.drop_duplicates("opportunity_id", keep="last")
        alive = latest["deleted_at"].isna() | (latest["deleted_at"] >= text)
        return latest[alive]

    def distribution(self) -> Any:
        from crmdesk.domain.dates import months_earlier

        history = self.history()
        stages = self.stages()
        open_ids = stages.loc[stages["kind"] == "open", "id"]
        result = []
        as_of = self.setup.as_of
        for day in (as_of, months_earlier(as_of, 1), months_earlier(as_of, 12)):
            states = self.states(history, self.setup.bound(day + timedelta(days=1)))
            states = states[states["to_stage_id"].isin(open_ids)]
            self.check_currency(states["currency"])
            grouped = states.groupby("to_stage_id")["amount_minor"].agg(
                ["size", lambda amounts: amounts.fillna(0).sum()]
            )
            grouped = grouped.reindex(open_ids, fill_value=0)
            result.append(
                {
                    hexed(stage): (int(row.iloc[0]), int(row.iloc[1]))
                    for stage, row in grouped.iterrows()
                }
            )
        return result

    def conversion(self) -> Any:
        history = self.history()
        stages = self.stages().set_index("id")
        start, end = self.setup.period
        at_start = self.states(history, self.setup.bound(start))
        at_end = self.states(history, self.setup.bound(end + timedelta(days=1)))
        both = at_start[["opportunity_id", "to_stage_id"]].merge(
            at_end[["opportunity_id", "to_stage_id"]],
            on="opportunity_id",
            how="left",
            suffixes=("_start", "_end"),
        )
        # Deleted before the end of the period: absent at the end, so dropped.
        begin = stages.loc[both["to_stage_id_start"]].reset_index(drop=True)
        finish = stages.reindex(both["to_stage_id_end"]).reset_index(drop=True)
        kind = finish["kind"]
        dropped = kind.isna() | (kind == "lost")
        moved = ~dropped & ((kind == "won") | (finish["position"] > begin["position"]))
        stayed = (
            ~dropped
            & ~moved
            & (
                both["to_stage_id_end"].to_numpy()
                == both["to_stage_id_start"].to_numpy()
            )
        )
        back = ~dropped & ~moved & ~stayed
        frame = pd.DataFrame(
            {
                "stage": both["to_stage_id_start"],
                "moved": moved,
                "stayed": stayed,
                "back": back,
                "dropped": dropped,
            }
        )
        sums = frame.groupby("stage").agg(
            cohort=("moved", "size"),
            moved=("moved", "sum"),
            stayed=("stayed", "sum"),
            back=("back", "sum"),
            dropped=("dropped", "sum"),
        )
        open_ids = stages.index[stages["kind"] == "open"]
        sums = sums.reindex(open_ids, fill_value=0)
        return {
            hexed(stage): tuple(int(value) for value in row)
            for stage, row in sums.iterrows()
        }

    def win_rates_by_stage(self) -> Any:
        closed = self.current_outcomes()
        reached = self.read(
            "SELECT DISTINCT opportunity_id, to_stage_id FROM stage_history"
        )
        stages = self.stages()
        open_ids = stages.loc[stages["kind"] == "open", "id"]
        pairs = closed.merge(reached, on="opportunity_id")
        pairs = pairs[pairs["to_stage_id"].isin(open_ids)]
        return self._won_lost(pairs, "to_stage_id")

    def win_rates_by_rep(self) -> Any:
        return self._won_lost(self.current_outcomes(), "owner_id")

    def _won_lost(self, frame: pd.DataFrame, column: str) -> Any:
        won = frame["result"] == "won"
        counts = (
            frame.assign(won=won, lost=~won)
            .groupby(column, dropna=False)[["won", "lost"]]
            .sum()
        )
        return {
            hexed(group) if isinstance(group, str) else "None": (
                int(row["won"]),
                int(row["lost"]),
            )
            for group, row in counts.iterrows()
        }

    def all(self) -> dict[str, Callable[[], Any]]:
        return {
            "funnel": self.funnel,
            "forecast": self.forecast,
            "distribution": self.distribution,
            "conversion": self.conversion,
            "win rates by stage": self.win_rates_by_stage,
            "win rates by rep": self.win_rates_by_rep,
        }


# Run ------------------------------------------------------------------------------


def measure(database: Path, repeat: int) -> tuple[list[Figure], list[str]]:
    from crmdesk.storage.db import open_store

    setup = Setup(database)
    engine, sessions = open_store(database)
    ours = crmdesk_reports(setup)
    theirs = PandasReports(database, setup).all()
    figures: list[Figure] = []
    mismatches: list[str] = []
    for name, report in ours.items():
        with sessions() as session:
            answer = report(session)
        expected = theirs[name]()
        if answer != expected:
            mismatches.append(name)
            print(f"{name}: crmdesk and pandas disagree", file=sys.stderr)
            print(f"  crmdesk {answer}\n  pandas  {expected}", file=sys.stderr)
            continue

        def run_ours(report: Callable[[Any], Any] = report) -> None:
            with sessions() as session:
                report(session)

        run_ours()  # warm the page cache and SQLAlchemy's statement cache
        our_samples = timed(run_ours, repeat)
        their_samples = timed(theirs[name], repeat)
        ours_ms = statistics.median(our_samples)
        theirs_ms = statistics.median(their_samples)
        target = TARGETS_MS.get(name)
        figures += [
            Figure(
                f"{name} (crmdesk)",
                ours_ms,
                "ms",
                f"<= {target:,.0f} ms" if target else "",
                our_samples,
                met=ours_ms <= target if target else None,
            ),
            Figure(f"{name} (pandas)", theirs_ms, "ms", "", their_samples),
            Figure(
                f"{name}: crmdesk / pandas",
                ours_ms / theirs_ms,
                "x",
                "<= 1x",
                [ours_ms / theirs_ms],
                baseline=f"{name} (pandas), same run, same store",
                met=ours_ms <= theirs_ms,
            ),
        ]
    engine.dispose()
    return figures, mismatches


def print_table(figures: list[Figure]) -> None:
    width = max(len(figure.name) for figure in figures)
    print(f"{'figure':<{width}}  {'median':>12}  {'target':<10}  met")
    for figure in figures:
        met = ""
        if figure.met is not None:
            met = "yes" if figure.met else "NO"
        value = f"{figure.median:,.2f} {figure.unit}"
        print(f"{figure.name:<{width}}  {value:>12}  {figure.target:<10}  {met}")


def load_average() -> list[float]:
    with open("/proc/loadavg", encoding="ascii") as handle:
        return [float(value) for value in handle.read().split()[:3]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deals", type=int, default=100_000, help="demo deals")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure")
    parser.add_argument(
        "--store", type=Path, help="copy and reuse this demo store instead"
    )
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="crmdesk-reports-"))
    try:
        if args.store:
            database = folder / "demo.sqlite3"
            shutil.copyfile(args.store, database)
        else:
            print(f"generating {args.deals:,} demo deals in {folder} ...", flush=True)
            database, _seconds = build_demo(folder, args.deals)
        load_before = load_average()
        figures, mismatches = measure(database, args.repeat)
        load_after = load_average()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print_table(figures)
    print(f"load average before {load_before}, after {load_after}")
    about = machine()
    about["pandas"] = pd.__version__
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "repeat": args.repeat,
        "machine": about,
        "load_average": {"before": load_before, "after": load_after},
        "figures": [asdict(figure) for figure in figures],
        "mismatches": mismatches,
    }
    RESULTS.write_text(json.dumps(document, indent=2), encoding="utf-8")
    print(f"figures written to {RESULTS}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
