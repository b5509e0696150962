"""Measure board opening, stage moves, the Maven import, memory and sync.

Run from the repository root::

    .venv/bin/python benchmarks/run.py            # 100,000 demo deals
    .venv/bin/python benchmarks/run.py --deals 20000 --repeat 3
    .venv/bin/python benchmarks/run.py --no-sync  # without a PostgreSQL server

The sync figures (benchmarks/sync_bench.py) need a PostgreSQL server that trusts
local logins: the one at 127.0.0.1:5432, or the one ``--sync-url`` or
``CRMDESK_TEST_PG_URL`` names. Without one, the sync step is reported as failed
and the other figures are still measured.

The script builds its stores under a temporary folder, prints a table and writes
the figures, with the machine they were measured on, to
``benchmarks/results/latest.json``. docs/benchmarks.md describes the method.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
MAVEN_DATA = ROOT.parent / "shared" / "data" / "maven-crm-sales-opportunities"
BOARD_SERIES = "new-customer"
DEMO_TODAY = date(2025, 6, 30)

# The card fields of a board before cards showed the next planned activity,
# written by hand in the shape of the board query. They are the customer and
# owner names and the number of ticked checklist actions of the deal's current
# stage, counted per card by a correlated subquery.
BARE_CARDS_WITHOUT_ACTIVITY_SQL = """
SELECT o.id, o.stage_id, o.title, c.name, o.amount_minor, o.currency,
       o.expected_close, o.manual_probability, o.owner_id, u.display_name,
       o.stage_entered_at,
       (SELECT count(*)
        FROM checklist_items AS i
        JOIN checklist_actions AS a ON a.id = i.action_id
        WHERE i.opportunity_id = o.id AND i.done = 1
          AND a.stage_id = o.stage_id AND a.deleted_at IS NULL)
FROM opportunities AS o
LEFT JOIN customers AS c ON c.id = o.customer_id
LEFT JOIN users AS u ON u.id = o.owner_id
WHERE o.series_id = ? AND o.deleted_at IS NULL
ORDER BY o.stage_entered_at DESC, o.id
"""

# The same with the kind and due time of each deal's planned activity due
# soonest, found by a correlated subquery and joined by its key, as the board
# query does now.
BARE_CARDS_SQL = """
SELECT o.id, o.stage_id, o.title, c.name, o.amount_minor, o.currency,
       o.expected_close, o.manual_probability, o.owner_id, u.display_name,
       o.stage_entered_at,
       (SELECT count(*)
        FROM checklist_items AS i
        JOIN checklist_actions AS a ON a.id = i.action_id
        WHERE i.opportunity_id = o.id AND i.done = 1
          AND a.stage_id = o.stage_id AND a.deleted_at IS NULL),
       n.kind, n.due_at
FROM opportunities AS o
LEFT JOIN customers AS c ON c.id = o.customer_id
LEFT JOIN users AS u ON u.id = o.owner_id
LEFT JOIN activities AS n ON n.id = (
    SELECT p.id FROM activities AS p
    WHERE p.opportunity_id = o.id AND p.due_at IS NOT NULL
      AND p.done_at IS NULL AND p.deleted_at IS NULL
    ORDER BY p.due_at, p.id LIMIT 1)
WHERE o.series_id = ? AND o.deleted_at IS NULL
ORDER BY o.stage_entered_at DESC, o.id
"""


@dataclass
class Figure:
    """One measured figure; ``baseline`` names the figure a ratio is taken over."""

    name: str
    median: float
    unit: str
    target: str
    samples: list[float]
    baseline: str | None = None
    met: bool | None = None


def machine() -> dict[str, Any]:
    """Describe the machine and software versions the figures come from."""
    import PySide6
    import sqlalchemy

    model = ""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True)
        for line in lscpu.stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        model = platform.processor()
    memory_kib = 0
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "pyside6": PySide6.__version__,
    }


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    """Run ``function`` ``repeat`` times; return the wall times in milliseconds."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def build_demo(folder: Path, deals: int) -> tuple[Path, float]:
    from crmdesk.services.demo import generate_demo
    from crmdesk.storage.db import open_store

    database = folder / "demo.sqlite3"
    engine, sessions = open_store(database)
    started = time.perf_counter()
    generate_demo(sessions, deals, seed=7, today=DEMO_TODAY)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return database, elapsed


def open_board(sessions: Any, series_id: uuid.UUID) -> Any:
    """Open a board as the app does: query, fill the model, paint it once."""
    from crmdesk.services.board import load_board
    from crmdesk.ui.board.columns import BoardColumns
    from crmdesk.ui.board.model import BoardModel

    with sessions() as session:
        board = load_board(session, series_id)
    model = BoardModel("zh_CN")
    model.load(board.stages, board.cards, board.currency, board.rates)
    columns = BoardColumns(model)
    columns.resize(1600, 900)
    columns.grab()
    return board, model, columns


def measure_board(database: Path, repeat: int) -> list[Figure]:
    from crmdesk.services.playbooks import find_series
    from crmdesk.storage.db import open_store
    from crmdesk.ui.board.export import ensure_application

    ensure_application()
    engine, sessions = open_store(database)
    with sessions() as session:
        series_id = find_series(session, BOARD_SERIES).id
    board, _model, _columns = open_board(sessions, series_id)
    cards = len(board.cards)

    board_samples = timed(lambda: open_board(sessions, series_id), repeat)
    engine.dispose()

    connection = sqlite3.connect(database)

    def bare_select(sql: str) -> None:
        rows = connection.execute(sql, (series_id.hex,)).fetchall()
        if len(rows) != cards:
            raise RuntimeError(f"bare SELECT returned {len(rows)} rows, not {cards}")

    bare_samples = timed(lambda: bare_select(BARE_CARDS_SQL), repeat)
    without_samples = timed(
        lambda: bare_select(BARE_CARDS_WITHOUT_ACTIVITY_SQL), repeat
    )
    connection.close()
    board_median = statistics.median(board_samples)
    bare_median = statistics.median(bare_samples)
    ratio = board_median / bare_median
    return [
        Figure(
            f"board open, {cards:,} cards (query + model + first paint)",
            board_median,
            "ms",
            "<= 300 ms",
            board_samples,
            met=board_median <= 300,
        ),
        Figure(
            f"bare sqlite3 SELECT of the same {cards:,} card rows",
            bare_median,
            "ms",
            "",
            bare_samples,
        ),
        Figure(
            f"bare sqlite3 SELECT of {cards:,} card rows without the next activity",
            statistics.median(without_samples),
            "ms",
            "",
            without_samples,
        ),
        Figure(
            "board open / bare SELECT",
            ratio,
            "x",
            "<= 3x",
            [ratio],
            baseline="bare sqlite3 SELECT of the same card rows, same run",
            met=ratio <= 3,
        ),
    ]


def measure_moves(database: Path, moves: int) -> Figure:
    """Move one deal back and forth between two open stages, one commit per move."""
    from sqlalchemy import select

    from crmdesk.services.context import Actor, ChangeSource
    from crmdesk.services.playbooks import find_series
    from crmdesk.services.stages import move_opportunity, set_checklist_action
    from crmdesk.storage.db import open_store
    from crmdesk.storage.models import Opportunity

    engine, sessions = open_store(database)
    with sessions.begin() as session:
        series = find_series(session, BOARD_SERIES)
        first, second = series.open_stages[1], series.open_stages[2]
        deal_id = session.scalars(
            select(Opportunity.id).where(Opportunity.stage_id == first.id).limit(1)
        ).one()
        actor = Actor(None, ChangeSource.CLI)
        for action in first.checklist:
            set_checklist_action(session, deal_id, action.id, True, actor)

    targets = [second.id if index % 2 == 0 else first.id for index in range(moves)]
    samples = []
    for target in targets:
        started = time.perf_counter()
        with sessions.begin() as session:
            move_opportunity(session, deal_id, target, Actor(None, ChangeSource.CLI))
        samples.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    median = statistics.median(samples)
    return Figure(
        f"stage move ({moves} moves of one deal, each committed)",
        median,
        "ms",
        "<= 20 ms",
        samples,
        met=median <= 20,
    )


def measure_sync(url: str, deals: int, runs: int) -> list[Figure]:
    """Median sync figures of ``runs`` runs of benchmarks/sync_bench.py's measure."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from sync_bench import TARGETS, measure

    samples: dict[str, list[float]] = {}
    for run in range(runs):
        print(f"sync run {run + 1} of {runs} ...", flush=True)
        for key, value in measure(url, deals, changes=10_000).items():
            samples.setdefault(key, []).append(float(value))
    units = {
        "server_load_s": ("sync: server load of the deals", "s"),
        "first_sync_rows_per_s": ("sync: first sync into an empty store", "rows/s"),
        "push_seconds": (f"sync: push of {min(deals, 10_000):,} queued changes", "s"),
        "empty_round_ms": ("sync: round with nothing to do", "ms"),
    }
    figures = []
    for key, (name, unit) in units.items():
        median = statistics.median(samples[key])
        target = TARGETS.get(key)
        met = None
        target_text = ""
        if target is not None:
            sign, limit = target
            met = median >= limit if sign == "≥" else median <= limit
            target_text = f"{'>=' if sign == '≥' else '<='} {limit:g} {unit}"
        figures.append(Figure(name, median, unit, target_text, samples[key], met=met))
    return figures


def measure_maven(folder: Path, repeat: int) -> Figure:
    from crmdesk.services.imports.maven import import_maven_store
    from crmdesk.storage.db import open_store

    samples = []
    for index in range(repeat):
        database = folder / f"maven-{index}.sqlite3"
        engine, _sessions = open_store(database)
        engine.dispose()
        started = time.perf_counter()
        import_maven_store(database, MAVEN_DATA)
        samples.append(time.perf_counter() - started)
    median = statistics.median(samples)
    return Figure(
        "Maven import into a new store (8,800 deals)",
        median,
        "s",
        "<= 3 s",
        samples,
        met=median <= 3,
    )


def measure_memory(database: Path, repeat: int) -> Figure:
    samples = []
    for _ in range(repeat):
        output = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(database)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        samples.append(float(output.strip().splitlines()[-1]))
    median = statistics.median(samples)
    return Figure(
        "peak memory (VmHWM) of a process with that board open",
        median,
        "MB",
        "< 300 MB",
        samples,
        met=median < 300,
    )


def memory_child(database: Path) -> None:
    """Open the board in this fresh process and print the peak RSS in MB."""
    from crmdesk.services.playbooks import find_series
    from crmdesk.storage.db import open_store
    from crmdesk.ui.board.export import ensure_application

    ensure_application()
    engine, sessions = open_store(database)
    with sessions() as session:
        series_id = find_series(session, BOARD_SERIES).id
    opened = open_board(sessions, series_id)
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                print(int(line.split()[1]) / 1024)
    del opened
    engine.dispose()


def print_table(figures: list[Figure]) -> None:
    width = max(len(figure.name) for figure in figures)
    print(f"{'figure':<{width}}  {'median':>10}  {'target':<10}  met")
    for figure in figures:
        met = ""
        if figure.met is not None:
            met = "yes" if figure.met else "NO"
        value = f"{figure.median:,.2f} {figure.unit}"
        print(f"{figure.name:<{width}}  {value:>10}  {figure.target:<10}  {met}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deals", type=int, default=100_000, help="demo deals")
    parser.add_argument("--repeat", type=int, default=7, help="runs per figure")
    parser.add_argument("--moves", type=int, default=200, help="stage moves timed")
    parser.add_argument(
        "--store", type=Path, help="reuse this demo store instead of generating one"
    )
    parser.add_argument(
        "--save-store", type=Path, help="copy the generated demo store to this file"
    )
    parser.add_argument(
        "--sync-url",
        default=os.environ.get(
            "CRMDESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432"
        ),
        help="PostgreSQL server URL without a database, for the sync figures",
    )
    parser.add_argument(
        "--sync-runs", type=int, default=3, help="runs of the sync benchmark"
    )
    parser.add_argument(
        "--no-sync", action="store_true", help="leave out the sync figures"
    )
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return 0

    folder = Path(tempfile.mkdtemp(prefix="crmdesk-bench-"))
    failures: list[dict[str, str]] = []
    try:
        figures: list[Figure] = []
        if args.store:
            database = folder / "demo.sqlite3"
            shutil.copyfile(args.store, database)
        else:
            print(f"generating {args.deals:,} demo deals in {folder} ...", flush=True)
            database, seconds = build_demo(folder, args.deals)
            figures.append(
                Figure(
                    f"demo --deals {args.deals} (one run)",
                    seconds,
                    "s",
                    "<= 60 s",
                    [seconds],
                    met=seconds <= 60,
                )
            )
        if args.save_store:
            shutil.copyfile(database, args.save_store)
        steps: list[tuple[str, Callable[[], list[Figure]]]] = [
            ("board open", lambda: measure_board(database, args.repeat)),
            ("memory", lambda: [measure_memory(database, 3)]),
            ("stage move", lambda: [measure_moves(database, args.moves)]),
            ("Maven import", lambda: [measure_maven(folder, max(3, args.repeat // 2))]),
        ]
        if not args.no_sync:
            steps.append(
                (
                    "sync",
                    lambda: measure_sync(args.sync_url, args.deals, args.sync_runs),
                )
            )
        for name, step in steps:
            # A failing step is reported, and the other figures are still measured.
            try:
                figures += step()
            except Exception as error:
                print(f"{name} failed: {error!r}", file=sys.stderr)
                failures.append({"figure": name, "error": repr(error)})
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print_table(figures)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "deals": args.deals,
        "repeat": args.repeat,
        "machine": machine(),
        "figures": [asdict(figure) for figure in figures],
        "failures": failures,
    }
    RESULTS.write_text(json.dumps(document, indent=2), encoding="utf-8")
    print(f"figures written to {RESULTS}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
