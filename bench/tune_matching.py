"""Choose the engine's default decision rule (threshold, margin, top) on the development seed.

    python bench/tune_matching.py [--seed 7] [--families 3000] [--errors]

Never run on the benchmark's test seed (2018): the rule chosen here is what `link`, the
CLI and bench/bench_matching.py use by default. `--errors` lists the false positives and
false negatives of the current defaults on the development task, by kind (twin, sibling,
cousin, unrelated), for error analysis.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reunite.matching.block import Index  # noqa: E402
from reunite.matching.evaluate import evaluate  # noqa: E402
from reunite.matching.link import DEFAULT_MARGIN, DEFAULT_THRESHOLD, DEFAULT_TOP, _floor, _select  # noqa: E402
from reunite.matching.synth import link_task  # noqa: E402

THRESHOLDS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
MARGINS = (None, 0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)
TOPS = (1, 2, 3, 5)


def candidates(task, top: int = 5):
    index = Index()
    index.add_many(task.registry)
    index.build()
    out = []
    for d in task.descriptions:
        f = index.scorer.features(d)
        out.append((d, f, index.search(f, top=top)))
    return index, out


def choose(task, cands):
    rows = []
    for top in TOPS:
        for th in THRESHOLDS:
            floor = _floor(th)
            for margin in MARGINS:
                pairs = [(d.id, idx_id, w) for d, _, scored in cands
                         for w, idx_id in _select(scored[:top], floor, margin)]
                rows.append((evaluate(pairs, task.truth), th, margin, top))
    rows.sort(key=lambda r: -r[0].f1)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--families", type=int, default=3000)
    parser.add_argument("--errors", action="store_true")
    args = parser.parse_args()
    if args.seed == 2018:
        sys.exit("2018 is the test seed: tune on another")
    task = link_task(args.families, seed=args.seed)
    index, cands = candidates(task)
    ids = [(d, f, [(w, index.features[pos].id) for w, pos in scored]) for d, f, scored in cands]
    rows = choose(task, ids)
    for ev, th, margin, top in rows[:12]:
        print(f"p >= {th:<5} margin {margin!s:<5} top {top}: F1 {ev.f1:.4f} P {ev.precision:.4f} R {ev.recall:.4f}")
    current = [r for r in rows if (r[1], r[2], r[3]) == (DEFAULT_THRESHOLD, DEFAULT_MARGIN, DEFAULT_TOP)]
    if current:
        ev = current[0][0]
        print(f"current defaults p >= {DEFAULT_THRESHOLD} margin {DEFAULT_MARGIN} top {DEFAULT_TOP}: "
              f"F1 {ev.f1:.4f} P {ev.precision:.4f} R {ev.recall:.4f}")
    if args.errors:
        errors(task, index, cands)


def errors(task, index, cands) -> None:
    from reunite.matching.synth import Synth  # noqa: F401 - documents where kinds come from

    truth = dict(task.truth)
    position = {f.id: i for i, f in enumerate(index.features)}
    floor = _floor(DEFAULT_THRESHOLD)
    kinds: Counter[str] = Counter()
    for d, f, scored in cands:
        chosen = {index.features[pos].id for _, pos in _select(scored[:DEFAULT_TOP], floor, DEFAULT_MARGIN)}
        want = truth.get(d.id)
        for rid in chosen - {want}:
            kinds["FP"] += 1
            m = index.match(f, position[rid])
            print("FP", d.id, rid, f"{m.match_weight:.1f}", "true:", want, m.explanation[:300])
            if want:
                print("   true:", index.match(f, position[want]).explanation[:300])
        if want and want not in chosen:
            kinds["FN"] += 1
            m = index.match(f, position[want])
            print("FN", d.id, want, f"{m.match_weight:.1f}", m.explanation[:300])
    print(kinds)


if __name__ == "__main__":
    main()
