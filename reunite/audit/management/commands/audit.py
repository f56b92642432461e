"""`reunite audit verify` walks the chain; `reunite audit anchor` exports its head; both
first seal the events left pending (e.g. by a process killed between commit and seal)."""

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reunite.audit.services import anchor, seal_pending, verify


class Command(BaseCommand):
    help = (
        "Seal pending audit events, then verify the audit log's hash chain, or anchor its "
        "latest hash outside the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "anchor"])

    def handle(self, *args, action, **options):
        sealed = seal_pending()
        if sealed:
            self.stdout.write(f"Sealed {sealed} pending events.")
        if action == "verify":
            result = verify(anchor_path=settings.AUDIT_ANCHOR_PATH)
            if not result.ok:
                raise CommandError(
                    f"Audit chain broken at event #{result.first_bad_seq}: {result.reason} "
                    f"({result.checked} events verified before it)."
                )
            pending = f", {result.pending} pending" if result.pending else ""
            self.stdout.write(
                self.style.SUCCESS(f"Audit chain intact: {result.checked} events{pending}.")
            )
            return
        entry = anchor_now()
        if entry is None:
            self.stdout.write("The audit log is empty: nothing to anchor.")
        else:
            self.stdout.write(f"Anchored event #{entry['seq']} {entry['hash']}.")


def anchor_now():
    """Append the sealed head to the anchor file and, when configured, email it."""
    entry = anchor(path=settings.AUDIT_ANCHOR_PATH, at=timezone.now())
    if entry and settings.AUDIT_ANCHOR_EMAIL:
        send_mail(
            subject=f"Reunite audit anchor #{entry['seq']}",
            message=f"{entry['at']} seq={entry['seq']} hash={entry['hash']}\n",
            from_email=None,
            recipient_list=[settings.AUDIT_ANCHOR_EMAIL],
        )
    return entry
