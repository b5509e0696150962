"""Column-mapping files of lead imports, and the columns found without one.

A lead mapping is a TOML file (``docs/import.md`` has the reference):

    external_source = "expo-2026"   # names the file's keys; default "leads"
    sheet = "Leads"                 # .xlsx only: the worksheet (default: first)
    required = ["source"]           # fields that must not be empty

    [columns]                        # lead field = column name
    external_key = "ID"
    company = "公司名称"
    person = "联系人"
    phone = "手机"

    [defaults]                       # values of fields the file has no column for
    source = "Trade fair"
    campaign = "Spring expo 2026"

Without a mapping file the importer looks for columns named like the fields, in
English or Chinese (``COLUMN_ALIASES``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crmdesk.services.imports.mapping import MappingError, fold_value
from crmdesk.services.leads import LEAD_FIELDS

DEFAULT_EXTERNAL_SOURCE = "leads"
_SOURCE_MAX = 40

MAPPED_FIELDS = ("external_key", *LEAD_FIELDS)

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "external_key": ("external_key", "id", "lead id", "key", "编号", "线索编号"),
    "company": ("company", "company name", "organisation", "organization",
                "account", "公司", "公司名称", "单位", "机构", "学校"),
    "person": ("person", "name", "contact", "contact name", "full name",
               "联系人", "姓名", "客户姓名", "家长姓名"),
    "job_title": ("job_title", "job title", "title", "position", "职位", "职务"),
    "phone": ("phone", "mobile", "telephone", "tel", "phone number",
              "电话", "手机", "手机号", "联系电话"),
    "email": ("email", "e-mail", "mail", "email address", "邮箱", "电子邮件", "邮件"),
    "source": ("source", "lead source", "来源", "线索来源", "渠道"),
    "campaign": ("campaign", "活动", "市场活动"),
    "notes": ("notes", "note", "comments", "remarks", "备注", "说明"),
}  # fmt: skip

_TOP_KEYS = ("external_source", "sheet", "required", "columns", "defaults")


@dataclass(frozen=True)
class LeadMapping:
    """A checked lead mapping: the column of each field and the defaults."""

    path: Path | None
    external_source: str = DEFAULT_EXTERNAL_SOURCE
    sheet: str | None = None
    required: tuple[str, ...] = ()
    columns: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The mapping file's path, or a phrase for the found columns."""
        return str(self.path) if self.path else "the column names of the file"


def _string_table(
    raw: dict[str, Any], key: str, problems: list[str], fields: tuple[str, ...]
) -> dict[str, str]:
    table = raw.get(key, {})
    if not isinstance(table, dict):
        problems.append(f"{key} must be a table of field = text")
        return {}
    result: dict[str, str] = {}
    for name, value in table.items():
        if name not in fields:
            problems.append(
                f"[{key}] has an unknown field {name!r}: use one of "
                + ", ".join(fields)
            )
        elif not isinstance(value, str) or not value.strip():
            problems.append(f"[{key}] {name} must be a non-empty string")
        else:
            result[name] = value.strip()
    return result


def parse_lead_mapping(raw: dict[str, Any], path: Path) -> LeadMapping:
    """Check the parsed TOML of a lead mapping file.

    Raises:
        MappingError: listing every problem found.
    """
    problems: list[str] = []
    for key in raw:
        if key not in _TOP_KEYS:
            problems.append(f"unknown key {key!r}: use one of " + ", ".join(_TOP_KEYS))
    source = raw.get("external_source", DEFAULT_EXTERNAL_SOURCE)
    if not isinstance(source, str) or not source.strip():
        problems.append(f"external_source must be a non-empty string, not {source!r}")
        source = DEFAULT_EXTERNAL_SOURCE
    elif len(source.strip()) > _SOURCE_MAX:
        problems.append(
            f"external_source {source!r} is longer than {_SOURCE_MAX} characters"
        )
    sheet = raw.get("sheet")
    if sheet is not None and (not isinstance(sheet, str) or not sheet.strip()):
        problems.append(f"sheet must be the name of a worksheet, not {sheet!r}")
        sheet = None
    required = raw.get("required", [])
    if not isinstance(required, list) or not all(
        isinstance(name, str) and name in LEAD_FIELDS for name in required
    ):
        problems.append(
            f"required must be a list of lead fields, not {required!r}: use names "
            f"from " + ", ".join(LEAD_FIELDS)
        )
        required = []
    columns = _string_table(raw, "columns", problems, MAPPED_FIELDS)
    if "columns" in raw and not columns and not problems:
        problems.append("[columns] is empty: map at least company or person")
    defaults = _string_table(raw, "defaults", problems, LEAD_FIELDS)
    if problems:
        raise MappingError(path, problems)
    return LeadMapping(
        path=path,
        external_source=source.strip(),
        sheet=sheet.strip() if isinstance(sheet, str) else None,
        required=tuple(required),
        columns=columns,
        defaults=defaults,
    )


def load_lead_mapping(path: Path) -> LeadMapping:
    """Read and check a lead mapping file.

    Raises:
        MappingError: the file is missing, is not TOML, or is invalid.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise MappingError(path, ["the file does not exist"]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise MappingError(path, [f"cannot read the file: {error}"]) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise MappingError(path, [f"invalid TOML: {error}"]) from None
    return parse_lead_mapping(raw, path)


def resolve_columns(
    mapping: LeadMapping | None, header: list[str], file: Path
) -> tuple[LeadMapping, dict[str, int]]:
    """Return the mapping to use and the column position of each mapped field.

    Without a mapping, or with one that has no [columns] table, the columns are
    found by name (``COLUMN_ALIASES``, ignoring case and spaces).

    Raises:
        MappingError: a mapped column is not in the header, or no column of the
            file names a company or a person.
    """
    used = mapping if mapping is not None else LeadMapping(path=None)
    positions: dict[str, int] = {}
    problems: list[str] = []
    listed = ", ".join(repr(name) for name in header)
    if used.columns:
        index = {name: position for position, name in enumerate(header)}
        for name, column in used.columns.items():
            if column in index:
                positions[name] = index[column]
            else:
                problems.append(
                    f"[columns] {name} = {column!r}, but {file.name} has no column "
                    f"{column!r}. Its columns are: {listed}"
                )
    else:
        folded = {fold_value(name): position for position, name in enumerate(header)}
        for name, aliases in COLUMN_ALIASES.items():
            for alias in aliases:
                if fold_value(alias) in folded:
                    positions[name] = folded[fold_value(alias)]
                    break
    if not problems and "company" not in positions and "person" not in positions:
        problems.append(
            f"{file.name} has no company or person column. Its columns are: "
            f"{listed}. Name the columns in a mapping file (--mapping) or rename "
            f"them to company, person, phone, email"
        )
    if problems:
        raise MappingError(used.path or file, problems)
    return used, positions
