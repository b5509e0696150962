"""Measure sync: the first sync of many deals, pushing queued changes, an empty round.

Run from the repository root, with a PostgreSQL server that trusts local logins
(``CRMDESK_TEST_PG_URL`` names another one, as for the tests)::

    .venv/bin/python benchmarks/sync_bench.py                 # 100,000 deals
    .venv/bin/python benchmarks/sync_bench.py --deals 20000 --changes 2000

The script creates a database and roles prefixed with the database name, drops
them at the end, prints a table and writes the figures with the machine to
``benchmarks/results/sync_latest.json``. ``measure(url, deals, changes)`` returns
the same figures for another script to include.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "sync_latest.json"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432"

TARGETS = {
    "first_sync_rows_per_s": ("≥", 20_000),
    "push_seconds": ("≤", 5.0),
    "empty_round_ms": ("≤", 50.0),
}


def _libpq(url: str, login: str) -> str:
    return f"postgresql://{login}@{url.split('@', 1)[1]}"


def _load_deals(url: str, rep_id: uuid.UUID, team_id: uuid.UUID, deals: int) -> float:
    """Insert ``deals`` deals of the rep on the server (triggers and all)."""
    started = time.perf_counter()
    with psycopg.connect(url.replace("+psycopg", "")) as connection:
        series, stage = connection.execute(
            "SELECT s.series_id, s.id FROM stages s ORDER BY s.series_id, s.position "
            "LIMIT 1"
        ).fetchone()
        connection.execute(
            "INSERT INTO opportunities (id, series_id, stage_id, owner_id, team_id, "
            "title, amount_minor, currency, notes, stage_entered_at, created_at, "
            "updated_at, version) "
            "SELECT gen_random_uuid(), %s, %s, %s, %s, 'Deal ' || n, n * 100, 'CNY', "
            "'', now(), now(), now(), 0 FROM generate_series(1, %s) AS n",
            (series, stage, rep_id, team_id, deals),
        )
    return time.perf_counter() - started


def measure(base_url: str, deals: int, changes: int) -> dict[str, Any]:
    """Build a server with ``deals`` deals and time the three sync figures."""
    from crmdesk.domain.playbook_file import shipped_playbook
    from crmdesk.services.playbook_install import install_playbook
    from crmdesk.storage.db import open_store
    from crmdesk.storage.models import Opportunity
    from crmdesk.sync.engine import SyncEngine
    from crmdesk.sync.server import admin

    name = f"crmdesk_bench_{uuid.uuid4().hex[:10]}"
    url = f"{base_url}/{name}"
    root = sa.create_engine(f"{base_url}/postgres", isolation_level="AUTOCOMMIT")
    with root.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = admin.server_engine(url)
    folder = Path(tempfile.mkdtemp(prefix="crmdesk-sync-bench-"))
    figures: dict[str, Any] = {"deals": deals, "changes": changes}
    try:
        admin.upgrade(engine, name)
        with admin.server_sessions(engine).begin() as session:
            install_playbook(session, shipped_playbook("education"))
        rep = admin.add_user(engine, f"{name}_ann", role="rep", team="north")
        figures["server_load_s"] = round(
            _load_deals(url, rep.user_id, rep.team_id, deals), 2
        )
        store_engine, sessions = open_store(folder / "laptop.sqlite3")
        sync = SyncEngine(sessions, lambda: psycopg.connect(_libpq(url, rep.login)))
        first = sync.run_once()
        figures["first_sync_s"] = round(first.seconds, 2)
        figures["first_sync_rows"] = first.pulled
        figures["first_sync_rows_per_s"] = round(first.pulled / first.seconds)

        with sessions() as session:
            ids = list(session.scalars(sa.select(Opportunity.id).limit(changes)))
        per_transaction = 100
        for start in range(0, len(ids), per_transaction):
            with sessions.begin() as session:
                for deal_id in ids[start : start + per_transaction]:
                    session.get(Opportunity, deal_id).notes = "benchmark edit"  # type: ignore[union-attr]
        pushed = sync.run_once()
        figures["push_changes"] = pushed.pushed
        figures["push_seconds"] = round(pushed.push_seconds, 2)
        figures["push_round_s"] = round(pushed.seconds, 2)

        empty = []
        for _ in range(21):
            empty.append(sync.run_once().seconds * 1000)
        figures["empty_round_ms"] = round(statistics.median(empty[1:]), 1)
        store_engine.dispose()
    finally:
        engine.dispose()
        with root.connect() as connection:
            connection.execute(
                sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            )
            for role in ("ann", "rep", "lead", "admin", "app", "owner"):
                connection.execute(sa.text(f'DROP ROLE IF EXISTS "{name}_{role}"'))
        root.dispose()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--deals", type=int, default=100_000, help="deals on the server"
    )
    parser.add_argument("--changes", type=int, default=10_000, help="changes pushed")
    parser.add_argument(
        "--url",
        default=os.environ.get("CRMDESK_TEST_PG_URL", DEFAULT_URL),
        help="server URL without a database (default: the local server)",
    )
    args = parser.parse_args(argv)
    figures = measure(args.url, args.deals, args.changes)
    failed = []
    for key, value in figures.items():
        target = TARGETS.get(key)
        verdict = ""
        if target:
            sign, limit = target
            ok = value >= limit if sign == "≥" else value <= limit
            verdict = f"  (target {sign} {limit}: {'met' if ok else 'MISSED'})"
            if not ok:
                failed.append(key)
        print(f"{key:24} {value}{verdict}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "figures": figures,
                "missed": failed,
                "machine": {
                    "platform": platform.platform(),
                    "python": sys.version.split()[0],
                    "cpus": os.cpu_count(),
                },
            },
            indent=2,
        )
        + "\n"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
