"""Logging setup: the rotating file under the log folder, start and stop records."""

from __future__ import annotations

import logging
import logging.handlers

import pytest

from crmdesk.config.logging_setup import (
    FILE_BACKUPS,
    LOG_FILE,
    log_start,
    log_stop,
    setup_logging,
)


@pytest.fixture
def installed(tmp_path):
    setup = setup_logging(tmp_path / "logs", level=logging.DEBUG)
    yield setup
    setup.close()


def test_records_reach_file(installed):
    logging.getLogger("crmdesk.storage.db").info("opened %s with %d rows", "store", 3)
    installed.file_handler.flush()

    text = installed.log_file.read_text(encoding="utf-8")
    assert "INFO    crmdesk.storage.db: opened store with 3 rows" in text
    assert installed.log_file.name == LOG_FILE


def test_file_rotates(installed):
    handler = installed.file_handler

    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    assert handler.backupCount == FILE_BACKUPS
    assert handler.maxBytes > 0


def test_start_and_stop_logged(installed, tmp_path):
    log_start("1.2.3", {"data folder": tmp_path / "data"})
    log_stop(0)

    lines = list(installed.recent.lines)
    assert any("crmdesk 1.2.3 starting" in line for line in lines)
    assert any(f"data folder: {tmp_path / 'data'}" in line for line in lines)
    assert "crmdesk stopping, exit status 0" in lines[-1]


def test_other_loggers_not_captured(installed):
    logging.getLogger("sqlalchemy.engine").warning("outside crmdesk")

    assert not any("outside crmdesk" in line for line in installed.recent.lines)


def test_close_removes_handlers(tmp_path):
    setup = setup_logging(tmp_path / "logs", console_level=logging.WARNING)
    root = logging.getLogger("crmdesk")
    assert setup.console_handler in root.handlers

    setup.close()

    assert setup.file_handler not in root.handlers
    assert setup.console_handler not in root.handlers
    assert setup.recent not in root.handlers
