"""Imports and exports of lists. Every change is a transaction with an audit event that
names counts and ids, never values.

An import is uploaded (the file is read and refused at once if hostile), mapped and
queued, then run by a background task in batches: each batch is one transaction that
saves its people, their ImportedRecord keys, its refused rows and the job's progress
together, so a killed worker leaves no partial row and a resumed run continues after
the last saved batch. Rows are keyed by source and row identity: running a file again
updates or skips, never duplicates.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ExpressionWrapper, F, QuerySet, TextField
from django.utils.translation import gettext as _

from reunite.accounts.access import has, require
from reunite.accounts.models import Membership
from reunite.accounts.roles import Capability
from reunite.accounts.uploads import scan_upload
from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.core import crypto
from reunite.core.errors import Conflict, Invalid, NotFound
from reunite.interop import limits
from reunite.interop.csv_codec import Refused, Table
from reunite.interop.models import (
    ImportedRecord,
    ImportJob,
    ImportKind,
    ImportSource,
    ImportStatus,
    RejectedRow,
)
from reunite.interop.rows import (
    FIELDS,
    RowRefused,
    content_identities,
    row_content,
    row_values,
    suggest_mapping,
    to_person,
)
from reunite.interop.xlsx_codec import read_table
from reunite.people import search
from reunite.people import services as people_services
from reunite.people.access import visible_people
from reunite.people.bulk import BulkPerson, insert_rows, people_bulk_create, roomy_page_cache
from reunite.people.identifiers import normalize_identifier
from reunite.people.models import Person

DEFAULT_SOURCE = "Uploaded lists"
PERSON_FIELDS = {"given_names", "birth_date", "approximate_age", "end_date"}
PREVIEW_ROWS = 5


def refusal_message(exc: Refused) -> str:
    """The codec's reason, translated (the codec marks its templates for translation)."""
    reason = _(exc.template) % exc.params if exc.params else _(exc.template)
    return _("This file cannot be imported: %(reason)s") % {"reason": reason}


def read_upload(data: bytes) -> Table:
    """The file's table, or Invalid with the reason it is refused."""
    try:
        return read_table(data, max_bytes=limits.max_bytes(), max_columns=limits.max_columns())
    except Refused as exc:
        raise Invalid(refusal_message(exc), code=exc.code) from exc


def _content(job: ImportJob) -> bytes:
    return base64.b64decode(job.content)


# --- Selectors ----------------------------------------------------------------------------


def import_job_list(*, actor: Membership) -> QuerySet[ImportJob]:
    if not has(actor, Capability.EDIT_CLIENTS):
        return ImportJob.objects.none()
    return (
        ImportJob.objects.filter(organization=actor.organization)
        .defer("content")
        .select_related("source", "uploaded_by")
    )


def access_import_job(*, actor: Membership, public_id) -> ImportJob:
    """The gate to an import: members of its organisation who may edit clients. Missing
    and forbidden are both NotFound."""
    job = import_job_list(actor=actor).filter(public_id=public_id).first()
    if job is None:
        raise NotFound()
    return job


def import_source_list(*, actor: Membership) -> QuerySet[ImportSource]:
    if not has(actor, Capability.EDIT_CLIENTS):
        return ImportSource.objects.none()
    return ImportSource.objects.filter(organization=actor.organization)


def import_preview(*, job: ImportJob) -> tuple[Table, list[list[str]]]:
    table = read_upload(_content(job))
    return table, table.rows[:PREVIEW_ROWS]


def imported_people(*, actor: Membership, job: ImportJob) -> QuerySet[Person]:
    """The people this import created or updated (visible to the actor)."""
    ids = ImportedRecord.objects.filter(job=job).values("person")
    return visible_people(actor=actor).filter(pk__in=ids)


# --- Upload and configuration --------------------------------------------------------------


def import_upload(*, actor: Membership, file_name: str, data: bytes) -> ImportJob:
    """Scan the file for viruses, keep it sealed and read its header; hostile files are
    refused here (Invalid; Unavailable when the scanner cannot answer) and nothing is
    saved. The scan runs outside the transaction that keeps the file, so the audit event
    of an infected file survives the refusal."""
    require(actor, Capability.EDIT_CLIENTS)
    scan_upload(actor=actor, data=data, upload="import")
    return _import_keep(actor=actor, file_name=file_name, data=data)


@transaction.atomic
def _import_keep(*, actor: Membership, file_name: str, data: bytes) -> ImportJob:
    table = read_upload(data)
    if not table.rows:
        raise Invalid(_("This file has a header but no rows."), code="no_rows")
    job = ImportJob.objects.create(
        organization=actor.organization,
        uploaded_by=actor.user,
        file_name=file_name[:255],
        content=base64.b64encode(data).decode("ascii"),
        encoding=table.encoding,
        columns=table.columns,
        total_rows=len(table.rows),
    )
    record(
        event_type=EventType.IMPORT_UPLOADED,
        actor=actor.user,
        organization=actor.organization,
        target=job,
        data={"rows": job.total_rows, "columns": len(table.columns), "encoding": table.encoding},
    )
    return job


def suggested_mapping(*, job: ImportJob, source_name: str = "") -> dict[str, str]:
    saved = {}
    source = ImportSource.objects.filter(organization=job.organization, name=source_name).first()
    if source is not None:
        saved = source.mapping
    return suggest_mapping(job.columns, saved)


@transaction.atomic
def import_start(
    *,
    actor: Membership,
    job: ImportJob,
    kind: str,
    mapping: dict[str, str],
    source_name: str = "",
    options: dict | None = None,
    save_mapping: bool = True,
    enqueue: bool = True,
) -> ImportJob:
    """Fix the mapping and the kind of rows, remember the mapping for the source, and
    queue the run (it starts once this transaction commits)."""
    require(actor, Capability.EDIT_CLIENTS)
    job = ImportJob.objects.select_for_update().get(pk=job.pk, organization=actor.organization)
    if job.status != ImportStatus.UPLOADED:
        raise Conflict(_("This import has already been started."))
    if kind not in ImportKind.values:
        raise Invalid(_("Choose what the rows are."), code="kind")
    mapping = {c: f for c, f in mapping.items() if f and c in job.columns}
    unknown = set(mapping.values()) - set(FIELDS)
    if unknown:
        raise Invalid(_("Unknown portal field."), code="mapping")
    if len(set(mapping.values())) != len(mapping):
        raise Invalid(_("Each portal field can take one column only."), code="mapping")
    names = {"given_names", "paternal_surname", "maternal_surname", "family_names", "full_name"}
    if not names & set(mapping.values()):
        raise Invalid(_("Map at least one column to a name."), code="mapping")
    source, _created = ImportSource.objects.get_or_create(
        organization=actor.organization, name=(source_name.strip() or DEFAULT_SOURCE)[:120]
    )
    if save_mapping and source.mapping != mapping:
        source.mapping = mapping
        source.save(update_fields=["mapping", "updated_at"])
    job.source, job.kind, job.mapping, job.options = source, kind, mapping, options or {}
    job.status = ImportStatus.QUEUED
    job.save()
    record(
        event_type=EventType.IMPORT_STARTED,
        actor=actor.user,
        organization=actor.organization,
        target=job,
        data={"rows": job.total_rows, "kind": kind, "source": str(source.public_id)},
    )
    if enqueue:
        _enqueue(job)
    return job


def _enqueue(job: ImportJob) -> None:
    from reunite.interop.tasks import run_import

    transaction.on_commit(lambda: run_import.enqueue(job.pk))


@transaction.atomic
def import_resume(*, actor: Membership, job: ImportJob) -> ImportJob:
    """Queue again a run that failed or whose worker died; it continues after the last
    saved batch."""
    require(actor, Capability.EDIT_CLIENTS)
    job = ImportJob.objects.select_for_update().get(pk=job.pk, organization=actor.organization)
    if job.status not in {ImportStatus.FAILED, ImportStatus.RUNNING, ImportStatus.QUEUED}:
        raise Conflict(_("Only an unfinished import can be resumed."))
    job.status, job.failure = ImportStatus.QUEUED, ""
    job.save(update_fields=["status", "failure", "updated_at"])
    _enqueue(job)
    return job


# --- The run -------------------------------------------------------------------------------


def _uploader(job: ImportJob) -> Membership | None:
    return (
        Membership.objects.filter(
            user=job.uploaded_by, organization=job.organization, is_active=True
        )
        .select_related("user", "organization")
        .first()
    )


def import_run(
    *, job_id: int, now: Callable[[], datetime], batch_size: int | None = None, progress=None
) -> ImportJob:
    """Run (or continue) an import, batch by batch. `progress(job)` is called after each
    batch (the CLI draws a bar with it)."""
    batch_size = batch_size or limits.batch_size()
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.finished or job.status == ImportStatus.UPLOADED:
            return job
        actor = _uploader(job)
        if actor is None or not has(actor, Capability.EDIT_CLIENTS):
            return _finish(
                job, now(), failure=_("The person who uploaded this list may no longer import.")
            )
        job.status = ImportStatus.RUNNING
        job.started_at = job.started_at or now()
        job.save(update_fields=["status", "started_at", "updated_at"])
    table = read_table(
        _content(job), max_bytes=limits.max_bytes(), max_columns=limits.max_columns()
    )
    rows = list(zip(table.lines, table.rows, strict=True))
    roomy_page_cache()
    while job.processed_rows < len(rows):
        batch = rows[job.processed_rows : job.processed_rows + batch_size]
        with transaction.atomic():
            saved = ImportJob.objects.select_for_update().values_list("processed_rows", flat=True)
            if saved.get(pk=job.pk) != job.processed_rows:
                return job  # another worker runs this import (a resumed duplicate)
            _import_batch(job=job, actor=actor, columns=table.columns, batch=batch, now=now())
            job.processed_rows += len(batch)
            job.save(update_fields=_PROGRESS)  # not the sealed file: re-sealing it each batch
        if progress is not None:
            progress(job)
    with transaction.atomic():
        return _finish(job, now())


# What a batch changes of its job.
_PROGRESS = [
    "processed_rows",
    "created_count",
    "updated_count",
    "unchanged_count",
    "rejected_count",
    "updated_at",
]


def _finish(job: ImportJob, at: datetime, *, failure: str = "") -> ImportJob:
    job.status = ImportStatus.FAILED if failure else ImportStatus.DONE
    job.failure, job.finished_at = failure[:200], at
    if not failure:
        job.content = ""  # the list is in the registry now; keep no second copy
    job.save()
    record(
        event_type=EventType.IMPORT_FINISHED,
        actor=job.uploaded_by,
        organization=job.organization,
        target=job,
        data={
            "status": job.status,
            "rows": job.total_rows,
            "created": job.created_count,
            "updated": job.updated_count,
            "unchanged": job.unchanged_count,
            "rejected": job.rejected_count,
        },
    )
    return job


def import_fail(*, job_id: int, at: datetime) -> None:
    """The task crashed: mark the job failed (it can be resumed)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if not job.finished:
            _finish(job, at, failure=_("The import stopped unexpectedly; resume it to continue."))


def _rejection(job: ImportJob, line: int, cells: list[str], field: str, reason: str) -> RejectedRow:
    return RejectedRow(
        job=job,
        line=line,
        field=field[:64],
        reason=str(reason)[:300],
        raw=json.dumps(cells, ensure_ascii=False),
    )


def _import_batch(
    *, job: ImportJob, actor: Membership, columns: list[str], batch: list, now: datetime
) -> None:
    """Import one batch inside the caller's transaction."""
    rejected: list[RejectedRow] = []
    parsed = []
    alternatives: dict[str, list[tuple[str, str]]] = {}
    for line, cells in batch:
        try:
            values = row_values(columns, cells, job.mapping)
            item = to_person(
                values, kind=job.kind, options=job.options, source=job.source.name, today=now.date()
            )
        except RowRefused as exc:
            rejected.append(_rejection(job, line, cells, exc.field, exc.reason))
            continue
        content = row_content(values)
        identities = content_identities(content)  # under every blind-index key, current first
        alternatives[identities[0][0]] = identities
        parsed.append((line, cells, item, *identities[0], content))
    # (row key -> (digest, record id)): the full record and its person are loaded only for
    # the rows that changed. A row is looked for under every blind-index key, so that
    # mid-rotation a record still under the old key is found; a record found that way
    # (or one imported before its content was kept) is stored again under the current key.
    records = (
        ImportedRecord.objects.filter(
            organization=job.organization,
            source=job.source,
            row_key__in={key for keys in alternatives.values() for key, _digest in keys},
        )
        .annotate(sealed_content=ExpressionWrapper(F("row_content"), output_field=TextField()))
        .values_list("row_key", "row_digest", "pk", "sealed_content")
    )
    by_key = {key: (digest, pk, bool(sealed)) for key, digest, pk, sealed in records}
    existing: dict[str, tuple[str, int]] = {}
    rekey: set[int] = set()
    for key, keys in alternatives.items():
        for candidate, candidate_digest in keys:
            if candidate in by_key:
                digest, pk, has_content = by_key[candidate]
                same = digest == candidate_digest  # the content has not changed
                existing[key] = (keys[0][1] if same else digest, pk)
                if same and (candidate != key or not has_content):
                    rekey.add(pk)
                break
    fresh, seen = [], set()
    for line, cells, item, key, digest, content in parsed:
        known = existing.get(key)
        if known is None and key not in seen:
            seen.add(key)
            fresh.append((line, cells, item, key, digest, content))
        elif known is None or known[0] == digest:
            job.unchanged_count += 1
            if known is not None and known[1] in rekey:
                rekey.discard(known[1])
                _rekey(known[1], key=key, digest=digest, content=content)
        else:
            try:
                with transaction.atomic():
                    _update(
                        actor=actor,
                        known=ImportedRecord.objects.select_related("person").get(pk=known[1]),
                        item=item,
                        identity=(key, digest, content),
                        job=job,
                        line=line,
                        now=now,
                    )
                job.updated_count += 1
            except (Invalid, Conflict, ValidationError) as exc:
                rejected.append(_rejection(job, line, cells, _field(exc), _message(exc)))
    created = _create(job=job, actor=actor, fresh=fresh, now=now, rejected=rejected)
    imported_at = connection.ops.adapt_datetimefield_value(now)
    context = ImportedRecord._meta.get_field("row_content").seal_context
    ring = crypto.keyring()
    insert_rows(
        ImportedRecord,
        ("organization_id", "source_id", "row_key", "row_digest", "row_content", "person_id",
         "job_id", "line", "imported_at"),
        [
            (job.organization_id, job.source_id, key, digest, ring.seal(content, context=context),
             person_id, job.pk, line, imported_at)
            for (line, key, digest, content), person_id in created
        ],
    )  # fmt: skip
    job.created_count += len(created)
    RejectedRow.objects.bulk_create(rejected)
    job.rejected_count += len(rejected)


def _field(exc: Exception) -> str:
    code = getattr(exc, "code", "") or ""
    return code if code in FIELDS or code in PERSON_FIELDS else ""


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(str(m) for m in exc.messages)
    return getattr(exc, "message", "") or _("This row could not be saved.")


def _create(*, job, actor, fresh, now, rejected) -> list:
    """Save the new rows in one bulk insert; if the database refuses it, save them one by
    one so that only the guilty rows are refused. Their candidate searches are queued as
    one task once the batch commits."""
    if not fresh:
        return []
    audit = {"import": str(job.public_id)}

    def save(items):
        return people_bulk_create(
            actor=actor, items=items, today=now.date(), now=now, audit_data=audit, announce=False
        )

    created, ids = [], []
    try:
        with transaction.atomic():
            made = save([f[2] for f in fresh])
        created = [
            ((f[0], f[3], f[4], f[5]), p) for f, p in zip(fresh, made.client_ids, strict=True)
        ]
        ids = made.person_ids
    except (Invalid, IntegrityError, ValidationError):
        for line, cells, item, key, digest, content in fresh:
            try:
                with transaction.atomic():
                    made = save([item])
                created.append(((line, key, digest, content), made.client_ids[0]))
                ids += made.person_ids
            except (Invalid, IntegrityError, ValidationError) as exc:
                rejected.append(_rejection(job, line, cells, _field(exc), _message(exc)))
    if ids:
        from reunite.interop.tasks import find_candidates_batch

        transaction.on_commit(lambda: find_candidates_batch.enqueue(ids))
    return created


def _rekey(pk: int, *, key: str, digest: str, content: str) -> None:
    """An unchanged row's record stored again under the current blind-index key, with its
    content (records imported before the content was kept could not be rotated)."""
    ImportedRecord.objects.filter(pk=pk).update(row_key=key, row_digest=digest, row_content=content)


def _update(*, actor, known: ImportedRecord, item: BulkPerson, identity, job, line, now) -> None:
    """A row whose id was imported before, with other values: change the person (through
    the registry's services, audited like a hand edit)."""
    person = known.person
    item.data.kind = person.kind
    people_services.person_update(actor=actor, person=person, data=item.data)
    have = set(person.identifiers.values_list("kind", "lookup"))
    for kind, value in item.identifiers:
        canonical = normalize_identifier(kind, value)
        if not any((kind, d) in have for d in search.identifier_lookups(canonical)):
            people_services.identifier_add(actor=actor, person=person, kind=kind, value=value)
    known.row_key, known.row_digest, known.row_content = identity
    known.job, known.line, known.imported_at = job, line, now
    known.save(update_fields=["row_key", "row_digest", "row_content", "job", "line", "imported_at"])


# --- Rejected rows and exports -----------------------------------------------------------


def rejected_rows_file(*, actor: Membership, job: ImportJob) -> tuple[list[str], list[list[str]]]:
    """The refused rows as they were, with the line, field and reason in front: ready to
    fix and upload again. Audited."""
    rows = []
    for rejected in job.rejected_rows.all():
        cells = json.loads(rejected.raw)
        rows.append([str(rejected.line), rejected.field, rejected.reason, *cells])
    record(
        event_type=EventType.IMPORT_REJECTS_DOWNLOADED,
        actor=actor.user,
        organization=actor.organization,
        target=job,
        data={"rows": len(rows)},
    )
    return ["line", "field", "reason", *job.columns], rows


EXPORT_COLUMNS = (
    "id", "record", "family_role", "given_names", "paternal_surname", "maternal_surname", "sex",
    "date_of_birth", "age", "country_of_birth", "place_of_birth", "a_number", "orr_number",
    "registered_on",
)  # fmt: skip


CASE_EXPORT_COLUMNS = (
    "case_id", "reference", "stage", "outcome", "children", "adults", "attorney", "opened_on",
    "stage_changed_on", "closed_on",
)  # fmt: skip


@dataclass(frozen=True)
class ExportFile:
    """A generated export: its file name, content type, bytes and number of rows."""

    name: str
    content_type: str
    content: bytes
    rows: int


def _tabular(columns, rows, *, fmt: str, title: str) -> tuple[str, str, bytes]:
    """(format, content type, bytes) of rows as XLSX or CSV, formulas neutralised."""
    from reunite.interop.csv_codec import write_csv
    from reunite.interop.xlsx_codec import write_xlsx

    if fmt == "xlsx":
        sheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return "xlsx", sheet, write_xlsx(columns, rows, title=title)
    return "csv", "text/csv; charset=utf-8", write_csv(columns, rows)


def people_export(*, actor: Membership, fmt: str, today) -> ExportFile:
    """The organisation's own people (not those shared with it, not deleted) as CSV or
    XLSX, formulas neutralised. Audited with the count. Pages reach it only through an
    approved export request (export_services.export_request_download)."""
    from reunite.people.choices import IdentifierKind

    require(actor, Capability.EXPORT_DATA)
    people = (
        Person.objects.filter(
            organization=actor.organization, deleted_at__isnull=True, purged_at__isnull=True
        )
        .prefetch_related("identifiers")
        .order_by("pk")
    )
    rows = []
    for p in people.iterator(chunk_size=2000):
        ids = {i.kind: i.value for i in p.identifiers.all()}
        rows.append(
            [
                str(p.public_id), p.kind, p.family_role, p.given_names, p.paternal_surname,
                p.maternal_surname, p.sex, p.birth_date, p.approximate_age, p.country_of_birth,
                p.place_of_birth, ids.get(IdentifierKind.A_NUMBER, ""), ids.get(IdentifierKind.ORR, ""),
                p.created_at.date().isoformat(),
            ]
        )  # fmt: skip
    fmt, kind, content = _tabular(EXPORT_COLUMNS, rows, fmt=fmt, title="People")
    record(
        event_type=EventType.EXPORTED,
        actor=actor.user,
        organization=actor.organization,
        fields=list(EXPORT_COLUMNS),
        data={"rows": len(rows), "format": fmt, "what": "people"},
    )
    return ExportFile(f"people-{today.isoformat()}.{fmt}", kind, content, len(rows))


def cases_export(*, actor: Membership, fmt: str, today) -> ExportFile:
    """The organisation's reunification cases, one row each (no names: members are
    counted; the case id leads to them in the portal). Audited with the count."""
    from django.db.models import Count, Q

    from reunite.cases.models import ReunificationCase

    require(actor, Capability.EXPORT_DATA)
    cases = (
        ReunificationCase.objects.filter(organization=actor.organization)
        .select_related("attorney")
        .annotate(
            children=Count("members", filter=Q(members__role="child")),
            adults=Count("members", filter=Q(members__role="adult")),
        )
        .order_by("pk")
    )

    def day(moment):
        return moment.date().isoformat() if moment else ""

    rows = [
        [
            str(c.public_id), c.reference, c.stage, c.outcome, c.children, c.adults,
            c.attorney.full_name if c.attorney else "", day(c.opened_at), day(c.stage_changed_at),
            day(c.closed_at),
        ]
        for c in cases
    ]  # fmt: skip
    fmt, kind, content = _tabular(CASE_EXPORT_COLUMNS, rows, fmt=fmt, title="Cases")
    record(
        event_type=EventType.EXPORTED,
        actor=actor.user,
        organization=actor.organization,
        fields=list(CASE_EXPORT_COLUMNS),
        data={"rows": len(rows), "format": fmt, "what": "cases"},
    )
    return ExportFile(f"cases-{today.isoformat()}.{fmt}", kind, content, len(rows))
