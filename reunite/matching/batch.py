"""The batch link: every description against a large registry, vectorised with numpy.

Same model, same decisions as `Index.search` + `link._select`, organised for throughput:

1. Both lists are read into Tables (table.py): one int array per feature, each distinct
   value prepared once.
2. Blocking keys become int64: the same keys as block.py's strings (kind, interned code
   ids, then the year or birthday packed into the low bits), generated for all records at
   once by crossing per-token-tuple code lists; the registry's are sorted once.
3. Descriptions are processed in chunks: a sorted-merge join (searchsorted) of the chunk's
   keys against the registry's gives the candidate pairs, blocks above `max_block`
   skipped. Per description, the `max_shared` candidates sharing the most (and the
   rarest) keys get the pre-score of prefilter.py (pairwise here), and its best
   `max_candidates` the exact score.
4. The exact score is Scorer.weight vectorised: each comparison's level is computed for
   all pairs at once (dates, sex, country in numpy; names, places, identifiers through a
   table of the distinct pairs of values, each computed once with the engine's own cached
   functions), weights looked up and summed in Scorer.weight's order, so the result is
   bit-identical. Records with aliases are scored one pair at a time with Scorer.weight.
5. The best `top` per description pass the threshold and margin rule; only those pairs are
   explained (Scorer.match on rebuilt Features).

Chunks are shared between forked worker processes that read the built tables and index
copy-on-write (Linux/macOS; one process elsewhere).

Batch-only keys. At a million registered people the keys that name one field only
(surname + birth year, given name + birth year, surname + given name, both surnames) make
blocks of thousands; scanning them for every description is what made the batch slow.
So blocks above `max_block` are skipped, and three narrower keys built from the same
codes catch the pairs that only the broad keys held (a given name misspelled beyond its
phonetic code and prefix): surname + full date of birth (day and month swapped too),
both surnames + birth year, and a relative's name + birth year (query years +/- 1). The
single-record Index keeps its own keys (they are stored as blind indexes in the portal).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Sequence

import numpy as np

from .block import _MAX_GIVEN, _MAX_YEARS, _given_codes, _surname_codes
from .compare import (
    NONE,
    _given_level,
    _place_level,
    _surname_level,
    _surname_relation,
    address_close,
    ids_level,
)
from .normalize import phonetic
from .prefilter import ApproxWeights, _given_code, _name_codes
from .score import Match, Scorer
from .table import Interner, Table, Vocab, csr, ragged

Progress = Callable[[int, int], None]

# Chosen on the seed-2018 task hidden among 1,000,000 registered people (bench/bench_matching.py
# --scale-accuracy): blocks above BATCH_MAX_BLOCK are skipped (see above); per description,
# the BATCH_SHARED candidates sharing the most (and rarest) keys get the pre-score and the
# BATCH_CANDIDATES best of those the exact score. Measured there (true pair among those
# exactly scored, of 3,623): every block up to 5,000 and no cut 3,572; 300 / no cut 3,581;
# 300 / 300 / 40: 3,573, at half the candidate search's time; 100 / 100 / 20: 3,530.
BATCH_MAX_BLOCK = 300
BATCH_SHARED = 300
BATCH_CANDIDATES = 40
_CHUNK = 1000

_DATE_BASE = 18_000_000


def _ragged(starts: np.ndarray, flat: np.ndarray, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each items[i], the values of list items[i]: (i repeated, values)."""
    owner, _, values = ragged(starts, flat, items)
    return owner, values


# Key kinds (bits 58-62); the rest of the key packs code ids (< 2**20), then a year or a date.
_SG, _PP, _SS, _FM, _ID, _SGY, _SY, _GY, _PPY, _GD, _SSY, _FMY, _SD = (k << 58 for k in range(1, 14))
_CODE_BITS = 20


def _cross(a: tuple[np.ndarray, np.ndarray], x: np.ndarray, b: tuple[np.ndarray, np.ndarray],
           y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each i, every (u, v) with u in list a[x[i]] and v in list b[y[i]]: (i, u << 20 | v)."""
    a_starts, a_flat = a
    b_starts, b_flat = b
    la = a_starts[x + 1] - a_starts[x]
    lb = b_starts[y + 1] - b_starts[y]
    count = la * lb
    owner = np.repeat(np.arange(len(x)), count)
    offsets = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    lbo = lb[owner]
    u = a_flat[a_starts[x][owner] + offsets // lbo]
    v = b_flat[b_starts[y][owner] + offsets % lbo]
    return owner, (u << _CODE_BITS) | v


class KeyBook:
    """block.py's blocking keys as int64, from per-token-tuple code lists.

    Same keys as the strings of `names_keys` / `family_keys` / `_keys` (one int per
    distinct string: kind, code ids, year or birthday), plus the batch-only kinds.
    """

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab
        self.codes = Interner("")
        self.identifiers = Interner("")
        code = self.codes.id
        # Per token first (tuples repeat the same few thousand tokens), then per tuple.
        by_given: dict[str, list[int]] = {}
        by_surname: dict[str, int] = {}
        by_prefix: dict[str, int] = {}

        def g_codes(token: str) -> list[int]:
            found = by_given.get(token)
            if found is None:
                found = by_given[token] = [code(c) for c in _given_codes((token,))]
            return found

        def s_code(token: str) -> int:
            found = by_surname.get(token)
            if found is None:
                found = by_surname[token] = code(next(iter(_surname_codes((token,)))))
            return found

        def prefix(token: str) -> int:
            found = by_prefix.get(token)
            if found is None:
                found = by_prefix[token] = code("p" + token[:3])
            return found

        given, given_first, prefix_g, surname, prefix_s, pairs = [], [], [], [], [], []
        for t in vocab.tokens.values:
            gs: set[int] = set()
            for x in t[:_MAX_GIVEN]:
                gs.update(g_codes(x))
            given.append(sorted(gs))
            given_first.append(sorted(set(g_codes(t[0]))) if t else [])
            prefix_g.append(sorted({prefix(x) for x in t[:_MAX_GIVEN] if len(x) >= 3}))
            ss = sorted({s_code(x) for x in t[:3] if len(x) > 1})
            surname.append(ss)
            prefix_s.append(sorted({prefix(x) for x in t[:3] if len(x) >= 3}))
            pairs.append([(a << _CODE_BITS) | b for i, a in enumerate(ss) for b in ss[i + 1:]])
        if len(self.codes) >= 1 << _CODE_BITS:
            raise ValueError("too many distinct name codes for the batch keys")
        self.given, self.given_first, self.prefix_g = csr(given), csr(given_first), csr(prefix_g)
        self.surname, self.prefix_s, self.pairs = csr(surname), csr(prefix_s), csr(pairs)
        ident = self.identifiers.id
        self.idsets = csr([[ident(x) for x in value] for value in vocab.idsets.values])

    def keys(self, t: Table, rows: np.ndarray, *, query: bool) -> tuple[np.ndarray, np.ndarray]:
        """(key, position in `rows`) of every blocking key of those records.

        Registered records get their exact keys; descriptions (`query`) widened ones:
        birth year +/- 1 or the age's range +/- 1, day and month swapped.
        """
        parts_k, parts_o = [], []

        def add(owner: np.ndarray, key: np.ndarray) -> None:
            parts_o.append(owner)
            parts_k.append(key)

        # One entry per (record, name): most records have one name.
        e_row = np.arange(len(rows))
        g, s = t.g[rows].astype(np.int64), t.s[rows].astype(np.int64)
        if t.aliases:
            extra = [(i, a) for i, r in enumerate(rows.tolist()) for a in t.aliases.get(r, ())]
            if extra:
                e_row = np.concatenate([e_row, [i for i, _ in extra]])
                g = np.concatenate([g, [a[0] for _, a in extra]])
                s = np.concatenate([s, [a[1] for _, a in extra]])
        o, k = _cross(self.surname, s, self.given, g)
        sg_o, sg = e_row[o], k
        add(sg_o, _SG | sg)
        o, k = _cross(self.prefix_g, g, self.prefix_s, s)
        pp_o, pp = e_row[o], k
        add(pp_o, _PP | pp)
        o, k = _ragged(*self.pairs, s)
        ss_o, ss = e_row[o], k
        add(ss_o, _SS | ss)
        o, k = _ragged(*self.surname, s)
        sy_o, sy = e_row[o], k
        o, k = _ragged(*self.given, g)
        gy_o, gy = e_row[o], k
        # Relatives: first given name x surname of each.
        m_row, _, member = ragged(t.relatives, t.relative, rows)
        o, k = _cross(self.given_first, member >> 32, self.surname, member & 0xFFFFFFFF)
        fm_o, fm = m_row[o], k
        if len(fm):
            fm_o, fm = _unique_pairs(fm_o, fm)
        add(fm_o, _FM | fm)
        o, k = _ragged(*self.idsets, t.idset[rows])
        add(o, _ID | k)
        # Years: the birth year, or the years an age allows (a few).
        y, ylo, yhi = t.y[rows].astype(np.int64), t.ylo[rows].astype(np.int64), t.yhi[rows].astype(np.int64)
        has_dob = y > 0
        span = yhi - ylo
        if query:
            first = np.where(has_dob, y - 1, ylo - 1)
            count = np.where(has_dob, 3, np.where(t.has_range[rows] & (span < 3 * _MAX_YEARS), span + 3, 0))
        else:
            first = np.where(has_dob, y, ylo)
            count = np.where(has_dob, 1, np.where(t.has_range[rows] & (span < _MAX_YEARS), span + 1, 0))

        def with_years(kind: int, owner: np.ndarray, base: np.ndarray) -> None:
            c = count[owner]
            rep = np.repeat(np.arange(len(owner)), c)
            offsets = np.arange(int(c.sum())) - np.repeat(np.cumsum(c) - c, c)
            add(owner[rep], kind | (base[rep] << 12) | (first[owner][rep] + offsets))

        with_years(_SGY, sg_o, sg)
        with_years(_SY, sy_o, sy)
        with_years(_GY, gy_o, gy)
        with_years(_PPY, pp_o, pp)
        with_years(_SSY, ss_o, ss)
        with_years(_FMY, fm_o, fm)
        # Birthdays and full dates: day and month swapped on the query side.
        m, d = t.m[rows].astype(np.int64), t.d[rows].astype(np.int64)
        full = has_dob & (m > 0) & (d > 0)
        birthday = np.where(full, m * 100 + d, 0)
        swapped = np.where(full & (d <= 12) & (d != m), d * 100 + m, 0) if query else np.zeros_like(birthday)
        for day in (birthday, swapped):
            keep = day[gy_o] > 0
            add(gy_o[keep], _GD | (gy[keep] << 12) | day[gy_o][keep])
            keep = day[sy_o] > 0
            date = y[sy_o][keep] * 10000 + day[sy_o][keep] - _DATE_BASE
            add(sy_o[keep], _SD | (sy[keep] << 22) | date)
        keys = np.concatenate(parts_k)
        owners = np.concatenate(parts_o)
        if t.aliases and np.any(t.multi[rows]):
            # Records with aliases: the same key may come from two names; keep it once.
            owners, keys = _unique_pairs(owners, keys)
        return keys, owners.astype(np.int32)


def _unique_pairs(owner: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    both = np.unique(np.stack([owner.astype(np.int64), key]), axis=1)
    return both[0], both[1]


class KeyIndex:
    """The registry's keys sorted once: unique keys, block starts, postings."""

    def __init__(self, book: KeyBook, table: Table, *, chunk: int = 200_000) -> None:
        keys, owners = [], []
        for start in range(0, table.n, chunk):
            rows = np.arange(start, min(start + chunk, table.n))
            k, o = book.keys(table, rows, query=False)
            keys.append(k)
            owners.append(o + start)
        k = np.concatenate(keys) if keys else np.zeros(0, np.int64)
        o = np.concatenate(owners) if owners else np.zeros(0, np.int32)
        del keys, owners
        order = np.argsort(k)
        k = k[order]
        self.postings = o[order]
        del o, order
        new = np.empty(len(k), dtype=bool)
        new[:1] = True
        np.not_equal(k[1:], k[:-1], out=new[1:])
        self.keys = k[new]
        self.starts = np.append(np.flatnonzero(new), len(k)).astype(np.int64)
        self.sizes = np.diff(self.starts)
        self.n = table.n

    def join(self, qkeys: np.ndarray, qowner: np.ndarray, max_block: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(query position, registry position, rarity of the shared key) of every key match."""
        if not len(self.keys):
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        pos = np.searchsorted(self.keys, qkeys)
        pos[pos == len(self.keys)] = 0
        hit = (self.keys[pos] == qkeys) & (self.sizes[pos] <= max_block)
        pos, owner = pos[hit], qowner[hit]
        owner_rep, postings = _ragged(self.starts, self.postings, pos)
        sizes = self.sizes[pos]
        rarity = np.log2((self.n + 1) / sizes)
        return owner[owner_rep].astype(np.int64), postings.astype(np.int64), rarity[owner_rep]


# ---------------------------------------------------------------- the pre-score, pairwise
class Codes:
    """The pre-score's integer codes (prefilter.py's columns) of every record of a Table.

    Computed per distinct token tuple and relative (`_name_codes`, `_family_code`), then
    gathered per record; `cache` is shared by the tables of one link.
    """

    def __init__(self, t: Table, vocab: Vocab, cache: dict) -> None:
        code = vocab.codes.id
        tokens = vocab.tokens.values
        given = _code_rows(cache, "given", np.unique(t.g), lambda i: _name_codes(tokens[i], ())[0:4], code)
        surname = _code_rows(cache, "surname", np.unique(t.s), lambda i: _name_codes((), tokens[i])[4:8], code)
        # Relatives: prefilter._family_code (first given name's code | first surname's
        # phonetic key) as a pair of code ids, and the first given name's code.
        first = _code_rows(cache, "first", np.arange(len(tokens)),
                           lambda i: (_given_code(tokens[i][0]) if tokens[i] else "",
                                      phonetic(tokens[i][0]) if tokens[i] else "", "", ""), code)
        count = np.diff(t.relatives)
        starts = np.minimum(t.relatives[:-1], max(len(t.relative) - 1, 0))
        padded = t.relative if len(t.relative) else np.zeros(1, dtype=np.int64)
        one = np.where(count >= 1, padded[starts], 0)
        two = np.where(count >= 2, padded[np.minimum(starts + 1, len(padded) - 1)], 0)
        for name, person in (("1", one), ("2", two)):
            g, s = person >> 32, person & 0xFFFFFFFF
            fg = first[g, 0].astype(np.int64)
            full = (g != 0) & (s != 0)
            setattr(self, "f" + name, np.where(full, (fg << 32 | first[s, 1]) + 1, 0))
            setattr(self, "fg" + name, np.where(g != 0, fg, 0))
        g = given[t.g]
        self.g1, self.g2, self.gp1, self.gp2 = g[:, 0], g[:, 1], g[:, 2], g[:, 3]
        s = surname[t.s]
        self.s1, self.s2, self.sp1, self.sp2 = s[:, 0], s[:, 1], s[:, 2], s[:, 3]
        self.y, self.m, self.d, self.ylo, self.yhi = t.y, t.m, t.d, t.ylo, t.yhi
        self.sex, self.cty, self.ids = t.sex, t.country, t.idnum


def _code_rows(cache: dict, kind: str, ids: np.ndarray, fn: Callable[[int], Sequence[str]],
               code: Callable[[str], int]) -> np.ndarray:
    """A (max id + 1) x 4 array of the codes of `ids` (rows of other ids are zeros)."""
    known: dict[int, list[int]] = cache.setdefault(kind, {})
    for i in ids.tolist():
        if i not in known:
            known[i] = [code(x) for x in fn(i)]
    top = max(known) + 1 if known else 1
    out = np.zeros((top, 4), dtype=np.int32)
    items = list(known.items())
    if items:
        out[np.array([i for i, _ in items])] = np.array([row for _, row in items], dtype=np.int32)
    return out


def approx_pairs(w: ApproxWeights, qc: Codes, rc: Codes, q: np.ndarray, r: np.ndarray) -> np.ndarray:
    """prefilter.approx_weights for pairs (q[i], r[i]), the query's codes varying per pair."""
    n = len(q)
    score = np.zeros(n)
    zeros = np.zeros(n, dtype=bool)
    # Given names.
    g1, g2, gp1, gp2 = rc.g1[r], rc.g2[r], rc.gp1[r], rc.gp2[r]
    has_g = g1 != 0
    code_hit = zeros.copy()
    hit_q = np.zeros(n, dtype=np.int8)
    hit_c1 = zeros.copy()
    hit_c2 = zeros.copy()
    nq = np.zeros(n, dtype=np.int8)
    for qg, qp in ((qc.g1[q], qc.gp1[q]), (qc.g2[q], qc.gp2[q])):
        present = (qg != 0) | (qp != 0)
        nq += present
        by_code1 = (g1 == qg) & (qg != 0)
        by_code2 = (g2 == qg) & (qg != 0)
        h1 = (by_code1 | ((gp1 == qp) & (qp != 0))) & present
        h2 = (by_code2 | ((gp2 == qp) & (g2 != 0) & (qp != 0))) & present
        code_hit |= (by_code1 | by_code2) & present
        hit_q += h1 | h2
        hit_c1 |= h1
        hit_c2 |= h2
    n_c = np.where(g2 != 0, 2, 1)
    hit_c = hit_c1.astype(np.int8) + hit_c2
    all_q = hit_q == nq
    all_c = hit_c == n_c
    gw = w.given
    score += np.where((nq == 0) | ~has_g, 0.0,
             np.where(all_q & all_c & (n_c == nq), np.where(code_hit, gw["exact"], gw["close"]),
             np.where((hit_q > 0) & (all_q | all_c), gw["subset"],
             np.where(hit_q > 0, gw["partial"], gw["disagree"]))))
    # Surnames.
    s1, s2, sp1, sp2 = rc.s1[r], rc.s2[r], rc.sp1[r], rc.sp2[r]
    qs1 = qc.s1[q]
    hits = np.zeros(n, dtype=np.int8)
    for qs, qp in ((qs1, qc.sp1[q]), (qc.s2[q], qc.sp2[q])):
        hits += ((s1 == qs) | (s2 == qs) | (sp1 == qp) | (sp2 == qp)) & (qs != 0)
    score += np.where(qs1 == 0, 0.0, np.where(hits >= 2, w.surname[0], np.where(
        hits == 1, w.surname[1], np.where(s1 != 0, w.surname[2], 0.0))))
    # Date of birth.
    dw = w.dob
    qy, qm, qd = qc.y[q], qc.m[q], qc.d[q]
    y, m, d = rc.y[r], rc.m[r], rc.d[r]
    same_y = y == qy
    full = (m > 0) & (d > 0)
    same_md = (m == qm) & (d == qd)
    typo = (same_y & (m == qm) & ((d % 10 == qd % 10) | (d // 10 == qd // 10))) | (
        same_y & (d == qd) & ((m % 10 == qm % 10) | (m // 10 == qm // 10))) | (
        same_md & ((y // 10 == qy // 10) | ((y % 10 == qy % 10) & (y // 100 == qy // 100))))
    dob_full = np.where(same_y & same_md, dw["exact"],
               np.where(same_y & (m == qd) & (d == qm), dw["swapped"],
               np.where((np.abs(y - qy) == 1) & same_md, dw["year_off"],
               np.where(typo & full, dw["typo"],
               np.where(same_y & ~full, dw["partial"], np.where(same_y, dw["year_only"], dw["disagree"]))))))
    dob = np.where((qm != 0) & (qd != 0), dob_full, np.where(same_y, dw["partial"], dw["disagree"]))
    ylo, yhi = rc.ylo[r], rc.yhi[r]
    in_range = (ylo <= qy) & (qy <= yhi)
    with_dob = np.where(y > 0, dob, np.where(ylo > 0, np.where(in_range, dw["age_consistent"], dw["disagree"]), 0.0))
    qlo, qhi = qc.ylo[q], qc.yhi[q]
    overlap = (ylo <= qhi) & (qlo <= yhi)
    with_range = np.where(ylo > 0, np.where(overlap, dw["age_consistent"], dw["disagree"]), 0.0)
    score += np.where(qy != 0, with_dob, np.where(qlo != 0, with_range, 0.0))
    # Sex, country, identifier.
    qsex, sex = qc.sex[q], rc.sex[r]
    score += np.where((qsex == 0) | (sex == 0), 0.0, np.where(sex == qsex, w.sex[0], w.sex[1]))
    qcty, cty = qc.cty[q], rc.cty[r]
    score += np.where((qcty == 0) | (cty == 0), 0.0, np.where(cty == qcty, w.country[0], w.country[1]))
    qid, ids = qc.ids[q], rc.ids[r]
    score += np.where((qid == 0) | (ids == 0), 0.0, np.where(ids == qid, w.identifier[0], w.identifier[1]))
    # Relatives.
    f1, f2, fg1, fg2 = rc.f1[r], rc.f2[r], rc.fg1[r], rc.fg2[r]
    qf1, qf2, qfg1, qfg2 = qc.f1[q], qc.f2[q], qc.fg1[q], qc.fg2[q]
    fam = (((f1 == qf1) | (f2 == qf1)) & (qf1 > 0)) | (((f1 == qf2) | (f2 == qf2)) & (qf2 > 0))
    similar = (((fg1 == qfg1) | (fg2 == qfg1)) & (qfg1 > 0)) | (((fg1 == qfg2) | (fg2 == qfg2)) & (qfg2 > 0))
    fw = w.family
    any_q = (qf1 != 0) | (qf2 != 0) | (qfg1 != 0) | (qfg2 != 0)
    score += np.where(any_q, np.where(fam, fw["full"], np.where(similar, fw["similar"], np.where(
        (f1 != 0) | (fg1 != 0), fw["disagree"], 0.0))), 0.0)
    return score


# ---------------------------------------------------------------- the exact score, pairwise
class _Memo:
    """Small ints computed once per int64 key, looked up many keys at a time.

    Known keys sit in sorted arrays (a searchsorted per call, no Python loop); new ones
    wait in a dict that is merged into the arrays once it holds enough of them.
    """

    MERGE = 50_000

    def __init__(self, compute: Callable[[int], int]) -> None:
        self.compute = compute
        self.keys = np.zeros(0, dtype=np.int64)
        self.values = np.zeros(0, dtype=np.int8)
        self.recent: dict[int, int] = {}

    def __call__(self, uniq: np.ndarray) -> np.ndarray:
        """The values of sorted, distinct keys."""
        out = np.empty(len(uniq), dtype=np.int8)
        todo = np.arange(len(uniq))
        if len(self.keys):
            pos = np.minimum(np.searchsorted(self.keys, uniq), len(self.keys) - 1)
            hit = self.keys[pos] == uniq
            out[hit] = self.values[pos[hit]]
            todo = np.flatnonzero(~hit)
        recent, compute = self.recent, self.compute
        for i, k in zip(todo.tolist(), uniq[todo].tolist(), strict=True):
            value = recent.get(k)
            if value is None:
                value = recent[k] = compute(k)
            out[i] = value
        if len(recent) >= self.MERGE:
            keys = np.concatenate([self.keys, np.fromiter(recent.keys(), dtype=np.int64, count=len(recent))])
            values = np.concatenate([self.values, np.fromiter(recent.values(), dtype=np.int8, count=len(recent))])
            order = np.argsort(keys)
            self.keys, self.values = keys[order], values[order]
            recent.clear()
        return out


class _PairTable:
    """A comparison of two interned values, computed once per distinct pair of ids."""

    def __init__(self, values: list, fn: Callable[[object, object], int]) -> None:
        def compute(k: int) -> int:
            x, y = values[k >> 32], values[k & 0xFFFFFFFF]
            return fn(x, y) if x <= y else fn(y, x)

        self.memo = _Memo(compute)

    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        lo, hi = np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)
        uniq, inverse = np.unique((lo << 32) | hi, return_inverse=True)
        return self.memo(uniq)[inverse.reshape(-1)]


class _SurnameLevels:
    """compare._surname_level for many pairs of surname token tuples, in numpy.

    Surname tuples at a million records are too varied for a table of distinct pairs
    (typos), but their tokens are few: the relation of two tokens is computed once per
    distinct token pair, and the level's rules are applied to up to four tokens a side
    with array operations. Longer tuples go through compare._surname_level itself.
    """

    WIDTH = 4

    def __init__(self, tokens: list[tuple[str, ...]]) -> None:
        names = Interner("")
        joined = Interner("")
        ordered = Interner(())
        n = len(tokens)
        self.length = np.zeros(n, dtype=np.int64)
        self.joined = np.zeros(n, dtype=np.int64)
        self.sorted = np.zeros(n, dtype=np.int64)
        self.tokens = np.zeros((n, self.WIDTH), dtype=np.int64)
        for i, t in enumerate(tokens):
            self.length[i] = len(t)
            self.joined[i] = joined.id("".join(t))
            self.sorted[i] = ordered.id(tuple(sorted(t)))
            for j, token in enumerate(t[:self.WIDTH]):
                self.tokens[i, j] = names.id(token)
        self.names = names.values
        self.related = _Memo(lambda k: int(_surname_relation(names.values[k >> 32],
                                                              names.values[k & 0xFFFFFFFF]) != NONE))
        self.fallback = _PairTable(tokens, _surname_level)

    def _relate(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """_surname_relation(a, b) != NONE for token ids (0 = no token: False)."""
        out = np.zeros(len(a), dtype=bool)
        both = np.flatnonzero((a != 0) & (b != 0))
        if not len(both):
            return out
        key = (np.minimum(a[both], b[both]) << 32) | np.maximum(a[both], b[both])
        uniq, inverse = np.unique(key, return_inverse=True)
        found = self.related(uniq).astype(bool)
        out[both] = found[inverse.reshape(-1)]
        return out

    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        la, lb = self.length[a], self.length[b]
        ta, tb = self.tokens[a], self.tokens[b]
        w = self.WIDTH
        rel = [[self._relate(ta[:, i], tb[:, j]) for j in range(w)] for i in range(w)]
        same_length = la == lb
        positional = same_length.copy()
        for i in range(w):
            positional &= rel[i][i] | (i >= la)
        crossed = same_length & (la == 2) & rel[0][1] & rel[1][0]
        any_in_b = [np.logical_or.reduce([rel[i][j] for j in range(w)]) for i in range(w)]
        any_in_a = [np.logical_or.reduce([rel[i][j] for i in range(w)]) for j in range(w)]
        matched_a = np.sum(any_in_b, axis=0)
        matched_b = np.sum(any_in_a, axis=0)
        short, long_ = np.minimum(la, lb), np.maximum(la, lb)
        matched = np.where(la <= lb, matched_a, matched_b)
        level = np.select(
            [self.joined[a] == self.joined[b], same_length & (self.sorted[a] == self.sorted[b]),
             positional | crossed, (matched == short) & (short < long_), matched > 0],
            [1, 2, 3, 4, 5], 6).astype(np.int8)
        wide = np.flatnonzero((la > w) | (lb > w))
        if len(wide):
            level[wide] = self.fallback(a[wide], b[wide])
        return level


def _one_digit_apart(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """compare._one_digit_apart of YYYYMMDD numbers, vectorised."""
    da = [(a // 10 ** (7 - i)) % 10 for i in range(8)]
    db = [(b // 10 ** (7 - i)) % 10 for i in range(8)]
    ne = [x != y for x, y in zip(da, db, strict=True)]
    count = np.sum(ne, axis=0)
    swapped = np.zeros(len(a), dtype=bool)
    for i in range(7):
        swapped |= ne[i] & ne[i + 1] & (da[i] == db[i + 1]) & (da[i + 1] == db[i])
    return (count == 1) | ((count == 2) & swapped)


class PairScorer:
    """Scorer.weight (with term frequencies) of many pairs at once, bit for bit."""

    def __init__(self, scorer: Scorer, vocab: Vocab, left: Table, right: Table) -> None:
        self.scorer = scorer
        self.left, self.right = left, right
        tokens = vocab.tokens.values
        self.given = _PairTable(tokens, _given_level)
        self.surname = _SurnameLevels(tokens)
        self.place = _PairTable(vocab.text.values, _place_level)
        self.ids = _PairTable(vocab.idsets.values, ids_level)
        self.address = _PairTable(vocab.text.values, lambda a, b: int(address_close(a, b)))
        self.rows = [np.asarray(row) for row in scorer.table]
        self.family_agree = np.asarray(scorer.family_if_surnames_agree)
        self.joined = {}  # token tuple id -> term-frequency adjustment of its joined value, per comparison
        self._tokens = tokens

    def _tf(self, c: int, ids: np.ndarray) -> np.ndarray:
        uniq, inverse = np.unique(ids, return_inverse=True)
        out = np.empty(len(uniq))
        for i, tid in enumerate(uniq.tolist()):
            key = (c, tid)
            found = self.joined.get(key)
            if found is None:
                found = self.joined[key] = self.scorer.tf_adjustment(c, "".join(self._tokens[tid]))
            out[i] = found
        return out[inverse.reshape(-1)]

    def _names(self, table: _PairTable, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.zeros(len(a), dtype=np.int8)
        both = np.flatnonzero((a != 0) & (b != 0))
        if len(both):
            out[both] = table(a[both], b[both])
        return out

    def _family(self, q: np.ndarray, r: np.ndarray) -> np.ndarray:
        """compare_family: the best level over every pair of relatives named."""
        L, R = self.left, self.right
        out = np.zeros(len(q), dtype=np.int8)
        ca = L.relatives[q + 1] - L.relatives[q]
        cb = R.relatives[r + 1] - R.relatives[r]
        both = np.flatnonzero((ca > 0) & (cb > 0))
        if not len(both):
            return out
        q, r, ca, cb = q[both], r[both], ca[both], cb[both]
        count = ca * cb
        owner = np.repeat(np.arange(len(q)), count)
        offsets = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        ma = L.relative[L.relatives[q][owner] + offsets // cb[owner]]
        mb = R.relative[R.relatives[r][owner] + offsets % cb[owner]]
        g = self._names(self.given, ma >> 32, mb >> 32)
        s = self._names(self.surname, ma & 0xFFFFFFFF, mb & 0xFFFFFFFF)
        # compare._family_pair
        level = np.where((g >= 1) & (g <= 3) & (s >= 1) & (s <= 4), 1,
                np.where(((g >= 1) & (g <= 6) & ((s == 0) | (s <= 5))) | ((g == 0) & (s >= 1) & (s <= 3)), 2, 3))
        starts = np.cumsum(count) - count
        out[both] = np.minimum.reduceat(level, starts)
        return out

    def levels(self, q: np.ndarray, r: np.ndarray) -> list[np.ndarray]:
        """The level of every comparison (COMPARISONS order) for pairs of simple records."""
        L, R = self.left, self.right
        given = self._names(self.given, L.g[q], R.g[r])
        surname = self._names(self.surname, L.s[q], R.s[r])
        # Dates of birth (compare.compare_dob).
        yq, mq, dq, yr, mr, dr = L.y[q], L.m[q], L.d[q], R.y[r], R.m[r], R.d[r]
        same_y = yq == yr
        year_off = np.abs(yq - yr) == 1
        full = (mq > 0) & (dq > 0) & (mr > 0) & (dr > 0)
        level_full = np.select(
            [same_y & (mq == mr) & (dq == dr), same_y & (mq == dr) & (dq == mr), year_off & (mq == mr) & (dq == dr),
             _one_digit_apart(L.dob8[q], R.dob8[r]), same_y], [1, 2, 3, 4, 7], 8)
        month_ok = (mq == 0) | (mr == 0) | (mq == mr)
        day_ok = ~((mq > 0) & (mr > 0)) | (dq == 0) | (dr == 0) | (dq == dr)
        ok = month_ok & day_ok
        level_part = np.where(same_y, np.where(ok, 5, 7), np.where(year_off & (mq > 0) & (mr > 0) & ok, 3, 8))
        ranges = np.where(L.has_range[q] & R.has_range[r],
                          np.where((L.ylo[q] <= R.yhi[r]) & (R.ylo[r] <= L.yhi[q]), 6, 8), 0)
        dob = np.where((yq > 0) & (yr > 0), np.where(full, level_full, level_part), ranges)
        sq, sr = L.sex[q], R.sex[r]
        sex = np.where((sq == 0) | (sr == 0), 0, np.where(sq == sr, 1, 2))
        cq, cr = L.country[q], R.country[r]
        country = np.where((cq == 0) | (cr == 0), 0, np.where(cq == cr, 1, 2))
        place = self._names(self.place, L.place[q], R.place[r])
        ids = self._names(self.ids, L.idset[q], R.idset[r])
        family = self._family(q, r)
        pq, pr, aq, ar = L.phone[q], R.phone[r], L.address[q], R.address[r]
        has = ((pq != 0) | (aq != 0)) & ((pr != 0) | (ar != 0))
        address = self._names(self.address, aq, ar) == 1
        contact = np.where(~has, 0, np.where((pq != 0) & (pq == pr), 1, np.where(address, 2, 3)))
        return [given, surname, dob, sex, country, place, ids, family, contact]

    def weights(self, q: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Scorer.weight of each pair (left q[i], right r[i])."""
        out = np.empty(len(q))
        multi = self.left.multi[q] | self.right.multi[r]
        simple = np.flatnonzero(~multi)
        if len(simple):
            qs, rs = q[simple], r[simple]
            lv = self.levels(qs, rs)
            rows = self.rows
            w = self.scorer.prior_weight + rows[0][lv[0]]
            w = w + rows[1][lv[1]]
            if self.scorer.term_frequencies is not None:
                w = w + np.where(lv[0] == 1, self._tf(0, self.right.g[rs]), 0.0)
                w = w + np.where(lv[1] == 1, self._tf(1, self.right.s[rs]), 0.0)
            for c in range(2, 7):
                w = w + rows[c][lv[c]]
            agree = (lv[1] >= 1) & (lv[1] <= 4)
            w = w + np.where(agree, self.family_agree[lv[7]], rows[7][lv[7]])
            w = w + rows[8][lv[8]]
            out[simple] = w
        weight = self.scorer.weight
        for i in np.flatnonzero(multi).tolist():
            out[i] = weight(self.left.features(int(q[i]), self.scorer), self.right.features(int(r[i]), self.scorer))
        return out


# ---------------------------------------------------------------- the driver
class _State:
    """Everything a chunk needs, built once before the workers fork."""

    def __init__(self, left: Table, right: Table, vocab: Vocab, scorer: Scorer, *, top: int, floor: float,
                 margin: float | None, max_block: int, max_candidates: int, max_shared: int) -> None:
        self.left, self.right = left, right
        self.book = KeyBook(vocab)
        self.index = KeyIndex(self.book, right)
        self.scorer = scorer.with_term_frequencies(right.term_frequencies())
        self.pairs = PairScorer(self.scorer, vocab, left, right)
        self.approx = ApproxWeights(scorer)
        cache: dict = {}
        self.left_codes, self.right_codes = Codes(left, vocab, cache), Codes(right, vocab, cache)
        self.top, self.floor, self.margin = top, floor, margin
        self.max_block, self.max_candidates, self.max_shared = max_block, max_candidates, max_shared

    def candidates(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(left, right) positions of the pairs scored exactly for these left records."""
        n = max(self.right.n, 1)
        qk, qo = self.book.keys(self.left, rows, query=True)
        qpos, r, rarity = self.index.join(qk, qo, self.max_block)
        uniq, inverse = np.unique(qpos * n + r, return_inverse=True)
        shared = np.bincount(inverse.reshape(-1), weights=rarity, minlength=len(uniq))
        qd, rd = uniq // n, uniq % n
        if self.max_shared:
            # First cut, before the pre-score: the candidates sharing the most (and the
            # rarest) keys. Whole bits of the rarity sum are counted per description; the
            # best bins holding at least max_shared candidates are kept (ties included).
            bins = np.minimum(shared.astype(np.int64), 255)
            per_bin = np.bincount(qd * 256 + bins, minlength=len(rows) * 256).reshape(len(rows), 256)
            enough = np.cumsum(per_bin[:, ::-1], axis=1) >= self.max_shared
            cutoff = np.where(enough.any(axis=1), 255 - np.argmax(enough, axis=1), 0)
            keep = bins >= cutoff[qd]
            qd, rd, shared = qd[keep], rd[keep], shared[keep]
        counts = np.bincount(qd, minlength=len(rows))
        rough = np.zeros(len(qd))
        crowded = np.flatnonzero(counts[qd] > self.max_candidates)
        if len(crowded):
            rough[crowded] = approx_pairs(self.approx, self.left_codes, self.right_codes, rows[qd[crowded]],
                                          rd[crowded]) + 0.01 * shared[crowded]
        order = np.lexsort((-rough, qd))
        qd, rd = qd[order], rd[order]
        rank = np.arange(len(qd)) - np.searchsorted(qd, qd)
        keep = rank < self.max_candidates
        return rows[qd[keep]], rd[keep]

    def chunk(self, start: int, end: int) -> list[Match]:
        """The selected, explained pairs of left records start..end-1."""
        q, r = self.candidates(np.arange(start, end))
        if not len(q):
            return []
        w = self.pairs.weights(q, r)
        order = np.lexsort((-r, -w, q))
        q, r, w = q[order], r[order], w[order]
        first = np.searchsorted(q, q)
        keep = (np.arange(len(q)) - first < self.top) & (w >= self.floor)
        if self.margin is not None:
            keep &= w >= w[first] - self.margin
        left, right, scorer = self.left, self.right, self.scorer
        return [scorer.match(left.features(i, scorer), right.features(j, scorer))
                for i, j in zip(q[keep].tolist(), r[keep].tolist(), strict=True)]


_STATE: _State | None = None


def _run_chunk(bounds: tuple[int, int]) -> tuple[int, list[Match]]:
    if _STATE is None:
        raise RuntimeError("worker started without its state")
    return bounds[1] - bounds[0], _STATE.chunk(*bounds)


def link_tables(
    left: Table,
    right: Table,
    vocab: Vocab,
    scorer: Scorer,
    *,
    top: int,
    floor: float,
    margin: float | None,
    max_block: int = BATCH_MAX_BLOCK,
    max_candidates: int = BATCH_CANDIDATES,
    max_shared: int = BATCH_SHARED,
    workers: int = 2,
    progress: Progress | None = None,
) -> list[Match]:
    """Pairs (left, right) best first: at most `top` per left record, each with weight >=
    `floor` and within `margin` bits of that record's best."""
    global _STATE
    state = _State(left, right, vocab, scorer, top=top, floor=floor, margin=margin, max_block=max_block,
                   max_candidates=max_candidates, max_shared=max_shared)
    chunks = [(i, min(i + _CHUNK, left.n)) for i in range(0, left.n, _CHUNK)]
    matches: list[Match] = []
    done = 0
    if workers > 1 and len(chunks) > 1 and hasattr(os, "fork"):
        import multiprocessing as mp

        _STATE = state
        # The workers only read what was built: keep the collector off those objects so
        # that their pages stay shared with this process instead of being copied.
        gc.freeze()
        try:
            with mp.get_context("fork").Pool(workers) as pool:
                for count, found in pool.imap_unordered(_run_chunk, chunks):
                    matches.extend(found)
                    done += count
                    if progress:
                        progress(done, left.n)
        finally:
            _STATE = None
            gc.unfreeze()
    else:
        for start, end in chunks:
            matches.extend(state.chunk(start, end))
            done = end
            if progress:
                progress(done, left.n)
    matches.sort(key=lambda m: (-m.match_weight, m.left_id, m.right_id))
    return matches


def link_records(left: Sequence, right: Sequence, scorer: Scorer, **options) -> list[Match]:
    """link_tables of two lists of Records (tests and the benchmark)."""
    vocab = Vocab()
    right_t = Table.from_records(right, vocab, scorer.reference_year)
    left_t = Table.from_records(left, vocab, scorer.reference_year)
    return link_tables(left_t, right_t, vocab, scorer, **options)
