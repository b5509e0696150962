"""Turn the report records of ``crmdesk.domain.reports`` into translated tables."""

from __future__ import annotations

import uuid
from decimal import Decimal

from PySide6.QtCore import QObject

from crmdesk.domain.playbook import LocalText
from crmdesk.domain.reports import (
    ConversionRow,
    Distribution,
    Forecast,
    Funnel,
    Period,
    StageRef,
    WinRateRow,
)
from crmdesk.ui.review.table import (
    Cell,
    ConversionFigure,
    DistributionFigure,
    Drill,
    ReportTable,
    TableRow,
    WinRateFigure,
    count_cell,
    fraction,
    money_cell,
    percent_cell,
    rate_cell,
    text_cell,
)


class ReportTables(QObject):
    """Builds the table of each report in the interface language.

    Args:
        language: zh_CN or en, for stage and series names.
        stage_names: series and stage name of every stage by id, to label win
            rate groups by stage.
        several_series: True when the reports cover more than one series, so
            stage names are prefixed with their series.
    """

    def __init__(
        self,
        language: str,
        stage_names: dict[uuid.UUID, tuple[LocalText, LocalText]],
        several_series: bool,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.language = language
        self._stage_names = stage_names
        self._several_series = several_series

    def stage_label(self, stage: StageRef) -> str:
        """Return a stage's name, after its series name when several are shown."""
        return self._label(stage.series, stage.name)

    def _label(self, series: LocalText, stage: LocalText) -> str:
        name = stage.get(self.language)
        if self._several_series:
            return self.tr("{series} · {stage}").format(
                series=series.get(self.language), stage=name
            )
        return name

    def _amount_column(self, currency: str) -> str:
        return self.tr("Amount ({currency})").format(currency=currency)

    # Funnel

    def funnel(self, funnel: Funnel) -> ReportTable:
        """Build the funnel table: open deals per stage, their total, won and lost."""
        currency = funnel.currency
        rows = []
        for row in funnel.rows:
            label = self.stage_label(row.stage)
            drill = Drill(
                self.tr("Open deals in {stage}").format(stage=label), row.stage.id
            )
            rows.append(
                TableRow(
                    (
                        text_cell(label),
                        count_cell(row.count, drill),
                        money_cell(row.amount, currency, drill),
                    )
                )
            )
        open_drill = Drill(self.tr("All open deals"), "open")
        rows.append(
            TableRow(
                (
                    text_cell(self.tr("Open deals")),
                    count_cell(sum(r.count for r in funnel.rows), open_drill),
                    money_cell(
                        sum((r.amount for r in funnel.rows), Decimal(0)),
                        currency,
                        open_drill,
                    ),
                ),
                total=True,
            )
        )
        won_drill = Drill(self.tr("Deals won in the close window"), "won")
        lost_drill = Drill(self.tr("Deals lost in the close window"), "lost")
        rows.append(
            TableRow(
                (
                    text_cell(self.tr("Won in the close window")),
                    count_cell(funnel.won_count, won_drill),
                    money_cell(funnel.won_amount, currency, won_drill),
                )
            )
        )
        rows.append(
            TableRow(
                (
                    text_cell(self.tr("Lost in the close window")),
                    count_cell(funnel.lost_count, lost_drill),
                    money_cell(funnel.lost_amount, currency, lost_drill),
                )
            )
        )
        return ReportTable(
            key="funnel",
            title=self.tr("Pipeline funnel"),
            columns=(self.tr("Stage"), self.tr("Deals"), self._amount_column(currency)),
            rows=tuple(rows),
            note=self.tr(
                "Open deals count their expected amount, won deals their actual "
                "amount, lost deals their expected amount."
            ),
        )

    # Distribution

    def distribution(self, distribution: Distribution) -> ReportTable:
        """Build the distribution table: count, amount and shares per stage and date.

        The rows of a stage follow each other in the order of the dates, so the
        chosen date comes before the month and the year before it.
        """
        currency = distribution.currency
        dates = range(len(distribution.dates))
        counts = [sum(row.cells[i].count for row in distribution.rows) for i in dates]
        amounts = [
            sum((row.cells[i].amount for row in distribution.rows), Decimal(0))
            for i in dates
        ]
        rows = []
        for row in distribution.rows:
            label = self.stage_label(row.stage)
            for index, (day, cell) in enumerate(
                zip(distribution.dates, row.cells, strict=True)
            ):
                drill = Drill(
                    self.tr("Open deals in {stage} on {date}").format(
                        stage=label, date=day.isoformat()
                    ),
                    distribution=DistributionFigure(day, row.stage.id),
                )
                cells = (
                    text_cell(label),
                    text_cell(day.isoformat()),
                    count_cell(cell.count, drill),
                    rate_cell(fraction(cell.count, counts[index]), drill),
                    money_cell(cell.amount, currency, drill),
                    rate_cell(fraction(cell.amount, amounts[index]), drill),
                )
                rows.append(TableRow(cells))
        return ReportTable(
            key="distribution",
            title=self.tr("Distribution over stages"),
            columns=(
                self.tr("Stage"),
                self.tr("Date"),
                self.tr("Deals"),
                self.tr("Share of deals"),
                self._amount_column(currency),
                self.tr("Share of amount"),
            ),
            rows=tuple(rows),
            note=self.tr(
                "Open deals as they stood at the end of each date: the chosen "
                "date, a month earlier and a year earlier."
            ),
        )

    # Conversion

    def conversion(self, rows: list[ConversionRow], period: Period) -> ReportTable:
        """Build the conversion table: one cohort per open stage."""
        table_rows = []
        for row in rows:
            label = self.stage_label(row.stage)

            def drill(
                what: str,
                bucket: str | None,
                label: str = label,
                stage_id: uuid.UUID = row.stage.id,
            ) -> Drill:
                figure = ConversionFigure(period, stage_id, bucket)
                return Drill(f"{label}: {what}", conversion=figure)

            moved = drill(self.tr("moved to a later stage or won"), "moved")
            table_rows.append(
                TableRow(
                    (
                        text_cell(label),
                        count_cell(row.cohort, drill(self.tr("cohort"), None)),
                        count_cell(row.moved, moved),
                        count_cell(row.stayed, drill(self.tr("stayed"), "stayed")),
                        count_cell(
                            row.moved_back,
                            drill(self.tr("moved back"), "moved_back"),
                        ),
                        count_cell(row.dropped, drill(self.tr("dropped"), "dropped")),
                        rate_cell(fraction(row.moved, row.cohort), moved),
                    )
                )
            )
        return ReportTable(
            key="conversion",
            title=self.tr("Stage conversion"),
            columns=(
                self.tr("Stage"),
                self.tr("Cohort"),
                self.tr("Moved"),
                self.tr("Stayed"),
                self.tr("Moved back"),
                self.tr("Dropped"),
                self.tr("Conversion rate"),
            ),
            rows=tuple(table_rows),
            note=self.tr(
                "Deals in each stage on {start}, counted by where they stood on "
                "{end}: moved to a later stage or won, stayed, moved back to an "
                "earlier stage, or dropped (lost or deleted)."
            ).format(start=period.start.isoformat(), end=period.end.isoformat()),
        )

    # Win rates

    def win_rates(self, rows: list[WinRateRow], by: str) -> ReportTable:
        """Build the win rate table with sample sizes and the small-sample flag."""
        group_column = {
            "stage": self.tr("Stage reached"),
            "rep": self.tr("Rep"),
            "product": self.tr("Product"),
            "team": self.tr("Team"),
        }[by]
        columns = [
            group_column,
            self.tr("Won"),
            self.tr("Lost"),
            self.tr("Closed (sample)"),
            self.tr("Win rate"),
            self.tr("Sample"),
        ]
        if by == "stage":
            columns.append(self.tr("Stage default rate"))
        table_rows = []
        for row in rows:
            label = self._group_label(row)
            won = Drill(
                self.tr("{group}: won").format(group=label),
                win_rate=WinRateFigure(by, row.group_id, True),
            )
            lost = Drill(
                self.tr("{group}: lost").format(group=label),
                win_rate=WinRateFigure(by, row.group_id, False),
            )
            closed = Drill(
                self.tr("{group}: closed").format(group=label),
                win_rate=WinRateFigure(by, row.group_id, None),
            )
            cells: list[Cell] = [
                text_cell(label),
                count_cell(row.won, won),
                count_cell(row.lost, lost),
                count_cell(row.closed, closed),
                rate_cell(
                    fraction(row.won, row.closed), closed, flagged=row.small_sample
                ),
                Cell(
                    self.tr("Small sample") if row.small_sample else "",
                    self.tr("small sample") if row.small_sample else "",
                    flagged=row.small_sample,
                ),
            ]
            if by == "stage":
                cells.append(percent_cell(row.default_probability))
            table_rows.append(TableRow(tuple(cells)))
        return ReportTable(
            key=f"win-rates-by-{by}",
            title=self.tr("Historical win rates"),
            columns=tuple(columns),
            rows=tuple(table_rows),
            note=self.tr(
                "Won divided by closed (won plus lost) among deals closed in the "
                "close window. Fewer than 30 closed deals make a small sample."
            ),
        )

    def _group_label(self, row: WinRateRow) -> str:
        if row.group_id is None:
            return self.tr("(none)")
        names = self._stage_names.get(row.group_id)
        if names is None:
            return row.group
        return self._label(*names)

    # Forecast

    def forecast(self, forecast: Forecast) -> ReportTable:
        """Build the forecast table: weighted open deals, won deals and the total."""
        currency = forecast.currency
        rows = []
        for row in forecast.rows:
            label = self.stage_label(row.stage)
            drill = Drill(
                self.tr("Open deals in {stage}").format(stage=label), row.stage.id
            )
            rows.append(
                TableRow(
                    (
                        text_cell(label),
                        count_cell(row.count, drill),
                        money_cell(row.amount, currency, drill),
                        rate_cell(fraction(row.weighted, row.amount), drill),
                        money_cell(row.weighted, currency, drill),
                    )
                )
            )
        amount = sum((row.amount for row in forecast.rows), Decimal(0))
        open_drill = Drill(self.tr("All open deals"), "open")
        rows.append(
            TableRow(
                (
                    text_cell(self.tr("Open deals")),
                    count_cell(sum(row.count for row in forecast.rows), open_drill),
                    money_cell(amount, currency, open_drill),
                    rate_cell(fraction(forecast.weighted, amount), open_drill),
                    money_cell(forecast.weighted, currency, open_drill),
                ),
                total=True,
            )
        )
        won_drill = Drill(self.tr("Deals won in the close window"), "won")
        rows.append(
            TableRow(
                (
                    text_cell(self.tr("Won in the close window")),
                    count_cell(forecast.won_count, won_drill),
                    money_cell(forecast.won_amount, currency, won_drill),
                    text_cell(""),
                    money_cell(forecast.won_amount, currency, won_drill),
                )
            )
        )
        rows.append(
            TableRow(
                (
                    text_cell(self.tr("Forecast")),
                    text_cell(""),
                    text_cell(""),
                    text_cell(""),
                    money_cell(forecast.total, currency),
                ),
                total=True,
            )
        )
        return ReportTable(
            key="forecast",
            title=self.tr("Forecast"),
            columns=(
                self.tr("Stage"),
                self.tr("Deals"),
                self._amount_column(currency),
                self.tr("Expected rate"),
                self.tr("Weighted ({currency})").format(currency=currency),
            ),
            rows=tuple(rows),
            note=self.tr(
                "Open deals expected to close in the window count their amount "
                "times their win probability; deals won in the window count their "
                "actual amount; lost deals never count."
            ),
        )
