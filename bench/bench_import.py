"""Import benchmark: a synthetic list of N rows through the whole importer.

    python bench/bench_import.py [--rows 100000] [--kind parents] [--batch N] [--profile FILE]

Writes a canonical-header CSV of synthetic people (reunite.matching.synth), uploads it
and runs the import in this process exactly as the background task does: parsing,
validation, sealed inserts, search keys, ImportedRecord keys, per-batch audit, and the
candidate searches enqueued on the task queue (not run: the worker does that later).
Uses a fresh SQLite file in a temporary folder, or the database named by DATABASE_URL
(use a scratch database). Prints rows/s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--kind", default="parents", choices=["parents", "children", "custody"])
    parser.add_argument("--batch", type=int, help="rows per batch (default IMPORT_BATCH_SIZE)")
    parser.add_argument("--profile", help="write a cProfile of the first run to this file")
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="reunite-bench-")
    os.environ.setdefault("REUNITE_DATA_DIR", scratch)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from reunite.accounts.models import Membership, Organization, User
    from reunite.accounts.roles import Role
    from reunite.interop import services
    from reunite.matching.csvio import write_records
    from reunite.matching.synth import registry

    path = Path(scratch) / "list.csv"
    write_records(path, registry(args.rows, seed=11))
    data = path.read_bytes()
    from reunite.interop import limits

    args.batch = args.batch or limits.batch_size()
    print(f"{args.rows} rows, {len(data) / 1e6:.1f} MB, kind {args.kind}, batch {args.batch}")

    organization = Organization.objects.create(name=f"Bench org {time.time_ns()}")
    user = User.objects.create_user(f"bench{time.time_ns()}@example.org", "x", full_name="Bench")
    actor = Membership.objects.create(user=user, organization=organization, role=Role.ATTORNEY)

    started, cpu = time.perf_counter(), time.process_time()
    job = services.import_upload(actor=actor, file_name="list.csv", data=data)
    uploaded = time.perf_counter()
    job = services.import_start(
        actor=actor,
        job=job,
        kind=args.kind,
        mapping=services.suggested_mapping(job=job),
        options={"consent": True},
        enqueue=False,
    )

    def progress(job):
        sys.stderr.write(f"\r{job.processed_rows}/{job.total_rows}")

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    job = services.import_run(
        job_id=job.pk, now=timezone.now, batch_size=args.batch, progress=progress
    )
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    sys.stderr.write("\n")
    # CPU time of this process too: on a loaded machine the wall clock also counts the
    # time others had the processor.
    print(
        f"upload+read {uploaded - started:.1f}s; total {elapsed:.1f}s: {args.rows / elapsed:,.0f} rows/s "
        f"({job.created_count} created, {job.rejected_count} rejected, status {job.status}); "
        f"CPU {cpu:.1f}s: {args.rows / cpu:,.0f} rows/CPU-s"
    )
    # The same file again: every row is recognised, nothing is duplicated.
    started = time.perf_counter()
    again = services.import_upload(actor=actor, file_name="list.csv", data=data)
    again = services.import_start(
        actor=actor, job=again, kind=args.kind, mapping=job.mapping, enqueue=False
    )
    again = services.import_run(job_id=again.pk, now=timezone.now, batch_size=args.batch)
    elapsed = time.perf_counter() - started
    print(
        f"re-run: {elapsed:.1f}s: {args.rows / elapsed:,.0f} rows/s "
        f"({again.created_count} created, {again.unchanged_count} unchanged)"
    )


if __name__ == "__main__":
    main()
