"""Linking two lists and de-duplicating one: pairs best-first, with explanations."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence

from .batch import BATCH_CANDIDATES, BATCH_MAX_BLOCK
from .block import Index
from .features import Features
from .record import Record
from .score import Match, Scorer, default_scorer, probability

# The decision rule, chosen on the development task (synthetic seed 7, the seed the
# weights were trained on; never the benchmark's test seed 2018) by F1 over a grid of
# threshold x margin x top: bench/tune_matching.py. Threshold 0.2-0.3 with a margin of
# 0.5-1 bit is a plateau (dev F1 0.990-0.991); the old rule (0.5, 8 bits) gave 0.983.
DEFAULT_THRESHOLD = 0.2
DEFAULT_TOP = 5
# A candidate this many bits (2^1 = twice) less likely than the best candidate for the
# same description is dropped: a description seeks one person, so a better candidate
# explains it (this is what separates twins and siblings). Ties and near-ties are kept.
DEFAULT_MARGIN = 1.0

Progress = Callable[[int, int], None]


def _select(scored: list[tuple[float, int]], floor: float, margin: float | None) -> list[tuple[float, int]]:
    if not scored:
        return []
    best = scored[0][0]
    return [s for s in scored if s[0] >= floor and (margin is None or s[0] >= best - margin)]


def _floor(threshold: float) -> float:
    from .block import _weight_of

    return _weight_of(threshold) if threshold > 0 else float("-inf")


def link(
    left: Iterable[Record],
    right: Iterable[Record],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    top: int = DEFAULT_TOP,
    margin: float | None = DEFAULT_MARGIN,
    scorer: Scorer | None = None,
    index: Index | None = None,
    progress: Progress | None = None,
    workers: int = 1,
) -> list[Match]:
    """Candidate pairs (left, right), best first: at most `top` per left record, each with
    probability >= `threshold` and within `margin` bits of that record's best candidate.

    `workers` > 1 forks worker processes that share the index (Linux/macOS only).
    """
    scorer = scorer or (index.scorer if index else default_scorer())
    if index is None:
        index = Index(scorer)
        index.add_many(right)
    index.build()
    queries = [scorer.features(r) for r in left]
    raw = _search_all(index, queries, top, workers, progress)
    floor = _floor(threshold)
    matches: list[Match] = []
    for f, scored in zip(queries, raw, strict=True):
        for _, pos in _select(scored, floor, margin):
            matches.append(index.match(f, pos))
    matches.sort(key=lambda m: (-m.match_weight, m.left_id, m.right_id))
    return matches


def dedupe(
    records: Iterable[Record],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    top: int = DEFAULT_TOP,
    scorer: Scorer | None = None,
    progress: Progress | None = None,
) -> list[Match]:
    """Likely duplicate pairs within one list, each pair once, best first."""
    scorer = scorer or default_scorer()
    index = Index(scorer)
    index.add_many(records)
    index.build()
    floor = _floor(threshold)
    seen: set[tuple[int, int]] = set()
    matches: list[Match] = []
    n = len(index.features)
    for i, f in enumerate(index.features):
        for weight, j in index.search(f, top=top + 1):
            if j == i or weight < floor:
                continue
            key = (min(i, j), max(i, j))
            if key in seen:
                continue
            seen.add(key)
            matches.append(index.match(index.features[key[0]], key[1]))
        if progress:
            progress(i + 1, n)
    matches.sort(key=lambda m: (-m.match_weight, m.left_id, m.right_id))
    return matches


def _search_all(
    index: Index, queries: Sequence[Features], top: int, workers: int, progress: Progress | None
) -> list[list[tuple[float, int]]]:
    """index.search for every query, in forked workers when asked and possible."""
    if workers <= 1 or len(queries) < 1000 or not hasattr(os, "fork"):
        out = []
        for i, f in enumerate(queries):
            out.append(index.search(f, top=top))
            if progress and (i % 256 == 0 or i + 1 == len(queries)):
                progress(i + 1, len(queries))
        return out
    return _search_forked(index, queries, top, workers, progress)


def _search_forked(
    index: Index, queries: Sequence[Features], top: int, workers: int, progress: Progress | None
) -> list[list[tuple[float, int]]]:
    import multiprocessing as mp

    # Fork shares the built index copy-on-write; the children only read it.
    ctx = mp.get_context("fork")
    chunks = [(i, min(i + 2000, len(queries))) for i in range(0, len(queries), 2000)]
    global _FORK_STATE
    _FORK_STATE = (index, queries, top)
    results: dict[int, list[list[tuple[float, int]]]] = {}
    done = 0
    with ctx.Pool(workers) as pool:
        for start, part in pool.imap_unordered(_search_chunk, chunks):
            results[start] = part
            done += len(part)
            if progress:
                progress(done, len(queries))
    _FORK_STATE = None
    return [row for start, _ in chunks for row in results[start]]


_FORK_STATE: tuple[Index, Sequence[Features], int] | None = None


def _search_chunk(bounds: tuple[int, int]) -> tuple[int, list[list[tuple[float, int]]]]:
    if _FORK_STATE is None:
        raise RuntimeError("worker started without an index")
    index, queries, top = _FORK_STATE
    start, end = bounds
    return start, [index.search(queries[i], top=top) for i in range(start, end)]


def tty_progress(label: str) -> Progress | None:
    """A simple progress bar on stderr when it is a terminal, else None."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


__all__ = ["DEFAULT_MARGIN", "DEFAULT_THRESHOLD", "DEFAULT_TOP", "dedupe", "link", "link_files", "probability",
           "tty_progress"]


# ---------------------------------------------------------------- batch link of two files
def link_files(
    left_path: str,
    right_path: str,
    renames: dict[str, str] | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    top: int = DEFAULT_TOP,
    margin: float | None = DEFAULT_MARGIN,
    scorer: Scorer | None = None,
    progress: Progress | None = None,
    workers: int = 2,
    max_candidates: int = BATCH_CANDIDATES,
    max_block: int = BATCH_MAX_BLOCK,
) -> list[Match]:
    """`link` of the person CSV at `left_path` against the one at `right_path`, vectorised.

    Both files are read as columns (table.py) and linked by batch.link_tables: the same
    model and decision rule as `link`, the candidate search organised for a million
    registered people (batch.py says how). `workers` forked processes share the work.
    Term frequencies are counted over the whole of `right_path`.
    """
    import gc

    from .batch import link_tables
    from .table import Table, Vocab

    scorer = scorer or default_scorer()
    # Millions of small objects and no reference cycles: the cyclic collector would only
    # rescan them (it cost a third of the CPU time of building the tables).
    collecting = gc.isenabled()
    gc.disable()
    try:
        vocab = Vocab()
        right = Table.read_csv(right_path, renames, vocab, scorer.reference_year)
        left = Table.read_csv(left_path, renames, vocab, scorer.reference_year)
        return link_tables(left, right, vocab, scorer, top=top, floor=_floor(threshold), margin=margin,
                           max_block=max_block, max_candidates=max_candidates, workers=workers,
                           progress=progress)
    finally:
        if collecting:
            gc.enable()
