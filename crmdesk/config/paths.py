"""Per-user folders for data, configuration, cache and logs.

Each folder comes from platformdirs and can be overridden, in this order of
precedence: a command-line option (``--data-dir``), an environment variable
(``CRMDESK_DATA_DIR``, ``CRMDESK_CONFIG_DIR``, ``CRMDESK_CACHE_DIR``,
``CRMDESK_LOG_DIR``), then the platform default. Tests isolate themselves this way.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import PlatformDirs

APP_NAME = "crmdesk"
DATABASE_FILE = "crmdesk.sqlite3"


@dataclass(frozen=True)
class Paths:
    """The folders one crmdesk installation uses."""

    data_dir: Path
    config_dir: Path
    cache_dir: Path
    log_dir: Path

    @property
    def database(self) -> Path:
        """The local SQLite store."""
        return self.data_dir / DATABASE_FILE

    def ensure(self) -> None:
        """Create every folder that does not exist yet."""
        for folder in (self.data_dir, self.config_dir, self.cache_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)


def resolve_paths(data_dir: str | Path | None = None) -> Paths:
    """Build the folders from the command line, the environment and platformdirs.

    Args:
        data_dir: the ``--data-dir`` option, or None when it was not given.
    """
    dirs = PlatformDirs(APP_NAME, appauthor=False)

    def pick(option: str | Path | None, variable: str, default: str) -> Path:
        if option:
            return Path(option).expanduser().resolve()
        from_env = os.environ.get(variable)
        if from_env:
            return Path(from_env).expanduser().resolve()
        return Path(default)

    return Paths(
        data_dir=pick(data_dir, "CRMDESK_DATA_DIR", dirs.user_data_dir),
        config_dir=pick(None, "CRMDESK_CONFIG_DIR", dirs.user_config_dir),
        cache_dir=pick(None, "CRMDESK_CACHE_DIR", dirs.user_cache_dir),
        log_dir=pick(None, "CRMDESK_LOG_DIR", dirs.user_log_dir),
    )
