"""Build the one-folder Linux app of crmdesk with PyInstaller and smoke-test it.

Steps:

1. Install PyInstaller 6 into the running Python's environment if it is missing.
2. Validate the .desktop and AppStream files when desktop-file-validate and
   appstreamcli are installed.
3. Run PyInstaller on packaging/pyinstaller/crmdesk.spec, writing dist/crmdesk/.
4. Smoke-test the bundle offscreen (QT_QPA_PLATFORM=offscreen) on a fresh data
   folder. Check the version and that every data file is in the bundle, generate
   the demo workspace, and print and render every series board. Then start the
   desktop app in Simplified Chinese with --quit-after-load, which must exit with
   status 0 and log no warning or error.

Prints the build time and the bundle size. Exits with status 1 when a step fails.

Usage: .venv/bin/python packaging/build_linux.py [--clean] [--skip-build]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "pyinstaller" / "crmdesk.spec"
LINUX = ROOT / "packaging" / "linux"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
PYINSTALLER_REQUIREMENT = "pyinstaller>=6,<7"
DEMO_DEALS = 200
COMMAND_TIMEOUT_S = 300
GUI_TIMEOUT_S = 120
# Qt's offscreen platform plugin logs this warning for every window it shows.
OFFSCREEN_WARNINGS = ("This plugin does not support propagateSizeHints()",)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

sys.path.insert(0, str(ROOT / "packaging" / "pyinstaller"))
import bundle  # noqa: E402


class BuildError(Exception):
    """A build or smoke-test step failed; the message names the step and the cause."""


def main(argv: Sequence[str] | None = None) -> int:
    """Build the bundle, smoke-test it and print the timings and size."""
    parser = argparse.ArgumentParser(description="Build and smoke-test dist/crmdesk.")
    parser.add_argument(
        "--clean",
        action="store_true",
        help="remove PyInstaller's cache and build folder first",
    )
    parser.add_argument(
        "--skip-build",
        action="store_true",
        help="only smoke-test the existing dist/crmdesk",
    )
    args = parser.parse_args(argv)

    started = time.monotonic()
    try:
        validate_desktop_files()
        if not args.skip_build:
            ensure_pyinstaller()
            build_seconds = run_pyinstaller(clean=args.clean)
            print(f"PyInstaller build: {build_seconds:.0f} s")
        smoke_seconds = smoke_test(DIST / "crmdesk")
    except BuildError as error:
        print(f"build_linux: {error}", file=sys.stderr)
        return 1

    size = folder_size(DIST / "crmdesk")
    print(f"smoke test: passed in {smoke_seconds:.0f} s")
    print(f"bundle: {DIST / 'crmdesk'}, {size / 2**20:.0f} MiB")
    print(f"total: {time.monotonic() - started:.0f} s")
    return 0


# Preparation


def ensure_pyinstaller() -> None:
    """Install PyInstaller into this Python's environment when it is missing."""
    if importlib.util.find_spec("PyInstaller") is not None:
        return
    print(f"installing {PYINSTALLER_REQUIREMENT}")
    run([sys.executable, "-m", "pip", "install", PYINSTALLER_REQUIREMENT])


def validate_desktop_files() -> None:
    """Validate the .desktop and metainfo files with the freedesktop tools, if any."""
    checks = (
        ("desktop-file-validate", ["org.crmdesk.CrmDesk.desktop"]),
        (
            "appstreamcli",
            ["validate", "--no-net", "org.crmdesk.CrmDesk.metainfo.xml"],
        ),
    )
    for tool, arguments in checks:
        found = shutil.which(tool)
        if found is None:
            print(
                f"{tool} not installed: skipped (Debian: desktop-file-utils, appstream)"
            )
            continue
        run([found, *arguments], cwd=LINUX)
        print(f"{tool}: valid")


def run_pyinstaller(*, clean: bool) -> float:
    """Run PyInstaller on the spec and return the seconds it took."""
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(DIST),
        "--workpath",
        str(WORK),
    ]
    if clean:
        command.append("--clean")
    command.append(str(SPEC))
    started = time.monotonic()
    run(command, cwd=ROOT)
    return time.monotonic() - started


# Smoke test


def smoke_test(app_folder: Path) -> float:
    """Run the bundled app on a fresh data folder; return the seconds it took."""
    executable = app_folder / "crmdesk"
    if not executable.is_file():
        raise BuildError(f"{executable} not found: build the bundle first")
    started = time.monotonic()
    check_bundled_data(app_folder)
    with tempfile.TemporaryDirectory(prefix="crmdesk-smoke-") as temporary:
        folder = Path(temporary)
        environment = smoke_environment(folder)
        data = folder / "data"

        def crmdesk(*arguments: str, timeout: float = COMMAND_TIMEOUT_S) -> str:
            return run(
                [str(executable), "--data-dir", str(data), *arguments],
                cwd=folder,
                env=environment,
                timeout=timeout,
            )

        check_version(crmdesk("--version"))
        crmdesk("demo", "--deals", str(DEMO_DEALS))
        series = json.loads(crmdesk("series", "--format", "json"))
        if not series:
            raise BuildError("the demo workspace has no series")
        deals = 0
        for entry in series:
            image = folder / f"board-{entry['key']}.png"
            board = json.loads(
                crmdesk("board", entry["key"], "--format", "json", "--png", str(image))
            )
            deals += sum(stage["count"] for stage in board["stages"])
            check_png(image)
        if deals != DEMO_DEALS:
            raise BuildError(
                f"the boards show {deals} deals, but the demo generated {DEMO_DEALS}"
            )
        print(f"smoke test: {len(series)} series boards with {deals} deals rendered")

        start_gui(crmdesk, folder / "log")
    return time.monotonic() - started


def smoke_environment(folder: Path) -> dict[str, str]:
    """Return an environment that isolates the app in ``folder`` and has no screen."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CRMDESK_", "PYTHON"))
    }
    environment["QT_QPA_PLATFORM"] = "offscreen"
    for name in ("data", "config", "cache", "log"):
        environment[f"CRMDESK_{name.upper()}_DIR"] = str(folder / name)
    return environment


def check_bundled_data(app_folder: Path) -> None:
    """Check that every data file of the spec is in the bundle and no link is broken."""
    internal = app_folder / "_internal"
    missing = [
        f"{destination}/{Path(source).name}"
        for source, destination in bundle.data_files(ROOT)
        if not (internal / destination / Path(source).name).is_file()
    ]
    if missing:
        raise BuildError(f"files missing from {internal}: {', '.join(missing)}")
    broken = [
        str(path.relative_to(app_folder))
        for path in app_folder.rglob("*")
        if path.is_symlink() and not path.exists()
    ]
    if broken:
        raise BuildError(f"broken symbolic links in the bundle: {', '.join(broken)}")
    print(f"smoke test: {len(bundle.data_files(ROOT))} data files are in the bundle")


def check_version(output: str) -> None:
    from crmdesk import __version__

    if output.strip() != __version__:
        raise BuildError(
            f"the bundle reports version {output.strip()!r}, the source {__version__!r}"
        )


def check_png(path: Path) -> None:
    """Check that ``path`` is a PNG image with a non-empty size."""
    header = path.read_bytes()[:24] if path.is_file() else b""
    if len(header) < 24 or not header.startswith(PNG_SIGNATURE):
        raise BuildError(f"{path} is not a PNG image")
    width, height = struct.unpack(">II", header[16:24])
    if width == 0 or height == 0:
        raise BuildError(f"{path} is empty ({width} x {height} pixels)")


def start_gui(crmdesk: Callable[..., str], log_dir: Path) -> None:
    """Start the desktop app until its first board is shown, then check its log.

    Runs in Simplified Chinese, so a translation missing from the bundle shows
    up as an error or warning in the log.
    """
    crmdesk("--language", "zh_CN", "--quit-after-load", timeout=GUI_TIMEOUT_S)
    log_file = log_dir / "crmdesk.log"
    if not log_file.is_file():
        raise BuildError(f"the desktop app wrote no log file at {log_file}")
    problems = []
    for line in log_file.read_text(encoding="utf-8").splitlines():
        level = line.split()[2] if len(line.split()) > 2 else ""
        if level not in ("WARNING", "ERROR", "CRITICAL"):
            continue
        if any(line.endswith(message) for message in OFFSCREEN_WARNINGS):
            continue
        problems.append(line)
    if problems:
        raise BuildError("the desktop app logged problems:\n" + "\n".join(problems))
    print("smoke test: the desktop app showed the first board and quit with status 0")


# Helpers


def run(
    command: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = COMMAND_TIMEOUT_S,
) -> str:
    """Run ``command`` and return its standard output; raise BuildError on failure."""
    command_line = " ".join(command)
    try:
        result = subprocess.run(
            command,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BuildError(f"timed out after {timeout:.0f} s: {command_line}") from None
    if result.returncode != 0:
        raise BuildError(
            f"failed with exit status {result.returncode}: {command_line}\n"
            f"{result.stdout[-4000:]}{result.stderr[-4000:]}"
        )
    return result.stdout


def folder_size(folder: Path) -> int:
    """Return the total size in bytes of the files under ``folder``.

    Symbolic links are not followed, so a library linked twice counts once.
    """
    return sum(
        path.lstat().st_size
        for path in folder.rglob("*")
        if path.is_file() and not path.is_symlink()
    )


if __name__ == "__main__":
    sys.exit(main())
