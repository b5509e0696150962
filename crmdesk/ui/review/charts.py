"""The review's charts, built from report records, and their rendering to images.

A chart is described by a ``ChartSpec`` whose ``build`` makes a fresh ``QChart``
each time: the tab shows one, and exports render another offscreen at a fixed
size, so an export does not depend on the window's size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCharts import (
    QAbstractBarSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QHorizontalBarSeries,
    QHorizontalStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QObject, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QGraphicsScene

from crmdesk.domain.reports import (
    Distribution,
    DistributionCell,
    Forecast,
    Funnel,
    StageRef,
)

EXPORT_SIZE = QSize(1200, 640)
"""Pixel size of a chart rendered for a PNG file or the PDF summary."""

OPEN_COLOUR = QColor("#3b78c3")
WON_COLOUR = QColor("#3a9b5c")
LOST_COLOUR = QColor("#c0504d")
DATE_COLOURS = (QColor("#3b78c3"), QColor("#8fb4e3"), QColor("#c9c9c9"))
WEIGHTED_COLOUR = QColor("#e39b3b")


@dataclass(frozen=True)
class ChartSpec:
    """A named chart: ``key`` names its file, ``build`` makes a new ``QChart``."""

    key: str
    title: str
    build: Callable[[], QChart]


def _new_chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    title_font = QFont(chart.titleFont())
    title_font.setBold(True)
    chart.setTitleFont(title_font)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    chart.setBackgroundRoundness(0)
    # Axis labels use the interface locale, with its digit grouping.
    chart.setLocalizeNumbers(True)
    return chart


def _attach_axes(
    chart: QChart,
    series: QAbstractBarSeries,
    categories: list[str],
    maximum: float,
    label_format: str,
) -> None:
    """Add the category axis and a value axis from 0 to ``maximum`` to a chart.

    Horizontal bar series get the categories on the left, vertical ones below.
    """
    horizontal = isinstance(series, QHorizontalBarSeries | QHorizontalStackedBarSeries)
    category_axis = QBarCategoryAxis()
    category_axis.append(categories)
    value_axis = QValueAxis()
    value_axis.setRange(0, maximum if maximum > 0 else 1)
    value_axis.setLabelFormat(label_format)
    value_axis.applyNiceNumbers()
    left, bottom = Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignBottom
    chart.addAxis(category_axis, left if horizontal else bottom)
    chart.addAxis(value_axis, bottom if horizontal else left)
    series.attachAxis(category_axis)
    series.attachAxis(value_axis)


def _set(label: str, colour: QColor, values: list[float]) -> QBarSet:
    bar_set = QBarSet(label)
    bar_set.setColor(colour)
    bar_set.setBorderColor(colour)
    bar_set.append(values)
    return bar_set


def _percent(fraction: Decimal | None) -> float:
    return 0.0 if fraction is None else float(fraction * 100)


class ReviewCharts(QObject):
    """Builds the chart specs of each report, with translated titles and labels.

    ``stage_label`` turns a report's stage into its label in the interface
    language (see ``ReportTables.stage_label``). Every text is translated when
    the spec is made, so a spec builds the same chart later.
    """

    def __init__(
        self, stage_label: Callable[[StageRef], str], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._stage_label = stage_label

    def funnel(self, funnel: Funnel) -> list[ChartSpec]:
        """Build two horizontal bar charts: deals per stage and amount per stage.

        Open stages stand from top to bottom in pipeline order, then the deals
        won and lost in the close window, each kind in its own colour.
        """
        stages = [self._stage_label(row.stage) for row in funnel.rows]
        open_label, won_label, lost_label = (
            self.tr("Open"),
            self.tr("Won"),
            self.tr("Lost"),
        )
        # A horizontal bar chart draws its first category at the bottom, so the
        # lists run backwards to put the first stage on top.
        categories = [*stages, won_label, lost_label][::-1]
        blanks = [0.0] * len(stages)
        counts = (
            [float(row.count) for row in funnel.rows],
            float(funnel.won_count),
            float(funnel.lost_count),
        )
        amounts = (
            [float(row.amount) for row in funnel.rows],
            float(funnel.won_amount),
            float(funnel.lost_amount),
        )

        def build(title: str, values: tuple[list[float], float, float]) -> QChart:
            opened, won, lost = values
            series = QHorizontalStackedBarSeries()
            series.append(_set(open_label, OPEN_COLOUR, [*opened, 0.0, 0.0][::-1]))
            series.append(_set(won_label, WON_COLOUR, [*blanks, won, 0.0][::-1]))
            series.append(_set(lost_label, LOST_COLOUR, [*blanks, 0.0, lost][::-1]))
            chart = _new_chart(title)
            chart.addSeries(series)
            _attach_axes(
                chart, series, categories, max([*opened, won, lost], default=0), "%.0f"
            )
            return chart

        count_title = self.tr("Deals per stage")
        amount_title = self.tr("Amount per stage ({currency})").format(
            currency=funnel.currency
        )
        return [
            ChartSpec("funnel-deals", count_title, lambda: build(count_title, counts)),
            ChartSpec(
                "funnel-amount", amount_title, lambda: build(amount_title, amounts)
            ),
        ]

    def distribution(self, distribution: Distribution) -> list[ChartSpec]:
        """Build two grouped bar charts: each stage's share of deals and of amount.

        Each stage has one bar per compared date, side by side.
        """
        stages = [self._stage_label(row.stage) for row in distribution.rows]
        dates = [day.isoformat() for day in distribution.dates]

        def build(title: str, pick: Callable[[DistributionCell], float]) -> QChart:
            series = QBarSeries()
            for index, day in enumerate(dates):
                colour = DATE_COLOURS[index % len(DATE_COLOURS)]
                values = [pick(row.cells[index]) for row in distribution.rows]
                series.append(_set(day, colour, values))
            chart = _new_chart(title)
            chart.addSeries(series)
            highest = max(
                (pick(cell) for row in distribution.rows for cell in row.cells),
                default=0.0,
            )
            _attach_axes(chart, series, stages, highest, "%.0f %")
            return chart

        count_title = self.tr("Share of deals per stage")
        amount_title = self.tr("Share of amount per stage")
        return [
            ChartSpec(
                "distribution-deals",
                count_title,
                lambda: build(count_title, lambda cell: _percent(cell.count_share)),
            ),
            ChartSpec(
                "distribution-amount",
                amount_title,
                lambda: build(amount_title, lambda cell: _percent(cell.amount_share)),
            ),
        ]

    def forecast(self, forecast: Forecast) -> list[ChartSpec]:
        """Build a horizontal bar chart of amount and weighted amount per stage."""
        stages = [self._stage_label(row.stage) for row in forecast.rows]
        amounts = [float(row.amount) for row in forecast.rows]
        weighted = [float(row.weighted) for row in forecast.rows]
        title = self.tr("Amount and weighted amount per stage ({currency})").format(
            currency=forecast.currency
        )
        amount_label, weighted_label = self.tr("Amount"), self.tr("Weighted")

        def build() -> QChart:
            series = QHorizontalBarSeries()
            series.append(_set(amount_label, OPEN_COLOUR, amounts[::-1]))
            series.append(_set(weighted_label, WEIGHTED_COLOUR, weighted[::-1]))
            chart = _new_chart(title)
            chart.addSeries(series)
            _attach_axes(chart, series, stages[::-1], max(amounts, default=0), "%.0f")
            return chart

        return [ChartSpec("forecast", title, build)]


def render_chart(
    spec: ChartSpec, size: QSize = EXPORT_SIZE, scale: float = 1
) -> QImage:
    """Render a new chart of ``spec`` offscreen, laid out at ``size``.

    The image has ``scale`` times as many pixels each way, so a small chart
    with readable text stays sharp in print. The chart is drawn through a
    scene of its own: a hidden ``QChartView`` renders blank, since it lays the
    chart out only once it is shown.
    """
    area = QRectF(0, 0, size.width(), size.height())
    scene = QGraphicsScene()
    chart = spec.build()
    scene.addItem(chart)
    chart.resize(area.size())
    scene.setSceneRect(area)
    image = QImage(
        round(size.width() * scale),
        round(size.height() * scale),
        QImage.Format.Format_ARGB32_Premultiplied,
    )
    image.setDevicePixelRatio(scale)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    scene.render(painter, area, area)
    painter.end()
    return image


def render_side_by_side(specs: list[ChartSpec], size: QSize = EXPORT_SIZE) -> QImage:
    """Render several charts next to each other into one image."""
    images = [render_chart(spec, size) for spec in specs]
    width = sum(image.width() for image in images)
    height = max((image.height() for image in images), default=0)
    combined = QImage(max(width, 1), max(height, 1), QImage.Format.Format_ARGB32)
    combined.fill(QColor("white"))
    painter = QPainter(combined)
    left = 0
    for image in images:
        painter.drawImage(left, 0, image)
        left += image.width()
    painter.end()
    return combined
