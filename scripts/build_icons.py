"""Render the app icon from its SVG source into PNG, Windows ICO and macOS ICNS files.

Reads ``resources/icons/crmdesk.svg`` and writes, next to it:

- ``crmdesk-<size>.png`` for every size in ``crmdesk.ui.icons.ICON_SIZES``;
- ``crmdesk.ico``: 16 to 256 pixels, 32-bit BMP entries below 256 and a PNG entry
  at 256, the layout every Windows version since Vista reads;
- ``crmdesk.icns``: PNG entries from 16 to 1024 pixels (512 at 2x), which macOS
  10.7 and later read. ``iconutil`` only exists on macOS, so the container is
  written here.

The outputs are committed, so a build needs no SVG support. Rerun the script after
editing the SVG.

Usage: python scripts/build_icons.py
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from crmdesk.ui.icons import ICON_SIZES, icon_file_name

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
SOURCE = ICONS / "crmdesk.svg"

ICO_SIZES = (16, 32, 48, 64, 128, 256)
ICO_PNG_MIN_SIZE = 256
"""ICO entries this large are stored as PNG, smaller ones as BMP."""

# ICNS entry types holding PNG data, each with its edge length in pixels.
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic13", 256),
    (b"ic14", 512),
)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    """Render the SVG into a transparent square image of edge length ``size``."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    """Encode ``image`` as PNG."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError(f"PNG encoding failed for a {image.width()} px image")
    buffer.close()
    return bytes(data.data())


def bmp_icon_bytes(image: QImage) -> bytes:
    """Encode ``image`` as an ICO bitmap entry: a 32-bit BGRA DIB plus AND mask.

    The DIB header states twice the height because the colour rows and the 1-bit
    mask rows are counted together; both are stored bottom row first.
    """
    size = image.width()
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    row_bytes = size * 4
    raw = bytes(rgba.constBits())
    stride = rgba.bytesPerLine()

    colour_rows = []
    mask_rows = []
    mask_stride = ((size + 31) // 32) * 4
    for y in reversed(range(size)):
        row = raw[y * stride : y * stride + row_bytes]
        bgra = bytearray(row_bytes)
        bgra[0::4] = row[2::4]
        bgra[1::4] = row[1::4]
        bgra[2::4] = row[0::4]
        bgra[3::4] = row[3::4]
        colour_rows.append(bytes(bgra))

        mask = bytearray(mask_stride)
        for x in range(size):
            if row[x * 4 + 3] == 0:
                mask[x // 8] |= 0x80 >> (x % 8)
        mask_rows.append(bytes(mask))

    pixels = b"".join(colour_rows) + b"".join(mask_rows)
    header = struct.pack(
        "<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, len(pixels), 0, 0, 0, 0
    )
    return header + pixels


def ico_bytes(images: dict[int, QImage]) -> bytes:
    """Build a Windows ICO file from square images keyed by edge length."""
    entries = []
    for size in ICO_SIZES:
        image = images[size]
        if size >= ICO_PNG_MIN_SIZE:
            entries.append((size, png_bytes(image)))
        else:
            entries.append((size, bmp_icon_bytes(image)))

    directory = struct.pack("<HHH", 0, 1, len(entries))
    offset = len(directory) + 16 * len(entries)
    records = []
    for size, payload in entries:
        # A width or height of 256 is written as 0, since the field is one byte.
        edge = 0 if size >= 256 else size
        records.append(
            struct.pack("<BBBBHHII", edge, edge, 0, 0, 1, 32, len(payload), offset)
        )
        offset += len(payload)
    return directory + b"".join(records) + b"".join(p for _, p in entries)


def icns_bytes(images: dict[int, QImage]) -> bytes:
    """Build a macOS ICNS file whose entries all hold PNG data."""
    chunks = []
    for kind, size in ICNS_TYPES:
        payload = png_bytes(images[size])
        chunks.append(kind + struct.pack(">I", len(payload) + 8) + payload)
    body = b"".join(chunks)
    return b"icns" + struct.pack(">I", len(body) + 8) + body


def main() -> int:
    """Render every icon file from the SVG source."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"build_icons: {SOURCE} is not a valid SVG file", file=sys.stderr)
        return 1

    sizes = sorted(set(ICON_SIZES) | set(ICO_SIZES) | {s for _, s in ICNS_TYPES})
    images = {size: render(renderer, size) for size in sizes}

    for size in ICON_SIZES:
        target = ICONS / icon_file_name(size)
        target.write_bytes(png_bytes(images[size]))
        print(f"wrote {target.relative_to(ROOT)}")
    for name, data in (
        ("crmdesk.ico", ico_bytes(images)),
        ("crmdesk.icns", icns_bytes(images)),
    ):
        target = ICONS / name
        target.write_bytes(data)
        print(f"wrote {target.relative_to(ROOT)} ({len(data)} bytes)")
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
