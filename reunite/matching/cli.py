"""Command-line entry points (argv in, exit code out), wired into `reunite` by the lead.

    reunite link LEFT.csv RIGHT.csv -o pairs.csv [--map a=b] [--threshold P] [--top N]
    reunite dedupe FILE.csv -o pairs.csv
    reunite synth OUTDIR [--families N] [--seed S]
    reunite evaluate pairs.csv truth.csv
    reunite train OUT.json [--families N] [--seed S]
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from pathlib import Path

from .csvio import (
    parse_map,
    read_pairs,
    read_records,
    read_truth,
    write_pairs,
    write_records,
)
from .errors import MatchingError
from .evaluate import evaluate
from .link import DEFAULT_MARGIN, DEFAULT_THRESHOLD, DEFAULT_TOP, dedupe, link_files, tty_progress
from .score import Scorer, Weights


def _fail(exc: MatchingError) -> int:
    sys.stderr.write(f"error [{exc.code}]: {exc}\n")
    return 2


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", required=True, help="pairs CSV to write")
    parser.add_argument("--map", action="append", default=[], metavar="CANONICAL=THEIRS",
                        help="read column THEIRS as CANONICAL (repeatable)")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help="minimum match probability")
    parser.add_argument("--top", type=int, default=DEFAULT_TOP, help="at most N candidates per left record")
    parser.add_argument("--weights", help="weights JSON (default: the shipped model)")


def main_link(argv: Sequence[str] | None = None) -> int:
    """`reunite link LEFT RIGHT -o pairs.csv`: candidate pairs between two person lists."""
    parser = argparse.ArgumentParser(prog="reunite link", description=main_link.__doc__)
    parser.add_argument("left")
    parser.add_argument("right")
    _common(parser)
    parser.add_argument("--margin", type=float, default=DEFAULT_MARGIN,
                        help="drop candidates this many bits below a left record's best (negative: keep all)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes sharing the descriptions")
    args = parser.parse_args(argv)
    try:
        renames = parse_map(args.map)
        scorer = Scorer(Weights.load(args.weights) if args.weights else None)
        # Both files are read as columns, each distinct value prepared once (table.py).
        matches = link_files(args.left, args.right, renames, threshold=args.threshold, top=args.top,
                             margin=args.margin if args.margin >= 0 else None, scorer=scorer,
                             progress=tty_progress("linking"), workers=args.workers)
        n = write_pairs(args.output, matches)
    except MatchingError as exc:
        return _fail(exc)
    sys.stderr.write(f"{n} pairs written to {args.output}\n")
    return 0


def main_dedupe(argv: Sequence[str] | None = None) -> int:
    """`reunite dedupe FILE -o pairs.csv`: likely duplicates within one person list."""
    parser = argparse.ArgumentParser(prog="reunite dedupe", description=main_dedupe.__doc__)
    parser.add_argument("file")
    _common(parser)
    args = parser.parse_args(argv)
    try:
        scorer = Scorer(Weights.load(args.weights) if args.weights else None)
        records = read_records(args.file, parse_map(args.map))
        matches = dedupe(records, threshold=args.threshold, top=args.top, scorer=scorer,
                         progress=tty_progress("deduplicating"))
        n = write_pairs(args.output, matches)
    except MatchingError as exc:
        return _fail(exc)
    sys.stderr.write(f"{n} pairs written to {args.output}\n")
    return 0


def main_synth(argv: Sequence[str] | None = None) -> int:
    """`reunite synth OUTDIR`: synthetic descriptions.csv, registry.csv and truth.csv."""
    from .synth import link_task

    parser = argparse.ArgumentParser(prog="reunite synth", description=main_synth.__doc__)
    parser.add_argument("outdir")
    parser.add_argument("--families", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2018)
    args = parser.parse_args(argv)
    out = Path(args.outdir)
    out.mkdir(parents=True, exist_ok=True)
    task = link_task(args.families, seed=args.seed)
    write_records(out / "descriptions.csv", task.descriptions)
    write_records(out / "registry.csv", task.registry)
    with open(out / "truth.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("left_id", "right_id"))
        writer.writerows(sorted(task.truth))
    sys.stderr.write(f"{len(task.descriptions)} descriptions, {len(task.registry)} registered, "
                     f"{len(task.truth)} true pairs in {out}\n")
    return 0


def main_evaluate(argv: Sequence[str] | None = None) -> int:
    """`reunite evaluate pairs.csv truth.csv`: precision, recall, F1, recall@k."""
    parser = argparse.ArgumentParser(prog="reunite evaluate", description=main_evaluate.__doc__)
    parser.add_argument("pairs")
    parser.add_argument("truth")
    parser.add_argument("--symmetric", action="store_true", help="pairs are unordered (dedupe)")
    args = parser.parse_args(argv)
    try:
        result = evaluate(read_pairs(args.pairs), read_truth(args.truth), symmetric=args.symmetric)
    except MatchingError as exc:
        return _fail(exc)
    print(result.summary())
    return 0


def main_train(argv: Sequence[str] | None = None) -> int:
    """`reunite train OUT.json`: re-estimate m/u from synthetic labelled pairs."""
    from .train import train_synthetic

    parser = argparse.ArgumentParser(prog="reunite train", description=main_train.__doc__)
    parser.add_argument("output")
    parser.add_argument("--families", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    weights = train_synthetic(families=args.families, seed=args.seed)
    import json

    Path(args.output).write_text(json.dumps(weights.to_dict(), indent=1) + "\n", encoding="utf-8")
    sys.stderr.write(f"weights {weights.version} written to {args.output}\n")
    return 0
