"""Benchmark of the matching engine: accuracy against Splink 5, query latency, batch link.

    python bench/bench_matching.py            # full run (1,000,000 registered; several minutes)
    python bench/bench_matching.py --quick    # small run (seconds)

Prints F1 / precision / recall / top-5 recall on the synthetic sought-child task for
the engine and for Splink 5 on DuckDB (same data, same run), the p50/p95 latency of one
new record queried against N registered people, and the wall time and peak memory of
`reunite link` of M descriptions against the N registered (CSV in, CSV out).
Synthetic data only; never run as a test.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from splink_yardstick import splink_results  # noqa: E402 - bench/splink_yardstick.py

from reunite.matching.block import Index  # noqa: E402
from reunite.matching.csvio import write_records  # noqa: E402
from reunite.matching.evaluate import evaluate  # noqa: E402
from reunite.matching.link import DEFAULT_MARGIN, DEFAULT_THRESHOLD, DEFAULT_TOP, link  # noqa: E402
from reunite.matching.normalize import name_tokens  # noqa: E402
from reunite.matching.synth import link_task, registry  # noqa: E402

OUT = ROOT / "bench" / "out"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def line(label: str, result) -> None:
    print(f"  {label:<34} F1 {result.f1:.4f}  precision {result.precision:.4f}  "
          f"recall {result.recall:.4f}  top-5 recall {result.recall_at_k[5]:.4f}")


# ---------------------------------------------------------------- accuracy
def accuracy(families: int, seed: int, with_splink: bool) -> None:
    task = link_task(families, seed=seed)
    print(f"\n== sought-child task: {len(task.descriptions)} descriptions, {len(task.registry)} registered "
          f"(siblings, twins, cousins, common names), {len(task.truth)} true pairs, seed {seed}")
    started = time.perf_counter()
    matches = link(task.descriptions, task.registry)
    ours_time = time.perf_counter() - started
    index = Index()
    index.add_many(task.registry)
    ranked = []
    for d in task.descriptions:
        for weight, pos in index.search(index.scorer.features(d), top=5):
            ranked.append((d.id, index.features[pos].id, weight))
    top5 = evaluate(ranked, task.truth).recall_at_k[5]
    ours = evaluate([(m.left_id, m.right_id, m.match_weight) for m in matches], task.truth)
    ours = type(ours)(ours.true_positives, ours.false_positives, ours.false_negatives, {**ours.recall_at_k, 5: top5})
    line(f"reunite engine ({ours_time:.1f} s)", ours)
    print(f"  {'':<34} model {index.scorer.weights.version}; link() defaults chosen on seed 7 "
          f"(bench/tune_matching.py): p >= {DEFAULT_THRESHOLD:g}, margin {DEFAULT_MARGIN:g} bits, top {DEFAULT_TOP}")

    exact = exact_baseline(task)
    line("exact name + date of birth", exact)
    if with_splink:
        try:
            splink_results(task, line)
        except ImportError:
            print("  splink not installed: pip install splink")


def _norm(text: str | None) -> str:
    if not text:
        return ""
    return " ".join(name_tokens(text))


def exact_baseline(task):
    """What a spreadsheet does: exact normalised full name and date of birth."""
    def key(r):
        return (_norm(r.given_names), _norm(r.paternal_surname), _norm(r.maternal_surname),
                r.birth_date.isoformat() if r.birth_date else None)
    by_key: dict = {}
    for r in task.registry:
        by_key.setdefault(key(r), []).append(r.id)
    pairs = [(d.id, rid, 1.0) for d in task.descriptions if key(d)[3] for rid in by_key.get(key(d), [])]
    return evaluate(pairs, task.truth)


# ---------------------------------------------------------------- latency
def latency(n: int, queries: int) -> Index:
    print(f"\n== one new record against {n:,} registered people")
    started = time.perf_counter()
    people = registry(n, seed=1)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    index = Index()
    index.add_many(people)
    index.build()
    del people
    built = time.perf_counter() - started
    print(f"  generated in {generated:.1f} s; index built in {built:.1f} s")
    task = link_task(max(50, queries // 2), seed=424242)
    probes = task.descriptions[:queries]
    times = []
    for record in probes:
        t = time.perf_counter()
        index.query(record, top=10)
        times.append((time.perf_counter() - t) * 1000)
    print(f"  {len(times)} queries: p50 {pct(times, 0.5):.1f} ms, p95 {pct(times, 0.95):.1f} ms, "
          f"max {max(times):.1f} ms (query = blocking + scoring + explanations of the top 10)")
    return index


# ---------------------------------------------------------------- batch link
def batch_link(n: int, m: int) -> None:
    print(f"\n== reunite link of {m:,} descriptions against {n:,} registered (CSV in, CSV out)")
    OUT.mkdir(parents=True, exist_ok=True)
    right, left = OUT / f"registry-{n}.csv", OUT / f"descriptions-{m}.csv"
    if not right.exists():
        write_records(right, registry(n, seed=1))
    if not left.exists():
        task = link_task(max(10, m), seed=77)
        write_records(left, task.descriptions[:m])
    out = OUT / "pairs.csv"
    code = (
        "import resource, sys; from reunite.matching.cli import main_link; "
        f"rc = main_link([{str(left)!r}, {str(right)!r}, '-o', {str(out)!r}, '--workers', '2']); "
        "s = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; "
        "c = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss; "
        "print(f'RSS_SELF_KB={s} RSS_CHILD_KB={c}'); sys.exit(rc)"
    )
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,  # noqa: S603 - our interpreter, constant code
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    wall = time.perf_counter() - started
    found = re.search(r"RSS_SELF_KB=(\d+) RSS_CHILD_KB=(\d+)", result.stdout)
    if result.returncode or not found:
        print("  failed:", result.stderr[-2000:])
        return
    self_kb, child_kb = int(found.group(1)), int(found.group(2))
    with open(out, newline="", encoding="utf-8") as handle:
        rows = sum(1 for _ in csv.reader(handle)) - 1
    print(f"  wall {wall:.1f} s, {rows:,} pairs; peak RSS main {self_kb / 1024:.0f} MB, largest worker "
          f"{child_kb / 1024:.0f} MB (main + 2 x largest worker {(self_kb + 2 * child_kb) / 1024:.0f} MB, an upper "
          "bound: each worker indexes its own half of the registry)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument("--families", type=int)
    parser.add_argument("--registered", type=int)
    parser.add_argument("--descriptions", type=int)
    parser.add_argument("--skip-scale", action="store_true", help="accuracy only")
    args = parser.parse_args()
    families = args.families or (400 if args.quick else 3000)
    n = args.registered or (20_000 if args.quick else 1_000_000)
    m = args.descriptions or (2_000 if args.quick else 100_000)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    accuracy(families, 2018, not args.no_splink)
    if not args.skip_scale:
        latency(n, 300 if args.quick else 1000)
        batch_link(n, m)


if __name__ == "__main__":
    main()
