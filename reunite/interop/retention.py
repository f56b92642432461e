"""Interop's part of the registry's retention (see reunite.people.retention.register)."""

from reunite.interop.models import (
    ExportRequest,
    ImportedRecord,
    ImportJob,
    ImportSource,
    RejectedRow,
)
from reunite.people import retention

_BOOKKEEPING = ("id", "public_id", "created_at", "updated_at")


def wipe_person(person) -> None:
    """The row keys are blind indexes of the person's imported row: deleted."""
    ImportedRecord.objects.filter(person=person).delete()


retention.register(
    ImportedRecord,
    pii=("row_key", "row_digest", "row_content"),
    not_pii=("id", "organization", "source", "person", "job", "line", "imported_at"),
    wipe=wipe_person,
)
# A job's file and refused rows are not one person's: they are blanked when the run ends
# (content) and deleted with the job. (A scheduled purge of old jobs is still to come.)
retention.register(
    ImportJob,
    pii=("file_name", "content"),
    not_pii=(
        *_BOOKKEEPING,
        "organization",
        "uploaded_by",
        "source",
        "kind",
        "encoding",
        "columns",
        "mapping",
        "options",
        "status",
        "total_rows",
        "processed_rows",
        "created_count",
        "updated_count",
        "unchanged_count",
        "rejected_count",
        "failure",
        "started_at",
        "finished_at",
    ),
)
retention.register(RejectedRow, pii=("raw",), not_pii=("id", "job", "line", "field", "reason"))
retention.register(ImportSource, not_pii=(*_BOOKKEEPING, "organization", "name", "mapping"))
# An export request's purpose and refusal reason are free text that may name a client.
retention.register(
    ExportRequest,
    pii=("purpose", "refusal_reason"),
    not_pii=(
        *_BOOKKEEPING,
        "organization",
        "requested_by",
        "kind",
        "format",
        "options",
        "status",
        "expires_at",
        "decided_by",
        "decided_at",
        "downloaded_at",
        "rows",
    ),
)
