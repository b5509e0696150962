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
import re
import sys
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT_LOGGER = "crmdesk"
LOG_FILE = "crmdesk.log"
FILE_BYTES = 2_000_000
"""Size at which the log file is rotated; with ``FILE_BACKUPS`` it caps disk use."""
FILE_BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
MASK = "***"

# The password part of a URL: "scheme://user:PASSWORD@host". The password stops
# at "@"; a "/" before the "@" means the colon was a port, not a password.
_URL_PASSWORD = re.compile(
    r"(?P<head>\b[a-z][a-z0-9+.\-]*://[^:/@\s]*:)(?P<secret>[^@\s/]+)(?=@)",
    re.IGNORECASE,
)
# "password=VALUE", "PGPASSWORD=VALUE", "'password': 'VALUE'", "pwd: VALUE" and
# similar key/value pairs, with a quoted or an unquoted value.
_KEY_VALUE_PASSWORD = re.compile(
    r"(?P<head>\b(?:pg)?(?:password|passwd|pwd)\b['\"]?\s*[=:]\s*)"
    r"(?P<secret>'[^']*'|\"[^\"]*\"|[^\s,;&'\")}\]]+)",
    re.IGNORECASE,
)


def mask_secrets(text: str) -> str:
    """Return ``text`` with passwords in URLs and key/value pairs replaced by ***."""
    text = _URL_PASSWORD.sub(lambda match: match["head"] + MASK, text)
    return _KEY_VALUE_PASSWORD.sub(lambda match: match["head"] + MASK, text)


class MaskSecrets(logging.Filter):
    """Masks passwords in a record's message and traceback before any handler writes.

    The filter rewrites the record in place (message, arguments and the cached
    traceback text), so every handler after it sees the masked text too.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # the handler reports a bad format string itself
            return True
        record.msg = mask_secrets(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_secrets(record.stack_info)
        return True


class SharedRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log file that several crmdesk processes can write at once.

    Each record is written under an exclusive lock on ``<log file>.lock``: the
    handler opens the file, rotates it when the record would pass ``maxBytes``,
    appends the record and closes the file again. A second running instance
    therefore sees the first one's rotation at its next record instead of writing
    into a renamed backup, and no file stays open, which Windows needs to
    rename it.
    """

    def __init__(self, filename: Path, max_bytes: int, backups: int) -> None:
        super().__init__(
            filename,
            maxBytes=max_bytes,
            backupCount=backups,
            encoding="utf-8",
            delay=True,
        )
        self.lock_path = Path(f"{filename}.lock")
        self._lock_file: IO[bytes] | None = open(self.lock_path, "ab")  # noqa: SIM115

    def emit(self, record: logging.LogRecord) -> None:
        if self._lock_file is None:  # closed: write nothing rather than unlocked
            return
        with _locked(self._lock_file):
            try:
                super().emit(record)
            finally:
                if self.stream is not None:
                    self.stream.close()
                    self.stream = None

    def close(self) -> None:
        super().close()
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None


@contextmanager
def _locked(lock_file: IO[bytes]) -> Iterator[None]:
    """Hold an exclusive lock across processes on ``lock_file`` for the block."""
    if sys.platform == "win32":
        import msvcrt

        lock_file.seek(0)
        # LK_LOCK retries for about 10 seconds, then raises OSError.
        msvcrt.locking(lock_file.fileno(), msvcrt.LK_LOCK, 1)
        try:
            yield
        finally:
            lock_file.seek(0)
            msvcrt.locking(lock_file.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)


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
    log_dir: Path,
    *,
    level: int = logging.INFO,
    console_level: int | None = None,
    file_bytes: int = FILE_BYTES,
    file_backups: int = FILE_BACKUPS,
) -> LoggingSetup:
    """Send ``crmdesk`` records to a rotating file in ``log_dir``, optionally stderr.

    Every handler masks passwords (see ``MaskSecrets``) before it writes.

    Args:
        log_dir: folder of the log file; created when missing.
        level: lowest level written to the file.
        console_level: lowest level printed on stderr, or None for no console output.
        file_bytes: size in bytes at which the log file is rotated.
        file_backups: number of rotated files kept next to the log file.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / LOG_FILE
    formatter = logging.Formatter(FORMAT)
    masking = MaskSecrets()

    file_handler = SharedRotatingFileHandler(log_file, file_bytes, file_backups)
    file_handler.setLevel(level)
    file_handler.setFormatter(formatter)
    file_handler.addFilter(masking)

    recent = RecentRecords()
    recent.setLevel(level)
    recent.setFormatter(formatter)
    recent.addFilter(masking)

    root = logging.getLogger(ROOT_LOGGER)
    root.addHandler(file_handler)
    root.addHandler(recent)
    lowest = level

    console_handler = None
    if console_level is not None:
        console_handler = logging.StreamHandler(sys.stderr)
        console_handler.setLevel(console_level)
        console_handler.setFormatter(formatter)
        console_handler.addFilter(masking)
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
