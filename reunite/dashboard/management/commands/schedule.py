"""`reunite schedule`: the periodic jobs, in one small loop (run it beside the web
server, or call the jobs from cron with `reunite audit anchor`)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from reunite.audit.management.commands.audit import anchor_now


class Command(BaseCommand):
    help = "Run periodic jobs: anchor the audit chain every AUDIT_ANCHOR_MINUTES."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every job once and exit")

    def handle(self, *args, once=False, **options):
        period = settings.AUDIT_ANCHOR_MINUTES * 60
        while True:
            entry = anchor_now()
            if entry:
                self.stdout.write(f"anchored audit event #{entry['seq']}")
            if once:
                return
            time.sleep(period)
