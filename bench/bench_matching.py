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
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reunite.matching.block import Index  # noqa: E402
from reunite.matching.csvio import write_records  # noqa: E402
from reunite.matching.evaluate import evaluate  # noqa: E402
from reunite.matching.link import link  # noqa: E402
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

    exact = exact_baseline(task)
    line("exact name + date of birth", exact)
    if with_splink:
        try:
            splink_results(task)
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


def _splink_rows(records, side: str) -> list[dict]:
    rows = []
    for r in records:
        given = name_tokens(r.given_names or "")
        pat = " ".join(name_tokens(r.paternal_surname or ""))
        mat = " ".join(name_tokens(r.maternal_surname or ""))
        family = [r.mother_name, r.father_name, *r.related_names]
        parents = []
        for f in family:
            if f:
                toks = name_tokens(f)
                parents.append(" ".join(toks[:1] + toks[-2:-1] if len(toks) > 2 else toks))
        bd = r.birth_date
        rows.append({
            "unique_id": r.id, "source_dataset": side,
            "first_name": given[0] if given else None,
            "given_all": " ".join(given) or None,
            "surname_pat": pat or None, "surname_mat": mat or None,
            "surname_all": " ".join(x for x in (pat, mat) if x) or None,
            "dob": bd.isoformat() if bd and bd.day else None,
            "birth_year": str(bd.year) if bd else (str(2018 - r.age) if r.age is not None else None),
            "sex": r.sex, "country": (unicodedata.normalize("NFKD", r.country_of_birth or "").lower() or None),
            "a_number": re.sub(r"\D", "", r.a_number or "") or None,
            "parents": parents or None,
        })
    return rows


def splink_results(task) -> None:
    """Splink 5 on DuckDB, configured with the same columns, trained as its docs advise."""
    import logging

    import pyarrow as pa
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    started = time.perf_counter()
    db = DuckDBAPI()
    left = db.register(pa.Table.from_pylist(_splink_rows(task.descriptions, "descriptions")))
    right = db.register(pa.Table.from_pylist(_splink_rows(task.registry, "registry")))
    surname = cl.CustomComparison(
        output_column_name="surname",
        comparison_levels=[
            cll.NullLevel("surname_all"),
            cll.ExactMatchLevel("surname_all"),
            {"sql_condition": "surname_pat_l = surname_mat_r and surname_mat_l = surname_pat_r",
             "label_for_charts": "swapped"},
            {"sql_condition": "surname_pat_l = surname_pat_r or surname_pat_l = surname_mat_r "
                              "or surname_mat_l = surname_pat_r", "label_for_charts": "one surname agrees"},
            cll.JaroWinklerLevel("surname_all", 0.9),
            cll.JaroWinklerLevel("surname_all", 0.8),
            cll.ElseLevel(),
        ],
    )
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            surname,
            cl.CustomComparison(
                output_column_name="dob",
                comparison_levels=[
                    cll.NullLevel("birth_year"),
                    cll.ExactMatchLevel("dob"),
                    cll.DamerauLevenshteinLevel("dob", 1),
                    cll.ExactMatchLevel("birth_year"),
                    cll.ElseLevel(),
                ],
            ),
            cl.ExactMatch("sex"),
            cl.ExactMatch("country"),
            cl.ExactMatch("a_number"),
            cl.ArrayIntersectAtSizes("parents", [1]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("surname_pat", "birth_year"), block_on("first_name", "birth_year"),
            block_on("surname_pat", "first_name"), block_on("surname_mat", "first_name"),
            block_on("surname_pat", "surname_mat"), block_on("a_number"), block_on("first_name", "dob"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker([left, right], settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname_pat", "dob")], recall=0.5)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    for rule in (block_on("surname_pat"), block_on("dob"), block_on("first_name")):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except Exception as exc:
            print(f"  splink EM on {rule} failed: {exc}")
    predictions = linker.inference.predict(threshold_match_probability=0.01).as_record_list()
    elapsed = time.perf_counter() - started
    rows = []
    for p in predictions:
        a, b = p["unique_id_l"], p["unique_id_r"]
        if p["source_dataset_l"] != "descriptions":
            a, b = b, a
        rows.append((a, b, p["match_probability"], p["match_weight"]))
    ranked = evaluate([(a, b, w) for a, b, _, w in rows], task.truth)
    at_half = evaluate([(a, b, p) for a, b, p, _ in rows if p >= 0.5], task.truth)
    at_half = type(at_half)(at_half.true_positives, at_half.false_positives, at_half.false_negatives,
                            ranked.recall_at_k)
    line(f"splink 5 duckdb @0.5 ({elapsed:.1f} s)", at_half)
    # Splink given the engine's post-processing too: within 8 bits of the description's best.
    best: dict[str, float] = {}
    for a, _, _, w in rows:
        best[a] = max(best.get(a, -1e9), w)
    filtered = [(a, b, p) for a, b, p, w in rows if p >= 0.5 and w >= best[a] - 8]
    line("splink 5 + same best-8-bits filter", evaluate(filtered, task.truth))


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
          f"{child_kb / 1024:.0f} MB (sum {(self_kb + child_kb) / 1024:.0f} MB, an upper bound: "
          "workers share the index copy-on-write)")


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
