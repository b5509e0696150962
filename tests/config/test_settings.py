"""The settings catalogue: defaults, checks, the JSON file and its upgrades."""

from __future__ import annotations

import json
import logging
import uuid

import pytest

from crmdesk.config.settings import (
    CATALOGUE,
    SCHEMA_VERSION,
    SETTINGS_FILE,
    Settings,
    SettingsError,
)


def test_defaults_without_file(tmp_path):
    settings = Settings.load(tmp_path)

    assert settings.language == "system"
    assert settings.get("window_geometry") is None
    assert settings.last_series_id is None


def test_saved_values_round_trip(tmp_path):
    series_id = uuid.uuid4()
    settings = Settings.load(tmp_path)
    settings.set("language", "zh_CN")
    settings.set("last_series_id", str(series_id))
    settings.save()

    again = Settings.load(tmp_path)

    assert again.language == "zh_CN"
    assert again.last_series_id == series_id
    document = json.loads((tmp_path / SETTINGS_FILE).read_text(encoding="utf-8"))
    assert document["schema_version"] == SCHEMA_VERSION


def test_wrong_choice_raises(tmp_path):
    settings = Settings.load(tmp_path)

    with pytest.raises(SettingsError, match="invalid value 'fr' for setting"):
        settings.set("language", "fr")
    assert settings.language == "system"


def test_wrong_type_raises(tmp_path):
    settings = Settings.load(tmp_path)

    with pytest.raises(SettingsError, match="expected str"):
        settings.set("window_geometry", 12)


def test_unknown_key_raises(tmp_path):
    settings = Settings.load(tmp_path)

    with pytest.raises(KeyError, match="unknown setting 'colour'"):
        settings.get("colour")


def test_listeners_hear_changes(tmp_path):
    settings = Settings.load(tmp_path)
    heard = []
    settings.on_change(heard.append)

    settings.set("language", "en")
    settings.set("language", "en")

    assert heard == ["language"]


def test_version_1_file_is_upgraded(tmp_path, caplog):
    (tmp_path / SETTINGS_FILE).write_text(
        json.dumps({"locale": "zh", "last_series_id": "not-a-uuid"}), encoding="utf-8"
    )

    with caplog.at_level(logging.INFO, logger="crmdesk.config.settings"):
        settings = Settings.load(tmp_path)

    assert settings.language == "zh_CN"
    assert settings.last_series_id is None
    assert "upgraded settings file" in caplog.text


def test_damaged_file_gives_defaults(tmp_path, caplog):
    (tmp_path / SETTINGS_FILE).write_text("{not json", encoding="utf-8")

    settings = Settings.load(tmp_path)

    assert settings.language == "system"
    assert "unreadable" in caplog.text


def test_bad_values_fall_back(tmp_path, caplog):
    document = {"schema_version": SCHEMA_VERSION, "language": "fr", "size": 3}
    (tmp_path / SETTINGS_FILE).write_text(json.dumps(document), encoding="utf-8")

    settings = Settings.load(tmp_path)

    assert settings.language == "system"
    assert "ignoring unknown setting 'size'" in caplog.text
    assert "invalid value 'fr'" in caplog.text


def test_newer_file_is_not_read(tmp_path, caplog):
    document = {"schema_version": SCHEMA_VERSION + 1, "language": "en"}
    (tmp_path / SETTINGS_FILE).write_text(json.dumps(document), encoding="utf-8")

    settings = Settings.load(tmp_path)

    assert settings.language == "system"
    assert "newer than" in caplog.text


def test_every_setting_documented():
    for key, setting in CATALOGUE.items():
        assert setting.key == key
        assert setting.description.endswith(".")
