"""Reading and writing CSV lists. Pure Python: no Django.

Reading guesses the encoding (strict UTF-8 first, with or without a BOM; then
Windows-1252 or Latin-1), sniffs the delimiter and refuses hostile input with a reason
a person can act on. Writing neutralises spreadsheet formulas.

Reasons are English sentences marked for translation with `_` (a marker only: this
module imports no Django); the interface translates `Refused.template` and fills in
`Refused.params`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

MAX_BYTES = 20 * 1024 * 1024
MAX_COLUMNS = 200
# Excel's own limit on a cell; no name, date or identifier comes near it.
MAX_CELL = 32_767
SNIFF_CHARS = 8 * 1024
DELIMITERS = ",;\t|"
# Cells a spreadsheet would run as a formula (or that hide one behind a tab or CR).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Bytes 0x80-0x9F are printable in Windows-1252 except these five; in Latin-1 they are
# all control characters, which real lists never hold.
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
# Control characters no list holds (tab, CR and LF are fine).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x80-\x9f]")
# Byte sequences no UTF-8 encoder writes: overlong forms (an old way to smuggle "/" or
# "<" past filters) and UTF-16 surrogates. Read as Latin-1 they would pass as letters.
_BAD_UTF8 = re.compile(
    rb"[\xc0\xc1][\x80-\xbf]|\xe0[\x80-\x9f][\x80-\xbf]|\xed[\xa0-\xbf][\x80-\xbf]"
    rb"|\xf0[\x80-\x8f][\x80-\xbf]{2}"
)
# A well-formed UTF-8 sequence of two or more bytes. Latin-1 text almost never holds
# one (an accented capital followed by a symbol such as "Â©"), so a file with
# both these and bytes that are not UTF-8 mixes encodings: reading it as Latin-1 would
# silently turn "Peña" into "PeÃ±a" on the UTF-8 lines.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
# A web page, an SVG image or an XML document (a PFIF file belongs on the PFIF page).
_MARKUP = re.compile(r"\s*<\s*(!doctype|html|svg|\?xml|script|body|head|iframe|[a-z]+:[a-z])", re.I)


def _(message: str) -> str:
    """Marks a message for translation (the catalogues pick it up); the interface
    translates it."""
    return message


_BINARY_MAGIC = {
    b"%PDF": _("This is a PDF document, not a CSV or XLSX list."),
    b"\x89PNG": _("This is a PNG image, not a CSV or XLSX list."),
    b"\xff\xd8\xff": _("This is a JPEG image, not a CSV or XLSX list."),
    b"GIF8": _("This is a GIF image, not a CSV or XLSX list."),
    b"\x1f\x8b": _("This is a gzip archive, not a CSV or XLSX list."),
    b"\xd0\xcf\x11\xe0": _(
        "This is an old Excel (.xls) or Word file, not a CSV or XLSX list: save it as .xlsx "
        "or .csv."
    ),
    b"PK\x03\x04": _("This is a zip archive that is not an Excel workbook."),
    b"MZ": _("This is a program, not a CSV or XLSX list."),
}


class Refused(Exception):
    """The file as a whole cannot be read. `code` names the reason for programs;
    `template` (English, marked for translation) with `params` says it to a person, and
    `reason` is that sentence in English."""

    def __init__(self, code: str, template: str, **params: object) -> None:
        self.code, self.template, self.params = code, template, params
        self.reason = template % params if params else template
        super().__init__(self.reason)


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
        raise Refused("empty", _("The file is empty."))
    if len(data) > max_bytes:
        raise Refused(
            "too_big",
            _("The file is larger than %(mb)d MB: split it."),
            mb=max_bytes // (1024 * 1024),
        )


def detect_encoding(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of CSV bytes. Raises Refused for binary content."""
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise Refused("not_a_table", what)
    if b"\x00" in data:
        raise Refused(
            "binary",
            _("The file holds NUL bytes: it is binary, or UTF-16 text. Save it as CSV (UTF-8)."),
        )
    try:
        if data.startswith(b"\xef\xbb\xbf"):
            text, encoding = data[3:].decode("utf-8"), "utf-8-sig"
        else:
            text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        if _BAD_UTF8.search(data):
            raise Refused(
                "bad_utf8",
                _(
                    "The file holds byte sequences that are not valid UTF-8 (overlong forms "
                    "or surrogates). Save it again as CSV (UTF-8)."
                ),
            ) from None
        if _UTF8_SEQUENCE.search(data):
            raise Refused(
                "mixed_encoding",
                _(
                    "The file mixes UTF-8 with another encoding, so some names would be "
                    "garbled. Save it again as CSV (UTF-8)."
                ),
            ) from None
        high = {b for b in data if 0x80 <= b <= 0x9F}
        encoding = "cp1252" if high and not high & _CP1252_UNDEFINED else "latin-1"
        text = data.decode(encoding)
    controls = len(_CONTROL.findall(text))
    if controls > max(3, len(text) // 1000):
        raise Refused("binary", _("The file is not text: it looks like binary data."))
    if _MARKUP.match(text):
        raise Refused(
            "markup",
            _(
                "This is an HTML or XML document (a web page, an image or a PFIF file), not a "
                "CSV or XLSX list. PFIF files are imported on the PFIF page."
            ),
        )
    return text, encoding


def sniff_delimiter(text: str) -> str:
    # csv.Sniffer's quote-guessing regexes are quadratic in the sample: 64 KB of ',",'
    # kept the upload request busy for 15 s of CPU. 8 KB (whole lines) holds a hundred
    # rows of a real list and bounds the worst case to a fraction of a second.
    sample = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rfind("\n") + 1]
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
            _("The file has %(count)d columns; at most %(max)d are accepted."),
            count=count,
            max=max_columns,
        )


def check_cells(cells: list[str], line: int) -> None:
    if any(len(cell) > MAX_CELL for cell in cells):
        raise Refused(
            "cell_too_long",
            _("Line %(line)d holds a cell of more than %(max)d characters."),
            line=line,
            max=MAX_CELL,
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
            raise Refused("no_header", _("The first line must name the columns; it is empty."))
        check_columns(len(raw), max_columns)
        check_cells(raw, 1)
        table = Table(columns=header_names(raw), encoding=encoding, delimiter=delimiter)
        line = reader.line_num
        for row in reader:
            start, line = line + 1, reader.line_num
            if len(row) > max_columns:
                check_columns(len(row), max_columns)
            check_cells(row, start)
            if any(cell.strip() for cell in row):
                table.rows.append(row)
                table.lines.append(start)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):  # the csv module's own cap
            check_cells(["x" * (MAX_CELL + 1)], reader.line_num)
        raise Refused(
            "not_csv",
            _("Line %(line)d is not valid CSV (%(error)s)."),
            line=reader.line_num,
            error=str(exc),
        ) from exc
    return table


def write_csv(columns: Iterable[str], rows: Iterable[Iterable[object]]) -> bytes:
    """UTF-8 CSV with a BOM (so that spreadsheets read accents), formulas neutralised."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([neutralise(c) for c in columns])
    for row in rows:
        writer.writerow([neutralise(c) for c in row])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")
