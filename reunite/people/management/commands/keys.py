"""`reunite keys status` shows which data key sealed each share of the values;
`reunite keys rotate` re-seals everything under the first (current) key of DATA_KEYS.
`reunite keys index-status` and `reunite keys rotate-index` do the same for the blind
indexes and BLIND_INDEX_KEYS (reunite.people.blind_indexes)."""

import sys

from django.core.management.base import BaseCommand, CommandError

from reunite.core import crypto
from reunite.people import blind_indexes, keys


class Command(BaseCommand):
    help = (
        "Data keys: `status` (which key seals what) or `rotate` (re-seal under the current "
        "key). Blind-index keys: `index-status` and `rotate-index` (recompute under the "
        "current key)."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("status", help="values per model, field and key id")
        rotate = actions.add_parser("rotate", help="re-seal every value under the current key")
        rotate.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        rotate.add_argument(
            "--batch-size", type=int, default=keys.BATCH_SIZE, help="rows per transaction"
        )

        actions.add_parser("index-status", help="blind indexes per table, column and key id")
        rotate_index = actions.add_parser(
            "rotate-index", help="recompute every blind index under the current key"
        )
        rotate_index.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        rotate_index.add_argument(
            "--batch-size",
            type=int,
            default=blind_indexes.BATCH_SIZE,
            help="people or rows per transaction",
        )
        rotate_index.add_argument(
            "--max-batches", type=int, default=None, help="stop after this many batches per table"
        )

    def handle(self, *args, action, **options):
        if action == "status":
            self.status()
        elif action == "rotate":
            self.rotate(yes=options["yes"], batch_size=options["batch_size"])
        elif action == "index-status":
            self.index_status()
        else:
            self.rotate_index(
                yes=options["yes"],
                batch_size=options["batch_size"],
                max_batches=options["max_batches"],
            )

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

    # --- Blind indexes -------------------------------------------------------------------

    def index_status(self):
        ring = crypto.index_keyring()
        label = blind_indexes.key_label
        self.stdout.write(
            f"Current blind-index key: {label(ring.current)} "
            f"(the ring holds {', '.join(label(k) for k in ring.keys)})"
        )
        for column in blind_indexes.status():
            if not column.total:
                self.stdout.write(f"{column.label}: no digests")
                continue
            shares = ", ".join(
                f"{label(key_id)} {count} ({count * 100 // column.total}%)"
                + ("" if key_id in ring.keys else " NOT IN THE RING")
                for key_id, count in sorted(
                    column.keys.items(), key=lambda item: (item[0] != ring.current, item[0])
                )
            )
            self.stdout.write(f"{column.label}: {shares}")
        self._index_summary(blind_indexes.groups_to_rotate(), blind_indexes.unrecomputable_rows())

    def _index_summary(self, left: dict[str, int], unrecomputable: dict[str, int]) -> None:
        ring = crypto.index_keyring()
        label = blind_indexes.key_label
        pending = sum(left.values())
        self.stdout.write(
            f"Still to rotate: {pending}"
            + "".join(f", {table} {n}" for table, n in left.items() if n)
        )
        for table, n in unrecomputable.items():
            if n:
                self.stdout.write(
                    self.style.WARNING(
                        f"{table}: {n} rows under an older key cannot be recomputed (imported "
                        "before their row was kept); importing their list again re-keys them. "
                        "Until then, removing the older key makes a re-import create them anew."
                    )
                )
        older = [label(k) for k in ring.keys if k != ring.current]
        if not pending and not any(unrecomputable.values()) and older:
            self.stdout.write(
                f"Every blind index is under {label(ring.current)}: remove "
                f"{', '.join(older)} from the ring (BLIND_INDEX_KEYS, BLIND_INDEX_KEY) and "
                "restart, so that lookups use the current key alone."
            )

    def rotate_index(self, *, yes: bool, batch_size: int, max_batches: int | None):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if max_batches is not None and max_batches < 1:
            raise CommandError("--max-batches must be at least 1.")
        current = blind_indexes.key_label(crypto.index_keyring().current)
        pending = {label: n for label, n in blind_indexes.groups_to_rotate().items() if n}
        if not pending:
            self.stdout.write(f"Nothing to rotate: every blind index is under {current}.")
            self._index_summary({}, blind_indexes.unrecomputable_rows())
            return
        self.stdout.write(
            f"Recomputing blind indexes under {current}: "
            + ", ".join(f"{label} {n}" for label, n in pending.items())
        )
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError("Confirm with --yes (no terminal to ask on).")
            if input(
                "Every process must already run with the new BLIND_INDEX_KEYS. Go on? [y/N] "
            ).strip().lower() not in {"y", "yes"}:
                raise CommandError("Cancelled: nothing changed.")
        result = blind_indexes.rotate(
            batch_size=batch_size, max_batches=max_batches, progress=self.progress
        )
        self.stdout.write(
            self.style.SUCCESS(f"Recomputed {result.total} under {current}: ")
            + ", ".join(f"{label} {n}" for label, n in result.groups.items() if n)
        )
        self._index_summary(result.left, result.unrecomputable)
