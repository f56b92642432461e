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

from reunite.matching.batch import link_records  # noqa: E402
from reunite.matching.block import Index  # noqa: E402
from reunite.matching.csvio import write_records  # noqa: E402
from reunite.matching.evaluate import evaluate  # noqa: E402
from reunite.matching.link import DEFAULT_MARGIN, DEFAULT_THRESHOLD, DEFAULT_TOP, _floor, link  # noqa: E402
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

    # The batch path (`reunite link`): the same model and rule, vectorised (batch.py).
    started = time.perf_counter()
    batch = link_records(task.descriptions, task.registry, index.scorer, top=DEFAULT_TOP,
                         floor=_floor(DEFAULT_THRESHOLD), margin=DEFAULT_MARGIN)
    batch_time = time.perf_counter() - started
    ranked = link_records(task.descriptions, task.registry, index.scorer, top=5, floor=float("-inf"), margin=None)
    batch_result = evaluate([(m.left_id, m.right_id, m.match_weight) for m in batch], task.truth)
    batch_top5 = evaluate([(m.left_id, m.right_id, m.match_weight) for m in ranked], task.truth).recall_at_k[5]
    batch_result = type(batch_result)(batch_result.true_positives, batch_result.false_positives,
                                      batch_result.false_negatives, {**batch_result.recall_at_k, 5: batch_top5})
    line(f"reunite link, batch path ({batch_time:.1f} s)", batch_result)

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
def _files(n: int, m: int) -> tuple[Path, Path]:
    """Synthetic registry (seed 1) and descriptions (seed 77) CSVs, made once in bench/out."""
    OUT.mkdir(parents=True, exist_ok=True)
    right, left = OUT / f"registry-{n}.csv", OUT / f"descriptions-{m}.csv"
    if not right.exists():
        write_records(right, registry(n, seed=1))
    if not left.exists():
        task = link_task(max(10, m), seed=77)
        write_records(left, task.descriptions[:m])
    return left, right


def batch_link(n: int, m: int, workers: int = 2) -> None:
    """`reunite link` of m descriptions against n registered, timed by /usr/bin/time -v."""
    print(f"\n== reunite link of {m:,} descriptions against {n:,} registered (CSV in, CSV out)")
    left, right = _files(n, m)
    out = OUT / f"pairs-{m}x{n}.csv"
    reunite = Path(sys.executable).parent / "reunite"
    command = [str(reunite), "link", str(left.relative_to(ROOT)), str(right.relative_to(ROOT)),
               "-o", str(out.relative_to(ROOT)), "--workers", str(workers)]
    timer = ["/usr/bin/time", "-v"] if Path("/usr/bin/time").exists() else []
    load_before = os.getloadavg()
    started = time.perf_counter()
    proc = subprocess.Popen([*timer, *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,  # noqa: S603 - our own command
                            cwd=ROOT)
    peak_pss = 0
    while proc.poll() is None:
        peak_pss = max(peak_pss, _tree_pss(proc.pid))
        time.sleep(0.5)
    stderr = proc.stderr.read() if proc.stderr else ""
    wall = time.perf_counter() - started
    load_after = os.getloadavg()
    if proc.returncode:
        print("  failed:", stderr[-2000:])
        return
    with open(out, newline="", encoding="utf-8") as handle:
        rows = sum(1 for _ in csv.reader(handle)) - 1
    print(f"  $ {' '.join(timer + command)}")
    found = {key: re.search(rf"{key}: (.+)", stderr) for key in (
        "Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)", "Maximum resident set size \\(kbytes\\)",
        "User time \\(seconds\\)", "System time \\(seconds\\)")}
    values = [f.group(1).strip() if f else "?" for f in found.values()]
    rss = f"{int(values[1]) / 1024:.0f} MB" if values[1].isdigit() else "?"
    print(f"  wall {wall:.1f} s (time: {values[0]}), CPU user {values[2]} s + system {values[3]} s; {rows:,} pairs")
    print(f"  memory: peak RSS {rss} (largest single process), peak total PSS of the process and its workers "
          f"{peak_pss / 1024:.0f} MB (sampled every 0.5 s; shared pages counted once)")
    print(f"  load average before {load_before[0]:.2f}, after {load_after[0]:.2f} on {os.cpu_count()} CPUs "
          "(a shared machine: other processes' load slows the wall time)")


def _tree_pss(root: int) -> int:
    """Proportional set size (kB) of a process and all its descendants (Linux; 0 elsewhere)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.parent.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        found = re.search(r"^Pss:\s+(\d+) kB", text, re.MULTILINE)
        total += int(found.group(1)) if found else 0
    return total


def scale_accuracy(n: int, families: int = 3000, seed: int = 2018) -> None:
    """The seed-2018 task with its registry hidden among n synthetic registered people."""
    import dataclasses

    from reunite.matching.csvio import read_pairs

    print(f"\n== accuracy at scale: the seed-{seed} task's {families} families hidden in {n:,} registered")
    task = link_task(families, seed=seed)
    planted = [dataclasses.replace(r, id="P" + r.id) for r in task.registry]
    truth = {(d, "P" + r) for d, r in task.truth}
    left = OUT / f"scale-descriptions-{seed}.csv"
    right = OUT / f"scale-registry-{seed}-{n}.csv"
    write_records(left, task.descriptions)
    if not right.exists():
        _, full = _files(n, 10)
        with open(right, "w", encoding="utf-8") as target, open(full, encoding="utf-8") as source:
            for i, text in enumerate(source):
                if i > n - len(planted):
                    break
                target.write(text)
        with open(right, "a", newline="", encoding="utf-8") as target:
            path = OUT / "scale-planted.csv"
            write_records(path, planted)
            with open(path, newline="", encoding="utf-8") as source:
                next(source)
                target.write(source.read())
    out = OUT / "scale-pairs.csv"
    top5 = OUT / "scale-top5.csv"
    reunite = str(Path(sys.executable).parent / "reunite")
    started = time.perf_counter()
    for target, extra in ((out, []), (top5, ["--threshold", "0", "--margin", "-1", "--top", "5"])):
        subprocess.run([reunite, "link", str(left), str(right), "-o", str(target), *extra],  # noqa: S603 - our own command
                       cwd=ROOT, check=True, capture_output=True)
    wall = time.perf_counter() - started
    result = evaluate([(a, b, w) for a, b, w in read_pairs(out)], truth)
    ranked = evaluate([(a, b, w) for a, b, w in read_pairs(top5)], truth)
    result = type(result)(result.true_positives, result.false_positives, result.false_negatives,
                          {**result.recall_at_k, 5: ranked.recall_at_k[5]})
    line(f"reunite link ({wall:.0f} s, two runs)", result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument("--families", type=int)
    parser.add_argument("--registered", type=int)
    parser.add_argument("--descriptions", type=int)
    parser.add_argument("--skip-scale", action="store_true", help="no latency or batch timing")
    parser.add_argument("--skip-accuracy", action="store_true", help="no accuracy task at the start")
    parser.add_argument("--skip-latency", action="store_true", help="no one-record latency")
    parser.add_argument("--scale-accuracy", action="store_true",
                        help="also measure accuracy with the task hidden among the registered people")
    parser.add_argument("--slice", type=int, default=10_000,
                        help="also time the link of this many descriptions (0: skip)")
    args = parser.parse_args()
    families = args.families or (400 if args.quick else 3000)
    n = args.registered or (20_000 if args.quick else 1_000_000)
    m = args.descriptions or (2_000 if args.quick else 100_000)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    if not args.skip_accuracy:
        accuracy(families, 2018, not args.no_splink)
    if not args.skip_scale:
        if not args.skip_latency:
            latency(n, 300 if args.quick else 1000)
        if args.slice and args.slice < m:
            batch_link(n, args.slice)
        batch_link(n, m)
    if args.scale_accuracy:
        scale_accuracy(n)


if __name__ == "__main__":
    main()
