"""Reading and writing CSV lists. Pure Python: no Django.

Reading guesses the encoding (strict UTF-8 first, with or without a BOM; then
Windows-1252 or Latin-1), sniffs the delimiter and refuses hostile input with a reason
a person can act on. Writing neutralises spreadsheet formulas.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

MAX_BYTES = 20 * 1024 * 1024
MAX_COLUMNS = 200
DELIMITERS = ",;\t|"
# Cells a spreadsheet would run as a formula (or that hide one behind a tab or CR).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Bytes 0x80-0x9F are printable in Windows-1252 except these five; in Latin-1 they are
# all control characters, which real lists never hold.
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
# Control characters no list holds (tab, CR and LF are fine).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x80-\x9f]")
_BINARY_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) or Word file: save it as .xlsx or .csv",
    b"PK\x03\x04": "a zip archive that is not an Excel workbook",
    b"MZ": "a program",
}


class Refused(Exception):
    """The file as a whole cannot be read; `reason` says why (in English, a code-like
    sentence the interface layer may translate via `code`)."""

    def __init__(self, code: str, reason: str) -> None:
        self.code, self.reason = code, reason
        super().__init__(reason)


@dataclass
class Table:
    """A list read from a file: its header and its non-blank rows with their line
    numbers (the header is line 1)."""

    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""


def neutralise(value: object) -> str:
    """The cell as text, with a leading apostrophe when a spreadsheet would run it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def check_size(data: bytes, max_bytes: int) -> None:
    if not data.strip():
        raise Refused("empty", "The file is empty.")
    if len(data) > max_bytes:
        raise Refused(
            "too_big", f"The file is larger than {max_bytes // (1024 * 1024)} MB: split it."
        )


def detect_encoding(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of CSV bytes. Raises Refused for binary content."""
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise Refused("not_a_table", f"This is {what}, not a CSV or XLSX list.")
    if b"\x00" in data:
        raise Refused(
            "binary",
            "The file holds NUL bytes: it is binary, or UTF-16 text. Save it as CSV (UTF-8).",
        )
    try:
        if data.startswith(b"\xef\xbb\xbf"):
            text, encoding = data[3:].decode("utf-8"), "utf-8-sig"
        else:
            text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        high = {b for b in data if 0x80 <= b <= 0x9F}
        encoding = "cp1252" if high and not high & _CP1252_UNDEFINED else "latin-1"
        text = data.decode(encoding)
    controls = len(_CONTROL.findall(text))
    if controls > max(3, len(text) // 1000):
        raise Refused("binary", "The file is not text: it looks like binary data.")
    return text, encoding


def sniff_delimiter(text: str) -> str:
    sample = text[: 64 * 1024]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        counts = {d: first.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def header_names(raw: list[str]) -> list[str]:
    """Trimmed column names; blanks named by position, repeats numbered."""
    names: list[str] = []
    for index, cell in enumerate(raw, start=1):
        name = " ".join(str(cell or "").split()) or f"column {index}"
        base, n = name, 2
        while name in names:
            name, n = f"{base} ({n})", n + 1
        names.append(name)
    while names and names[-1].startswith("column ") and not str(raw[len(names) - 1] or "").strip():
        names.pop()  # trailing empty header cells are spreadsheet padding
    return names


def check_columns(count: int, max_columns: int) -> None:
    if count > max_columns:
        raise Refused(
            "too_many_columns",
            f"The file has {count} columns; at most {max_columns} are accepted.",
        )


def read_csv(data: bytes, *, max_bytes: int = MAX_BYTES, max_columns: int = MAX_COLUMNS) -> Table:
    """Read a CSV list (raises Refused naming the reason; nothing is partly read)."""
    check_size(data, max_bytes)
    text, encoding = detect_encoding(data)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        raw = next(reader, None)
        if raw is None or not any(c.strip() for c in raw):
            raise Refused("no_header", "The first line must name the columns; it is empty.")
        check_columns(len(raw), max_columns)
        table = Table(columns=header_names(raw), encoding=encoding, delimiter=delimiter)
        line = reader.line_num
        for row in reader:
            start, line = line + 1, reader.line_num
            if len(row) > max_columns:
                check_columns(len(row), max_columns)
            if any(cell.strip() for cell in row):
                table.rows.append(row)
                table.lines.append(start)
    except csv.Error as exc:
        raise Refused("not_csv", f"Line {reader.line_num} is not valid CSV ({exc}).") from exc
    return table


def write_csv(columns: Iterable[str], rows: Iterable[Iterable[object]]) -> bytes:
    """UTF-8 CSV with a BOM (so that spreadsheets read accents), formulas neutralised."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([neutralise(c) for c in columns])
    for row in rows:
        writer.writerow([neutralise(c) for c in row])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")
