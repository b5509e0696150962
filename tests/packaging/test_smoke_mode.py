"""``crmdesk --quit-after-load``: the headless start a packaged build is tested with."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui

START_TIMEOUT_S = 120


def crmdesk(data: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m crmdesk`` offscreen on the data folder ``data``."""
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, "-m", "crmdesk", "--data-dir", str(data), *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
        check=False,
    )


def log_text() -> str:
    # The autouse fixture in tests/conftest.py points CRMDESK_LOG_DIR here.
    return (Path(os.environ["CRMDESK_LOG_DIR"]) / "crmdesk.log").read_text(
        encoding="utf-8"
    )


def test_quits_after_first_board(tmp_path: Path):
    data = tmp_path / "store"
    demo = crmdesk(data, "demo", "--deals", "30")
    assert demo.returncode == 0, demo.stderr

    started = crmdesk(data, "--language", "zh_CN", "--quit-after-load")

    assert started.returncode == 0, started.stderr
    log = log_text()
    assert "loaded; quitting (--quit-after-load)" in log
    assert "exit status 0" in log


def test_empty_store_exits_with_status_1(tmp_path: Path):
    started = crmdesk(tmp_path / "empty", "--quit-after-load")

    assert started.returncode == 1
    assert "the store has no series" in log_text()


def test_option_in_help(tmp_path: Path):
    help_output = crmdesk(tmp_path / "store", "--help")

    assert help_output.returncode == 0
    assert "--quit-after-load" in help_output.stdout


def test_states_only_store_quits_after_customer_board(tmp_path: Path):
    from crmdesk.domain.playbook_file import shipped_playbook
    from crmdesk.services.playbooks import install_playbook
    from crmdesk.storage.db import open_store

    data = tmp_path / "studio"
    data.mkdir()
    engine, sessions = open_store(data / "crmdesk.sqlite3")
    with sessions.begin() as session:
        install_playbook(session, shipped_playbook("studio"))
    engine.dispose()

    started = crmdesk(data, "--quit-after-load")

    assert started.returncode == 0, started.stderr
    assert "customer board of playbook" in log_text()
