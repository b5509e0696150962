"""Exports of the review: report tables to CSV and the printable PDF summary."""

from __future__ import annotations

import csv
import html
import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QSize, QSizeF, QUrl
from PySide6.QtGui import (
    QFont,
    QFontDatabase,
    QPageLayout,
    QPageSize,
    QPdfWriter,
    QTextDocument,
)

from crmdesk.ui.review.charts import ChartSpec, render_chart
from crmdesk.ui.review.table import ReportTable

log = logging.getLogger(__name__)

CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimSun",
)
"""Font families able to draw Simplified Chinese, in order of preference."""

PDF_RESOLUTION = 300
"""Dots per inch of the PDF summary's page layout."""

PDF_CHART_SIZE = QSize(640, 340)
PDF_CHART_SCALE = 3
"""A chart in the PDF is laid out at ``PDF_CHART_SIZE`` pixels, so its text is
legible at the width of the page, and drawn at three times the pixels."""


def write_csv(table: ReportTable, path: Path) -> None:
    """Write a report table to CSV: its column names, then one line per row.

    The file is UTF-8 with a byte order mark, so Excel reads Chinese text
    correctly. Numbers are written without grouping and rates as ``50.0%``.

    Raises:
        OSError: the file could not be written.
    """
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(table.columns)
        for row in table.rows:
            writer.writerow(cell.export for cell in row.cells)
    log.info("wrote report %s to %s (%d rows)", table.key, path, len(table.rows))


def summary_font() -> QFont:
    """Return the PDF summary's font: the first installed CJK-capable family.

    The remaining families follow as fallbacks, so Chinese text never falls
    back to a font without Chinese glyphs while another one is installed.
    """
    installed = set(QFontDatabase.families())
    families = [family for family in CJK_FAMILIES if family in installed]
    if not families:
        log.warning(
            "no CJK font found (looked for %s): Chinese text in the PDF summary "
            "may not be drawn",
            ", ".join(CJK_FAMILIES),
        )
    font = QFont()
    if families:
        font.setFamilies(families)
    font.setPointSizeF(9)
    return font


@dataclass(frozen=True)
class SummarySection:
    """One report of the PDF summary: its table, then its charts."""

    table: ReportTable
    charts: list[ChartSpec]


@dataclass(frozen=True)
class SummaryContent:
    """What the PDF summary prints, already translated.

    ``filters`` pairs each filter's name with its value; ``generated`` is the
    line with the time the summary was made.
    """

    title: str
    filters: list[tuple[str, str]]
    generated: str
    sections: list[SummarySection]


def _table_html(table: ReportTable) -> str:
    head = "".join(f"<th>{html.escape(column)}</th>" for column in table.columns)
    body = []
    for row in table.rows:
        cells = []
        for cell in row.cells:
            align = "right" if cell.number else "left"
            text = html.escape(cell.text)
            if row.total:
                text = f"<b>{text}</b>"
            cells.append(f'<td align="{align}">{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<h2>{html.escape(table.title)}</h2>"
        f"<p class='note'>{html.escape(table.note)}</p>"
        '<table border="1" cellspacing="0" cellpadding="3" width="100%">'
        f"<thead><tr>{head}</tr></thead>{''.join(body)}</table>"
    )


def _summary_document(content: SummaryContent, page_width: float) -> QTextDocument:
    document = QTextDocument()
    document.setDefaultFont(summary_font())
    document.setDefaultStyleSheet(
        "h1 { font-size: 16pt; } h2 { font-size: 12pt; margin-top: 14px; }"
        "th { background-color: #e8eef7; } .note { color: #555555; }"
        "td, th { font-size: 8pt; }"
    )
    filters = "".join(
        f"<tr><td><b>{html.escape(name)}</b></td><td>{html.escape(value)}</td></tr>"
        for name, value in content.filters
    )
    parts = [
        f"<h1>{html.escape(content.title)}</h1>",
        f"<p>{html.escape(content.generated)}</p>",
        f'<table cellspacing="0" cellpadding="2">{filters}</table>',
    ]
    for section in content.sections:
        parts.append(_table_html(section.table))
        for spec in section.charts:
            image = render_chart(spec, PDF_CHART_SIZE, PDF_CHART_SCALE)
            url = f"chart://{spec.key}.png"
            document.addResource(
                QTextDocument.ResourceType.ImageResource, QUrl(url), image
            )
            width = int(page_width * 0.9)
            parts.append(f'<p><img src="{url}" width="{width}"></p>')
    document.setHtml("".join(parts))
    return document


def write_pdf_summary(content: SummaryContent, path: Path) -> None:
    """Write the weekly meeting summary as an A4 PDF: filters, tables and charts.

    Raises:
        OSError: the PDF could not be written.
    """
    writer = QPdfWriter(str(path))
    writer.setTitle(content.title)
    writer.setCreator("crmdesk")
    writer.setResolution(PDF_RESOLUTION)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(15, 15, 15, 15),
            QPageLayout.Unit.Millimeter,
        )
    )
    # The document is laid out in points on the printable area of the page,
    # and print_() scales it to the writer's resolution.
    printable = writer.pageLayout().paintRect(QPageLayout.Unit.Point)
    document = _summary_document(content, printable.width())
    document.setPageSize(QSizeF(printable.width(), printable.height()))
    document.print_(writer)
    # The writer finishes the file when it is destroyed, so drop it before
    # checking what was written.
    del writer
    if not path.is_file() or path.stat().st_size == 0:
        raise OSError(f"the PDF summary could not be written to {path}")
    log.info("wrote the pipeline review summary to %s", path)
