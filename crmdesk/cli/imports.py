"""``crmdesk import deals``: import deals from a CSV file or the Maven sample data."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crmdesk.cli.context import CliContext
from crmdesk.services.context import ChangeSource
from crmdesk.services.imports import (
    ImportResult,
    import_deals,
    import_maven,
    load_mapping,
)
from crmdesk.services.imports.report import default_report_path

PRESETS = ("maven",)


def register(subparsers: Any) -> None:
    """Add the ``import`` command and its ``deals`` sub-command."""
    command = subparsers.add_parser(
        "import", help="import data from files", description="Import data from files."
    )
    kinds = command.add_subparsers(dest="import_kind", metavar="KIND", required=True)
    deals = kinds.add_parser(
        "deals",
        help="import deals from a CSV file",
        description="Import deals from a CSV file described by a column-mapping "
        "file (--mapping), or from a known data set (--preset). Re-importing a "
        "file updates the deals whose stage changed and duplicates nothing. Rows "
        "with bad values are rejected one by one and listed in a CSV report; the "
        "command still exits with status 0 when rows were rejected. It exits with "
        "status 1 when a file cannot be read or the mapping is invalid, and then "
        "imports nothing.",
    )
    deals.add_argument(
        "path",
        metavar="PATH",
        type=Path,
        help="the CSV file; for --preset maven, the Maven folder or its "
        "sales_pipeline.csv",
    )
    source = deals.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--mapping",
        metavar="FILE",
        type=Path,
        help="column-mapping file (TOML) naming the CSV column of each deal field",
    )
    source.add_argument(
        "--preset",
        choices=PRESETS,
        help="a known data set: maven = Maven Analytics CRM + Sales + Opportunities",
    )
    deals.add_argument(
        "--encoding",
        metavar="ENC",
        help="encoding of the CSV file, such as utf-8 or gbk (default: detected; "
        "only with --mapping)",
    )
    deals.add_argument(
        "--report",
        metavar="FILE",
        type=Path,
        help="where to write the CSV of rejected rows (default: a timestamped "
        "file in the import-reports folder of the data folder)",
    )
    deals.set_defaults(handler=run_import_deals)


def run_import_deals(args: argparse.Namespace, context: CliContext) -> int:
    """Run ``crmdesk import deals``."""
    if args.preset is not None and args.encoding:
        print(
            "crmdesk: --encoding applies only to --mapping imports; the maven "
            "preset detects the encoding of its files",
            file=sys.stderr,
        )
        return 2
    actor = context.actor(ChangeSource.IMPORT)
    report_path = args.report or default_report_path(context.paths.data_dir, actor.at)
    if args.preset == "maven":
        with context.sessions.begin() as session:
            result = import_maven(session, args.path, actor, report_path=report_path)
    else:
        mapping = load_mapping(args.mapping)
        with context.sessions.begin() as session:
            result = import_deals(
                session,
                args.path,
                mapping,
                actor,
                encoding=args.encoding,
                report_path=report_path,
            )
    print(format_result(result))
    return 0


def format_result(result: ImportResult) -> str:
    """Return the summary the command prints."""
    lines = [
        f"Imported {result.source_file} ({result.encoding}) in "
        f"{result.seconds:.1f} s: {result.rows} rows",
        f"  imported   {result.imported:>7}",
        f"  updated    {result.updated:>7}",
        f"  unchanged  {result.unchanged:>7}",
        f"  rejected   {result.rejected:>7}",
    ]
    if result.warnings:
        lines.append(f"Warnings ({len(result.warnings)}):")
        lines.extend(f"  {warning}" for warning in result.warnings)
    if result.fuzzy_matches:
        lines.append(
            f"Fuzzy product matches: {result.fuzzy_match_rows} rows "
            "(imported with the paired product)"
        )
    other = len(result.rejected_rows) - result.rejected
    if result.report_path is not None:
        note = f" and {other} rows of the other files" if other else ""
        lines.append(
            f"Rejected rows{note} are listed in the report: {result.report_path}"
        )
    else:
        lines.append("No row was rejected, so no report was written.")
    return "\n".join(lines)
