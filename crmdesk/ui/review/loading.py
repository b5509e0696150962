"""Task functions of the pipeline review: they run on the task runner's worker.

Each function takes a session and returns frozen records, never Qt objects, as
the task runner's threading contract requires. The window submits them with
``TaskRunner.run_read`` or ``run_write`` and renders the results.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from crmdesk.domain.playbook import LocalText, StageKind
from crmdesk.domain.reports import (
    ConversionRow,
    Distribution,
    Forecast,
    Funnel,
    Period,
    ReportFilter,
    WinRateRow,
)
from crmdesk.services import reports
from crmdesk.services.board import load_cards
from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.deal_detail import RevisionLine, load_deal_detail
from crmdesk.services.lookups import Choice, list_teams, list_users
from crmdesk.services.playbooks import SeriesRecord, list_series
from crmdesk.services.stages import set_manual_probability
from crmdesk.services.workspace import base_currency, current_user_id
from crmdesk.ui.review.table import (
    ConversionFigure,
    DistributionFigure,
    WinRateFigure,
)

T = TypeVar("T")

Task = Callable[[Any], T]
"""A function the task runner calls with a session on its worker thread."""

ID_CHUNK = 500
"""Deal ids per query when loading a drill-down list, well under SQLite's limit
of bound parameters per statement."""


@dataclass(frozen=True)
class ReviewChoices:
    """The choices of the filter row: series, teams, reps and the base currency."""

    series: list[SeriesRecord]
    teams: list[Choice]
    users: list[Choice]
    currency: str


def load_choices(session: Any) -> ReviewChoices:
    """Load the series, teams and users the filter row lists."""
    return ReviewChoices(
        series=list_series(session),
        teams=list_teams(session),
        users=list_users(session),
        currency=base_currency(session),
    )


@dataclass(frozen=True)
class ReviewRequest:
    """The reports one refresh of the review requests.

    ``report_filter`` applies to every report; ``period`` only to conversion and
    ``as_of`` only to the distribution. ``win_rates_by`` is one of
    ``reports.WIN_RATE_GROUPS``.
    """

    report_filter: ReportFilter
    period: Period
    as_of: date
    win_rates_by: str = "stage"


@dataclass(frozen=True)
class WinRates:
    """Win rate rows with the grouping they were computed for."""

    by: str
    rows: list[WinRateRow]


def load_funnel(request: ReviewRequest) -> Task[Funnel]:
    """Return a task that computes the funnel of ``request``."""

    def task(session: Any) -> Funnel:
        return reports.funnel(session, request.report_filter)

    return task


def load_distribution(request: ReviewRequest) -> Task[Distribution]:
    """Return a task that computes the distribution on ``request.as_of``."""

    def task(session: Any) -> Distribution:
        return reports.distribution(session, request.report_filter, request.as_of)

    return task


def load_conversion(request: ReviewRequest) -> Task[list[ConversionRow]]:
    """Return a task that computes the conversion cohorts of ``request.period``."""

    def task(session: Any) -> list[ConversionRow]:
        return reports.conversion(session, request.report_filter, request.period)

    return task


def load_win_rates(request: ReviewRequest) -> Task[WinRates]:
    """Return a task that computes win rates grouped by ``request.win_rates_by``."""

    def task(session: Any) -> WinRates:
        by = request.win_rates_by
        return WinRates(by, reports.win_rates(session, request.report_filter, by))

    return task


def load_forecast(request: ReviewRequest) -> Task[Forecast]:
    """Return a task that computes the forecast of ``request``."""

    def task(session: Any) -> Forecast:
        return reports.forecast(session, request.report_filter)

    return task


@dataclass(frozen=True)
class DealRow:
    """One deal of a drill-down list; ``probability`` is the effective rate."""

    id: uuid.UUID
    title: str
    customer: str
    owner: str
    series: LocalText
    stage: LocalText
    stage_kind: StageKind
    amount_minor: int | None
    currency: str
    expected_close: date | None
    probability: int
    manual_probability: int | None


@dataclass(frozen=True)
class DealList:
    """The deals behind a figure; ``missing`` counts ids of deleted deals."""

    rows: list[DealRow]
    missing: int


def load_deal_list(
    report_filter: ReportFilter,
    figure: str | uuid.UUID | None,
    ids: Sequence[uuid.UUID] | None,
    win_rate: WinRateFigure | None = None,
    conversion: ConversionFigure | None = None,
    distribution: DistributionFigure | None = None,
) -> Task[DealList]:
    """Return a task that loads the deals behind a figure.

    Pass ``figure`` (a stage id, "open", "won" or "lost") for funnel and
    forecast cells, whose deals ``reports.deals_behind`` looks up again;
    ``win_rate`` for win rate cells, looked up with ``reports.win_rate_deals``;
    ``conversion`` and ``distribution`` for those reports' cells, looked up with
    ``reports.conversion_deals`` and ``reports.distribution_deals``;
    ``ids`` for reports that carry their deal ids.
    """

    def task(session: Any) -> DealList:
        wanted = list(ids or [])
        if figure is not None:
            wanted = reports.deals_behind(session, report_filter, figure)
        elif win_rate is not None:
            wanted = reports.win_rate_deals(
                session, report_filter, win_rate.by, win_rate.group_id, win_rate.won
            )
        elif conversion is not None:
            wanted = reports.conversion_deals(
                session,
                report_filter,
                conversion.period,
                conversion.stage_id,
                conversion.bucket,
            )
        elif distribution is not None:
            wanted = reports.distribution_deals(
                session, report_filter, distribution.day, distribution.stage_id
            )
        return _deal_rows(session, wanted)

    return task


def _deal_rows(session: Any, ids: list[uuid.UUID]) -> DealList:
    # Deal rows come from the board service, one series at a time, since the
    # ids of a report may span every series.
    found: dict[uuid.UUID, DealRow] = {}
    for series in list_series(session):
        stages = {stage.id: stage for stage in series.stages}
        for start in range(0, len(ids), ID_CHUNK):
            chunk = ids[start : start + ID_CHUNK]
            for card in load_cards(session, series.id, chunk):
                stage = stages[card.stage_id]
                found[card.id] = DealRow(
                    id=card.id,
                    title=card.title,
                    customer=card.customer,
                    owner=card.owner,
                    series=series.name,
                    stage=stage.name,
                    stage_kind=stage.kind,
                    amount_minor=card.amount_minor,
                    currency=card.currency,
                    expected_close=card.expected_close,
                    probability=card.probability,
                    manual_probability=card.manual_probability,
                )
    rows = [found[deal_id] for deal_id in dict.fromkeys(ids) if deal_id in found]
    return DealList(rows, len(set(ids)) - len(rows))


def load_revisions(deal_id: uuid.UUID) -> Task[list[RevisionLine]]:
    """Return a task that loads the manual rate revisions of one deal."""

    def task(session: Any) -> list[RevisionLine]:
        return load_deal_detail(session, deal_id).revisions

    return task


def set_rate(deal_id: uuid.UUID, probability: int | None, reason: str) -> Task[int]:
    """Return a write task that sets or clears a deal's manual win probability.

    The change is recorded as made from the report by the workspace's current
    user, and the task returns the deal's effective probability afterwards.
    """

    def task(session: Any) -> int:
        actor = Actor(current_user_id(session), ChangeSource.REPORT)
        return set_manual_probability(session, deal_id, probability, actor, reason)

    return task
