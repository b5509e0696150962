"""A report as a table: translated column names, display and export text per cell.

Each report of the review is turned into one ``ReportTable`` (see
``builders.py``). The same record feeds the table view, the CSV export and the
PDF summary, so all three show the same columns and figures.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont

from crmdesk.domain.money import currency_exponent
from crmdesk.domain.reports import Period

DRILL_ROLE = Qt.ItemDataRole.UserRole + 1
"""Model role of a cell's ``Drill``, or None when the cell is not a number."""

_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class WinRateFigure:
    """A win rate cell: the row's grouping and group, and won, lost or both (None)."""

    by: str
    group_id: uuid.UUID | None
    won: bool | None


@dataclass(frozen=True)
class ConversionFigure:
    """A conversion cell: the period, the cohort's stage and the bucket.

    ``bucket`` is one of ``reports.CONVERSION_BUCKETS``, or None for the cohort.
    """

    period: Period
    stage_id: uuid.UUID
    bucket: str | None


@dataclass(frozen=True)
class DistributionFigure:
    """A distribution cell: the date and the stage."""

    day: date
    stage_id: uuid.UUID


@dataclass(frozen=True)
class Drill:
    """Where the deals behind a figure come from.

    ``figure`` (a stage id, "open", "won" or "lost") is looked up again with
    ``reports.deals_behind``; ``win_rate`` with ``reports.win_rate_deals``;
    ``conversion`` with ``reports.conversion_deals``; ``distribution`` with
    ``reports.distribution_deals``; otherwise ``ids`` lists the deals.
    """

    title: str
    figure: str | uuid.UUID | None = None
    ids: tuple[uuid.UUID, ...] = ()
    win_rate: WinRateFigure | None = None
    conversion: ConversionFigure | None = None
    distribution: DistributionFigure | None = None


@dataclass(frozen=True)
class Cell:
    """One table cell: ``text`` for the screen and the PDF, ``export`` for CSV."""

    text: str
    export: str
    number: bool = False
    drill: Drill | None = None
    flagged: bool = False


@dataclass(frozen=True)
class TableRow:
    """A row of cells; a total row is drawn in bold."""

    cells: tuple[Cell, ...]
    total: bool = False


@dataclass(frozen=True)
class ReportTable:
    """One report as rows under translated column names.

    ``key`` names exported files; ``note`` is a sentence shown under the title.
    """

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]
    note: str = ""


def fraction(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """Return ``part / whole`` unrounded, or None when ``whole`` is zero.

    Rates are rounded once, for display: the report records' shares are already
    rounded to four places, and rounding those again could be off by 0.1 %.
    """
    if not whole:
        return None
    return Decimal(part) / Decimal(whole)


def text_cell(text: str) -> Cell:
    """Return a cell of plain text, exported as shown."""
    return Cell(text, text)


def count_cell(value: int, drill: Drill | None = None) -> Cell:
    """Return a deal count, grouped by thousands on screen."""
    return Cell(f"{value:,}", str(value), number=True, drill=drill)


def money_cell(value: Decimal, currency: str, drill: Drill | None = None) -> Cell:
    """Return an amount in ``currency``, rounded half-even to its minor unit.

    The currency code stands in the column name, so the cell shows the number
    only; the export has no grouping, so spreadsheets read it as a number.
    """
    exponent = currency_exponent(currency)
    rounded = value.quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_EVEN)
    return Cell(f"{rounded:,.{exponent}f}", f"{rounded:.{exponent}f}", True, drill)


def rate_cell(
    fraction: Decimal | None, drill: Drill | None = None, flagged: bool = False
) -> Cell:
    """Return a fraction (0.5) as a percentage with one decimal (50.0 %).

    The export is ``50.0%``, which spreadsheets read as a percentage. An
    undefined rate (nothing to divide by) shows a dash and exports empty.
    """
    if fraction is None:
        return Cell("—", "", number=True, drill=drill, flagged=flagged)
    percent = (fraction * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)
    return Cell(f"{percent} %", f"{percent}%", True, drill, flagged)


def percent_cell(value: int | None) -> Cell:
    """Return a whole percentage such as a stage default rate (30 %)."""
    if value is None:
        return Cell("", "", number=True)
    return Cell(f"{value} %", f"{value}%", number=True)


_FLAG_BACKGROUND = QColor("#fff3cd")
_FLAG_FOREGROUND = QColor("#7a4d00")


class ReportTableModel(QAbstractTableModel):
    """A read-only table model over one ``ReportTable``.

    Cells with deals behind them carry their ``Drill`` under ``DRILL_ROLE``.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._table: ReportTable | None = None

    def set_table(self, table: ReportTable | None) -> None:
        """Show ``table``, or nothing for None."""
        self.beginResetModel()
        self._table = table
        self.endResetModel()

    def table(self) -> ReportTable | None:
        """Return the table shown, or None."""
        return self._table

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self._table is None:
            return 0
        return len(self._table.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self._table is None:
            return 0
        return len(self._table.columns)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if self._table is None or role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self._table.columns):
                return self._table.columns[section]
            return None
        return None

    def cell(self, row: int, column: int) -> Cell | None:
        """Return the cell at ``row``, ``column``, or None outside the table."""
        if self._table is None or not 0 <= row < len(self._table.rows):
            return None
        cells = self._table.rows[row].cells
        if not 0 <= column < len(cells):
            return None
        return cells[column]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._table is None:
            return None
        cell = self.cell(index.row(), index.column())
        if cell is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return cell.text
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = (
                Qt.AlignmentFlag.AlignRight
                if cell.number
                else Qt.AlignmentFlag.AlignLeft
            )
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and self._table.rows[index.row()].total:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole and cell.flagged:
            return QBrush(_FLAG_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole and cell.flagged:
            return QBrush(_FLAG_FOREGROUND)
        if role == Qt.ItemDataRole.ToolTipRole and cell.drill is not None:
            return self.tr("Double-click to list the deals behind this figure")
        if role == DRILL_ROLE:
            return cell.drill
        return None
