"""The team lead's pipeline review: funnel, distribution, conversion, win rates,
forecast, and the deals behind each number.

The SQL lives in ``crmdesk.storage.report_queries`` and runs unchanged on SQLite
and PostgreSQL; this module converts money to the base currency exactly and
builds the report records of ``crmdesk.domain.reports``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.domain.board import sum_in_base
from crmdesk.domain.dates import business_zone, day_end, day_start, months_earlier
from crmdesk.domain.errors import NotFoundError, ValidationError
from crmdesk.domain.playbook import LocalText, StageKind
from crmdesk.domain.reports import (
    ConversionRow,
    Distribution,
    DistributionCell,
    DistributionRow,
    Forecast,
    ForecastRow,
    Funnel,
    FunnelRow,
    Period,
    ReportFilter,
    StageRef,
    WinRateRow,
    share,
)
from crmdesk.services.workspace import base_currency, exchange_rates, get_setting
from crmdesk.storage import report_queries as q
from crmdesk.storage.models import Product, Series, Stage, Team, User

BUSINESS_TIME_ZONE = "business_time_zone"
DEFAULT_TIME_ZONE = "UTC"
WIN_RATE_GROUPS = ("stage", "rep", "product", "team")


def _scope(report_filter: ReportFilter) -> q.DealScope:
    return q.DealScope(
        report_filter.series_id, report_filter.team_id, report_filter.owner_id
    )


def _stage_refs(session: Session, series_id: uuid.UUID | None) -> list[StageRef]:
    series_names = {
        row.id: LocalText(row.name_en, row.name_zh)
        for row in session.scalars(select(Series))
    }
    return [
        StageRef(
            id=stage.id,
            series=series_names[stage.series_id],
            key=stage.key,
            name=LocalText(stage.name_en, stage.name_zh),
            kind=StageKind(stage.kind),
            position=stage.position,
            default_probability=stage.default_probability,
        )
        for stage in q.stage_refs(session, series_id)
    ]


def _open_stages(session: Session, series_id: uuid.UUID | None) -> list[StageRef]:
    return [s for s in _stage_refs(session, series_id) if s.kind is StageKind.OPEN]


class _Money:
    """Per-currency sums of minor units, converted to the base currency once."""

    def __init__(self, session: Session) -> None:
        self.base = base_currency(session)
        self.rates = exchange_rates(session)

    def total(self, minor_by_currency: dict[str, int], scale: int = 1) -> Decimal:
        return sum_in_base(minor_by_currency, self.base, self.rates, scale=scale)


def _sum_by_currency(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    sums: dict[str, int] = defaultdict(int)
    for currency, minor in pairs:
        sums[currency] += minor
    return dict(sums)


def funnel(session: Session, report_filter: ReportFilter) -> Funnel:
    """Open deals and their expected amount per stage; won and lost in the window.

    The expected-close window of the filter selects open deals; for won and lost
    deals it is matched against the outcome's close date.
    """
    money = _Money(session)
    scope = _scope(report_filter)
    window = (report_filter.close_from, report_filter.close_to)
    aggregates = q.open_aggregates(session, scope, *window)
    rows = []
    for stage in _open_stages(session, report_filter.series_id):
        mine = [a for a in aggregates if a.stage_id == stage.id]
        rows.append(
            FunnelRow(
                stage=stage,
                count=sum(a.deals for a in mine),
                amount=money.total(
                    _sum_by_currency((a.currency, a.amount_minor) for a in mine)
                ),
            )
        )
    won = q.outcome_aggregates(session, scope, "won", *window)
    lost = q.outcome_aggregates(session, scope, "lost", *window)
    return Funnel(
        currency=money.base,
        rows=rows,
        won_count=sum(a.deals for a in won),
        won_amount=money.total(
            _sum_by_currency((a.currency, a.amount_minor) for a in won)
        ),
        lost_count=sum(a.deals for a in lost),
        lost_amount=money.total(
            _sum_by_currency((a.currency, a.amount_minor) for a in lost)
        ),
    )


def forecast(session: Session, report_filter: ReportFilter) -> Forecast:
    """Weighted open deals per stage expected to close in the window, plus won deals.

    Each open deal counts its amount times its own probability (manual when set,
    else the stage default). Deals won with a close date in the window count at
    their actual amount; lost deals never count.
    """
    money = _Money(session)
    scope = _scope(report_filter)
    window = (report_filter.close_from, report_filter.close_to)
    aggregates = q.open_aggregates(session, scope, *window)
    rows = []
    for stage in _open_stages(session, report_filter.series_id):
        mine = [a for a in aggregates if a.stage_id == stage.id]
        rows.append(
            ForecastRow(
                stage=stage,
                count=sum(a.deals for a in mine),
                amount=money.total(
                    _sum_by_currency((a.currency, a.amount_minor) for a in mine)
                ),
                weighted=money.total(
                    _sum_by_currency(
                        (a.currency, a.weighted_minor_percent) for a in mine
                    ),
                    scale=100,
                ),
            )
        )
    won = q.outcome_aggregates(session, scope, "won", *window)
    weighted = money.total(
        _sum_by_currency((a.currency, a.weighted_minor_percent) for a in aggregates),
        scale=100,
    )
    return Forecast(
        currency=money.base,
        rows=rows,
        weighted=weighted,
        won_count=sum(a.deals for a in won),
        won_amount=money.total(
            _sum_by_currency((a.currency, a.amount_minor) for a in won)
        ),
    )


def deals_behind(
    session: Session, report_filter: ReportFilter, figure: str | uuid.UUID
) -> list[uuid.UUID]:
    """Return the deals behind a funnel or forecast figure.

    ``figure`` is a stage id (the open deals of that row), ``"open"`` (all open
    deals of the report), ``"won"`` or ``"lost"`` (deals with that outcome in the
    window).
    """
    scope = _scope(report_filter)
    window = (report_filter.close_from, report_filter.close_to)
    if figure in ("won", "lost"):
        return q.outcome_deal_ids(session, scope, str(figure), *window)
    if figure == "open":
        return q.open_deal_ids(session, scope, *window)
    if isinstance(figure, uuid.UUID):
        return q.open_deal_ids(session, scope, *window, stage_id=figure)
    raise ValidationError(
        f"unknown report figure {figure!r}: use a stage id, open, won or lost"
    )


def _zone(session: Session) -> str:
    return get_setting(session, BUSINESS_TIME_ZONE) or DEFAULT_TIME_ZONE


def distribution(
    session: Session,
    report_filter: ReportFilter,
    as_of: date,
    compare: tuple[date, ...] | None = None,
) -> Distribution:
    """Compute each open stage's share of count and amount at the end of each date.

    The state on a past date is rebuilt from stage history, with the amount as it
    was then. By default ``as_of`` is compared with the same day one month and
    one year earlier. The filter's close window selects deals by the expected
    close date they had on each date. ``distribution_deals`` lists the deals
    behind a cell.
    """
    zone = business_zone(_zone(session))
    money = _Money(session)
    dates = (as_of, *(compare or (months_earlier(as_of, 1), months_earlier(as_of, 12))))
    stages = _open_stages(session, report_filter.series_id)
    open_ids = {stage.id for stage in stages}
    cells_by_stage: dict[uuid.UUID, list[DistributionCell]] = defaultdict(list)
    for day in dates:
        shares = [
            share_row
            for share_row in q.stage_totals_at(
                session,
                _scope(report_filter),
                day_end(day, zone),
                report_filter.close_from,
                report_filter.close_to,
            )
            if share_row.stage_id in open_ids
        ]
        counts = {stage.id: 0 for stage in stages}
        minor: dict[uuid.UUID, dict[str, int]] = {stage.id: {} for stage in stages}
        for share_row in shares:
            counts[share_row.stage_id] += share_row.deals
            by_currency = minor[share_row.stage_id]
            by_currency[share_row.currency] = (
                by_currency.get(share_row.currency, 0) + share_row.amount_minor
            )
        amounts = {stage_id: money.total(sums) for stage_id, sums in minor.items()}
        total_count = sum(counts.values())
        total_amount = sum(amounts.values(), Decimal(0))
        for stage in stages:
            cells_by_stage[stage.id].append(
                DistributionCell(
                    count=counts[stage.id],
                    amount=amounts[stage.id],
                    count_share=share(counts[stage.id], total_count),
                    amount_share=share(amounts[stage.id], total_amount),
                )
            )
    rows = [DistributionRow(stage, tuple(cells_by_stage[stage.id])) for stage in stages]
    return Distribution(currency=money.base, dates=dates, rows=rows)


def distribution_deals(
    session: Session, report_filter: ReportFilter, day: date, stage_id: uuid.UUID
) -> list[uuid.UUID]:
    """Return the deals behind a distribution cell: in ``stage_id`` at ``day``'s end."""
    zone = business_zone(_zone(session))
    return q.deals_in_stage_at(
        session,
        _scope(report_filter),
        day_end(day, zone),
        stage_id,
        report_filter.close_from,
        report_filter.close_to,
    )


CONVERSION_BUCKETS = ("moved", "stayed", "moved_back", "dropped")


def conversion(
    session: Session,
    report_filter: ReportFilter,
    period: Period,
    stage_ids: list[uuid.UUID] | None = None,
) -> list[ConversionRow]:
    """Conversion cohorts of open stages over a period, one row per stage.

    The cohort of a stage is the deals in it when the period starts (at midnight
    in the business time zone); each is classified once by where it is when
    the period ends, however often it moved between. The close window of the
    filter does not apply: the period is the window. The counting runs in SQL;
    ``conversion_deals`` lists the deals behind a figure.
    """
    zone = business_zone(_zone(session))
    start = day_start(period.start, zone)
    end = day_end(period.end, zone)
    stages = {s.id: s for s in _stage_refs(session, report_filter.series_id)}
    wanted = [
        s
        for s in stages.values()
        if s.kind is StageKind.OPEN and (stage_ids is None or s.id in stage_ids)
    ]
    counts: dict[uuid.UUID, dict[str, int]] = {
        stage.id: dict.fromkeys(CONVERSION_BUCKETS, 0) for stage in wanted
    }
    for moved in q.transitions(session, _scope(report_filter), start, end):
        if moved.start_stage_id not in counts:
            continue
        first = stages[moved.start_stage_id]
        last = stages.get(moved.end_stage_id) if moved.end_stage_id else None
        counts[first.id][_classify(first, last, moved.deleted)] += moved.deals
    return [
        ConversionRow(
            stage=stage,
            period=period,
            cohort=sum(counts[stage.id].values()),
            moved=counts[stage.id]["moved"],
            stayed=counts[stage.id]["stayed"],
            moved_back=counts[stage.id]["moved_back"],
            dropped=counts[stage.id]["dropped"],
        )
        for stage in wanted
    ]


def conversion_deals(
    session: Session,
    report_filter: ReportFilter,
    period: Period,
    stage_id: uuid.UUID,
    bucket: str | None = None,
) -> list[uuid.UUID]:
    """Return the deals behind a conversion figure.

    ``bucket`` is one of ``CONVERSION_BUCKETS``, or None for the whole cohort.

    Raises:
        ValidationError: an unknown bucket.
    """
    if bucket is not None and bucket not in CONVERSION_BUCKETS:
        raise ValidationError(
            f"unknown conversion figure {bucket!r}: use one of "
            f"{', '.join(CONVERSION_BUCKETS)}"
        )
    zone = business_zone(_zone(session))
    stages = {s.id: s for s in _stage_refs(session, report_filter.series_id)}
    first = stages.get(stage_id)
    if first is None:
        raise NotFoundError(f"stage {stage_id} is not a stage of the chosen series")
    members = q.cohort_members(
        session,
        _scope(report_filter),
        day_start(period.start, zone),
        day_end(period.end, zone),
        stage_id,
    )
    return [
        deal
        for deal, end_stage, deleted in members
        if bucket is None
        or _classify(first, stages.get(end_stage) if end_stage else None, deleted)
        == bucket
    ]


def _classify(start: StageRef, end: StageRef | None, deleted: bool) -> str:
    if deleted or end is None or end.kind is StageKind.LOST:
        return "dropped"
    if end.kind is StageKind.WON or end.position > start.position:
        return "moved"
    if end.id == start.id:
        return "stayed"
    return "moved_back"


def win_rates(
    session: Session, report_filter: ReportFilter, by: str = "stage"
) -> list[WinRateRow]:
    """Historical win rates of closed deals, by reached stage, rep, product or team.

    A closed deal is one whose current outcome is won or lost, with its close
    date in the filter's window. By stage, a deal counts for every stage its
    history reached, once each; the stage's default rate is shown beside it.
    """
    if by not in WIN_RATE_GROUPS:
        raise ValidationError(
            f"unknown grouping {by!r}: use one of {', '.join(WIN_RATE_GROUPS)}"
        )
    counts = {
        row.group_id: row
        for row in q.closed_counts_by(
            session,
            _scope(report_filter),
            by,
            report_filter.close_from,
            report_filter.close_to,
        )
    }
    if by == "stage":
        rows = []
        for stage in _open_stages(session, report_filter.series_id):
            count = counts.get(stage.id)
            rows.append(
                WinRateRow(
                    group=stage.name.en,
                    group_id=stage.id,
                    won=count.won if count else 0,
                    lost=count.lost if count else 0,
                    default_probability=stage.default_probability,
                )
            )
        return rows
    names = _group_names(session, by)
    groups = sorted(counts, key=lambda g: names.get(g, ""))
    return [
        WinRateRow(
            group=names.get(group, ""),
            group_id=group,
            won=counts[group].won,
            lost=counts[group].lost,
            default_probability=None,
        )
        for group in groups
    ]


def win_rate_deals(
    session: Session,
    report_filter: ReportFilter,
    by: str,
    group_id: uuid.UUID | None,
    won: bool | None,
) -> list[uuid.UUID]:
    """Return the deals behind a win rate row: won, lost, or all closed (None).

    ``by`` and ``group_id`` name the row as ``win_rates`` returned it; the ids
    are looked up on demand, since a report by stage stands for hundreds of
    thousands of (deal, stage) pairs on a large store.
    """
    if by not in WIN_RATE_GROUPS:
        raise ValidationError(
            f"unknown grouping {by!r}: use one of {', '.join(WIN_RATE_GROUPS)}"
        )
    if by == "stage" and group_id is None:
        raise ValidationError("a win rate by stage needs a stage id: pass group_id")
    return q.closed_deal_ids(
        session,
        _scope(report_filter),
        by,
        group_id,
        won,
        report_filter.close_from,
        report_filter.close_to,
    )


def _group_names(session: Session, by: str) -> dict[uuid.UUID | None, str]:
    names: dict[uuid.UUID | None, str]
    if by == "rep":
        names = {
            row[0]: row[1]
            for row in session.execute(select(User.id, User.display_name))
        }
    elif by == "product":
        names = {
            row[0]: row[1] for row in session.execute(select(Product.id, Product.name))
        }
    else:
        names = {row[0]: row[1] for row in session.execute(select(Team.id, Team.name))}
    names[None] = "(none)"
    return names


def find_stage(session: Session, series_id: uuid.UUID | None, value: str) -> StageRef:
    """Return the open stage named by an id, key or English or Chinese name.

    Raises:
        NotFoundError: no open stage matches; the message lists the choices.
    """
    stages = _open_stages(session, series_id)
    wanted = value.strip().casefold()
    for stage in stages:
        labels = {
            str(stage.id),
            stage.key.casefold(),
            stage.name.en.casefold(),
            stage.name.zh,
        }
        if wanted in labels or value.strip() in labels:
            return stage
    choices = ", ".join(sorted({stage.key for stage in stages}))
    raise NotFoundError(f"stage {value!r} not found: use one of {choices}")


def stage_of(session: Session, stage_id: uuid.UUID) -> Stage:
    """Return a stage row by id."""
    stage = session.get(Stage, stage_id)
    if stage is None:
        raise NotFoundError(f"stage {stage_id} not found")
    return stage
