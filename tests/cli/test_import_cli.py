"""``crmdesk import deals``: output, reports and exit statuses."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from helpers.data import MAVEN as MAVEN_EXPORT
from sqlalchemy import func, select

from crmdesk.cli import run
from crmdesk.domain.playbook_file import shipped_playbook
from crmdesk.services.playbooks import install_playbook
from crmdesk.storage.db import open_store
from crmdesk.storage.models import Opportunity

ROOT = Path(__file__).resolve().parents[2]
MAVEN = MAVEN_EXPORT

MAPPING = """
series = "b2b-sales"
source = "cli-test"
currency = "USD"

[columns]
external_key = "Id"
title = "Deal"
customer = "Customer"
amount = "Amount"
stage = "Stage"

[stages]
"New" = "prospecting"
"Talking" = "engaging"
"""


def write_files(folder: Path) -> tuple[Path, Path]:
    csv_path = folder / "deals.csv"
    csv_path.write_bytes(
        "Id,Deal,Customer,Amount,Stage\r\n"
        "1,Servers,华信科技,100,New\r\n"
        "2,Laptops,星辰贸易,12x,New\r\n"
        "3,Racks,星辰贸易,300,Talking\r\n".encode("gbk")
    )
    mapping_path = folder / "mapping.toml"
    mapping_path.write_text(MAPPING, encoding="utf-8")
    return csv_path, mapping_path


def install_b2b(data_dir: Path) -> None:
    # The b2b series must exist before a mapping can name it.
    engine, sessions = open_store(data_dir / "crmdesk.sqlite3")
    try:
        with sessions.begin() as session:
            install_playbook(session, shipped_playbook("b2b"))
    finally:
        engine.dispose()


def deal_count(data_dir: Path) -> int:
    engine, sessions = open_store(data_dir / "crmdesk.sqlite3")
    try:
        with sessions() as session:
            return session.scalar(select(func.count()).select_from(Opportunity))
    finally:
        engine.dispose()


def test_mapping_import_with_rejected_row(tmp_path, capsys):
    data_dir = tmp_path / "data"
    install_b2b(data_dir)
    capsys.readouterr()
    csv_path, mapping_path = write_files(tmp_path)
    report = tmp_path / "rejected.csv"
    status = run(
        [
            "--data-dir",
            str(data_dir),
            "import",
            "deals",
            str(csv_path),
            "--mapping",
            str(mapping_path),
            "--encoding",
            "gbk",
            "--report",
            str(report),
        ]
    )
    output = capsys.readouterr().out
    assert status == 0
    assert "imported         2" in output
    assert "rejected         1" in output
    assert str(report) in output
    with report.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1
    assert rows[0]["line"] == "3"
    assert "'12x'" in rows[0]["reason"]
    assert rows[0]["Customer"] == "星辰贸易"
    assert deal_count(data_dir) == 2


def test_default_report_in_data_folder(tmp_path, capsys):
    data_dir = tmp_path / "data"
    install_b2b(data_dir)
    csv_path, mapping_path = write_files(tmp_path)
    args = ["--data-dir", str(data_dir), "import", "deals", str(csv_path)]
    assert run([*args, "--mapping", str(mapping_path)]) == 0
    reports = list((data_dir / "import-reports").glob("rejected-deals-*.csv"))
    assert len(reports) == 1
    assert str(reports[0]) in capsys.readouterr().out


def test_missing_file_exits_nonzero(tmp_path, capsys):
    data_dir = tmp_path / "data"
    install_b2b(data_dir)
    _csv_path, mapping_path = write_files(tmp_path)
    missing = tmp_path / "absent.csv"
    status = run(
        [
            "--data-dir",
            str(data_dir),
            "import",
            "deals",
            str(missing),
            "--mapping",
            str(mapping_path),
        ]
    )
    assert status == 1
    assert str(missing) in capsys.readouterr().err


def test_bad_mapping_exits_nonzero(tmp_path, capsys):
    data_dir = tmp_path / "data"
    install_b2b(data_dir)
    csv_path, mapping_path = write_files(tmp_path)
    mapping_path.write_text(
        MAPPING.replace('amount = "Amount"', 'amount = "Price"'), encoding="utf-8"
    )
    status = run(
        [
            "--data-dir",
            str(data_dir),
            "import",
            "deals",
            str(csv_path),
            "--mapping",
            str(mapping_path),
        ]
    )
    error = capsys.readouterr().err
    assert status == 1
    assert "'Price'" in error
    assert "'Amount'" in error
    assert deal_count(data_dir) == 0


def test_help_mentions_exit_status(capsys):
    try:
        run(["import", "deals", "--help"])
    except SystemExit as exit_:
        assert exit_.code == 0
    output = capsys.readouterr().out
    assert "status 0 when rows were rejected" in " ".join(output.split())


def test_maven_preset_subprocess(tmp_path):
    data_dir = tmp_path / "data"
    env = dict(os.environ)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "crmdesk",
            "--data-dir",
            str(data_dir),
            "import",
            "deals",
            str(MAVEN),
            "--preset",
            "maven",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    with (MAVEN / "sales_pipeline.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    gtxpro = sum(1 for row in rows if row["product"] == "GTXPro")
    assert f"imported {len(rows):>9}" in completed.stdout
    assert "rejected         0" in completed.stdout
    assert f"on {gtxpro} rows" in completed.stdout
    assert "No row was rejected" in completed.stdout
    assert deal_count(data_dir) == len(rows)
