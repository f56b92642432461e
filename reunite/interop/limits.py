"""Import limits, from settings when the deployment sets them (IMPORT_MAX_BYTES,
IMPORT_MAX_COLUMNS, IMPORT_BATCH_SIZE), else these defaults."""

from django.conf import settings

from reunite.interop import csv_codec


def max_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_BYTES", csv_codec.MAX_BYTES)


def max_columns() -> int:
    return getattr(settings, "IMPORT_MAX_COLUMNS", csv_codec.MAX_COLUMNS)


def batch_size() -> int:
    return getattr(settings, "IMPORT_BATCH_SIZE", 1000)
