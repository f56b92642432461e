"""Reading and writing XLSX lists with openpyxl. Pure Python: no Django.

A workbook is a zip archive: before openpyxl sees it, the archive's declared sizes are
checked, so a zip bomb is refused without being inflated.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Iterable

from reunite.interop.csv_codec import (
    MAX_BYTES,
    MAX_COLUMNS,
    Refused,
    Table,
    check_columns,
    check_size,
    header_names,
    neutralise,
)

MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 100


def is_xlsx(data: bytes) -> bool:
    return data.startswith(b"PK\x03\x04")


def check_archive(
    data: bytes, *, max_uncompressed: int = MAX_UNCOMPRESSED, max_ratio: int = MAX_RATIO
) -> None:
    """Refuse archives that are not workbooks, or that would inflate too far."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Refused("not_xlsx", "The file is a damaged Excel workbook or zip archive.") from exc
    names = {e.filename for e in entries}
    if "xl/workbook.xml" not in names:
        raise Refused("not_a_table", "This zip archive is not an Excel (.xlsx) workbook.")
    inflated = sum(e.file_size for e in entries)
    packed = sum(e.compress_size for e in entries) or 1
    if inflated > max_uncompressed:
        raise Refused(
            "zip_bomb",
            f"The workbook would unpack to {inflated // (1024 * 1024)} MB; at most "
            f"{max_uncompressed // (1024 * 1024)} MB are accepted.",
        )
    if inflated / packed > max_ratio or any(
        e.file_size / max(e.compress_size, 1) > max_ratio
        for e in entries
        if e.file_size > 1024 * 1024
    ):
        raise Refused("zip_bomb", "The workbook is compressed suspiciously well (a zip bomb?).")


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
            "not_xlsx", "The Excel workbook cannot be read; save it again as .xlsx or .csv."
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        if (sheet.max_column or 0) > max_columns:
            check_columns(sheet.max_column, max_columns)
        rows = sheet.iter_rows(values_only=True)
        raw = next(rows, None)
        if raw is None or not any(_text(c).strip() for c in raw):
            raise Refused("no_header", "The first row must name the columns; it is empty.")
        check_columns(len(raw), max_columns)
        table = Table(columns=header_names([_text(c) for c in raw]), encoding="xlsx")
        for line, row in enumerate(rows, start=2):
            check_columns(len(row), max_columns)
            cells = [_text(c) for c in row]
            if any(c.strip() for c in cells):
                table.rows.append(cells)
                table.lines.append(line)
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
