"""`reunite import FILE --org ORG --as EMAIL --kind parents|children|custody [--source NAME]
[--map column=field ...] [--consent-tracing] [--custody-kind ice]`

Runs the same import as the portal's pages, as one member with that member's rights,
in this process, with a progress bar on stderr. Columns map themselves when they use the
portal's names; the mapping saved for the source is reused; --map adds to it.
"""

import sys
from pathlib import Path
from uuid import UUID

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reunite.accounts.models import Membership
from reunite.core.errors import ReuniteError
from reunite.interop import services
from reunite.interop.models import ImportKind
from reunite.interop.rows import FIELDS
from reunite.people.choices import CustodyKind


def _membership(org: str, email: str) -> Membership:
    memberships = Membership.objects.filter(
        user__email__iexact=email, is_active=True
    ).select_related("organization", "user")
    try:
        found = memberships.filter(organization__public_id=UUID(org)).first()
    except ValueError:
        found = memberships.filter(organization__name=org).first()
    if found is None:
        raise CommandError(f"{email} is not an active member of the organisation {org!r}.")
    return found


class Command(BaseCommand):
    help = "Import a CSV or XLSX list into an organisation (progress on stderr)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--org", required=True, help="the organisation's public id or name")
        parser.add_argument("--as", dest="email", required=True, help="the acting member's email")
        parser.add_argument("--kind", required=True, choices=ImportKind.values)
        parser.add_argument(
            "--source", default="", help="where the list comes from (its mapping is saved)"
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help=f"fields: {', '.join(FIELDS)}",
        )
        parser.add_argument(
            "--consent-tracing", action="store_true", help="every client consented to tracing"
        )
        parser.add_argument("--language", default="es", help="language the consent was given in")
        parser.add_argument(
            "--custody-kind", choices=CustodyKind.values, default=CustodyKind.UNKNOWN
        )

    def handle(self, *args, file, org, email, kind, source, map, **options):
        actor = _membership(org, email)
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror or exc}") from exc
        try:
            job = services.import_upload(actor=actor, file_name=file.name, data=data)
            mapping = services.suggested_mapping(job=job, source_name=source)
            for item in map:
                column, sep, field = item.partition("=")
                if not sep or field not in FIELDS:
                    raise CommandError(
                        f"--map {item!r}: expected COLUMN=FIELD with FIELD one of {', '.join(FIELDS)}"
                    )
                mapping = {c: f for c, f in mapping.items() if f != field and c != column} | {
                    column: field
                }
            self.stderr.write(
                "columns: "
                + ", ".join(f"{c} -> {mapping.get(c, '(ignored)')}" for c in job.columns)
            )
            options = {
                "consent": options["consent_tracing"],
                "language": options["language"],
                "custody_kind": options["custody_kind"],
            }
            # Queued with a worker in mind; run here, now, with a bar (the queued task
            # finds the job finished and does nothing).
            job = services.import_start(
                actor=actor,
                job=job,
                kind=kind,
                mapping=mapping,
                source_name=source,
                options=options,
            )
            job = services.import_run(job_id=job.pk, now=timezone.now, progress=self._bar)
        except ReuniteError as exc:
            raise CommandError(exc.message) from exc
        sys.stderr.write("\n")
        self.stdout.write(
            f"import {job.public_id}: {job.status}; {job.total_rows} rows: {job.created_count} created, "
            f"{job.updated_count} updated, {job.unchanged_count} unchanged, {job.rejected_count} rejected"
        )
        for rejected in job.rejected_rows.all()[:50]:
            self.stdout.write(f"  line {rejected.line}: {rejected.field or '-'}: {rejected.reason}")
        if job.rejected_count > 50:
            self.stdout.write(
                f"  ... and {job.rejected_count - 50} more (download them from the import's page)"
            )

    def _bar(self, job):
        width = 40
        done = width * job.percent // 100
        sys.stderr.write(
            f"\r[{'#' * done}{'.' * (width - done)}] {job.processed_rows}/{job.total_rows} rows"
        )
        sys.stderr.flush()
