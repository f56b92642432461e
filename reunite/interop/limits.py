"""Import limits (settings IMPORT_MAX_BYTES, IMPORT_MAX_COLUMNS, IMPORT_BATCH_SIZE)."""

from django.conf import settings


def max_bytes() -> int:
    return settings.IMPORT_MAX_BYTES


def max_columns() -> int:
    return settings.IMPORT_MAX_COLUMNS


def batch_size() -> int:
    return settings.IMPORT_BATCH_SIZE
