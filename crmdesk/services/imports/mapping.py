"""Column-mapping files: the CSV column of each deal field.

A mapping is a TOML file (``docs/import.md`` has the reference and an example):

    series = "b2b-sales"            # target series: key, id or name
    source = "legacy-crm"           # external_source of the deals and customers
    currency = "USD"                # used when there is no currency column
    date_format = "%Y-%m-%d"        # strptime format of every date column
    owners = "existing"             # or "create"
    default_lost_reason = "other"   # optional

    [columns]                        # deal field = CSV column name
    [stages]                         # CSV value = stage key of the series
    [lost_reasons]                   # CSV value = lost reason key of the series

``load_mapping`` checks the file on its own; ``check_columns`` checks it against
a CSV header. Both report every problem in one ``MappingError``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from crmdesk.domain.errors import ValidationError
from crmdesk.domain.money import check_currency

# Deal fields a mapping may name a column for, with the content of each.
FIELDS: dict[str, str] = {
    "external_key": "the row's id in the source system, so re-imports update",
    "title": "the deal title",
    "customer": "the customer name",
    "amount": "the expected amount",
    "currency": "the ISO 4217 currency code of the amounts",
    "expected_close": "the expected close date",
    "created": "the date the deal was opened",
    "owner": "the owner's login or display name",
    "stage": "the stage, mapped through [stages]",
    "actual_amount": "the actual amount of a won deal",
    "close_date": "the date the deal was won or lost",
    "lost_reason": "the lost reason, mapped through [lost_reasons]",
    "outcome_note": "the note of the outcome",
}
REQUIRED_FIELDS = ("title", "stage")

_TOP_KEYS = (
    "series",
    "source",
    "currency",
    "date_format",
    "owners",
    "default_lost_reason",
    "columns",
    "stages",
    "lost_reasons",
)
_SOURCE_MAX = 40


class OwnerPolicy(StrEnum):
    """The handling of an owner value that matches no user."""

    EXISTING = "existing"
    CREATE = "create"


class MappingError(ValidationError):
    """A mapping file is invalid, or does not fit the CSV or the series."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"invalid mapping file {path}:\n{lines}")


@dataclass(frozen=True)
class DealMapping:
    """A checked mapping file.

    ``stages`` and ``lost_reasons`` are keyed by the CSV value folded with
    ``fold_value``, so matching ignores case and surrounding spaces.
    """

    path: Path
    series: str
    source: str
    currency: str | None
    date_format: str
    owners: OwnerPolicy
    default_lost_reason: str | None
    columns: dict[str, str]
    stages: dict[str, str]
    lost_reasons: dict[str, str]

    def column(self, field: str) -> str | None:
        """Return the CSV column of a deal field, or None when it is not mapped."""
        return self.columns.get(field)


def fold_value(value: str) -> str:
    """Return the form of a CSV value used to look it up in a value table."""
    return " ".join(value.split()).casefold()


def _text(
    raw: dict[str, Any], key: str, problems: list[str], default: str | None
) -> str | None:
    value = raw.get(key, default)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{key} must be a non-empty string, not {value!r}")
        return default
    return value.strip()


def _value_table(
    raw: dict[str, Any], key: str, problems: list[str], *, required: bool
) -> dict[str, str]:
    table = raw.get(key)
    if table is None:
        if required:
            problems.append(
                f"[{key}] is missing: add a table of CSV value = key, "
                f'such as "Closed won" = "won"'
            )
        return {}
    if not isinstance(table, dict):
        problems.append(f"{key} must be a table of CSV value = key")
        return {}
    result: dict[str, str] = {}
    for value, target in table.items():
        if not isinstance(target, str) or not target.strip():
            problems.append(
                f"[{key}] {value!r} must map to a key string, not {target!r}"
            )
            continue
        folded = fold_value(value)
        if folded in result and result[folded] != target.strip():
            problems.append(
                f"[{key}] maps {value!r} twice (values match without regard to "
                f"case and spaces)"
            )
        result[folded] = target.strip()
    if required and not result and not problems:
        problems.append(f"[{key}] is empty: map at least one CSV value")
    return result


def _columns(raw: dict[str, Any], problems: list[str]) -> dict[str, str]:
    table = raw.get("columns")
    if not isinstance(table, dict):
        problems.append(
            "[columns] is missing: map at least title and stage to CSV column names"
        )
        return {}
    columns: dict[str, str] = {}
    for field, column in table.items():
        if field not in FIELDS:
            problems.append(
                f"[columns] has an unknown field {field!r}: use one of "
                + ", ".join(FIELDS)
            )
            continue
        if not isinstance(column, str) or not column.strip():
            problems.append(f"[columns] {field} must be a CSV column name string")
            continue
        columns[field] = column.strip()
    for field in REQUIRED_FIELDS:
        if field not in columns and field in FIELDS and isinstance(table, dict):
            problems.append(f"[columns] has no {field}: name the CSV column of {field}")
    return columns


def _date_format(raw: dict[str, Any], problems: list[str]) -> str:
    value = _text(raw, "date_format", problems, "%Y-%m-%d") or "%Y-%m-%d"
    sample = datetime(2017, 3, 14)
    try:
        round_trip = datetime.strptime(sample.strftime(value), value)
    except ValueError:
        round_trip = None
    if round_trip is None or round_trip.date() != sample.date():
        problems.append(
            f"date_format {value!r} cannot read back a date it writes: use strptime "
            f"codes for day, month and year, such as %Y-%m-%d or %d/%m/%Y"
        )
    return value


def parse_mapping(raw: dict[str, Any], path: Path) -> DealMapping:
    """Check the parsed TOML of a mapping file and build the mapping.

    Raises:
        MappingError: listing every problem found.
    """
    problems: list[str] = []
    for key in raw:
        if key not in _TOP_KEYS:
            problems.append(f"unknown key {key!r}: use one of " + ", ".join(_TOP_KEYS))
    series = _text(raw, "series", problems, None)
    if series is None:
        problems.append("series is missing: name the target series by key or name")
    source = _text(raw, "source", problems, path.stem) or path.stem
    if len(source) > _SOURCE_MAX:
        problems.append(f"source {source!r} is longer than {_SOURCE_MAX} characters")
    currency = _text(raw, "currency", problems, None)
    if currency is not None:
        try:
            currency = check_currency(currency)
        except ValidationError as error:
            problems.append(str(error))
    owners_text = _text(raw, "owners", problems, OwnerPolicy.EXISTING.value)
    try:
        owners = OwnerPolicy(owners_text or OwnerPolicy.EXISTING.value)
    except ValueError:
        problems.append(f"owners must be 'existing' or 'create', not {owners_text!r}")
        owners = OwnerPolicy.EXISTING
    mapping = DealMapping(
        path=path,
        series=series or "",
        source=source,
        currency=currency,
        date_format=_date_format(raw, problems),
        owners=owners,
        default_lost_reason=_text(raw, "default_lost_reason", problems, None),
        columns=_columns(raw, problems),
        stages=_value_table(raw, "stages", problems, required=True),
        lost_reasons=_value_table(raw, "lost_reasons", problems, required=False),
    )
    if problems:
        raise MappingError(path, problems)
    return mapping


def load_mapping(path: Path) -> DealMapping:
    """Read and check a mapping file.

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
    return parse_mapping(raw, path)


def check_columns(mapping: DealMapping, header: list[str], csv_path: Path) -> None:
    """Check that every column the mapping names is in the CSV header.

    Raises:
        MappingError: naming each missing column and listing the CSV's columns.
    """
    present = set(header)
    listed = ", ".join(repr(name) for name in header)
    problems = [
        f"[columns] {field} = {column!r}, but {csv_path.name} has no column "
        f"{column!r}. Its columns are: {listed}"
        for field, column in mapping.columns.items()
        if column not in present
    ]
    if problems:
        raise MappingError(mapping.path, problems)
