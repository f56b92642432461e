"""Reading person CSVs with canonical headers and writing pairs files."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from .errors import BadRows, CsvError, InvalidValue, UnknownColumn, UnreadableFile
from .record import CANONICAL_FIELDS, Record
from .score import Match

PAIR_COLUMNS = ("left_id", "right_id", "match_probability", "match_weight", "explanation")


def parse_map(items: Iterable[str]) -> dict[str, str]:
    """['given_names=first_name', ...] -> {'first_name': 'given_names'} (theirs -> canonical)."""
    renames: dict[str, str] = {}
    for item in items:
        canonical, sep, theirs = item.partition("=")
        canonical, theirs = canonical.strip(), theirs.strip()
        if not sep or not canonical or not theirs:
            raise CsvError("--map", f"expected canonical=theirs, got {item!r}")
        if canonical not in CANONICAL_FIELDS:
            raise CsvError("--map", f"{canonical!r} is not a canonical column ({', '.join(CANONICAL_FIELDS)})")
        renames[theirs] = canonical
    return renames


def read_records(path: str | Path, renames: Mapping[str, str] | None = None) -> list[Record]:
    """All rows of a person CSV as Records.

    Raises UnreadableFile, UnknownColumn (naming the column and the header line) or
    BadRows listing every invalid value with its line number; nothing is half-read.
    """
    return list(iter_records(path, renames))


def iter_records(path: str | Path, renames: Mapping[str, str] | None = None) -> Iterator[Record]:
    """Rows of a person CSV as Records, streamed (a million rows need not sit in memory).

    The header is checked before the first row is yielded; invalid rows are collected and
    BadRows is raised after the last one, so a consumer must discard what it built when
    the iteration raises.
    """
    renames = dict(renames or {})
    name = str(path)
    try:
        handle = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise UnreadableFile(name, f"cannot open: {exc.strerror or exc}") from exc
    errors: list[InvalidValue] = []
    with handle:
        try:
            reader = csv.reader(handle)
            columns = check_header(name, next(reader, None), renames)
            width = len(columns)
            for row in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != width:
                    errors.append(InvalidValue("row", len(row), f"expected {width} cells", line=line))
                    continue
                try:
                    record = Record.from_mapping(dict(zip(columns, row, strict=True)), line=line)
                except InvalidValue as exc:
                    errors.append(exc)
                    continue
                yield record
        except UnicodeDecodeError as exc:
            raise UnreadableFile(name, f"not UTF-8 text: {exc.reason}") from exc
        except csv.Error as exc:
            raise UnreadableFile(name, f"not valid CSV: {exc}") from exc
    if errors:
        raise BadRows(name, errors)


def check_header(name: str, header: list[str] | None, renames: Mapping[str, str]) -> list[str]:
    """The canonical column names of a header row (raises UnreadableFile / UnknownColumn)."""
    if header is None:
        raise UnreadableFile(name, "empty file (no header line)")
    columns = [renames.get(h.strip(), h.strip()) for h in header]
    unknown = [h for h, c in zip(header, columns, strict=True) if c not in CANONICAL_FIELDS]
    if unknown:
        raise UnknownColumn(
            name, f"unknown column(s) {', '.join(map(repr, unknown))}; use --map canonical=theirs",
            line=1,
        )
    if "id" not in columns:
        raise UnknownColumn(name, "no 'id' column", line=1)
    return columns


def write_records(path: str | Path, records: Iterable[Record]) -> None:
    """Write Records with canonical headers (used by synth)."""
    fields = ("id", "given_names", "paternal_surname", "maternal_surname", "sex", "date_of_birth", "age",
              "country_of_birth", "place_of_birth", "a_number", "mother_name", "father_name", "related_names")
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(fields)
        for r in records:
            age = "" if r.age is None else str(r.age)
            if r.age_min is not None or r.age_max is not None:
                age = f"{r.age_min if r.age_min is not None else 0}-{r.age_max if r.age_max is not None else 120}"
            writer.writerow([
                r.id, r.given_names or "", r.paternal_surname or "", r.maternal_surname or "", r.sex or "",
                r.birth_date.isoformat() if r.birth_date else "", age, r.country_of_birth or "",
                r.place_of_birth or "", r.a_number or "", r.mother_name or "", r.father_name or "",
                ";".join(r.related_names),
            ])


def write_pairs(path: str | Path, matches: Iterable[Match]) -> int:
    """Write the pairs file (best first as given); returns the number of rows."""
    n = 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(PAIR_COLUMNS)
        for m in matches:
            writer.writerow([m.left_id, m.right_id, f"{m.match_probability:.6f}", f"{m.match_weight:.3f}", m.explanation])
            n += 1
    return n


def read_pairs(path: str | Path) -> list[tuple[str, str, float]]:
    """(left_id, right_id, match_probability) rows of a pairs file."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = {"left_id", "right_id"} - set(reader.fieldnames or ())
            if missing:
                raise UnknownColumn(str(path), f"missing column(s) {sorted(missing)}", line=1)
            out = []
            for row in reader:
                try:
                    score = float(row.get("match_probability") or row.get("match_weight") or 1.0)
                except ValueError as exc:
                    raise CsvError(str(path), f"bad score {exc}", line=reader.line_num) from exc
                out.append((row["left_id"], row["right_id"], score))
            return out
    except OSError as exc:
        raise UnreadableFile(str(path), f"cannot open: {exc.strerror or exc}") from exc


def read_truth(path: str | Path) -> list[tuple[str, str]]:
    """True pairs: a CSV whose first two columns are the two ids (header line skipped)."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader, None)
            return [(row[0], row[1]) for row in reader if len(row) >= 2]
    except OSError as exc:
        raise UnreadableFile(str(path), f"cannot open: {exc.strerror or exc}") from exc
