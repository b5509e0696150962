"""Settings schema version 3: the phone region, and upgrades that keep values."""

from __future__ import annotations

import json

import pytest

from crmdesk.config.settings import (
    SCHEMA_VERSION,
    SETTINGS_FILE,
    Settings,
    SettingsError,
)


def test_schema_version_is_3():
    assert SCHEMA_VERSION == 3


def test_version_2_file_keeps_values(tmp_path):
    old = {
        "schema_version": 2,
        "language": "en",
        "window_geometry": "AdnQywADAAAAAAAA",
        "window_state": "AAAA/wAAAAD9",
        "last_series_id": "0190f1d2-7c3a-7b4e-9a55-2f8d3c4b5a6e",
    }
    (tmp_path / SETTINGS_FILE).write_text(json.dumps(old), encoding="utf-8")

    settings = Settings.load(tmp_path)
    settings.save()

    document = json.loads((tmp_path / SETTINGS_FILE).read_text(encoding="utf-8"))
    assert document["schema_version"] == 3
    assert document["phone_region"] == "CN"
    for key, value in old.items():
        if key != "schema_version":
            assert document[key] == value, key


def test_version_1_file_reaches_3(tmp_path):
    (tmp_path / SETTINGS_FILE).write_text(
        json.dumps({"locale": "zh", "window_geometry": "AQID"}), encoding="utf-8"
    )

    settings = Settings.load(tmp_path)

    assert settings.language == "zh_CN"
    assert settings.get("window_geometry") == "AQID"
    assert settings.phone_region == "CN"


def test_phone_region_default_is_cn(tmp_path):
    assert Settings.load(tmp_path).phone_region == "CN"


def test_phone_region_is_normalised(tmp_path):
    settings = Settings.load(tmp_path)

    settings.set("phone_region", " hk ")

    assert settings.phone_region == "HK"


@pytest.mark.parametrize("value", ["ZZ", "CHN", "", "1"])
def test_phone_region_rejects(tmp_path, value):
    settings = Settings.load(tmp_path)

    with pytest.raises(SettingsError, match="invalid phone region"):
        settings.set("phone_region", value)
    assert settings.phone_region == "CN"


def test_bad_saved_region_falls_back(tmp_path, caplog):
    document = {"schema_version": 3, "phone_region": "XX"}
    (tmp_path / SETTINGS_FILE).write_text(json.dumps(document), encoding="utf-8")

    settings = Settings.load(tmp_path)

    assert settings.phone_region == "CN"
    assert "invalid phone region 'XX'" in caplog.text
