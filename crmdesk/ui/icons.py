"""The application icon, loaded from the PNG renders shipped in ``crmdesk.resources``.

``scripts/build_icons.py`` renders ``resources/icons/crmdesk.svg`` to one PNG per
size in ``ICON_SIZES``; the PNGs are package data, so they are found the same way
in a source checkout, an installed wheel and a PyInstaller bundle.
"""

from __future__ import annotations

import logging
from importlib import resources
from importlib.resources.abc import Traversable

from PySide6.QtGui import QIcon, QPixmap

log = logging.getLogger(__name__)

ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)
"""Edge lengths in pixels of the shipped square PNG renders."""


def icon_file_name(size: int) -> str:
    """Return the file name of the PNG render of edge length ``size``."""
    return f"crmdesk-{size}.png"


def icons_folder() -> Traversable:
    """Return the folder of the shipped icons inside the installed package."""
    return resources.files("crmdesk.resources") / "icons"


def app_icon() -> QIcon:
    """Build the application icon from every shipped PNG size.

    Reads the files' bytes instead of paths, so the icon also loads when the
    package is imported from a zip file. Needs a QGuiApplication, because it
    creates pixmaps. A missing or unreadable size is logged and skipped.
    """
    icon = QIcon()
    folder = icons_folder()
    for size in ICON_SIZES:
        entry = folder / icon_file_name(size)
        pixmap = QPixmap()
        try:
            data = entry.read_bytes()
        except OSError as error:
            log.warning("app icon %s could not be read: %s", entry, error)
            continue
        if not pixmap.loadFromData(data, "PNG"):
            log.warning("app icon %s is not a valid PNG file", entry)
            continue
        icon.addPixmap(pixmap)
    return icon
