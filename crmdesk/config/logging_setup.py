"""Logging of the desktop app: loggers under ``crmdesk``, a rotating file, a console.

Every module logs through ``logging.getLogger(__name__)``, so all records land under
the ``crmdesk`` logger and can be filtered by package (``crmdesk.storage``,
``crmdesk.ui``). Messages use lazy %-style arguments. Records of deals and
customers name ids, never names, phone numbers or e-mail addresses, at INFO and
above.

Qt's own messages are routed into the ``crmdesk.qt`` logger by the UI layer, because
this package must not import Qt.
"""

from __future__ import annotations

import logging
import logging.handlers
import platform
import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path

ROOT_LOGGER = "crmdesk"
LOG_FILE = "crmdesk.log"
FILE_BYTES = 2_000_000
"""Size at which the log file is rotated; with ``FILE_BACKUPS`` it caps disk use."""
FILE_BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class RecentRecords(logging.Handler):
    """The last ``capacity`` formatted records, for an in-app log view or a report."""

    def __init__(self, capacity: int = 1000) -> None:
        super().__init__()
        self.lines: deque[str] = deque(maxlen=capacity)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # handleError reports on stderr instead of raising
            self.handleError(record)


@dataclass
class LoggingSetup:
    """The handlers installed by ``setup_logging``, so they can be removed again."""

    log_file: Path
    file_handler: logging.Handler
    console_handler: logging.Handler | None
    recent: RecentRecords

    def close(self) -> None:
        """Detach and close every handler this setup installed."""
        root = logging.getLogger(ROOT_LOGGER)
        for handler in (self.file_handler, self.console_handler, self.recent):
            if handler is None:
                continue
            root.removeHandler(handler)
            handler.close()


def setup_logging(
    log_dir: Path, *, level: int = logging.INFO, console_level: int | None = None
) -> LoggingSetup:
    """Send ``crmdesk`` records to a rotating file in ``log_dir``, optionally stderr.

    Args:
        log_dir: folder of the log file; created when missing.
        level: lowest level written to the file.
        console_level: lowest level printed on stderr, or None for no console output.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / LOG_FILE
    formatter = logging.Formatter(FORMAT)

    file_handler = logging.handlers.RotatingFileHandler(
        log_file, maxBytes=FILE_BYTES, backupCount=FILE_BACKUPS, encoding="utf-8"
    )
    file_handler.setLevel(level)
    file_handler.setFormatter(formatter)

    recent = RecentRecords()
    recent.setLevel(level)
    recent.setFormatter(formatter)

    root = logging.getLogger(ROOT_LOGGER)
    root.addHandler(file_handler)
    root.addHandler(recent)
    lowest = level

    console_handler = None
    if console_level is not None:
        console_handler = logging.StreamHandler(sys.stderr)
        console_handler.setLevel(console_level)
        console_handler.setFormatter(formatter)
        root.addHandler(console_handler)
        lowest = min(level, console_level)

    root.setLevel(lowest)
    return LoggingSetup(log_file, file_handler, console_handler, recent)


def log_start(version: str, folders: dict[str, Path]) -> None:
    """Log the start of the app with its version, the Python version and its folders."""
    log = logging.getLogger(ROOT_LOGGER)
    log.info(
        "crmdesk %s starting on Python %s, %s",
        version,
        platform.python_version(),
        platform.platform(),
    )
    for name, folder in folders.items():
        log.info("%s: %s", name, folder)


def log_stop(exit_code: int) -> None:
    """Log the end of the app with its exit status."""
    logging.getLogger(ROOT_LOGGER).info("crmdesk stopping, exit status %d", exit_code)
