"""The typed catalogue of per-user settings, kept in a JSON file in the config folder.

Each setting is declared once in ``CATALOGUE`` with its key, type, default and
description. The file carries a ``schema_version``. ``UPGRADES`` maps each older
version to a function that rewrites the stored values one version up, so a file
written by an older crmdesk keeps its values.

The ``Settings`` object is created by the composition root and passed to the code
that needs it; nothing reads settings through a global.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import phonenumbers

log = logging.getLogger(__name__)

SETTINGS_FILE = "settings.json"
SCHEMA_VERSION = 3
DEFAULT_PHONE_REGION = "CN"

LANGUAGES = ("system", "zh_CN", "en")
"""Values of the ``language`` setting; "system" follows the operating system."""


class SettingsError(ValueError):
    """A setting was given a value of the wrong type or outside its choices."""


@dataclass(frozen=True)
class Setting:
    """One declared setting: its key, Python type, default and meaning.

    ``choices`` limits a string setting to a fixed set of values; ``validate``
    checks a value further and returns it normalised or raises SettingsError.
    """

    key: str
    type: type
    default: Any
    description: str
    choices: tuple[str, ...] = ()
    validate: Callable[[Any], Any] | None = None

    def check(self, value: Any) -> Any:
        """Return ``value`` if it fits this setting.

        Raises:
            SettingsError: the value has the wrong type or is not one of the choices.
        """
        if value is None and self.default is None:
            return None
        if not isinstance(value, self.type) or isinstance(value, bool) != (
            self.type is bool
        ):
            raise SettingsError(
                f"invalid value {value!r} for setting {self.key!r}: "
                f"expected {self.type.__name__}"
            )
        if self.choices and value not in self.choices:
            raise SettingsError(
                f"invalid value {value!r} for setting {self.key!r}: "
                f"use one of {', '.join(self.choices)}"
            )
        if self.validate is not None:
            return self.validate(value)
        return value


def check_phone_region(value: str) -> str:
    """Return ``value`` as an upper-case region code the phone number library knows.

    Raises:
        SettingsError: the value is not a two-letter region such as CN or US.
    """
    code = value.strip().upper()
    if len(code) != 2 or code not in phonenumbers.SUPPORTED_REGIONS:
        raise SettingsError(
            f"invalid phone region {value!r}: use a two-letter region code such "
            "as CN, HK or US"
        )
    return code


CATALOGUE: dict[str, Setting] = {
    setting.key: setting
    for setting in (
        Setting(
            "language",
            str,
            "system",
            "Interface language: zh_CN, en, or system to follow the system locale.",
            LANGUAGES,
        ),
        Setting(
            "window_geometry",
            str,
            None,
            "Main window size and position, as the base64 text of "
            "QMainWindow.saveGeometry(); None until the window was closed once.",
        ),
        Setting(
            "window_state",
            str,
            None,
            "Docks and toolbars of the main window, as the base64 text of "
            "QMainWindow.saveState(); None until the window was closed once.",
        ),
        Setting(
            "last_series_id",
            str,
            None,
            "UUID of the series whose board was shown last, reopened at start.",
        ),
        Setting(
            "phone_region",
            str,
            DEFAULT_PHONE_REGION,
            "Region of phone numbers written without a +country code, as a "
            "two-letter code such as CN.",
            validate=check_phone_region,
        ),
    )
}


def _upgrade_1_to_2(values: dict[str, Any]) -> dict[str, Any]:
    # Version 1 stored the language under "locale" and used "zh" for Chinese.
    upgraded = dict(values)
    if "locale" in upgraded:
        old = upgraded.pop("locale")
        upgraded["language"] = "zh_CN" if old == "zh" else old
    return upgraded


def _upgrade_2_to_3(values: dict[str, Any]) -> dict[str, Any]:
    # Version 3 added phone_region, the region of phone numbers typed without a
    # +country code. Users of older files get CN written explicitly, so a later
    # change of the default does not change how their numbers are read.
    upgraded = dict(values)
    upgraded.setdefault("phone_region", "CN")
    return upgraded


UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    1: _upgrade_1_to_2,
    2: _upgrade_2_to_3,
}
"""Upgrade functions by the version they read; each returns the next version."""


class Settings:
    """The settings of one user, read from and written to one JSON file.

    Values that are missing, unknown or of the wrong type fall back to their
    defaults with a warning in the log, so a damaged file never stops the app.
    ``on_change`` callbacks receive the key of each setting that changed.
    """

    def __init__(self, path: Path, values: dict[str, Any] | None = None) -> None:
        self.path = path
        self._values: dict[str, Any] = dict(values or {})
        self._listeners: list[Callable[[str], None]] = []

    @classmethod
    def load(cls, config_dir: Path) -> Settings:
        """Read the settings file in ``config_dir``, upgrading older versions."""
        path = config_dir / SETTINGS_FILE
        if not path.exists():
            return cls(path)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            log.warning(
                "settings file %s is unreadable, using defaults: %s", path, error
            )
            return cls(path)
        if not isinstance(document, dict):
            log.warning("settings file %s is not a JSON object, using defaults", path)
            return cls(path)
        return cls(path, _read_values(document, path))

    def get(self, key: str) -> Any:
        """Return the value of a declared setting, or its default."""
        setting = _declared(key)
        return self._values.get(key, setting.default)

    def set(self, key: str, value: Any) -> None:
        """Change a setting in memory and tell the listeners; ``save`` writes it.

        Raises:
            KeyError: the key is not declared in the catalogue.
            SettingsError: the value does not fit the setting.
        """
        setting = _declared(key)
        checked = setting.check(value)
        if self.get(key) == checked:
            return
        self._values[key] = checked
        for listener in list(self._listeners):
            listener(key)

    def on_change(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(key)`` after each change of a setting."""
        self._listeners.append(listener)

    @property
    def language(self) -> str:
        """The ``language`` setting: "system", "zh_CN" or "en"."""
        return str(self.get("language"))

    @property
    def phone_region(self) -> str:
        """The ``phone_region`` setting: a two-letter region code such as CN."""
        return str(self.get("phone_region"))

    @property
    def last_series_id(self) -> uuid.UUID | None:
        """The series shown last, or None when unset or not a valid UUID."""
        value = self.get("last_series_id")
        if not value:
            return None
        try:
            return uuid.UUID(value)
        except ValueError:
            return None

    def save(self) -> None:
        """Write the settings file atomically, with the current schema version."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        document = {"schema_version": SCHEMA_VERSION, **self._values}
        text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)
        handle, temporary = tempfile.mkstemp(
            prefix=".settings-", suffix=".json", dir=self.path.parent
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text + "\n")
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        log.debug("saved settings to %s", self.path)


def _declared(key: str) -> Setting:
    setting = CATALOGUE.get(key)
    if setting is None:
        raise KeyError(
            f"unknown setting {key!r}: use one of {', '.join(sorted(CATALOGUE))}"
        )
    return setting


def _read_values(document: dict[str, Any], path: Path) -> dict[str, Any]:
    version = document.pop("schema_version", 1)
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        log.warning(
            "settings file %s has schema version %r, newer than %d: using defaults",
            path,
            version,
            SCHEMA_VERSION,
        )
        return {}
    while version < SCHEMA_VERSION:
        document = UPGRADES[version](document)
        log.info("upgraded settings file %s from version %d", path, version)
        version += 1

    values: dict[str, Any] = {}
    for key, value in document.items():
        setting = CATALOGUE.get(key)
        if setting is None:
            log.warning("settings file %s: ignoring unknown setting %r", path, key)
            continue
        try:
            values[key] = setting.check(value)
        except SettingsError as error:
            log.warning("settings file %s: %s; using the default", path, error)
    return values
