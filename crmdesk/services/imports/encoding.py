"""Reading CSV files whose encoding is not declared: UTF-8, UTF-8 with BOM or GBK.

Detection order: a byte order mark (``utf-8-sig``, ``utf-16``), then strict UTF-8,
then strict GBK, then strict GB18030 (a superset of GBK used by newer Chinese
Windows exports), and charset-normalizer as the last resort. Newlines are read in
universal mode, so CRLF, LF and CR files give the same rows.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer

from crmdesk.domain.errors import ValidationError

# Encodings tried strictly, in this order, after the BOM check.
_STRICT_CANDIDATES = ("utf-8", "gbk", "gb18030")


class FileReadError(ValidationError):
    """A CSV file cannot be read or decoded; the message names the file."""


@dataclass(frozen=True)
class DecodedText:
    """The text of a file and the encoding it was decoded with."""

    text: str
    encoding: str
    detected: bool


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise FileReadError(f"file not found: {path}") from None
    except IsADirectoryError:
        raise FileReadError(
            f"{path} is a folder: give the path of a CSV file"
        ) from None
    except OSError as error:
        raise FileReadError(f"cannot read {path}: {error.strerror}") from None


def _decode_forced(path: Path, data: bytes, encoding: str) -> DecodedText:
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise FileReadError(
            f"unknown encoding {encoding!r} for {path}: use a Python codec name "
            f"such as utf-8, utf-8-sig, gbk or gb18030"
        ) from None
    name = codec.name
    if name == "utf-8" and data.startswith(codecs.BOM_UTF8):
        # A forced UTF-8 read of a file with a BOM would keep the BOM in the
        # first column name, so the mapping would not find that column.
        name = "utf-8-sig"
    try:
        text = data.decode(name)
    except UnicodeDecodeError as error:
        raise FileReadError(
            f"{path} is not valid {encoding}: byte {error.start} "
            f"(0x{data[error.start]:02x}) cannot be decoded. Try another "
            f"--encoding, such as utf-8 or gbk, or omit it to detect the encoding"
        ) from None
    return DecodedText(text, name, detected=False)


def _decode_detected(path: Path, data: bytes) -> DecodedText:
    if data.startswith(codecs.BOM_UTF8):
        return DecodedText(data.decode("utf-8-sig"), "utf-8-sig", detected=True)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return DecodedText(data.decode("utf-16"), "utf-16", detected=True)
        except UnicodeDecodeError:
            pass
    for candidate in _STRICT_CANDIDATES:
        try:
            return DecodedText(data.decode(candidate), candidate, detected=True)
        except UnicodeDecodeError:
            continue
    best = charset_normalizer.from_bytes(data).best()
    if best is not None and best.encoding:
        return DecodedText(str(best), best.encoding, detected=True)
    raise FileReadError(
        f"cannot detect the encoding of {path}: it is not UTF-8, GBK or GB18030. "
        f"Name the encoding with --encoding (for example --encoding big5)"
    )


def read_text(path: Path, encoding: str | None = None) -> DecodedText:
    """Read a whole text file, detecting its encoding unless one is given.

    Raises:
        FileReadError: the file is missing or unreadable, the encoding name is
            unknown, or the bytes do not decode.
    """
    data = _read_bytes(path)
    if encoding:
        return _decode_forced(path, data, encoding)
    return _decode_detected(path, data)


@dataclass(frozen=True)
class CsvRow:
    """A data row with the physical line it starts on (the header is line 1)."""

    line: int
    values: list[str]


@dataclass(frozen=True)
class CsvTable:
    """A parsed CSV file: header, data rows and the encoding used."""

    path: Path
    encoding: str
    header: list[str]
    rows: list[CsvRow]

    def column_index(self) -> dict[str, int]:
        """Return the position of each column name (the first one if repeated)."""
        index: dict[str, int] = {}
        for position, name in enumerate(self.header):
            index.setdefault(name, position)
        return index


def read_csv(path: Path, encoding: str | None = None) -> CsvTable:
    """Read a comma-separated file with a header row.

    Blank lines are skipped and are not rows. A quoted value may span several
    lines. Each row records the line it starts on, so reports point at the line
    an editor shows.

    Raises:
        FileReadError: the file cannot be read or decoded, is empty, has no
            header, or is not valid CSV.
    """
    decoded = read_text(path, encoding)
    # newline=None turns CRLF and CR into LF, so csv gets one kind of line end.
    reader = csv.reader(io.StringIO(decoded.text, newline=None))
    rows: list[CsvRow] = []
    header: list[str] | None = None
    consumed = 0
    try:
        for values in reader:
            start_line = consumed + 1
            consumed = reader.line_num
            if not values or (len(values) == 1 and not values[0].strip()):
                continue
            if header is None:
                header = [name.strip() for name in values]
                continue
            rows.append(CsvRow(start_line, values))
    except csv.Error as error:
        raise FileReadError(
            f"{path} is not valid CSV near line {reader.line_num}: {error}"
        ) from None
    if header is None:
        raise FileReadError(
            f"{path} is empty: a header row with column names is needed"
        )
    return CsvTable(path, decoded.encoding, header, rows)
