"""Packaging files: PyInstaller spec, icons, Linux desktop files, wheel, Inno Setup.

None of these tests runs PyInstaller; packaging/build_linux.py builds and
smoke-tests the real bundle.
"""

from __future__ import annotations

import ast
import configparser
import importlib.util
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from xml.etree import ElementTree

import pytest

import crmdesk

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "pyinstaller" / "crmdesk.spec"
DESKTOP = PACKAGING / "linux" / "org.crmdesk.CrmDesk.desktop"
METAINFO = PACKAGING / "linux" / "org.crmdesk.CrmDesk.metainfo.xml"
ICONS = ROOT / "resources" / "icons"
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def load_script(path: Path) -> ModuleType:
    """Import a packaging script, which is not part of an installed package."""
    spec = importlib.util.spec_from_file_location(f"packaging_{path.stem}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses looks the module up in sys.modules while the class is built.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bundle() -> ModuleType:
    return load_script(PACKAGING / "pyinstaller" / "bundle.py")


@pytest.fixture(scope="module")
def make_iss() -> ModuleType:
    return load_script(PACKAGING / "windows" / "make_iss.py")


def repository_data_files() -> dict[str, str]:
    """Map each data file the app reads at run time to its folder in the bundle.

    Found by walking the repository, independently of bundle.py: resources/ maps
    to crmdesk/resources/, and every Alembic folder under crmdesk/ keeps its path.
    """
    expected = {}
    patterns = {
        "translations": "*.qm",
        "playbooks": "*.toml",
        "mappings": "*.toml",
        "icons": "*",
    }
    for folder, pattern in patterns.items():
        for path in (ROOT / "resources" / folder).glob(pattern):
            expected[str(path)] = f"crmdesk/resources/{folder}"
    expected[str(ROOT / "resources" / "__init__.py")] = "crmdesk/resources"
    for migrations in (ROOT / "crmdesk").rglob("migrations"):
        for script in migrations.rglob("*.py"):
            expected[str(script)] = script.parent.relative_to(ROOT).as_posix()
    return expected


# PyInstaller spec


def spec_calls() -> dict[str, ast.Call]:
    """Return the spec's top-level calls of PyInstaller's classes by class name."""
    tree = ast.parse(SPEC.read_text(encoding="utf-8"), filename=str(SPEC))
    names = {"Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE"}
    calls: dict[str, ast.Call] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        if node.func.id in names:
            calls.setdefault(node.func.id, node)
    return calls


def keywords(call: ast.Call) -> dict[str, str]:
    return {k.arg: ast.unparse(k.value) for k in call.keywords if k.arg is not None}


def test_spec_parses_with_every_step():
    calls = spec_calls()
    assert set(calls) == {"Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE"}


def test_spec_takes_data_from_bundle_module():
    analysis = keywords(spec_calls()["Analysis"])
    assert analysis["datas"] == "bundle.data_files(ROOT)"
    assert analysis["excludes"] == "list(bundle.EXCLUDED_MODULES)"
    assert "bundle.migration_imports(ROOT)" in SPEC.read_text(encoding="utf-8")


def test_spec_macos_bundle_settings():
    bundle_call = spec_calls()["BUNDLE"]
    settings = keywords(bundle_call)
    assert settings["bundle_identifier"] == "APP_ID"
    assert settings["version"] == "__version__"
    plist_node = next(k.value for k in bundle_call.keywords if k.arg == "info_plist")
    assert isinstance(plist_node, ast.Dict)
    plist = {
        ast.literal_eval(key): ast.unparse(value)
        for key, value in zip(plist_node.keys, plist_node.values, strict=True)
        if key is not None
    }
    assert plist["NSHighResolutionCapable"] == "True"
    assert plist["CFBundleDevelopmentRegion"] == "'en'"
    assert plist["CFBundleShortVersionString"] == "__version__"
    localisations = ast.literal_eval(plist["CFBundleLocalizations"])
    assert "en" in localisations
    assert "zh_CN" in localisations


def test_data_files_cover_repository(bundle: ModuleType):
    listed = dict(bundle.data_files(ROOT))
    expected = repository_data_files()
    missing = sorted(set(expected) - set(listed))
    assert not missing, f"not in the bundle: {missing}"
    wrong = {path: listed[path] for path in expected if listed[path] != expected[path]}
    assert not wrong, f"wrong destination: {wrong}"


def test_data_files_name_required_folders(bundle: ModuleType):
    destinations = {destination for _source, destination in bundle.data_files(ROOT)}
    for folder in (
        "crmdesk/resources/translations",
        "crmdesk/resources/playbooks",
        "crmdesk/resources/icons",
        "crmdesk/storage/migrations",
        "crmdesk/storage/migrations/versions",
    ):
        assert folder in destinations


def test_data_files_reject_missing_folder(bundle: ModuleType, tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="resources"):
        bundle.data_files(tmp_path)


def test_migration_imports_are_modules(bundle: ModuleType):
    imports = bundle.migration_imports(ROOT)
    assert "alembic.op" in imports
    assert "alembic.context" in imports
    assert "crmdesk.storage.models" in imports
    assert "sqlalchemy.Column" not in imports
    assert "__future__" not in imports


@pytest.mark.parametrize(
    ("destination", "kept"),
    [
        ("PySide6/Qt/lib/libQt6Gui.so.6", True),
        ("PySide6/Qt/lib/libQt6Charts.so.6", True),
        ("PySide6/Qt/lib/libQt6Svg.so.6", True),
        ("PySide6/Qt/lib/libQt6Quick.so.6", False),
        ("libQt6Quick.so.6", False),
        ("PySide6/Qt/lib/libQt6QmlModels.so.6", False),
        ("PySide6/Qt/plugins/imageformats/libqpdf.so", False),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqico.so", True),
        ("PySide6/Qt/translations/qtbase_zh_CN.qm", True),
        ("PySide6/Qt/translations/qtbase_en.qm", True),
        ("PySide6/Qt/translations/qtbase_de.qm", False),
        ("babel/locale-data/root.dat", True),
        ("babel/locale-data/zh_Hans_CN.dat", True),
        ("babel/locale-data/en_GB.dat", True),
        ("babel/locale-data/fr.dat", False),
        ("babel/global.dat", True),
        ("crmdesk/resources/translations/crmdesk_zh_CN.qm", True),
    ],
)
def test_keep_bundled_file(bundle: ModuleType, destination: str, kept: bool):
    assert bundle.keep_bundled_file(destination) is kept


def test_icon_file_per_platform(bundle: ModuleType):
    windows = bundle.icon_file("win32", ROOT)
    macos = bundle.icon_file("darwin", ROOT)
    assert windows == ICONS / "crmdesk.ico"
    assert windows.is_file()
    assert macos == ICONS / "crmdesk.icns"
    assert macos.is_file()
    assert bundle.icon_file("linux", ROOT) is None


# Icons


@pytest.mark.parametrize("size", PNG_SIZES)
def test_png_icon_loads(qapp: object, size: int):
    from PySide6.QtGui import QImage

    image = QImage(str(ICONS / f"crmdesk-{size}.png"))
    assert not image.isNull()
    assert image.width() == size
    assert image.height() == size
    assert image.hasAlphaChannel()
    # The corners lie outside the rounded tile, so they are transparent.
    assert image.pixelColor(0, 0).alpha() == 0


@pytest.mark.parametrize(
    ("name", "sizes"),
    [
        ("crmdesk.ico", [16, 32, 48, 64, 128, 256]),
        ("crmdesk.icns", [16, 32, 64, 128, 256, 512, 1024, 32, 64, 256, 512]),
    ],
)
def test_icon_container_loads(qapp: object, name: str, sizes: list[int]):
    from PySide6.QtGui import QImageReader

    reader = QImageReader(str(ICONS / name))
    assert reader.imageCount() == len(sizes)
    read = []
    for index in range(reader.imageCount()):
        assert reader.jumpToImage(index)
        image = reader.read()
        assert not image.isNull(), reader.errorString()
        assert image.width() == image.height()
        read.append(image.width())
    assert read == sizes


def test_ico_matches_png_colours(qapp: object):
    from PySide6.QtGui import QImage, QImageReader

    reader = QImageReader(str(ICONS / "crmdesk.ico"))
    assert reader.jumpToImage(1)
    from_ico = reader.read()
    from_png = QImage(str(ICONS / "crmdesk-32.png"))
    for x, y in [(0, 0), (16, 16), (8, 24), (28, 6)]:
        assert from_ico.pixelColor(x, y).rgba() == from_png.pixelColor(x, y).rgba()


def test_app_icon_has_every_size(qapp: object):
    from PySide6.QtCore import QSize

    from crmdesk.ui.icons import app_icon

    icon = app_icon()
    assert not icon.isNull()
    assert icon.availableSizes() == [QSize(size, size) for size in PNG_SIZES]


def test_svg_source_renders(qapp: object):
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(ICONS / "crmdesk.svg"))
    assert renderer.isValid()
    assert renderer.defaultSize().width() == 512


# Linux desktop files


def test_desktop_entry_fields():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(DESKTOP, encoding="utf-8")
    fields = entry["Desktop Entry"]
    assert DESKTOP.name == f"{crmdesk.APP_ID}.desktop"
    assert fields["Type"] == "Application"
    assert fields["Exec"] == "crmdesk"
    assert fields["Icon"] == crmdesk.APP_ID
    for key in ("Name", "GenericName", "Comment"):
        assert fields[key]
        assert fields[f"{key}[zh_CN]"]
    categories = fields["Categories"].rstrip(";").split(";")
    assert "Office" in categories
    assert "Qt" in categories


def test_metainfo_fields():
    component = ElementTree.parse(METAINFO).getroot()
    assert METAINFO.name == f"{crmdesk.APP_ID}.metainfo.xml"
    assert component.get("type") == "desktop-application"
    assert component.findtext("id") == crmdesk.APP_ID
    launchable = component.find("launchable")
    assert launchable is not None
    assert launchable.text == f"{crmdesk.APP_ID}.desktop"
    assert component.findtext("provides/binary") == "crmdesk"
    assert component.find("content_rating") is not None
    assert component.findtext("developer/name")
    for tag in ("name", "summary", "description/p"):
        languages = {element.get(XML_LANG) for element in component.findall(tag)}
        assert languages == {None, "zh-CN"}, tag


def test_metainfo_newest_release_is_package_version():
    component = ElementTree.parse(METAINFO).getroot()
    releases = component.findall("releases/release")
    assert releases
    assert releases[0].get("version") == crmdesk.__version__


@pytest.mark.parametrize(
    ("tool", "arguments", "path"),
    [
        ("desktop-file-validate", [], DESKTOP),
        ("appstreamcli", ["validate", "--no-net"], METAINFO),
    ],
)
def test_desktop_files_validate(tool: str, arguments: list[str], path: Path):
    found = shutil.which(tool)
    if found is None:
        pytest.skip(f"{tool} is not installed (Debian: desktop-file-utils, appstream)")
    result = subprocess.run(
        [found, *arguments, str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


# Wheel


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    folder = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(folder), "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (wheel,) = folder.glob("crmdesk-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_wheel_contains_resources(wheel_names: set[str]):
    expected = repository_data_files()
    missing = sorted(
        f"{destination}/{Path(source).name}"
        for source, destination in expected.items()
        if f"{destination}/{Path(source).name}" not in wheel_names
    )
    assert not missing, f"not in the wheel: {missing}"


def test_wheel_contains_translations(wheel_names: set[str]):
    assert "crmdesk/resources/translations/crmdesk_zh_CN.qm" in wheel_names
    assert "crmdesk/resources/translations/crmdesk_en.qm" in wheel_names
    assert "crmdesk/resources/playbooks/education.toml" in wheel_names
    for size in PNG_SIZES:
        assert f"crmdesk/resources/icons/crmdesk-{size}.png" in wheel_names


def test_bundle_has_what_wheel_ships(bundle: ModuleType, wheel_names: set[str]):
    bundled = {
        f"{destination}/{Path(source).name}"
        for source, destination in bundle.data_files(ROOT)
    }
    shipped_data = {
        name
        for name in wheel_names
        if name.startswith("crmdesk/resources/") or "/migrations/" in name
    }
    missing = sorted(shipped_data - bundled)
    assert not missing, f"in the wheel but not in the bundle: {missing}"


# Inno Setup


def test_iss_template_fills_version(make_iss: ModuleType):
    template = (PACKAGING / "windows" / "crmdesk.iss.in").read_text(encoding="utf-8")
    values = make_iss.template_values("2.5.1", crmdesk.APP_ID, crmdesk.APP_NAME, ROOT)
    text = make_iss.fill_template(template, values)
    lines = text.splitlines()
    assert "AppVersion=2.5.1" in lines
    assert "VersionInfoVersion=2.5.1.0" in lines
    assert f"AppId={crmdesk.APP_ID}" in lines
    assert "OutputBaseFilename=crmdesk-2.5.1-setup" in lines
    assert "%(" not in text


def test_iss_script_written(make_iss: ModuleType, tmp_path: Path):
    output = tmp_path / "crmdesk.iss"
    assert make_iss.main(["--output", str(output)]) == 0
    lines = output.read_text(encoding="utf-8-sig").splitlines()
    assert f"AppVersion={crmdesk.__version__}" in lines
    assert any(line.startswith("SetupIconFile=") for line in lines)
    assert any("{uninstallexe}" in line for line in lines)


def test_iss_template_rejects_unknown_placeholder(make_iss: ModuleType):
    with pytest.raises(ValueError, match="'colour'"):
        make_iss.fill_template("X=%(colour)s", {"version": "1.0"})


@pytest.mark.parametrize(
    ("version", "numeric"),
    [
        ("0.1.0", "0.1.0.0"),
        ("2", "2.0.0.0"),
        ("1.2rc1", "1.2.0.0"),
        ("1.2.3+local", "1.2.3.0"),
        ("1.2.3.4.5", "1.2.3.4"),
    ],
)
def test_numeric_version(make_iss: ModuleType, version: str, numeric: str):
    assert make_iss.numeric_version(version) == numeric


def test_numeric_version_rejects_text(make_iss: ModuleType):
    with pytest.raises(ValueError, match="'dev'"):
        make_iss.numeric_version("dev")
