"""Translations: the committed .qm files, the .ts message sets and Chinese coverage."""

from __future__ import annotations

import importlib.util
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

_spec = importlib.util.spec_from_file_location(
    "build_translations", ROOT / "scripts" / "build_translations.py"
)
assert _spec is not None and _spec.loader is not None
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%n")


def messages(path: Path) -> dict[tuple[str, str], ET.Element]:
    """Return the messages of a .ts file by (context, source text)."""
    found = {}
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            found[(name, message.findtext("source") or "")] = message
    return found


def translations(message: ET.Element) -> list[str]:
    """Return the translated text, or each plural form of a numerus message."""
    element = message.find("translation")
    assert element is not None
    if message.get("numerus") == "yes":
        return [form.text or "" for form in element.iter("numerusform")]
    return [element.text or ""]


@pytest.mark.parametrize("language", build.LANGUAGES)
def test_committed_qm_matches_ts(language, tmp_path):
    compiled = tmp_path / f"crmdesk_{language}.qm"

    build.compile_ts(build.ts_file(language), compiled)

    assert compiled.read_bytes() == build.qm_file(language).read_bytes(), (
        f"crmdesk_{language}.qm is stale: run scripts/build_translations.py"
    )


@pytest.mark.parametrize("language", build.LANGUAGES)
def test_ts_lists_every_source_string(language, tmp_path):
    extracted = tmp_path / f"crmdesk_{language}.ts"
    shutil.copy(build.ts_file(language), extracted)

    build.extract(language, extracted)

    assert set(messages(extracted)) == set(messages(build.ts_file(language))), (
        "the code and the .ts differ: run scripts/build_translations.py"
    )


def test_every_chinese_string_is_translated():
    unfinished = []
    for key, message in messages(build.ts_file("zh_CN")).items():
        element = message.find("translation")
        texts = translations(message)
        if element.get("type") is not None or not all(t.strip() for t in texts):
            unfinished.append(key)

    assert unfinished == []


def test_chinese_keeps_placeholders():
    mismatched = []
    for (context, source), message in messages(build.ts_file("zh_CN")).items():
        wanted = sorted(PLACEHOLDER.findall(source))
        for text in translations(message):
            if sorted(PLACEHOLDER.findall(text)) != wanted:
                mismatched.append((context, source, text))

    assert mismatched == []


def test_english_plurals_are_finished():
    for key, message in messages(build.ts_file("en")).items():
        forms = translations(message)
        assert message.get("numerus") == "yes", key
        assert len(forms) == 2, key
        assert all("%n" in form for form in forms), key
