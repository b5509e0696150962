"""Records of the team lead's pipeline review: filters, report rows, their math.

Every figure is computed per deal in exact decimals and in the base currency.
Reports are SQL aggregates; the report service looks up the deals behind any
figure on demand, so every number can be drilled down to its deals.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from crmdesk.domain.errors import ValidationError
from crmdesk.domain.playbook import LocalText, StageKind

SMALL_SAMPLE = 30
"""Fewer closed deals than this behind a historical win rate flags it as unreliable."""


@dataclass(frozen=True)
class ReportFilter:
    """The deals a report covers. Empty fields do not filter.

    ``close_from`` and ``close_to`` bound the expected close date, inclusive. For
    won and lost deals the actual close date of the outcome is used instead.
    """

    series_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    close_from: date | None = None
    close_to: date | None = None


@dataclass(frozen=True)
class Period:
    """A period of whole calendar days in the business time zone, inclusive."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationError(
                f"invalid period {self.start} to {self.end}: "
                f"the end is before the start"
            )


@dataclass(frozen=True)
class StageRef:
    """A stage named in a report row, with the series it belongs to."""

    id: uuid.UUID
    series: LocalText
    key: str
    name: LocalText
    kind: StageKind
    position: int
    default_probability: int


@dataclass(frozen=True)
class FunnelRow:
    """Open deals of one stage with their expected amount."""

    stage: StageRef
    count: int
    amount: Decimal


@dataclass(frozen=True)
class Funnel:
    """Open deals per stage, and the deals won and lost in the period beside them.

    Won deals count their actual amount, lost deals their expected amount.
    """

    currency: str
    rows: list[FunnelRow]
    won_count: int
    won_amount: Decimal
    lost_count: int
    lost_amount: Decimal


def share(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """Return ``part / whole`` as an exact fraction rounded to 4 places, or None."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


def weighted_amount(amount: Decimal, probability: int) -> Decimal:
    """Return one deal's amount times its win probability in percent, exactly."""
    return amount * probability / 100


@dataclass(frozen=True)
class DistributionCell:
    """One stage's share of the open deals on one date."""

    count: int
    amount: Decimal
    count_share: Decimal | None
    amount_share: Decimal | None


@dataclass(frozen=True)
class DistributionRow:
    """One stage's shares on each compared date, in the order of ``dates``."""

    stage: StageRef
    cells: tuple[DistributionCell, ...]


@dataclass(frozen=True)
class Distribution:
    """The open deals over stages as they stood at the end of each date.

    ``dates`` is the chosen date, the same day a month earlier and the same day a
    year earlier, unless the caller asked for other dates.
    """

    currency: str
    dates: tuple[date, ...]
    rows: list[DistributionRow]


@dataclass(frozen=True)
class ConversionRow:
    """A conversion cohort: the deals in ``stage`` when the period started.

    At the end of the period each deal of the cohort is counted once, by where it
    is then: in a later stage or won (moved), in the same stage (stayed), in
    an earlier open stage (moved back), or lost or deleted (dropped).
    """

    stage: StageRef
    period: Period
    cohort: int
    moved: int
    stayed: int
    moved_back: int
    dropped: int

    @property
    def rate(self) -> Decimal | None:
        """Moved divided by the cohort, or None for an empty cohort."""
        return share(self.moved, self.cohort)


@dataclass(frozen=True)
class WinRateRow:
    """The historical win rate of one group of closed deals.

    For ``by="stage"`` the group is the closed deals that reached the stage, and
    ``default_probability`` is the stage's fixed rate, shown beside it. The
    deals behind the row are looked up on demand (``reports.win_rate_deals``).
    """

    group: str
    group_id: uuid.UUID | None
    won: int
    lost: int
    default_probability: int | None

    @property
    def closed(self) -> int:
        """The sample size: won plus lost."""
        return self.won + self.lost

    @property
    def rate(self) -> Decimal | None:
        """Won divided by closed, or None when nothing closed."""
        return share(self.won, self.closed)

    @property
    def small_sample(self) -> bool:
        """True when fewer than ``SMALL_SAMPLE`` closed deals stand behind the rate."""
        return self.closed < SMALL_SAMPLE


@dataclass(frozen=True)
class ForecastRow:
    """Open deals of one stage expected to close in the window.

    ``expected_rate`` is ``weighted / amount``: the stage default where no deal has
    a manual rate, otherwise the amount-weighted mean of the deals' own rates.
    """

    stage: StageRef
    count: int
    amount: Decimal
    weighted: Decimal

    @property
    def expected_rate(self) -> Decimal | None:
        """The weighted amount divided by the amount, or None for no amount."""
        return share(self.weighted, self.amount)


@dataclass(frozen=True)
class Forecast:
    """The forecast of a close window: open deals weighted, won deals at actuals.

    Lost deals never count. ``total`` is the weighted open amount plus the won
    amount.
    """

    currency: str
    rows: list[ForecastRow]
    weighted: Decimal
    won_count: int
    won_amount: Decimal

    @property
    def total(self) -> Decimal:
        """Weighted open amount plus the actual amount of deals won in the window."""
        return self.weighted + self.won_amount
