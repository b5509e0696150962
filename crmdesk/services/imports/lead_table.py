"""Reading a lead file: CSV (with the deal importer's encoding detection) or .xlsx.

Both give a ``CsvTable``: the header and the data rows, each with the line an
editor shows (for .xlsx, the worksheet row number). Empty rows are skipped.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from crmdesk.services.imports.encoding import (
    CsvRow,
    CsvTable,
    FileReadError,
    check_header,
    read_csv,
)

XLSX_SUFFIXES = (".xlsx", ".xlsm")

# The first bytes of an .xlsx (a zip archive) and of an OLE compound file, which
# is what Excel 97-2003 (.xls) and password-protected workbooks are.
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")


def _check_content(path: Path) -> None:
    """Raise when the file's bytes do not fit its suffix, saying what it is."""
    try:
        with path.open("rb") as stream:
            start = stream.read(8)
    except OSError:
        return  # the reader reports a missing or unreadable file
    is_workbook_name = path.suffix.lower() in XLSX_SUFFIXES
    if start.startswith(_OLE_MAGIC):
        raise FileReadError(
            f"{path} is a password-protected workbook or an Excel 97-2003 (.xls) "
            f"workbook, which cannot be read: remove the password, or open it in "
            f"Excel and save it as .xlsx, then import that file"
        )
    if start.startswith(_ZIP_MAGIC) and not is_workbook_name:
        raise FileReadError(
            f"{path} is an Excel workbook although its name does not end in "
            f".xlsx: rename it to .xlsx and import again"
        )
    if is_workbook_name and start and not start.startswith(_ZIP_MAGIC):
        raise FileReadError(
            f"{path} is not a readable .xlsx workbook: its content is not an Excel "
            f"file although its name ends in {path.suffix}. If it is a CSV text "
            f"file, rename it to .csv and import again; otherwise save it from "
            f"Excel as .xlsx"
        )


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Phone numbers typed into Excel become floats such as 13800138000.0.
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        if value.time() == time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value).strip()


def read_xlsx(path: Path, sheet: str | None = None) -> CsvTable:
    """Read one worksheet of an Excel workbook, the first unless ``sheet`` is named.

    Raises:
        FileReadError: the file is missing, not an .xlsx workbook, has no such
            sheet, or has no header row.
    """
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise FileReadError(f"file not found: {path}") from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise FileReadError(
            f"{path} is not a readable .xlsx workbook ({error}): save it from Excel "
            f"as .xlsx, or export it as CSV"
        ) from None
    try:
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        else:
            raise FileReadError(
                f"{path} has no sheet {sheet!r}: its sheets are "
                + ", ".join(repr(name) for name in workbook.sheetnames)
            )
        header: list[str] | None = None
        rows: list[CsvRow] = []
        for number, cells in enumerate(worksheet.iter_rows(values_only=True), start=1):
            values = [_cell_text(cell) for cell in cells]
            while values and not values[-1]:
                values.pop()
            if not values:
                continue
            if header is None:
                header = values
                continue
            rows.append(CsvRow(number, values))
    finally:
        workbook.close()
    if header is None:
        raise FileReadError(
            f"{path} is empty: a header row with column names is needed"
        )
    check_header(path, header)
    return CsvTable(path, "xlsx", header, rows)


def read_lead_table(
    path: Path, encoding: str | None = None, sheet: str | None = None
) -> CsvTable:
    """Read a lead file by its suffix: .xlsx or .xlsm as a workbook, else as CSV.

    Raises:
        FileReadError: the file cannot be read, or ``encoding`` is given for a
            workbook.
    """
    _check_content(path)
    if path.suffix.lower() in XLSX_SUFFIXES:
        if encoding:
            raise FileReadError(
                f"{path} is an Excel workbook, which has no text encoding: "
                f"leave out --encoding"
            )
        return read_xlsx(path, sheet)
    return read_csv(path, encoding)
