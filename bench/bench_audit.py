"""Audit benchmark: concurrent recorders whose transactions stay open a while.

    DATABASE_URL=postgres://.../scratch python bench/bench_audit.py [--threads 16]
        [--seconds 20] [--events 3] [--hold-ms 5]

Each thread loops: open a transaction, record --events events, keep the transaction open
--hold-ms more (the rest of a request's work), commit (the on_commit sealer then chains the
events). Prints events/s; the latency (p50, p95, max) of one record() call, of the commit
with its seal, and of the whole transaction; and whether the chain verifies with nothing
left pending. Use a scratch database (it is migrated, and the events stay: the log is
append-only). SQLite works too, but there any writing transaction holds the database's
one write lock, so that is what it measures. All threads share one interpreter (and its
GIL): on a small machine the Python work of 16 threads is part of what is measured.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--events", type=int, default=3, help="events per transaction")
    parser.add_argument("--hold-ms", type=float, default=5, help="open time after recording")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from reunite.audit.events import EventType
    from reunite.audit.models import AuditEvent
    from reunite.audit.services import record, seal_pending, verify

    seal_pending()
    before = AuditEvent.objects.count()
    start, stop = threading.Barrier(args.threads + 1), threading.Event()
    record_ms: list[list[float]] = [[] for _ in range(args.threads)]
    commit_ms: list[list[float]] = [[] for _ in range(args.threads)]
    whole_ms: list[list[float]] = [[] for _ in range(args.threads)]
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            start.wait()
            while not stop.is_set():
                opened = time.perf_counter()
                with transaction.atomic():
                    for n in range(args.events):
                        began = time.perf_counter()
                        record(event_type=EventType.API_CALL, data={"bench": index, "n": n})
                        record_ms[index].append((time.perf_counter() - began) * 1000)
                    time.sleep(args.hold_ms / 1000)
                    committing = time.perf_counter()
                # Leaving the block commits, then runs the sealer (on_commit).
                done = time.perf_counter()
                commit_ms[index].append((done - committing) * 1000)
                whole_ms[index].append((done - opened) * 1000)
        except BaseException as exc:  # reported below: a benchmark that failed measured nothing
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.threads)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(args.seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise SystemExit(f"{len(errors)} workers failed, the first with: {errors[0]!r}")

    records = [ms for mine in record_ms for ms in mine]
    commits = [ms for mine in commit_ms for ms in mine]
    wholes = [ms for mine in whole_ms for ms in mine]
    pending_after = AuditEvent.objects.filter(seq__isnull=True).count()
    result = verify()
    print(
        f"{connection.vendor}, {args.threads} threads, {args.events} events per transaction "
        f"held open {args.hold_ms:g} ms more, {elapsed:.1f} s"
    )
    print(
        f"events: {len(records)} ({AuditEvent.objects.count() - before} new rows), "
        f"{len(records) / elapsed:,.0f} events/s, {len(commits) / elapsed:,.0f} transactions/s"
    )
    print(
        f"record(): p50 {statistics.median(records):.2f} ms, "
        f"p95 {percentile(records, 0.95):.2f} ms, max {max(records):.2f} ms"
    )
    print(
        f"commit + seal: p50 {statistics.median(commits):.2f} ms, "
        f"p95 {percentile(commits, 0.95):.2f} ms, max {max(commits):.2f} ms"
    )
    print(
        f"whole transaction: p50 {statistics.median(wholes):.2f} ms, "
        f"p95 {percentile(wholes, 0.95):.2f} ms, max {max(wholes):.2f} ms"
    )
    print(
        f"chain: {'intact' if result.ok else 'BROKEN'}, {result.checked} sealed, "
        f"{pending_after} pending right after the run"
    )


if __name__ == "__main__":
    main()
