"""The result of an import and the CSV report of the rows it rejected."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from crmdesk.domain.errors import ValidationError

REPORT_FOLDER = "import-reports"


@dataclass(frozen=True)
class RejectedRow:
    """A source row that was not imported, with the reason and its values."""

    file: str
    line: int
    reason: str
    header: tuple[str, ...]
    values: tuple[str, ...]


@dataclass
class ImportResult:
    """What an import did with every data row of the deal file.

    Each data row counts exactly once: ``imported`` (a new deal), ``updated`` (an
    existing deal moved to the stage the file now gives), ``unchanged`` or
    ``rejected``. ``check_counts`` enforces this before the result is returned.
    ``warnings`` are rows imported with a repaired value, such as a product name
    paired by fuzzy matching; ``fuzzy_matches`` maps each source value to the name
    it was paired with and the number of rows.
    """

    source_file: Path
    rows: int
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected_rows: list[RejectedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    fuzzy_matches: dict[str, tuple[str, int]] = field(default_factory=dict)
    report_path: Path | None = None
    encoding: str = ""
    seconds: float = 0.0

    @property
    def rejected(self) -> int:
        """The number of rejected deal rows."""
        return sum(1 for row in self.rejected_rows if row.file == self.source_file.name)

    @property
    def fuzzy_match_rows(self) -> int:
        """The number of rows whose product was paired by fuzzy matching."""
        return sum(count for _name, count in self.fuzzy_matches.values())

    def check_counts(self) -> None:
        """Raise unless imported + updated + unchanged + rejected equals the rows.

        Raises:
            ValidationError: a row was counted twice or not at all; this is a bug
                in the importer, and the caller must roll back.
        """
        total = self.imported + self.updated + self.unchanged + self.rejected
        if total != self.rows:
            raise ValidationError(
                f"import of {self.source_file} counted {total} rows but the file "
                f"has {self.rows} data rows: the import was not applied"
            )


def default_report_path(folder: Path, now: datetime) -> Path:
    """Return a new report file name in ``folder/import-reports``, by timestamp."""
    stamp = now.strftime("%Y%m%d-%H%M%S")
    return folder / REPORT_FOLDER / f"rejected-deals-{stamp}.csv"


def write_report(path: Path, rows: list[RejectedRow]) -> Path:
    """Write the rejected rows as CSV in UTF-8 with a BOM, so Excel reads Chinese.

    Columns: file, line, reason, then every column of the source files in order
    of first appearance, holding the row's original values.

    Raises:
        ValidationError: the report file cannot be written.
    """
    columns: list[str] = []
    for row in rows:
        for name in row.header:
            if name not in columns:
                columns.append(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(["file", "line", "reason", *columns])
            for row in rows:
                by_name = dict(zip(row.header, row.values, strict=False))
                # Values beyond the header (a row with too many values) go last.
                extra = list(row.values[len(row.header) :])
                writer.writerow(
                    [
                        row.file,
                        row.line,
                        row.reason,
                        *(by_name.get(name, "") for name in columns),
                        *extra,
                    ]
                )
    except OSError as error:
        raise ValidationError(
            f"cannot write the import report {path}: {error.strerror}. "
            f"Choose another file with --report"
        ) from None
    return path
