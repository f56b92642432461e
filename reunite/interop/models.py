"""Imports of lists: where they come from, each run, the rows it refused, and the
people each row became (the idempotency key that makes a re-run update, not duplicate).

The uploaded file, its name and every refused row are sealed (EncryptedTextField): the
database never holds a list in plaintext. `__str__` never shows a name.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reunite.accounts.models import Organization
from reunite.core.fields import EncryptedTextField
from reunite.core.models import PublicModel
from reunite.people.models import Person


class ImportKind(models.TextChoices):
    PARENTS = "parents", _("Parents (our clients)")
    CHILDREN = "children", _("Children (our clients)")
    CUSTODY = "custody", _("A government custody list (ICE, ORR, ...)")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded, columns not mapped yet")
    QUEUED = "queued", _("Waiting to run")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportSource(PublicModel):
    """Where lists come from ("ICE detainee list"), and how their columns map to the
    portal's fields ({file column: portal field}), reused on the next upload."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    mapping = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="one_source_name_per_org")
        ]

    def __str__(self):
        return f"import source {self.public_id}"


class ImportJob(PublicModel):
    """One uploaded file and its run."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    source = models.ForeignKey(
        ImportSource, null=True, blank=True, on_delete=models.PROTECT, related_name="jobs"
    )
    kind = models.CharField(max_length=16, choices=ImportKind.choices, default=ImportKind.PARENTS)
    file_name = EncryptedTextField(blank=True)
    # The uploaded bytes, base64 then sealed; blanked when the run ends.
    content = EncryptedTextField(blank=True)
    encoding = models.CharField(max_length=16, blank=True)
    columns = models.JSONField(default=list, blank=True)  # the header: column names, not values
    mapping = models.JSONField(default=dict, blank=True)  # {file column: portal field}
    options = models.JSONField(default=dict, blank=True)  # consent, custody kind
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    failure = models.CharField(max_length=200, blank=True)  # why a run failed (no values)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self):
        return f"import {self.public_id} ({self.status})"

    @property
    def percent(self) -> int:
        return (
            100 if not self.total_rows else min(100, self.processed_rows * 100 // self.total_rows)
        )

    @property
    def finished(self) -> bool:
        return self.status in {ImportStatus.DONE, ImportStatus.FAILED}


class RejectedRow(models.Model):
    """A row the run refused: where, which field, why, and the row itself (sealed) so
    that it can be downloaded, fixed and uploaded again."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rejected_rows")
    line = models.PositiveIntegerField()
    field = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=300)
    raw = EncryptedTextField()  # JSON list of the row's cells

    class Meta:
        ordering = ["line"]
        constraints = [
            models.UniqueConstraint(fields=["job", "line"], name="one_rejection_per_line")
        ]

    def __str__(self):
        return f"rejected row {self.pk} (line {self.line})"


class ImportedRecord(models.Model):
    """Row identity -> person. `row_key` is a blind index of the row's `id` column (or of
    the whole normalised row when there is none); `row_digest` one of its content, to
    tell an unchanged row from an updated one."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    source = models.ForeignKey(ImportSource, on_delete=models.PROTECT, related_name="records")
    row_key = models.CharField(max_length=32)
    row_digest = models.CharField(max_length=32)
    # The normalised row (rows.row_content), sealed: what both digests are computed from,
    # kept so that a blind-index rotation can compute them again. Empty for records
    # imported before it was kept, until their row is imported again.
    row_content = EncryptedTextField(blank=True, default="")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    job = models.ForeignKey(ImportJob, null=True, on_delete=models.SET_NULL, related_name="records")
    line = models.PositiveIntegerField()
    imported_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "source", "row_key"], name="one_person_per_source_row"
            )
        ]
        indexes = [models.Index(fields=["job", "line"])]

    def __str__(self):
        return f"imported record {self.pk}"


class ExportKind(models.TextChoices):
    PEOPLE = "people", _("People")
    CASES = "cases", _("Reunification cases")
    PFIF = "pfif", _("People as PFIF 1.4")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", _("Excel (.xlsx)")
    XML = "xml", "XML"


class ExportStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for a second person")
    APPROVED = "approved", _("Approved: ready to download once")
    REFUSED = "refused", _("Refused")
    DOWNLOADED = "downloaded", _("Downloaded")
    EXPIRED = "expired", _("Expired")


class ExportRequest(PublicModel):
    """A bulk export asked for by one member and approved by a second (ASVS 2.3.5).

    No file is kept: the file is generated when the requester downloads it, once, from
    the data as of then. `expires_at` is the approval deadline while the request waits,
    then the download deadline once it is approved. The purpose and the refusal reason
    are free text that may name a client, so they are sealed.
    """

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=ExportKind.choices)
    format = models.CharField(max_length=8, choices=ExportFormat.choices)
    options = models.JSONField(default=dict, blank=True)  # {"include_sensitive": bool} (PFIF)
    purpose = EncryptedTextField()
    status = models.CharField(
        max_length=16, choices=ExportStatus.choices, default=ExportStatus.REQUESTED
    )
    expires_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = EncryptedTextField(blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(null=True, blank=True)  # in the file downloaded

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "status"])]
        constraints = [
            # Nobody approves or refuses their own request, whatever the code above does.
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("requested_by")),
                name="export_not_decided_by_requester",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["approved", "refused", "downloaded"])
                | models.Q(decided_by__isnull=False, decided_at__isnull=False),
                name="export_decision_has_a_decider",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="downloaded") | models.Q(downloaded_at__isnull=False),
                name="export_download_has_a_time",
            ),
        ]

    def __str__(self):
        return f"export request {self.public_id} ({self.status})"
