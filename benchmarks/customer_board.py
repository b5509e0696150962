"""Measure opening the customer board and changing a customer's state.

Run from the repository root::

    .venv/bin/python benchmarks/customer_board.py              # 10,000 customers
    .venv/bin/python benchmarks/customer_board.py --customers 20000 --repeat 9

The script generates a demo store under a temporary folder with enough deals
that the education playbook has the requested number of customers (the demo
makes 0.7 customers per deal), then measures in one run:

- customer board open: ``load_customer_board`` on a new session, then
  ``CustomerBoardModel.load`` and a first paint of ``CustomerColumns`` at
  1600 x 900 pixels on the offscreen platform;
- the baseline: the same card fields as hand-written SQL through the
  ``sqlite3`` module, fetched as plain tuples, and the ratio of the two medians;
- a state change: one customer moved back and forth between two states through
  ``change_customer_state``, each change in its own committed transaction.

Each figure is the median of ``--repeat`` runs after a warm-up run. The table
is printed with the machine it ran on; docs/benchmarks.md keeps the results.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import machine, timed

DEMO_TODAY = date(2025, 6, 30)

# The customer card fields as the board query reads them: owner, primary
# contact and open deals counted by grouped subqueries.
BARE_CUSTOMERS_SQL = """
SELECT c.id, c.state_id, c.name, c.owner_id, u.display_name, pc.name,
       coalesce(od.n, 0), coalesce(c.state_changed_at, c.created_at) AS since
FROM customers AS c
LEFT JOIN users AS u ON u.id = c.owner_id
LEFT JOIN (SELECT customer_id, min(name) AS name FROM contacts
           WHERE is_primary = 1 AND deleted_at IS NULL
           GROUP BY customer_id) AS pc ON pc.customer_id = c.id
LEFT JOIN (SELECT o.customer_id, count(*) AS n FROM opportunities AS o
           JOIN stages AS s ON s.id = o.stage_id
           WHERE s.kind = 'open' AND o.deleted_at IS NULL
             AND o.customer_id IS NOT NULL
           GROUP BY o.customer_id) AS od ON od.customer_id = c.id
WHERE c.deleted_at IS NULL
  AND (c.state_id IN (SELECT id FROM customer_states WHERE deleted_at IS NULL)
       OR c.state_id IS NULL)
ORDER BY since DESC, c.id
"""


def build_store(folder: Path, customers: int) -> tuple[Path, float, int]:
    """Generate a demo with about ``customers`` customers; return path, seconds
    and deal count."""
    from crmdesk.services.demo import CUSTOMERS_PER_DEAL, generate_demo
    from crmdesk.storage.db import open_store

    deals = math.ceil(customers / CUSTOMERS_PER_DEAL)
    database = folder / "demo.sqlite3"
    engine, sessions = open_store(database)
    started = time.perf_counter()
    generate_demo(sessions, deals, seed=7, today=DEMO_TODAY)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return database, elapsed, deals


def open_customer_board(sessions: Any) -> Any:
    """Open the customer board as the app does: query, fill the model, paint."""
    from crmdesk.services.customer_board import load_customer_board
    from crmdesk.ui.customers.columns import CustomerColumns
    from crmdesk.ui.customers.model import CustomerBoardModel

    with sessions() as session:
        board = load_customer_board(session)
    model = CustomerBoardModel("zh_CN")
    model.load(board.states, board.cards)
    columns = CustomerColumns(model)
    columns.resize(1600, 900)
    columns.grab()
    return board, model, columns


def measure(database: Path, repeat: int) -> list[tuple[str, float, str]]:
    """Return (figure, median, unit) rows of one run."""
    from sqlalchemy import select

    from crmdesk.services.context import Actor, ChangeSource
    from crmdesk.services.customer_states import change_customer_state
    from crmdesk.storage.db import open_store
    from crmdesk.storage.models import Customer, CustomerState
    from crmdesk.ui.board.export import ensure_application

    ensure_application()
    engine, sessions = open_store(database)
    board, _model, _columns = open_customer_board(sessions)
    cards = len(board.cards)
    board_samples = timed(lambda: open_customer_board(sessions), repeat)

    connection = sqlite3.connect(database)

    def bare() -> None:
        rows = connection.execute(BARE_CUSTOMERS_SQL).fetchall()
        if len(rows) != cards:
            raise RuntimeError(f"bare SELECT returned {len(rows)} rows, not {cards}")

    bare()
    bare_samples = timed(bare, repeat)
    connection.close()

    with sessions() as session:
        states = list(
            session.scalars(
                select(CustomerState.id).order_by(CustomerState.position).limit(2)
            )
        )
        customer_id = session.scalars(
            select(Customer.id).where(Customer.state_id == states[0]).limit(1)
        ).one()

    def change(step: int) -> None:
        target = states[(step + 1) % 2]
        with sessions.begin() as session:
            change_customer_state(
                session,
                customer_id,
                target,
                Actor(None, ChangeSource.CLI),
                "moved back and forth by the benchmark",
            )

    change_samples = []
    for step in range(max(repeat * 10, 20)):
        started = time.perf_counter()
        change(step)
        change_samples.append((time.perf_counter() - started) * 1000)
    engine.dispose()

    board_median = statistics.median(board_samples)
    bare_median = statistics.median(bare_samples)
    return [
        (
            f"customer board open, {cards:,} cards (query + model + paint)",
            board_median,
            "ms",
        ),
        (f"bare sqlite3 SELECT of the same {cards:,} rows", bare_median, "ms"),
        ("customer board open / bare SELECT", board_median / bare_median, "x"),
        ("state change (service + commit)", statistics.median(change_samples), "ms"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--customers", type=int, default=10_000, help="customers (default 10,000)"
    )
    parser.add_argument("--repeat", type=int, default=7, help="runs per figure")
    parser.add_argument(
        "--store", type=Path, help="measure this demo store instead of generating one"
    )
    parser.add_argument(
        "--save-store", type=Path, help="copy the generated store to this file"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="crmdesk-bench-") as folder:
        if args.store is not None:
            database = args.store
        else:
            database, seconds, deals = build_store(Path(folder), args.customers)
            print(f"demo store: {deals:,} deals generated in {seconds:.1f} s")
            if args.save_store is not None:
                shutil.copyfile(database, args.save_store)
        rows = measure(database, args.repeat)
    for name, value, unit in rows:
        print(f"{name:<60} {value:>10.2f} {unit}")
    print(machine())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
