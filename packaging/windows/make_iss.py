"""Write the Inno Setup script of crmdesk from ``crmdesk.iss.in``.

Fills the template's ``%(name)s`` placeholders with the version and app id from
the ``crmdesk`` package and with the paths of this checkout, and writes
``build/windows/crmdesk.iss``. The result contains absolute paths of this machine,
which is why it is written under build/ and not committed.

Usage, on Windows after the PyInstaller build:
    python packaging/windows/make_iss.py
    iscc build\\windows\\crmdesk.iss
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Path(__file__).with_name("crmdesk.iss.in")
DEFAULT_OUTPUT = ROOT / "build" / "windows" / "crmdesk.iss"


def numeric_version(version: str) -> str:
    """Return the four-part numeric version Windows file properties take.

    "0.1.0" gives "0.1.0.0"; a pre-release or local suffix ("1.2rc1", "1.2+abc")
    is dropped, because the field only takes numbers.
    """
    match = re.match(r"\d+(?:\.\d+)*", version)
    if match is None:
        raise ValueError(
            f"invalid version {version!r}: it must start with a number such as 1.2.0"
        )
    parts = match.group(0).split(".")[:4]
    parts += ["0"] * (4 - len(parts))
    return ".".join(parts)


def template_values(
    version: str, app_id: str, app_name: str, root: Path = ROOT
) -> dict[str, str]:
    """Return the value of every placeholder in the template."""
    return {
        "version": version,
        "numeric_version": numeric_version(version),
        "app_id": app_id,
        "exe_name": app_name,
        "display_name": "CrmDesk",
        "source_dir": str(root / "dist" / app_name),
        "output_dir": str(root / "dist"),
        "icon": str(root / "resources" / "icons" / "crmdesk.ico"),
    }


def fill_template(template: str, values: dict[str, str]) -> str:
    """Fill the ``%(name)s`` placeholders of ``template`` with ``values``.

    Raises ValueError naming a placeholder that has no value.
    """
    try:
        return template % values
    except KeyError as error:
        raise ValueError(
            f"the Inno Setup template uses the placeholder {error.args[0]!r}, "
            f"which make_iss.py does not fill: add it to template_values()"
        ) from None


def main(argv: list[str] | None = None) -> int:
    """Write the filled script and print its path."""
    parser = argparse.ArgumentParser(
        description="Write the Inno Setup script of crmdesk from crmdesk.iss.in."
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"file to write (default: {DEFAULT_OUTPUT.relative_to(ROOT)})",
    )
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from crmdesk import APP_ID, APP_NAME, __version__

    text = fill_template(
        TEMPLATE.read_text(encoding="utf-8"),
        template_values(__version__, APP_ID, APP_NAME),
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    # Inno Setup 6 reads a script with a byte order mark as UTF-8.
    args.output.write_text(text, encoding="utf-8-sig")
    print(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
