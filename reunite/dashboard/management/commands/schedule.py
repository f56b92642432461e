"""`reunite schedule`: the periodic jobs, in one small loop (run it beside the web
server, or call the jobs from cron with `reunite audit anchor`).

- every AUDIT_ANCHOR_MINUTES: seal the audit events left pending (by a process that died
  between its commit and its sealer; any later audited commit seals them too), then anchor
  the audit chain's head outside the database;
- once a day: the retention purge (expire records past retention, wipe those deleted
  longer than RESTORE_WINDOW_DAYS ago).
"""

import time
from datetime import date, datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from reunite.audit.management.commands.audit import anchor_now
from reunite.audit.services import seal_pending
from reunite.people.retention import PurgeResult, purge_due


def daily_purge(*, now: datetime) -> PurgeResult:
    """The retention purge for the local day of `now`."""
    return purge_due(today=timezone.localdate(now), now=now)


class Command(BaseCommand):
    help = "Run periodic jobs: seal and anchor the audit chain every AUDIT_ANCHOR_MINUTES, purge daily."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every job once and exit")

    def handle(self, *args, once=False, **options):
        period = settings.AUDIT_ANCHOR_MINUTES * 60
        purged_on: date | None = None
        while True:
            now = timezone.now()
            if purged_on != timezone.localdate(now):
                # Purge before anchoring, so the anchor covers the purge's audit events.
                result = daily_purge(now=now)
                purged_on = timezone.localdate(now)
                self.stdout.write(f"purge: {result.expired} expired, {result.wiped} wiped")
            sealed = seal_pending()
            if sealed:
                self.stdout.write(f"sealed {sealed} pending audit events")
            entry = anchor_now()
            if entry:
                self.stdout.write(f"anchored audit event #{entry['seq']}")
            if once:
                return
            time.sleep(period)
