"""Linking two lists and de-duplicating one: pairs best-first, with explanations."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence

from .block import Index
from .errors import (
    BadRows,
    CsvError,
    InvalidDate,
    InvalidValue,
    MatchingError,
    UnknownColumn,
    UnreadableFile,
)
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
# Candidates scored exactly per left record in a batch link (split between the shards);
# the single-record Index.query keeps its own, larger default.
BATCH_CANDIDATES = 40

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


# ---------------------------------------------------------------- sharded batch link
def link_files(
    left: Sequence[Record],
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
) -> list[Match]:
    """`link` of `left` against the person CSV at `right_path`, with the registry sharded.

    Each of `workers` forked processes reads every k-th row of the CSV itself and indexes
    only those (so the registry is parsed in parallel and held once in memory, not once
    per worker), searches every left record in its shard, and explains the pairs the
    parent finally selects. The shards' candidate lists are merged per left record
    exactly as one index would rank them: max_block and max_candidates are split
    between the shards. Falls back to one process when fork is unavailable. Term
    frequencies (how common a name is) are counted per shard: every k-th row is a fair
    sample of the registry, so the shares are the same up to sampling noise.
    """
    from .csvio import iter_records

    scorer = scorer or default_scorer()
    if workers <= 1 or not hasattr(os, "fork"):
        index = Index(scorer, max_candidates=max_candidates)
        index.add_many(iter_records(right_path, renames))
        return link(left, (), threshold=threshold, top=top, margin=margin, scorer=scorer, index=index,
                    progress=progress)
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    queries = [scorer.features(r) for r in left]
    global _SHARD_STATE
    _SHARD_STATE = (queries, scorer, right_path, dict(renames or {}), workers, top,
                    max(1, Index().max_block // workers), max(1, -(-max_candidates // workers)))
    pipes, procs = [], []
    try:
        for shard in range(workers):
            parent_end, child_end = ctx.Pipe()
            proc = ctx.Process(target=_shard_main, args=(child_end, shard), daemon=True)
            proc.start()
            child_end.close()
            pipes.append(parent_end)
            procs.append(proc)
        _SHARD_STATE = None
        found = _gather(pipes, len(queries), progress)
        floor = _floor(threshold)
        wanted: list[list[tuple[int, int]]] = [[] for _ in range(workers)]
        for qi in range(len(queries)):
            merged = sorted((item for part in found for item in part[qi]), reverse=True)[:top]
            for _, pos, shard in _select(merged, floor, margin):
                wanted[shard].append((qi, pos))
        for conn, asked in zip(pipes, wanted, strict=True):
            conn.send(asked)
        matches: list[Match] = []
        for conn in pipes:
            matches.extend(conn.recv())
    finally:
        _SHARD_STATE = None
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
    matches.sort(key=lambda m: (-m.match_weight, m.left_id, m.right_id))
    return matches


_SHARD_STATE: tuple | None = None


def _gather(pipes: list, total: int, progress: Progress | None) -> list[list[list[tuple[float, int, int]]]]:
    """Wait for every shard's candidates, reporting progress and re-raising shard errors."""
    from multiprocessing.connection import wait

    done = [0] * len(pipes)
    found: list = [None] * len(pipes)
    errors: list = []
    pending = set(range(len(pipes)))
    while pending:
        for conn in wait([pipes[i] for i in pending]):
            i = pipes.index(conn)
            try:
                kind, payload = conn.recv()
            except EOFError:
                raise MatchingError(f"link worker {i} died") from None
            if kind == "progress":
                done[i] = payload
                if progress:
                    progress(min(done), total)
            elif kind == "found":
                found[i] = payload
                pending.discard(i)
            else:
                errors.append(payload)
                pending.discard(i)
    if errors:
        raise _rebuild_error(errors)
    if progress:
        progress(total, total)
    return found


def _shard_main(conn, shard: int) -> None:  # pragma: no cover - runs in a forked child
    from .csvio import iter_records

    if _SHARD_STATE is None:
        raise RuntimeError("worker started without its state")
    queries, scorer, path, renames, shards, top, max_block, max_candidates = _SHARD_STATE
    try:
        index = Index(scorer, max_block=max_block, max_candidates=max_candidates)
        index.add_many(iter_records(path, renames, shard=(shard, shards)))
        index.build()
    except MatchingError as exc:
        conn.send(("error", _describe_error(exc)))
        return
    out = []
    for i, f in enumerate(queries):
        out.append([(w, pos, shard) for w, pos in index.search(f, top=top)])
        if i % 2000 == 1999:
            conn.send(("progress", i + 1))
    conn.send(("found", out))
    asked = conn.recv()
    conn.send([index.match(queries[qi], pos) for qi, pos in asked])
    conn.close()


def _describe_error(exc: MatchingError) -> tuple:
    """A picklable description of an engine error (their constructors take keywords)."""
    if isinstance(exc, BadRows):
        return ("BadRows", exc.path, [(type(e).__name__, e.field, e.value, e.reason, e.line) for e in exc.errors])
    if isinstance(exc, CsvError):
        return (type(exc).__name__, exc.path, exc.message, exc.line)
    return ("MatchingError", str(exc))


def _rebuild_error(described: list[tuple]) -> MatchingError:
    """The error to raise for the shards' errors: one BadRows with every shard's rows."""
    bad = [d for d in described if d[0] == "BadRows"]
    if len(bad) != len(described):
        d = next(d for d in described if d[0] != "BadRows")
        if d[0] == "MatchingError":
            return MatchingError(d[1])
        cls = {"UnreadableFile": UnreadableFile, "UnknownColumn": UnknownColumn}.get(d[0], CsvError)
        return cls(d[1], d[2], line=d[3])
    rows = sorted((row for d in bad for row in d[2]), key=lambda row: row[4] or 0)
    errors = [(InvalidDate if kind == "InvalidDate" else InvalidValue)(field, value, reason, line=line)
              for kind, field, value, reason, line in rows]
    return BadRows(bad[0][1], errors)
