"""`reunite keys status` shows which data key sealed each share of the values;
`reunite keys rotate` re-seals everything under the first (current) key of DATA_KEYS."""

import sys

from django.core.management.base import BaseCommand, CommandError

from reunite.core import crypto
from reunite.people import keys


class Command(BaseCommand):
    help = "Data keys: `status` (which key seals what) or `rotate` (re-seal under the current key)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("status", help="values per model, field and key id")
        rotate = actions.add_parser("rotate", help="re-seal every value under the current key")
        rotate.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        rotate.add_argument(
            "--batch-size", type=int, default=keys.BATCH_SIZE, help="rows per transaction"
        )

    def handle(self, *args, action, **options):
        if action == "status":
            self.status()
        else:
            self.rotate(yes=options["yes"], batch_size=options["batch_size"])

    def status(self):
        ring = crypto.keyring()
        self.stdout.write(f"Current key: {ring.current} (DATA_KEYS holds {', '.join(ring.keys)})")
        for column in keys.status():
            if not column.total:
                self.stdout.write(f"{column.label}: no values")
                continue
            shares = ", ".join(
                f"{key_id} {count} ({count * 100 // column.total}%)"
                + ("" if key_id in ring.keys or key_id == keys.UNSEALED else " NOT IN DATA_KEYS")
                for key_id, count in sorted(
                    column.keys.items(), key=lambda item: item[0] != ring.current
                )
            )
            self.stdout.write(f"{column.label}: {shares}")
        pending = sum(keys.rows_to_rotate().values())
        self.stdout.write(f"Rows still to rotate: {pending}")

    def rotate(self, *, yes: bool, batch_size: int):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        ring = crypto.keyring()
        pending = {label: n for label, n in keys.rows_to_rotate().items() if n}
        if not pending:
            self.stdout.write(f"Nothing to rotate: every value is sealed under {ring.current}.")
            return
        self.stdout.write(
            f"Re-sealing under {ring.current}: "
            + ", ".join(f"{label} {n} rows" for label, n in pending.items())
        )
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError("Confirm with --yes (no terminal to ask on).")
            if input(
                "Every process must already run with the new DATA_KEYS. Go on? [y/N] "
            ).strip().lower() not in {"y", "yes"}:
                raise CommandError("Cancelled: nothing changed.")
        try:
            result = keys.rotate(batch_size=batch_size, progress=self.progress)
        except keys.RotationError as exc:
            raise CommandError(
                f"{exc}. Rows done so far stay done; fix DATA_KEYS and run again."
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Rotated {result.total} rows to {result.key_id}: ")
            + ", ".join(f"{label} {n}" for label, n in result.rows.items() if n)
        )

    def progress(self, label: str, done: int, to_do: int):
        self.stdout.write(f"{label}: {done}/{to_do}")
