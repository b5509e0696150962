"""``crmdesk series``: list every series with its stages."""

from __future__ import annotations

import argparse
import json
from typing import Any

from crmdesk.cli.context import CliContext
from crmdesk.cli.output import format_table
from crmdesk.services.playbooks import SeriesRecord, list_series


def register(subparsers: Any) -> None:
    """Add the ``series`` command."""
    parser = subparsers.add_parser(
        "series",
        help="list the opportunity series and their stages",
        description="List every series (pipeline) with its id, English and "
        "Chinese name, and its stages: key, name, kind and default win "
        "probability in percent.",
    )
    parser.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="output format (default: table)",
    )
    parser.set_defaults(handler=run)


def series_json(series: SeriesRecord) -> dict[str, Any]:
    """Return one series as the JSON object the command prints."""
    return {
        "id": str(series.id),
        "key": series.key,
        "name": {"en": series.name.en, "zh": series.name.zh},
        "team": series.team_key,
        "currency": series.currency,
        "stages": [
            {
                "key": stage.key,
                "name": {"en": stage.name.en, "zh": stage.name.zh},
                "kind": stage.kind.value,
                "default_probability": stage.default_probability,
            }
            for stage in series.stages
        ],
    }


def run(args: argparse.Namespace, context: CliContext) -> int:
    """Print the series as a table or as a JSON list."""
    with context.sessions() as session:
        records = list_series(session)
    if args.format == "json":
        print(
            json.dumps([series_json(s) for s in records], ensure_ascii=False, indent=2)
        )
        return 0
    if not records:
        print("No series: install a playbook first.")
        return 0
    blocks = []
    for series in records:
        heading = f"{series.key}  {series.name.en} / {series.name.zh}  id {series.id}"
        rows = [
            [
                stage.key,
                stage.name.en,
                stage.name.zh,
                stage.kind.value,
                f"{stage.default_probability} %",
            ]
            for stage in series.stages
        ]
        table = format_table(
            ["stage", "name", "名称", "kind", "probability"], rows, right_aligned=(4,)
        )
        blocks.append(f"{heading}\n{table}")
    print("\n\n".join(blocks))
    return 0
