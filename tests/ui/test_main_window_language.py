"""Choosing the interface language and loading the compiled translations."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication

from crmdesk.ui.i18n import Translators, normalise_language, resolve_language

pytestmark = pytest.mark.gui


@pytest.mark.parametrize(
    ("option", "saved", "locale", "expected"),
    [
        ("zh_CN", "en", "en_US", "zh_CN"),
        ("en", "zh_CN", "zh_CN", "en"),
        (None, "zh_CN", "en_US", "zh_CN"),
        (None, "en", "zh_TW", "en"),
        (None, "system", "zh_TW", "zh_CN"),
        (None, "system", "de_DE", "en"),
        (None, None, "zh_CN", "zh_CN"),
        (None, None, "C", "en"),
    ],
)
def test_resolve_language(option, saved, locale, expected):
    assert resolve_language(option, saved, locale) == expected


def test_unknown_language_option_raises():
    with pytest.raises(ValueError, match="invalid language 'fr'"):
        resolve_language("fr", None, "en_US")


def test_normalise_language_codes():
    assert normalise_language("zh-CN") == "zh_CN"
    assert normalise_language("zh") == "zh_CN"
    assert normalise_language("en_US") == "en"
    assert normalise_language("ja") is None


def test_chinese_translation_loads(qapp):
    translators = Translators(qapp)
    try:
        translators.install("zh_CN")
        menu = QCoreApplication.translate("WindowActions", "&File")
        plural = QCoreApplication.translate("MainWindow", "%n deal(s)", "", 3)
        # Qt's own strings come from qtbase_zh_CN, as in standard dialogs.
        cancel = QCoreApplication.translate("QPlatformTheme", "Cancel")
    finally:
        translators.remove()

    assert menu == "文件(&F)"
    assert plural == "3 个商机"
    assert cancel == "取消"
    assert QCoreApplication.translate("WindowActions", "&File") == "&File"


def test_english_plural_forms(qapp):
    translators = Translators(qapp)
    try:
        translators.install("en")
        one = QCoreApplication.translate("MainWindow", "%n deal(s)", "", 1)
        many = QCoreApplication.translate("MainWindow", "%n deal(s)", "", 4)
    finally:
        translators.remove()

    assert one == "1 deal"
    assert many == "4 deals"
