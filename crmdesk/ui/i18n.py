"""Interface languages: choosing one, and installing the Qt translators for it.

crmdesk's own strings are compiled to ``crmdesk_<language>.qm`` files inside the
package (``crmdesk.resources/translations``). Qt's ``qtbase_<language>.qm`` from
the Qt installation is loaded too, so standard dialogs (file chooser, message box
buttons) speak the same language. Installing a translator makes Qt send a
``LanguageChange`` event to every widget, which is how open windows retranslate.
"""

from __future__ import annotations

import logging
from importlib import resources

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

log = logging.getLogger(__name__)

LANGUAGES = ("zh_CN", "en")
"""Interface languages crmdesk ships translations for."""


def system_language(locale_name: str | None = None) -> str:
    """Return the interface language for a locale name: zh* gives zh_CN, else en."""
    name = QLocale.system().name() if locale_name is None else locale_name
    return "zh_CN" if name.lower().startswith("zh") else "en"


def resolve_language(
    option: str | None, saved: str | None, locale_name: str | None = None
) -> str:
    """Pick the interface language: the command-line option, the setting, the system.

    Args:
        option: the ``--language`` value, or None.
        saved: the ``language`` setting ("system", "zh_CN" or "en"), or None.
        locale_name: the system locale name such as ``zh_CN`` or ``de_DE``; None
            takes it from ``QLocale.system()``.

    Raises:
        ValueError: ``option`` is not a shipped language.
    """
    if option:
        chosen = normalise_language(option)
        if chosen is None:
            raise ValueError(
                f"invalid language {option!r}: use one of {', '.join(LANGUAGES)}"
            )
        return chosen
    if saved and saved != "system":
        chosen = normalise_language(saved)
        if chosen is not None:
            return chosen
    return system_language(locale_name)


def normalise_language(value: str) -> str | None:
    """Return the shipped language of a code (zh, zh-CN, en_US ...), or None."""
    folded = value.strip().replace("-", "_").lower()
    if folded.startswith("zh"):
        return "zh_CN"
    if folded.startswith("en"):
        return "en"
    return None


def translations_folder() -> str:
    """Return the folder of crmdesk's compiled ``.qm`` files."""
    return str(resources.files("crmdesk.resources") / "translations")


class Translators:
    """The translators installed on the application, swapped on a language change."""

    def __init__(self, app: QCoreApplication) -> None:
        self._app = app
        self._installed: list[QTranslator] = []
        self.language = ""

    def install(self, language: str) -> None:
        """Replace the installed translators with those of ``language``.

        A missing crmdesk translation is logged as an error; a missing Qt
        translation is logged as a warning, since only standard dialogs lose it.
        """
        self.remove()

        ours = QTranslator(self._app)
        if ours.load(f"crmdesk_{language}", translations_folder()):
            self._installed.append(ours)
        else:
            log.error(
                "translation crmdesk_%s.qm not found in %s",
                language,
                translations_folder(),
            )

        if language != "en":
            qt_folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
            qt_own = QTranslator(self._app)
            if qt_own.load(f"qtbase_{language}", qt_folder):
                self._installed.append(qt_own)
            else:
                log.warning(
                    "Qt translation qtbase_%s not found in %s", language, qt_folder
                )

        for translator in self._installed:
            self._app.installTranslator(translator)
        QLocale.setDefault(QLocale(language))
        self.language = language
        log.info("interface language set to %s", language)

    def remove(self) -> None:
        """Remove the installed translators; strings show as written in the code."""
        for translator in self._installed:
            self._app.removeTranslator(translator)
        self._installed = []
        self.language = ""
