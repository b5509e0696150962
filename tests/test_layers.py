"""Import contracts: layers only import downwards, and packaging lists every package."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "crmdesk"

# Each layer and the crmdesk modules (or outside libraries) it must not import.
FORBIDDEN = {
    "domain": (
        "crmdesk.storage",
        "crmdesk.services",
        "crmdesk.sync",
        "crmdesk.ui",
        "crmdesk.cli",
        "crmdesk.app",
        "sqlalchemy",
        "PySide6",
    ),
    "storage": (
        "crmdesk.services",
        "crmdesk.sync",
        "crmdesk.ui",
        "crmdesk.cli",
        "crmdesk.app",
        "PySide6",
    ),
    "services": ("crmdesk.ui", "crmdesk.cli", "crmdesk.app", "PySide6"),
    "sync": ("crmdesk.services", "crmdesk.ui", "crmdesk.cli", "crmdesk.app", "PySide6"),
    "config": (
        "crmdesk.domain",
        "crmdesk.storage",
        "crmdesk.services",
        "crmdesk.sync",
        "crmdesk.ui",
        "crmdesk.cli",
        "crmdesk.app",
        "PySide6",
    ),
    "ui": ("sqlalchemy", "crmdesk.storage", "crmdesk.sync", "crmdesk.cli"),
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_layers_import_downwards():
    violations = []
    for layer, banned in FORBIDDEN.items():
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            for name in imported_modules(path):
                if any(name == b or name.startswith(b + ".") for b in banned):
                    violations.append(f"{path.relative_to(ROOT)} imports {name}")
    assert violations == []


def test_pyproject_lists_every_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in PACKAGE.rglob("__init__.py")
    }
    missing = sorted(found - listed)
    assert missing == []
