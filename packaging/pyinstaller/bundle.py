"""Contents of the PyInstaller bundle of crmdesk besides the analysed Python code.

``crmdesk.spec`` imports this module, and ``tests/packaging`` checks it, so the
list of data folders is written once. Every destination mirrors the installed
package (``resources/`` becomes ``crmdesk/resources/``), so the app finds its
files with ``importlib.resources`` in the bundle exactly as in a wheel install.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class DataFolder:
    """Files matching ``pattern`` in ``source`` go to ``destination`` in the bundle.

    ``source`` and ``pattern`` are relative to the repository root; ``destination``
    is relative to the bundle's module folder. A required folder with no match
    stops the build.
    """

    source: str
    pattern: str
    destination: str
    required: bool = True


DATA_FOLDERS = (
    # PyInstaller's module finder does not follow setuptools' package-dir mapping
    # of resources/ to crmdesk.resources, so the package's __init__.py is shipped
    # as a file. Python's path finder then imports it from crmdesk.__path__,
    # which PyInstaller points at the bundle's crmdesk/ folder.
    DataFolder("resources", "__init__.py", "crmdesk/resources"),
    DataFolder("resources/translations", "*.qm", "crmdesk/resources/translations"),
    DataFolder("resources/playbooks", "*.toml", "crmdesk/resources/playbooks"),
    DataFolder("resources/mappings", "*.toml", "crmdesk/resources/mappings", False),
    DataFolder("resources/icons", "*", "crmdesk/resources/icons"),
    # Alembic reads the migration scripts from files at run time, so they must
    # exist as files in the bundle and not only as compiled modules.
    DataFolder("crmdesk/storage/migrations", "*.py", "crmdesk/storage/migrations"),
    # The template of "alembic revision", shipped where the wheel ships it too.
    DataFolder(
        "crmdesk/storage/migrations", "*.mako", "crmdesk/storage/migrations", False
    ),
    DataFolder(
        "crmdesk/storage/migrations/versions",
        "*.py",
        "crmdesk/storage/migrations/versions",
    ),
)

EXCLUDED_MODULES = (
    # Test and development tools that the app never imports.
    "tests",
    "pytest",
    "_pytest",
    "pytestqt",
    "hypothesis",
    "mypy",
    "ruff",
    "pandas",
    "IPython",
    # Only rapidfuzz's cdist and psycopg's numpy adapters import numpy, and
    # crmdesk uses neither.
    "numpy",
    "tkinter",
    "_tkinter",
    # Qt modules crmdesk does not use. QtCharts (review window), QtGui's
    # QPdfWriter (PDF summary) and QtSvg are kept.
    "PySide6.Qt3DCore",
    "PySide6.QtBluetooth",
    "PySide6.QtDesigner",
    "PySide6.QtHelp",
    "PySide6.QtMultimedia",
    "PySide6.QtMultimediaWidgets",
    "PySide6.QtNetwork",
    "PySide6.QtNetworkAuth",
    "PySide6.QtPositioning",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuick3D",
    "PySide6.QtQuickWidgets",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets",
    "PySide6.QtWebChannel",
    "PySide6.QtWebSockets",
)


# Files that PyInstaller's hooks collect but crmdesk does not use, as glob patterns
# over their path in the bundle. The app's languages are English and Simplified
# Chinese, so other translations and Babel locales go.
# NOTE: the Qt patterns follow the Linux wheel's layout (PySide6/Qt/lib); in a
# Windows or macOS bundle they match nothing, so those keep the files.
DROPPED_FILES = (
    # The virtual keyboard input plugin, which needs Qt Quick and QML.
    # A pattern without a folder matches the name anywhere, which also drops
    # the symbolic links PyInstaller makes to the libraries at the bundle's top.
    "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
    "libQt6VirtualKeyboard*",
    "libQt6Quick*",
    "libQt6Qml*",
    # The PDF image format plugin: crmdesk writes PDF files but never reads them.
    "PySide6/Qt/plugins/imageformats/*qpdf*",
    "libQt6Pdf*",
)
KEPT_LANGUAGES = ("en", "zh")


def keep_bundled_file(destination: str) -> bool:
    """Tell whether a file PyInstaller collected at ``destination`` stays in the bundle.

    ``destination`` is the file's path relative to the bundle's module folder.
    """
    path = PurePosixPath(destination.replace("\\", "/"))
    if any(path.match(pattern) for pattern in DROPPED_FILES):
        return False
    folder = path.parent.as_posix()
    if folder == "PySide6/Qt/translations" and path.suffix == ".qm":
        # Qt's files are named like qtbase_zh_CN.qm: module, then locale.
        language = path.stem.split("_", 1)[1] if "_" in path.stem else ""
        return language.split("_")[0] in KEPT_LANGUAGES
    if folder == "babel/locale-data" and path.suffix == ".dat":
        return path.stem == "root" or path.stem.split("_")[0] in KEPT_LANGUAGES
    return True


def sync_migration_folders(root: Path = ROOT) -> list[DataFolder]:
    """List the sync layer's Alembic folders (``crmdesk/sync/**/migrations``)."""
    folders = []
    for migrations in sorted((root / "crmdesk" / "sync").glob("**/migrations")):
        if "__pycache__" in migrations.parts:
            continue
        # The pattern "**/" matches the migrations folder itself and every subfolder.
        for folder in sorted(migrations.glob("**/")):
            if folder.name == "__pycache__" or not any(folder.glob("*.py")):
                continue
            relative = folder.relative_to(root).as_posix()
            folders.append(DataFolder(relative, "*.py", relative))
            folders.append(DataFolder(relative, "*.mako", relative, False))
    return folders


def all_data_folders(root: Path = ROOT) -> list[DataFolder]:
    """List every data folder of the bundle, the sync migrations included."""
    return [*DATA_FOLDERS, *sync_migration_folders(root)]


def data_files(root: Path = ROOT) -> list[tuple[str, str]]:
    """Return the (file, destination folder) pairs PyInstaller's ``datas`` takes.

    Raises FileNotFoundError naming the folder when a required one has no file
    matching its pattern, because a bundle without it would fail at run time.
    """
    pairs = []
    for folder in all_data_folders(root):
        matches = sorted(p for p in (root / folder.source).glob(folder.pattern))
        files = [p for p in matches if p.is_file()]
        if folder.required and not files:
            raise FileNotFoundError(
                f"no {folder.pattern} file in {root / folder.source}: the bundle "
                f"needs it; run scripts/build_translations.py or "
                f"scripts/build_icons.py if it is a generated file"
            )
        pairs.extend((str(path), folder.destination) for path in files)
    return pairs


def migration_imports(root: Path = ROOT) -> list[str]:
    """Return the modules the migration scripts import.

    The scripts are shipped as data, so PyInstaller does not analyse them; these
    names are passed as hidden imports instead. For ``from package import name``
    the name counts only if it is a module (``alembic.op``), which is checked in
    the Python running the build.
    """
    modules: set[str] = set()
    for folder in all_data_folders(root):
        if "migrations" not in folder.source or folder.pattern != "*.py":
            continue
        for script in (root / folder.source).glob("*.py"):
            modules.update(_imported_modules(script))
    return sorted(modules)


def _imported_modules(script: Path) -> set[str]:
    tree = ast.parse(script.read_text(encoding="utf-8"))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module == "__future__":
                continue
            modules.add(node.module)
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                if _is_module(candidate):
                    modules.add(candidate)
    return modules


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def icon_file(platform: str = sys.platform, root: Path = ROOT) -> Path | None:
    """Return the executable's icon for ``platform``: ICO, ICNS, or none on Linux.

    Linux desktops take the icon from the .desktop file and the hicolor theme,
    not from the executable.
    """
    icons = root / "resources" / "icons"
    if platform.startswith("win"):
        return icons / "crmdesk.ico"
    if platform == "darwin":
        return icons / "crmdesk.icns"
    return None
