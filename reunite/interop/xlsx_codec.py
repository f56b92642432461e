"""Reading and writing XLSX lists with openpyxl. Pure Python: no Django.

A workbook is a zip archive: before openpyxl sees it, the archive's directory is
checked, so a zip bomb is refused without being inflated, and a workbook carrying more
than cells (macros, links to other files or hosts, embedded programs, parts named to
escape a folder) is refused too: a list needs none of them, and whoever opens the
file again (a colleague, from an export) should not meet them.
"""

from __future__ import annotations

import datetime
import io
import lzma
import re
import zipfile
import zlib
from collections.abc import Iterable

from reunite.interop.csv_codec import (
    MAX_BYTES,
    MAX_COLUMNS,
    Refused,
    Table,
    _,
    check_cells,
    check_columns,
    check_size,
    header_names,
    neutralise,
)

MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 100
# Excel's own last row. openpyxl pads the gap before a row with empty rows, so a tiny
# sheet with one row numbered 2,000,000,000 would keep the reader busy for minutes.
MAX_ROWS = 1_048_576
# A workbook of lists has a dozen parts; thousands are a directory bomb.
MAX_MEMBERS = 1000
# Parts that hold something other than cells: VBA macros, links to other workbooks or
# hosts, embedded objects and ActiveX controls, and macro-enabled content types.
_ACTIVE = re.compile(
    r"(^|/)(vbaProject\.bin|vbaData\.xml)$|^xl/(externalLinks|embeddings|activeX|ctrlProps)/",
    re.I,
)
_MACRO_TYPE = b"macroEnabled"
# What zipfile raises on a damaged, encrypted or exotic archive (found by fuzzing: a
# damaged deflate stream raises zlib.error, which is none of the others).
_DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    OSError,
    ValueError,
    EOFError,
    RuntimeError,
    NotImplementedError,
)


def is_xlsx(data: bytes) -> bool:
    return data.startswith(b"PK\x03\x04")


def check_archive(
    data: bytes, *, max_uncompressed: int = MAX_UNCOMPRESSED, max_ratio: int = MAX_RATIO
) -> None:
    """Refuse archives that are not workbooks, or that would inflate too far."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            content_types = _small_part(archive, "[Content_Types].xml")
    except _DAMAGED as exc:
        raise Refused(
            "not_xlsx", _("The file is a damaged Excel workbook or zip archive.")
        ) from exc
    names = {e.filename for e in entries}
    if "xl/workbook.xml" not in names:
        raise Refused("not_a_table", _("This zip archive is not an Excel (.xlsx) workbook."))
    if len(entries) > MAX_MEMBERS:
        raise Refused(
            "zip_bomb",
            _("The workbook has %(count)d parts; at most %(max)d are accepted (a zip bomb?)."),
            count=len(entries),
            max=MAX_MEMBERS,
        )
    if any(_escapes(name) for name in names):
        raise Refused(
            "bad_member",
            _(
                "The workbook holds parts whose file names point outside it (\"..\", absolute "
                "or Windows paths): it was refused."
            ),
        )
    if _MACRO_TYPE in content_types or any(_ACTIVE.search(name) for name in names):
        raise Refused(
            "active_content",
            _(
                "The workbook holds macros, external links or embedded objects. Save it as a "
                "plain Excel workbook (.xlsx) or as CSV."
            ),
        )
    inflated = sum(e.file_size for e in entries)
    packed = sum(e.compress_size for e in entries) or 1
    if inflated > max_uncompressed:
        raise Refused(
            "zip_bomb",
            _("The workbook would unpack to %(mb)d MB; at most %(max)d MB are accepted."),
            mb=inflated // (1024 * 1024),
            max=max_uncompressed // (1024 * 1024),
        )
    if inflated / packed > max_ratio or any(
        e.file_size / max(e.compress_size, 1) > max_ratio
        for e in entries
        if e.file_size > 1024 * 1024
    ):
        raise Refused(
            "zip_bomb", _("The workbook is compressed suspiciously well (a zip bomb?).")
        )


def _small_part(archive: zipfile.ZipFile, name: str, limit: int = 256 * 1024) -> bytes:
    """The first `limit` bytes of a part ("" when it is missing)."""
    try:
        with archive.open(name) as part:
            return part.read(limit)
    except KeyError:
        return b""


def _escapes(name: str) -> bool:
    """Whether a part's name could land outside a folder it were unpacked into."""
    return (
        name.startswith(("/", "\\"))
        or "\\" in name
        or ".." in name.split("/")
        or (len(name) > 1 and name[1] == ":")
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(data: bytes, *, max_bytes: int = MAX_BYTES, max_columns: int = MAX_COLUMNS) -> Table:
    """Read the first sheet of a workbook (raises Refused naming the reason)."""
    import openpyxl  # imported here: CSV-only callers need not load it

    check_size(data, max_bytes)
    check_archive(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types on damaged input
        raise Refused(
            "not_xlsx", _("The Excel workbook cannot be read; save it again as .xlsx or .csv.")
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        if (sheet.max_column or 0) > max_columns:
            check_columns(sheet.max_column, max_columns)
        rows = sheet.iter_rows(values_only=True)
        raw = next(rows, None)
        if raw is None or not any(_text(c).strip() for c in raw):
            raise Refused("no_header", _("The first row must name the columns; it is empty."))
        check_columns(len(raw), max_columns)
        header = [_text(c) for c in raw]
        check_cells(header, 1)
        table = Table(columns=header_names(header), encoding="xlsx")
        for line, row in enumerate(rows, start=2):
            if line > MAX_ROWS:
                raise Refused(
                    "too_many_rows",
                    _("The workbook goes past row %(max)d, the last row Excel has."),
                    max=MAX_ROWS,
                )
            check_columns(len(row), max_columns)
            cells = [_text(c) for c in row]
            check_cells(cells, line)
            if any(c.strip() for c in cells):
                table.rows.append(cells)
                table.lines.append(line)
    except Refused:
        raise
    except Exception as exc:  # a damaged sheet can fail while its rows are read, too
        raise Refused(
            "not_xlsx", _("The Excel workbook cannot be read; save it again as .xlsx or .csv.")
        ) from exc
    finally:
        workbook.close()
    return table


def write_xlsx(
    columns: Iterable[str], rows: Iterable[Iterable[object]], *, title: str = "Export"
) -> bytes:
    """A one-sheet workbook of text cells, formulas neutralised."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append([neutralise(c) for c in columns])
    for row in rows:
        sheet.append([neutralise(c) for c in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def read_table(data: bytes, *, max_bytes: int = MAX_BYTES, max_columns: int = MAX_COLUMNS) -> Table:
    """A CSV or XLSX list, told apart by content (never by the file name)."""
    from reunite.interop.csv_codec import read_csv

    if is_xlsx(data):
        return read_xlsx(data, max_bytes=max_bytes, max_columns=max_columns)
    return read_csv(data, max_bytes=max_bytes, max_columns=max_columns)
