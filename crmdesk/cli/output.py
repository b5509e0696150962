"""Output helpers of the headless commands: aligned text tables and the language."""

from __future__ import annotations

import argparse
import locale
import unicodedata
from collections.abc import Sequence
from decimal import Decimal

from crmdesk.cli.context import CliContext
from crmdesk.config.settings import Settings


def display_width(text: str) -> int:
    """Return how many terminal columns ``text`` takes.

    Wide and fullwidth characters (Chinese, Japanese, Korean) take two columns,
    combining marks none, everything else one.
    """
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _pad(text: str, width: int, *, right: bool) -> str:
    fill = " " * (width - display_width(text))
    return fill + text if right else text + fill


def format_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    right_aligned: Sequence[int] = (),
) -> str:
    """Lay out rows as plain text columns separated by two spaces.

    Columns whose index is in ``right_aligned`` (numbers) are aligned right.
    """
    widths = [display_width(header) for header in headers]
    for row in rows:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], display_width(cell))
    lines = []
    for row in [list(headers), *rows]:
        cells = [
            _pad(cell, widths[index], right=index in right_aligned)
            for index, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def command_language(args: argparse.Namespace, context: CliContext) -> str:
    """Return the language of labels: ``--language``, the setting, else the locale.

    The result is "zh_CN" or "en".
    """
    chosen = getattr(args, "language", None)
    if not chosen:
        chosen = Settings.load(context.paths.config_dir).language
    if chosen == "system":
        chosen = locale.getlocale()[0] or ""
    return "zh_CN" if str(chosen).lower().startswith("zh") else "en"


def positive_count(text: str) -> int:
    """Parse a ``--limit`` value: a whole number of 1 or more (argparse type)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"invalid count {text!r}: give a whole number of 1 or more"
        )
    return value


def grouped_amount(text: str) -> str:
    """Return a decimal amount string grouped by thousands for a table: 12,345.50.

    JSON and CSV output keep the plain string, so other programs can read it.
    """
    return f"{Decimal(text):,}"
