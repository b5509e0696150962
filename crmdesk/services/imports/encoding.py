"""Reading CSV files whose encoding is not declared: UTF-8, UTF-8 with BOM or GBK.

Detection order: a byte order mark (``utf-8-sig``, ``utf-16``), then strict UTF-8,
then strict GBK, then strict GB18030 (a superset of GBK used by newer Chinese
Windows exports). Any other file must name its encoding; charset-normalizer's
guess is only offered in the error. Newlines are read in universal mode, so
CRLF, LF and CR files give the same rows.
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
    elif data.startswith(codecs.BOM_UTF8) and not name.startswith("utf"):
        # Some tools put a UTF-8 byte order mark in front of GBK text. In GBK
        # those three bytes would become junk characters in the first column
        # name, so they are dropped.
        data = data[len(codecs.BOM_UTF8) :]
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
        body = data[len(codecs.BOM_UTF8) :]
        try:
            return DecodedText(body.decode("utf-8"), "utf-8-sig", detected=True)
        except UnicodeDecodeError as error:
            position = error.start + len(codecs.BOM_UTF8)
            raise FileReadError(
                f"{path} starts with a UTF-8 byte order mark, but byte "
                f"{position} (0x{data[position]:02x}) is not UTF-8: the text "
                f"after the mark is in another encoding. If it is Chinese text "
                f"from Excel, pass --encoding gbk; otherwise save the file again "
                f"as UTF-8"
            ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return DecodedText(data.decode("utf-16"), "utf-16", detected=True)
        except UnicodeDecodeError:
            pass
    for candidate in _STRICT_CANDIDATES:
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError:
            continue
        if candidate != "utf-8" and _looks_like_western_text(data):
            raise FileReadError(_ambiguous_message(path, text, candidate))
        return DecodedText(text, candidate, detected=True)
    # Guessing a single-byte encoding from the bytes alone picks the wrong one
    # often enough (charset-normalizer takes German Latin-1 text for Baltic
    # cp775) that a guess would import garbled names without a word. The guess
    # only goes into the message.
    best = charset_normalizer.from_bytes(data).best()
    hint = ""
    if best is not None and best.encoding:
        hint = f" (it may be {best.encoding})"
    raise FileReadError(
        f"cannot detect the encoding of {path}: it is not UTF-8, GBK or "
        f"GB18030{hint}. Name it with --encoding, for example --encoding cp1252 "
        f"for a Western European file or --encoding big5 for Traditional Chinese"
    )


# Share of double-byte sequences with an ASCII trail byte above which a file that
# decodes as GBK is taken for a Western single-byte file (Latin-1, cp1252).
_WESTERN_SHARE = 0.2


def _looks_like_western_text(data: bytes) -> bool:
    """Tell whether bytes that decode as GBK are more likely Latin-1 or cp1252.

    In Chinese text both bytes of a GBK character are almost always 0xA1 or
    above. A Western file has single accented letters (0x80-0xFF) followed by an
    ASCII letter, which GBK reads as one character with an ASCII trail byte:
    "Müller" becomes "M黮ler".
    """
    pairs = 0
    ascii_trails = 0
    index = 0
    while index < len(data) - 1:
        if data[index] < 0x80:
            index += 1
            continue
        pairs += 1
        if data[index + 1] < 0x80:
            ascii_trails += 1
        index += 2
    return pairs > 0 and ascii_trails / pairs > _WESTERN_SHARE


def _ambiguous_message(path: Path, text: str, candidate: str) -> str:
    line_number, sample = next(
        (
            (number, line)
            for number, line in enumerate(text.splitlines(), start=1)
            if not line.isascii()
        ),
        (1, text[:80]),
    )
    return (
        f"cannot tell the encoding of {path}: it is not UTF-8, and read as "
        f"{candidate} line {line_number} says {sample[:80]!r}. If that is right, "
        f"pass --encoding {candidate}; for a Western European file pass "
        f"--encoding cp1252"
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
    # strict=True makes a quote left open at the end of the file an error
    # instead of one value that swallows every line after it.
    reader = csv.reader(io.StringIO(decoded.text, newline=None), strict=True)
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
            # A byte order mark inside the file (two exports joined together) is
            # invisible in editors; it must not become part of a value or key.
            rows.append(CsvRow(start_line, [v.lstrip("\ufeff") for v in values]))
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            raise FileReadError(
                f"{path} is not valid CSV: the quoted value that starts on line "
                f"{consumed + 1} is never closed, so every line after it would be "
                f"read as one value. Add the closing quote and import again"
            ) from None
        raise FileReadError(
            f"{path} is not valid CSV near line {reader.line_num}: {error}"
        ) from None
    if header is None:
        raise FileReadError(
            f"{path} is empty: a header row with column names is needed"
        )
    _check_separator(path, header)
    check_header(path, header)
    return CsvTable(path, decoded.encoding, header, rows)


# Column separators other than the comma that spreadsheet programs write in
# some locales (the semicolon where the comma is the decimal mark).
OTHER_SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def _check_separator(path: Path, header: list[str]) -> None:
    """Raise when the header is one column that another separator splits."""
    if len(header) != 1:
        return
    for separator, name in OTHER_SEPARATORS.items():
        if separator in header[0]:
            raise FileReadError(
                f"{path}: the header row {header[0]!r} is one column, because the "
                f"file separates columns with {name} ({separator!r}) rather than "
                f"commas. Save it as CSV with commas (in Excel: CSV UTF-8), and "
                f"import again"
            )


def check_header(path: Path, header: list[str]) -> None:
    """Raise when two columns share a name, naming both positions.

    Raises:
        FileReadError: a name repeats, or two columns have no name.
    """
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if not name and name in seen:
            raise FileReadError(
                f"{path}: columns {seen[name]} and {position} of the header row "
                f"have no name: give every column a name, or delete the empty "
                f"columns, and import again"
            )
        if name in seen:
            raise FileReadError(
                f"{path}: column name {name!r} appears twice (columns "
                f"{seen[name]} and {position}): rename one so the mapping can tell "
                f"them apart"
            )
        seen[name] = position
