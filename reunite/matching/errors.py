"""Errors raised by the matching engine: a small hierarchy, each with a stable code.

The interface layer (CLI, Django views) turns these into messages; the engine never
prints or exits.
"""

from __future__ import annotations


class MatchingError(Exception):
    """Base class of every error the engine raises on purpose."""

    code = "matching_error"


class InvalidValue(MatchingError, ValueError):
    """A field holds a value the engine cannot understand (e.g. a bad date)."""

    code = "invalid_value"

    def __init__(self, field: str, value: object, reason: str, *, line: int | None = None) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        self.line = line
        where = f"line {line}: " if line is not None else ""
        super().__init__(f"{where}{field}: {reason} ({value!r})")


class InvalidDate(InvalidValue):
    """A date of birth that is not in one of the accepted formats or not a real date."""

    code = "invalid_date"


class CsvError(MatchingError):
    """A problem with a CSV file as a whole or with one of its lines."""

    code = "csv_error"

    def __init__(self, path: str, message: str, *, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class UnreadableFile(CsvError):
    """The file does not exist, cannot be opened, or is not text/CSV."""

    code = "unreadable_file"


class UnknownColumn(CsvError):
    """The header names a column the engine does not know (and no --map renames it)."""

    code = "unknown_column"


class BadRows(CsvError):
    """One or more rows hold invalid values; `errors` lists every one with its line."""

    code = "bad_rows"

    def __init__(self, path: str, errors: list[InvalidValue]) -> None:
        self.errors = errors
        shown = "; ".join(str(e) for e in errors[:10])
        more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
        super().__init__(path, f"{len(errors)} invalid value(s): {shown}{more}")


class WeightsError(MatchingError):
    """A weights file is missing, malformed or does not fit the comparisons."""

    code = "bad_weights"
