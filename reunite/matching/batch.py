"""The batch link: every description against a large registry, vectorised with numpy.

Same model, same decisions as `Index.search` + `link._select`, organised for throughput:

1. Both lists are read into Tables (table.py): one int array per feature, each distinct
   value prepared once.
2. Blocking keys become int64 (one interned id per distinct key string of block.py, and
   the year or birthday completing it packed into the low bits), generated for all
   records at once from per-name and per-family key lists; the registry's are sorted once.
3. Descriptions are processed in chunks: a sorted-merge join (searchsorted) of the chunk's
   keys against the registry's gives the candidate pairs, blocks above `max_block`
   skipped; the pre-score of prefilter.py ranks each description's candidates (pairwise
   here) and the best `max_candidates` are scored exactly.
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

import os
from collections.abc import Callable, Sequence

import numpy as np

from .block import _MAX_YEARS, family_keys, names_keys
from .compare import (
    _given_level,
    _place_level,
    _surname_level,
    address_close,
    ids_level,
)
from .prefilter import ApproxWeights, _family_codes, _name_codes
from .score import Match, Scorer
from .table import Interner, Table, Vocab

Progress = Callable[[int, int], None]

# Blocks larger than this are skipped by the batch link (see the module docstring).
BATCH_MAX_BLOCK = 1000
BATCH_CANDIDATES = 40
_CHUNK = 1000

_YEAR, _BIRTHDAY, _WITH_YEAR, _WITH_DATE = 1 << 58, 2 << 58, 3 << 58, 4 << 58
_DATE_BASE = 18_000_000


def _csr(lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    starts = np.zeros(len(lists) + 1, dtype=np.int64)
    starts[1:] = np.cumsum([len(x) for x in lists])
    flat = np.fromiter((x for lst in lists for x in lst), dtype=np.int64, count=int(starts[-1]))
    return starts, flat


def _ragged(starts: np.ndarray, flat: np.ndarray, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each items[i], the values of CSR entry items[i]: (i repeated, values)."""
    s = starts[items]
    counts = starts[items + 1] - s
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(items)), counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, flat[np.repeat(s, counts) + offsets]


def _spans(first: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each i, the integers first[i] .. first[i] + count[i] - 1: (i repeated, value)."""
    count = np.maximum(count, 0)
    owner = np.repeat(np.arange(len(first)), count)
    offsets = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    return owner, first[owner] + offsets


class KeyBook:
    """Each distinct name tuple's, family's and identifier set's blocking keys as ints."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab
        self.static = Interner("")
        self.year_prefix = Interner("")
        self.birthday_prefix = Interner("")
        self._done = 0, 0, 0
        self.update()

    def update(self) -> None:
        """Key lists for the values interned since the last update."""
        v = self.vocab
        names, families, idsets = self._done
        static, year, birthday, surname, both = [], [], [], [], []
        for value in v.names.values[names:]:
            keys, by_year, by_birthday = names_keys(value)
            static.append([self.static.id(k) for k in keys])
            year.append([self.year_prefix.id(k) for k in by_year])
            birthday.append([self.birthday_prefix.id(k) for k in by_birthday])
            surname.append([self.year_prefix.id(k) for k in by_year if k.startswith("sy:")])
            both.append([self.static.id(k) for k in keys if k.startswith("ss:")])
        fam = [[self.static.id(k) for k in family_keys(value)] for value in v.families.values[families:]]
        ids = [[self.static.id(f"id:{x}") for x in value] for value in v.idsets.values[idsets:]]
        self.names = self._extend("names", (static, year, birthday, surname, both))
        self.families = self._extend("families", (fam,))
        self.idsets = self._extend("idsets", (ids,))
        self._done = len(v.names), len(v.families), len(v.idsets)

    def _extend(self, attr: str, parts: tuple[list[list[int]], ...]) -> list[tuple[np.ndarray, np.ndarray]]:
        old = getattr(self, attr, None)
        out = []
        for i, lists in enumerate(parts):
            starts, flat = _csr(lists)
            if old is not None:
                o_starts, o_flat = old[i]
                starts = np.concatenate([o_starts[:-1], starts + o_starts[-1]])
                flat = np.concatenate([o_flat, flat])
            out.append((starts, flat))
        return out

    def keys(self, t: Table, rows: np.ndarray, *, query: bool) -> tuple[np.ndarray, np.ndarray]:
        """(key, position in `rows`) of every blocking key of those records.

        Registered records get their exact keys; descriptions (`query`) widened ones:
        birth year +/- 1 or the age's range +/- 1, day and month swapped.
        """
        names = t.names[rows]
        family = t.family[rows]
        parts_k, parts_o = [], []

        def add(owner: np.ndarray, key: np.ndarray) -> None:
            parts_o.append(owner)
            parts_k.append(key)

        static, year_p, birthday_p, surname_p, both = self.names
        add(*_ragged(*static, names))
        fam_static = self.families[0]
        add(*_ragged(*fam_static, family))
        add(*_ragged(*self.idsets[0], t.idset[rows]))
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
        y_owner, years = _spans(first, count)
        y_names = names[y_owner]
        i, p = _ragged(*year_p, y_names)
        add(y_owner[i], _YEAR | (p << 12) | years[i])
        i, k = _ragged(*both, y_names)
        add(y_owner[i], _WITH_YEAR | (k << 12) | years[i])
        i, k = _ragged(*fam_static, family[y_owner])
        add(y_owner[i], _WITH_YEAR | (k << 12) | years[i])
        # Birthdays (and full dates): day and month swapped on the query side.
        m, d = t.m[rows].astype(np.int64), t.d[rows].astype(np.int64)
        full = np.flatnonzero(has_dob & (m > 0) & (d > 0))
        b_owner, bd, dates = full, m[full] * 100 + d[full], y[full] * 10000 + m[full] * 100 + d[full]
        if query:
            swap = full[(d[full] <= 12) & (d[full] != m[full])]
            b_owner = np.concatenate([full, swap])
            bd = np.concatenate([bd, d[swap] * 100 + m[swap]])
            dates = np.concatenate([dates, y[swap] * 10000 + d[swap] * 100 + m[swap]])
        b_names = names[b_owner]
        i, p = _ragged(*birthday_p, b_names)
        add(b_owner[i], _BIRTHDAY | (p << 12) | bd[i])
        i, p = _ragged(*surname_p, b_names)
        add(b_owner[i], _WITH_DATE | (p << 22) | (dates[i] - _DATE_BASE))
        return np.concatenate(parts_k), np.concatenate(parts_o).astype(np.int32)


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
    """The pre-score's integer codes (prefilter.py's columns) of every record of a Table."""

    def __init__(self, t: Table, vocab: Vocab) -> None:
        code = vocab.codes.id
        tokens = vocab.tokens.values
        given = np.array([[code(x) for x in _name_codes(tk, ())[0:4]] for tk in tokens],
                         dtype=np.int32).reshape(-1, 4)
        surname = np.array([[code(x) for x in _name_codes((), tk)[4:8]] for tk in tokens],
                           dtype=np.int32).reshape(-1, 4)
        fams = np.array([[code(x) for x in _family_codes(f)] for f in vocab.families.values],
                        dtype=np.int32).reshape(-1, 4)
        g = given[t.g]
        self.g1, self.g2, self.gp1, self.gp2 = g[:, 0], g[:, 1], g[:, 2], g[:, 3]
        s = surname[t.s]
        self.s1, self.s2, self.sp1, self.sp2 = s[:, 0], s[:, 1], s[:, 2], s[:, 3]
        f = fams[t.family]
        self.f1, self.f2, self.fg1, self.fg2 = f[:, 0], f[:, 1], f[:, 2], f[:, 3]
        self.y, self.m, self.d, self.ylo, self.yhi = t.y, t.m, t.d, t.ylo, t.yhi
        self.sex, self.cty, self.ids = t.sex, t.country, t.idnum


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
class _PairTable:
    """A comparison of two interned values, computed once per distinct pair of ids."""

    def __init__(self, values: list, fn: Callable[[object, object], int]) -> None:
        self.values = values
        self.fn = fn
        self.cache: dict[int, int] = {}

    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        lo, hi = np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)
        key = (lo << 32) | hi
        uniq, inverse = np.unique(key, return_inverse=True)
        cache, values, fn = self.cache, self.values, self.fn
        out = np.empty(len(uniq), dtype=np.int8)
        for i, k in enumerate(uniq.tolist()):
            level = cache.get(k)
            if level is None:
                x, y = values[k >> 32], values[k & 0xFFFFFFFF]
                level = cache[k] = fn(x, y) if x <= y else fn(y, x)
            out[i] = level
        return out[inverse.reshape(-1)]


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
        self.surname = _PairTable(tokens, _surname_level)
        self.place = _PairTable(vocab.text.values, _place_level)
        self.ids = _PairTable(vocab.idsets.values, ids_level)
        self.address = _PairTable(vocab.text.values, lambda a, b: int(address_close(a, b)))
        self.rows = [np.asarray(row) for row in scorer.table]
        self.family_agree = np.asarray(scorer.family_if_surnames_agree)
        members = [list(f) for f in vocab.families.values]
        self.fam_starts = np.zeros(len(members) + 1, dtype=np.int64)
        self.fam_starts[1:] = np.cumsum([len(x) for x in members])
        self.fam_g = np.array([vocab.tokens.id(m[0]) for x in members for m in x], dtype=np.int32)
        self.fam_s = np.array([vocab.tokens.id(m[1]) for x in members for m in x], dtype=np.int32)
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

    def _family(self, fa: np.ndarray, fb: np.ndarray) -> np.ndarray:
        """compare_family: the best level over every pair of relatives named."""
        out = np.zeros(len(fa), dtype=np.int8)
        both = np.flatnonzero((fa != 0) & (fb != 0))
        if not len(both):
            return out
        fa, fb = fa[both], fb[both]
        ca = self.fam_starts[fa + 1] - self.fam_starts[fa]
        cb = self.fam_starts[fb + 1] - self.fam_starts[fb]
        count = ca * cb
        owner = np.repeat(np.arange(len(fa)), count)
        offsets = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        ma = self.fam_starts[fa][owner] + offsets // cb[owner]
        mb = self.fam_starts[fb][owner] + offsets % cb[owner]
        g = self._names(self.given, self.fam_g[ma], self.fam_g[mb])
        s = self._names(self.surname, self.fam_s[ma], self.fam_s[mb])
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
        family = self._family(L.family[q], R.family[r])
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
                 margin: float | None, max_block: int, max_candidates: int) -> None:
        self.left, self.right = left, right
        self.book = KeyBook(vocab)
        self.index = KeyIndex(self.book, right)
        self.scorer = scorer.with_term_frequencies(right.term_frequencies())
        self.pairs = PairScorer(self.scorer, vocab, left, right)
        self.approx = ApproxWeights(scorer)
        self.left_codes, self.right_codes = Codes(left, vocab), Codes(right, vocab)
        self.top, self.floor, self.margin = top, floor, margin
        self.max_block, self.max_candidates = max_block, max_candidates

    def candidates(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(left, right) positions of the pairs scored exactly for these left records."""
        n = max(self.right.n, 1)
        qk, qo = self.book.keys(self.left, rows, query=True)
        qpos, r, rarity = self.index.join(qk, qo, self.max_block)
        uniq, inverse = np.unique(qpos * n + r, return_inverse=True)
        shared = np.bincount(inverse.reshape(-1), weights=rarity, minlength=len(uniq))
        qd, rd = uniq // n, uniq % n
        counts = np.bincount(qd, minlength=len(rows))
        rough = np.zeros(len(uniq))
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
    workers: int = 2,
    progress: Progress | None = None,
) -> list[Match]:
    """Pairs (left, right) best first: at most `top` per left record, each with weight >=
    `floor` and within `margin` bits of that record's best."""
    global _STATE
    state = _State(left, right, vocab, scorer, top=top, floor=floor, margin=margin, max_block=max_block,
                   max_candidates=max_candidates)
    chunks = [(i, min(i + _CHUNK, left.n)) for i in range(0, left.n, _CHUNK)]
    matches: list[Match] = []
    done = 0
    if workers > 1 and len(chunks) > 1 and hasattr(os, "fork"):
        import multiprocessing as mp

        _STATE = state
        try:
            with mp.get_context("fork").Pool(workers) as pool:
                for count, found in pool.imap_unordered(_run_chunk, chunks):
                    matches.extend(found)
                    done += count
                    if progress:
                        progress(done, left.n)
        finally:
            _STATE = None
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
