"""`reunite pfif import FILE --org ORG_ID --as EMAIL` and
`reunite pfif export --org ORG_ID --as EMAIL -o OUT.xml [--person PUBLIC_ID ...]`.

The command acts as one member of one organisation, with that member's rights, and every
import and export is audited like the same action in the portal.
"""

import os
from pathlib import Path
from uuid import UUID

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reunite.accounts.models import Membership
from reunite.core.errors import ReuniteError
from reunite.interop import pfif
from reunite.interop.pfif_services import pfif_export, pfif_import
from reunite.people.choices import FamilyRole, RecordKind


class Command(BaseCommand):
    help = "Import a PFIF 1.1-1.4 file into an organisation, or export its people as PFIF 1.4."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        common = {"org": "the organisation's public id", "as": "the acting member's email"}
        load = actions.add_parser("import", help="import a PFIF file")
        load.add_argument("file", type=Path)
        load.add_argument(
            "--kind",
            choices=RecordKind.values,
            default=RecordKind.DESCRIBED,
            help="what the records are (default: people sought, as others describe them)",
        )
        load.add_argument(
            "--role",
            choices=FamilyRole.values,
            help="one family role for everyone (default: child under 18, parent from 18)",
        )
        dump = actions.add_parser("export", help="export people as PFIF 1.4")
        dump.add_argument("-o", "--output", type=Path, required=True, help="file to write")
        dump.add_argument(
            "--person",
            action="append",
            dest="people",
            metavar="PUBLIC_ID",
            help="export this person (repeatable; default: all the organisation's people)",
        )
        dump.add_argument(
            "--include-sensitive",
            action="store_true",
            help="also date of birth, other names, home address and safe phone/email",
        )
        for sub in (load, dump):
            sub.add_argument("--org", required=True, metavar="ORG_ID", help=common["org"])
            sub.add_argument("--as", required=True, dest="email", help=common["as"])

    def handle(self, *args, action, org, email, **options):
        actor = (
            Membership.objects.select_related("user", "organization")
            .filter(organization__public_id=_uuid(org), user__email__iexact=email)
            .first()
        )
        if actor is None:
            raise CommandError(f"{email} is not a member of organisation {org}.")
        try:
            if action == "import":
                self.load(actor, options["file"], options["kind"], options["role"])
            else:
                self.dump(actor, options["output"], options["people"], options["include_sensitive"])
        except ReuniteError as exc:
            raise CommandError(exc.message) from exc

    def load(self, actor, path: Path, kind: str, role: str | None):
        try:
            if path.stat().st_size > pfif.MAX_BYTES:
                raise CommandError(f"{path} is larger than {pfif.MAX_BYTES // 2**20} MB.")
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        result = pfif_import(
            actor=actor, data=data, today=timezone.localdate(), kind=kind, family_role=role
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"PFIF {result.version}: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged, {result.notes} notes, "
                f"{len(result.rejected)} rejected."
            )
        )
        for rejection in result.rejected:
            self.stdout.write(
                f"  line {rejection.line}: {rejection.kind} {rejection.record_id or '(no id)'}: "
                f"{rejection.reason}"
            )

    def dump(self, actor, path: Path, people: list[str] | None, include_sensitive: bool):
        result = pfif_export(
            actor=actor, now=timezone.now(), people=people, include_sensitive=include_sensitive
        )
        # The file holds people's names: readable by its owner only, from the first byte.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(result.xml)
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {result.persons} people ({result.notes} notes) to {path}.")
        )


def _uuid(value: str) -> str:
    try:
        return str(UUID(value))
    except ValueError as exc:
        raise CommandError(f"{value} is not an organisation id.") from exc
