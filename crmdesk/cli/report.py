"""``crmdesk report``: the pipeline review reports as a table, CSV or JSON.

The JSON output is a list of row objects whose keys are the table's column names;
amounts and rates are decimal strings, so no precision is lost.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from crmdesk.cli.context import CliContext
from crmdesk.cli.output import command_language, format_table, grouped_amount
from crmdesk.domain.errors import ValidationError
from crmdesk.domain.reports import Period, ReportFilter
from crmdesk.services import reports
from crmdesk.services.people import find_team, find_user
from crmdesk.services.playbooks import find_series

REPORTS = ("funnel", "distribution", "conversion", "winrate", "forecast")

Row = dict[str, str | int | bool | None]


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid date {text!r}: write it as YYYY-MM-DD"
        ) from None


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``report`` command."""
    parser = subparsers.add_parser(
        "report",
        help="pipeline review reports for team leads",
        description="Print a pipeline review report. Amounts are in the base "
        "currency; rates are fractions from 0 to 1.",
    )
    parser.add_argument("report", choices=REPORTS, help="which report to print")
    parser.add_argument("--series", help="series id, key or name (default: all)")
    parser.add_argument("--team", help="team key or name (default: all teams)")
    parser.add_argument("--rep", help="rep login or name (default: all reps)")
    parser.add_argument(
        "--from",
        dest="close_from",
        type=_date,
        metavar="DATE",
        help="first expected close date of the window, YYYY-MM-DD",
    )
    parser.add_argument(
        "--to",
        dest="close_to",
        type=_date,
        metavar="DATE",
        help="last expected close date of the window, YYYY-MM-DD",
    )
    parser.add_argument(
        "--period-start",
        type=_date,
        metavar="DATE",
        help="conversion: first day of the period (default: first day of the "
        "last full month)",
    )
    parser.add_argument(
        "--period-end",
        type=_date,
        metavar="DATE",
        help="conversion: last day of the period (default: end of that month)",
    )
    parser.add_argument(
        "--stage", help="conversion: one open stage (key or name; default: all)"
    )
    parser.add_argument(
        "--as-of",
        type=_date,
        metavar="DATE",
        help="distribution: the date to show, compared with a month and a year "
        "earlier (default: today)",
    )
    parser.add_argument(
        "--by",
        choices=reports.WIN_RATE_GROUPS,
        default="stage",
        help="winrate: group closed deals by reached stage, rep, product or team",
    )
    parser.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help="output format (default: table)",
    )
    parser.set_defaults(handler=run_report)


def _filter(session: Session, args: argparse.Namespace) -> ReportFilter:
    if args.close_from and args.close_to and args.close_to < args.close_from:
        raise ValidationError(
            f"invalid window {args.close_from} to {args.close_to}: --to is before "
            f"--from"
        )
    return ReportFilter(
        series_id=find_series(session, args.series).id if args.series else None,
        team_id=find_team(session, args.team).id if args.team else None,
        owner_id=find_user(session, args.rep).id if args.rep else None,
        close_from=args.close_from,
        close_to=args.close_to,
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _last_full_month(today: date) -> Period:
    first_this_month = today.replace(day=1)
    last_previous = date.fromordinal(first_this_month.toordinal() - 1)
    return Period(last_previous.replace(day=1), last_previous)


def _funnel_rows(session: Session, f: ReportFilter, lang: str) -> list[Row]:
    result = reports.funnel(session, f)
    rows: list[Row] = [
        {
            "series": row.stage.series.get(lang),
            "stage": row.stage.name.get(lang),
            "kind": "open",
            "count": row.count,
            "amount": str(row.amount),
        }
        for row in result.rows
    ]
    rows.append(
        {
            "series": "",
            "stage": "",
            "kind": "won",
            "count": result.won_count,
            "amount": str(result.won_amount),
        }
    )
    rows.append(
        {
            "series": "",
            "stage": "",
            "kind": "lost",
            "count": result.lost_count,
            "amount": str(result.lost_amount),
        }
    )
    return rows


def _forecast_rows(session: Session, f: ReportFilter, lang: str) -> list[Row]:
    result = reports.forecast(session, f)
    rows: list[Row] = [
        {
            "series": row.stage.series.get(lang),
            "stage": row.stage.name.get(lang),
            "count": row.count,
            "amount": str(row.amount),
            "expected_rate": _text(row.expected_rate),
            "weighted": str(row.weighted),
        }
        for row in result.rows
    ]
    rows.append(
        {
            "series": "",
            "stage": "won in window",
            "count": result.won_count,
            "amount": str(result.won_amount),
            "expected_rate": "1",
            "weighted": str(result.won_amount),
        }
    )
    rows.append(
        {
            "series": "",
            "stage": "total",
            "count": sum(r.count for r in result.rows) + result.won_count,
            "amount": None,
            "expected_rate": None,
            "weighted": str(result.total),
        }
    )
    return rows


def _distribution_rows(
    session: Session, f: ReportFilter, args: argparse.Namespace, lang: str
) -> list[Row]:
    result = reports.distribution(session, f, args.as_of or date.today())
    rows: list[Row] = []
    for index, day in enumerate(result.dates):
        for row in result.rows:
            cell = row.cells[index]
            rows.append(
                {
                    "date": day.isoformat(),
                    "series": row.stage.series.get(lang),
                    "stage": row.stage.name.get(lang),
                    "count": cell.count,
                    "count_share": _text(cell.count_share),
                    "amount": str(cell.amount),
                    "amount_share": _text(cell.amount_share),
                }
            )
    return rows


def _conversion_rows(
    session: Session, f: ReportFilter, args: argparse.Namespace, lang: str
) -> list[Row]:
    default = _last_full_month(date.today())
    period = Period(args.period_start or default.start, args.period_end or default.end)
    stage_ids = None
    if args.stage:
        stage_ids = [reports.find_stage(session, f.series_id, args.stage).id]
    return [
        {
            "series": row.stage.series.get(lang),
            "stage": row.stage.name.get(lang),
            "period_start": period.start.isoformat(),
            "period_end": period.end.isoformat(),
            "cohort": row.cohort,
            "moved": row.moved,
            "stayed": row.stayed,
            "moved_back": row.moved_back,
            "dropped": row.dropped,
            "rate": _text(row.rate),
        }
        for row in reports.conversion(session, f, period, stage_ids)
    ]


def _winrate_rows(
    session: Session, f: ReportFilter, args: argparse.Namespace, lang: str
) -> list[Row]:
    rows: list[Row] = []
    for row in reports.win_rates(session, f, args.by):
        line: Row = {
            args.by: row.group,
            "won": row.won,
            "lost": row.lost,
            "closed": row.closed,
            "rate": _text(row.rate),
            "small_sample": row.small_sample,
        }
        if args.by == "stage":
            line["default_rate"] = str(Decimal(row.default_probability or 0) / 100)
        rows.append(line)
    return rows


def run_report(args: argparse.Namespace, context: CliContext) -> int:
    """Compute and print one report."""
    lang = command_language(args, context)
    if args.report == "forecast" and not (args.close_from and args.close_to):
        # Without a window the forecast would add every win ever recorded to the
        # open pipeline, which is not a forecast.
        raise ValidationError(
            "a forecast needs a close window: pass --from DATE and --to DATE, "
            "such as --from 2026-01-01 --to 2026-03-31"
        )
    with context.sessions() as session:
        report_filter = _filter(session, args)
        if args.report == "funnel":
            rows = _funnel_rows(session, report_filter, lang)
        elif args.report == "forecast":
            rows = _forecast_rows(session, report_filter, lang)
        elif args.report == "distribution":
            rows = _distribution_rows(session, report_filter, args, lang)
        elif args.report == "conversion":
            rows = _conversion_rows(session, report_filter, args, lang)
        else:
            rows = _winrate_rows(session, report_filter, args, lang)
    _print(rows, args.format)
    return 0


def _cell(value: str | int | bool | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _print(rows: Sequence[Row], output: str) -> None:
    if output == "json":
        print(json.dumps(list(rows), ensure_ascii=False, indent=2))
        return
    if not rows:
        print("no rows" if output == "table" else "")
        return
    headers = list(rows[0])
    if output == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows([_cell(row.get(h)) for h in headers] for row in rows)
        return
    numeric = [index for index, header in enumerate(headers) if _numeric(rows, header)]
    table = [[_table_cell(row.get(h), h) for h in headers] for row in rows]
    print(format_table(headers, table, numeric))


# Columns of decimal-string amounts; the table groups them by thousands, as
# crmdesk board and deals print amounts. JSON and CSV keep the plain strings.
MONEY_HEADERS = ("amount", "weighted")


def _table_cell(value: str | int | bool | None, header: str) -> str:
    if header in MONEY_HEADERS and isinstance(value, str) and value:
        return grouped_amount(value)
    return _cell(value)


NUMERIC_TEXT = {
    "amount",
    "weighted",
    "rate",
    "count_share",
    "amount_share",
    "expected_rate",
    "default_rate",
}


def _numeric(rows: Sequence[Row], header: str) -> bool:
    value = rows[0][header]
    is_count = isinstance(value, int) and not isinstance(value, bool)
    return is_count or header in NUMERIC_TEXT
