"""Where the server URL, login and password come from.

The URL and login name are saved in ``sync.json`` in the data folder, beside the
store, because the server belongs to the store: its client id and sync cursors
live in that store, and a second store (a demo, a test copy) must not push to
the first one's server. The password never is: it comes from the OS keyring
(the ``keyring`` library), else from libpq's own sources (``PGPASSWORD``,
``~/.pgpass``) for headless use, else from a callback the UI or CLI supplies to
ask the user. It is never logged.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import keyring
import keyring.errors
import psycopg

from crmdesk.domain.errors import ValidationError

log = logging.getLogger(__name__)

SETTINGS_FILE = "sync.json"
KEYRING_SERVICE = "crmdesk"
CONNECT_TIMEOUT_S = 10

# Given the prompt text, return the password the user typed, or None to give up.
AskPassword = Callable[[str], str | None]


@dataclass(frozen=True)
class ConnectionSettings:
    """The server to sync with and the login to use (no password)."""

    url: str
    user: str

    @property
    def keyring_name(self) -> str:
        """The keyring entry name: login at host, port and database."""
        parts = urlsplit(self.url)
        return f"{self.user}@{parts.hostname}:{parts.port or 5432}{parts.path}"


def parse_settings(url: str, user: str | None) -> ConnectionSettings:
    """Check a server URL and login; the login may also be in the URL."""
    if url.startswith("postgresql+psycopg://"):
        url = "postgresql://" + url.split("://", 1)[1]
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres") or not parts.hostname:
        raise ValidationError(
            f"invalid server URL {url!r}: write postgresql://HOST:PORT/DATABASE"
        )
    if not parts.path.strip("/"):
        raise ValidationError(f"server URL {url!r} names no database: add /DATABASE")
    if parts.password:
        raise ValidationError(
            "the server URL contains a password: remove it; crmdesk keeps passwords "
            "in the system keyring, or reads PGPASSWORD or ~/.pgpass"
        )
    login = user or parts.username
    if not login:
        raise ValidationError("no login name: pass --user NAME or put it in the URL")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    port = f":{parts.port}" if parts.port else ""
    clean = f"postgresql://{host}{port}{parts.path}"
    if parts.query:
        clean += f"?{parts.query}"
    return ConnectionSettings(clean, login)


def save_settings(data_dir: Path, settings: ConnectionSettings) -> Path:
    """Write the URL and login to ``sync.json`` in the store's data folder."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / SETTINGS_FILE
    data = {"url": settings.url, "user": settings.user}
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def load_settings(data_dir: Path) -> ConnectionSettings | None:
    """Read the saved URL and login, or None when this store never connected."""
    path = data_dir / SETTINGS_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ConnectionSettings(str(data["url"]), str(data["user"]))
    except (ValueError, KeyError, TypeError) as error:
        raise ValidationError(
            f"cannot read {path}: {error}; run crmdesk connect URL --user NAME again"
        ) from None


def keyring_password(settings: ConnectionSettings) -> str | None:
    """Return the password saved in the OS keyring, or None."""
    try:
        return keyring.get_password(KEYRING_SERVICE, settings.keyring_name)
    except keyring.errors.KeyringError as error:
        log.info("no usable keyring (%s); using libpq's password sources", error)
        return None


def remember_password(settings: ConnectionSettings, password: str) -> bool:
    """Save a password in the OS keyring; False when there is no keyring."""
    try:
        keyring.set_password(KEYRING_SERVICE, settings.keyring_name, password)
    except keyring.errors.KeyringError as error:
        log.info("cannot save the password in a keyring: %s", error)
        return False
    return True


def _needs_password(error: psycopg.OperationalError) -> bool:
    text = str(error).lower()
    return "password" in text and (
        "no password supplied" in text or "authentication failed" in text
    )


def connector(
    settings: ConnectionSettings,
    ask: AskPassword | None = None,
    *,
    remember: bool = True,
) -> Callable[[], psycopg.Connection[Any]]:
    """Return a function opening a new connection for ``settings``.

    Without a keyring password, libpq looks at ``PGPASSWORD`` and ``~/.pgpass``
    itself. When the server still wants a password and ``ask`` is given, the user
    is asked once; a password that works is saved in the keyring when
    ``remember`` is true.
    """
    state: dict[str, str | None] = {"password": None}

    def connect() -> psycopg.Connection[Any]:
        options: dict[str, Any] = {
            "user": settings.user,
            "connect_timeout": CONNECT_TIMEOUT_S,
            "application_name": "crmdesk",
        }
        password = state["password"] or keyring_password(settings)
        if password is not None:
            options["password"] = password
        try:
            return psycopg.connect(settings.url, **options)
        except psycopg.OperationalError as error:
            if (
                ask is None
                or not _needs_password(error)
                or os.environ.get("PGPASSWORD")
            ):
                raise
            typed = ask(f"Password for {settings.user} at {settings.url}")
            if not typed:
                raise
            options["password"] = typed
            connection = psycopg.connect(settings.url, **options)
            state["password"] = typed
            if remember:
                remember_password(settings, typed)
            return connection

    return connect
