"""Extract the interface strings into .ts files and compile them to .qm files.

Runs ``pyside6-lupdate`` over ``crmdesk/app.py`` and every module under
``crmdesk/ui/``, updating ``resources/translations/crmdesk_zh_CN.ts`` and
``crmdesk_en.ts``, then ``pyside6-lrelease`` to write ``crmdesk_<lang>.qm`` next
to them. The .qm files are committed, so an install from the repository works
without Qt's tools; ``tests/test_translations.py`` fails when they are stale.

English is the source language, so ``crmdesk_en.ts`` contains only the messages
with plural forms ("1 deal", "2 deals"). Every other English string is shown as
written in the code.

Usage: python scripts/build_translations.py [--no-extract]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "resources" / "translations"
LANGUAGES = ("zh_CN", "en")


def tool(name: str) -> str:
    """Return the path of a PySide6 tool, preferring the one beside this Python."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(
            f"{name} not found: install PySide6 into this environment "
            f"(pip install -e '.[test]') and run the script with its Python"
        )
    return found


def source_files() -> list[Path]:
    """Return the Python files whose strings are translated, in a stable order."""
    files = sorted((ROOT / "crmdesk" / "ui").rglob("*.py"))
    return [ROOT / "crmdesk" / "app.py", *files]


def ts_file(language: str, folder: Path = TRANSLATIONS) -> Path:
    """Return the path of the .ts file of ``language`` in ``folder``."""
    return folder / f"crmdesk_{language}.ts"


def qm_file(language: str, folder: Path = TRANSLATIONS) -> Path:
    """Return the path of the compiled .qm file of ``language`` in ``folder``."""
    return folder / f"crmdesk_{language}.qm"


def extract(language: str, target: Path) -> None:
    """Update ``target`` with the strings of the sources, dropping vanished ones."""
    command = [
        tool("pyside6-lupdate"),
        *(str(path.relative_to(ROOT)) for path in source_files()),
        "-no-obsolete",
        "-locations",
        "none",
        "-source-language",
        "en",
        "-target-language",
        language,
    ]
    if language == "en":
        command.append("-pluralonly")
    command += ["-ts", str(target)]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)


def compile_ts(source: Path, target: Path) -> None:
    """Compile one .ts file to a .qm file."""
    subprocess.run(
        [tool("pyside6-lrelease"), "-silent", str(source), "-qm", str(target)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--no-extract",
        action="store_true",
        help="only compile the .ts files as they are, without running lupdate",
    )
    args = parser.parse_args(argv)
    TRANSLATIONS.mkdir(parents=True, exist_ok=True)
    for language in LANGUAGES:
        if not args.no_extract:
            extract(language, ts_file(language))
        compile_ts(ts_file(language), qm_file(language))
        print(f"wrote {qm_file(language).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
