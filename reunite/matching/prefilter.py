"""A vectorised approximate score used to pick which candidates get the full score.

Blocking on a million records can return tens of thousands of candidates for a common
name. Scoring each in Python would take tens of milliseconds, so every registered record
also gets a row of small integer codes (phonetic name codes, 3-letter prefixes, birth
date parts, sex, relatives), and a numpy pass computes a rough Fellegi-Sunter weight
for all candidates at once, using the model's own level weights. Only the best few are
then scored exactly, with explanations.
"""

from __future__ import annotations

from array import array
from functools import lru_cache

import numpy as np

from .compare import COMPARISON_BY_NAME, COMPARISONS
from .features import Features
from .names import formal_names
from .normalize import phonetic
from .score import Scorer

# Columns of the code table, in order.
_COLUMNS = ("g1", "g2", "gp1", "gp2", "s1", "s2", "sp1", "sp2", "y", "m", "d", "ylo", "yhi", "sex", "f1", "f2",
            "fg1", "fg2", "cty")
_COL = {name: i for i, name in enumerate(_COLUMNS)}
_SEX_CODE = {"F": 1, "M": 2}


@lru_cache(maxsize=1 << 16)
def _given_code(token: str) -> str:
    # A nickname and its formal name get the same code (Chepe, José -> JSe).
    return min(phonetic(name) for name in formal_names(token))


def identifier_number(ids: tuple[str, ...]) -> int:
    """The first all-digit identifier as an integer (0 = none): A-numbers compare as ints."""
    for x in ids:
        if x.isdigit() and len(x) <= 18:
            return int(x)
    return 0


class Codes:
    """Integer codes of every registered record, stored column by column.

    `table[c]` is one int32 numpy column (index by `_COL`); `ids` holds the first numeric
    identifier (A-number) as int64. A query gathers only the columns it needs.
    """

    def __init__(self) -> None:
        self._vocab: dict[str, int] = {"": 0}
        self._rows = array("i")
        self._ids = array("q")
        self.table = np.zeros((len(_COLUMNS), 0), dtype=np.int32)
        self.ids = np.zeros(0, dtype=np.int64)

    def _id(self, text: str) -> int:
        found = self._vocab.get(text)
        if found is None:
            found = self._vocab[text] = len(self._vocab)
        return found

    def encode(self, f: Features, *, add: bool) -> list[int]:
        """The code row of a record; unseen strings get fresh ids only when `add`."""
        lookup = self._id if add else (lambda text: self._vocab.get(text, -1) if text else 0)
        return _encode(f, lookup)

    def add(self, f: Features) -> None:
        """Append the code row of a newly registered record."""
        self._rows.extend(self.encode(f, add=True))
        self._ids.append(identifier_number(f.ids))

    def build(self) -> None:
        """Freeze the rows into the numpy columns."""
        rows = np.frombuffer(self._rows, dtype=np.int32) if len(self._rows) else np.empty(0, np.int32)
        self.table = np.ascontiguousarray(rows.reshape(-1, len(_COLUMNS)).T)
        self.ids = np.frombuffer(self._ids, dtype=np.int64).copy() if len(self._ids) else np.zeros(0, np.int64)


@lru_cache(maxsize=1 << 16)
def _name_codes(given: tuple[str, ...], surnames: tuple[str, ...]) -> tuple[str, ...]:
    g = (*tuple(t for t in given if len(t) > 1)[:2], "", "")
    s = (*tuple(t for t in surnames if len(t) > 1)[:2], "", "")
    return (
        _given_code(g[0]) if g[0] else "", _given_code(g[1]) if g[1] else "",
        "p" + g[0][:3] if g[0] else "", "p" + g[1][:3] if g[1] else "",
        phonetic(s[0]) if s[0] else "", phonetic(s[1]) if s[1] else "",
        "p" + s[0][:3] if s[0] else "", "p" + s[1][:3] if s[1] else "",
    )


@lru_cache(maxsize=1 << 16)
def _family_codes(family: tuple) -> tuple[str, str, str, str]:
    fam = [_family_code(n) for n in family[:2]] + ["", ""]
    fg = [_given_code(n[0][0]) if n[0] else "" for n in family[:2]] + ["", ""]
    return fam[0], fam[1], fg[0], fg[1]


def _encode(f: Features, lookup) -> list[int]:
    given, surnames = (f.names[0] if f.names else ((), ()))
    y, m, d = f.dob if f.dob else (0, 0, 0)
    ylo, yhi = f.year_range if f.year_range else (0, 0)
    return [
        *map(lookup, _name_codes(given, surnames)),
        y, m, d, ylo, yhi, _SEX_CODE.get(f.sex, 0),
        *map(lookup, _family_codes(f.family)), lookup(f.country),
    ]


def _family_code(name: tuple[tuple[str, ...], tuple[str, ...]]) -> str:
    given, surnames = name
    if not given or not surnames:
        return ""
    return _given_code(given[0]) + "|" + phonetic(surnames[0])


class ApproxWeights:
    """The model's level weights needed for the approximate score."""

    def __init__(self, scorer: Scorer) -> None:
        names = [c.name for c in COMPARISONS]

        def w(comparison: str, level: str) -> float:
            row = scorer.table[names.index(comparison)]
            return row[COMPARISON_BY_NAME[comparison].level_index(level)]

        self.given = {name: w("given_name", name) for name in ("exact", "close", "subset", "partial", "disagree")}
        self.surname = (w("surname", "exact"), w("surname", "one_missing"), w("surname", "disagree"))
        self.dob = {name: w("birth_date", name) for name in
                    ("exact", "swapped", "year_off", "typo", "partial", "age_consistent", "year_only", "disagree")}
        self.sex = (w("sex", "agree"), w("sex", "disagree"))
        self.country = (w("country", "agree"), w("country", "disagree"))
        self.identifier = (w("identifier", "exact"), w("identifier", "disagree"))
        self.family = {name: w("family", name) for name in ("full", "similar", "disagree")}


def approx_weights(codes: Codes, weights: ApproxWeights, query: list[int], positions: np.ndarray,
                   query_id: int = 0) -> np.ndarray:
    """Rough match weight of the query against each candidate position (vectorised)."""
    q = query
    c = _COL
    table = codes.table
    cache: dict[str, np.ndarray] = {}

    def col(name: str) -> np.ndarray:
        found = cache.get(name)
        if found is None:
            found = cache[name] = table[c[name]][positions]
        return found

    n = len(positions)
    score = np.zeros(n)
    # Given names: each name matches by phonetic (or nickname) code, else by 3-letter prefix.
    q_given = [(q[c[g]], q[c[p]]) for g, p in (("g1", "gp1"), ("g2", "gp2")) if q[c[g]] != 0 or q[c[p]] != 0]
    if q_given:
        g1, g2, gp1, gp2 = col("g1"), col("g2"), col("gp1"), col("gp2")
        has_g = g1 != 0
        code_hit = np.zeros(n, dtype=bool)
        hit_q = np.zeros(n, dtype=np.int8)
        hit_c1 = np.zeros(n, dtype=bool)
        hit_c2 = np.zeros(n, dtype=bool)
        for qg, qp in q_given:
            by_code1 = (g1 == qg) if qg != 0 else np.zeros(n, dtype=bool)
            by_code2 = (g2 == qg) if qg != 0 else np.zeros(n, dtype=bool)
            h1 = by_code1 | (gp1 == qp) if qp != 0 else by_code1
            h2 = by_code2 | ((gp2 == qp) & (g2 != 0)) if qp != 0 else by_code2
            code_hit |= by_code1 | by_code2
            hit_q += h1 | h2
            hit_c1 |= h1
            hit_c2 |= h2
        n_c = np.where(g2 != 0, 2, 1)
        hit_c = hit_c1.astype(np.int8) + hit_c2
        all_q = hit_q == len(q_given)
        all_c = hit_c == n_c
        gw = weights.given
        score += np.where(~has_g, 0.0,
                 np.where(all_q & all_c & (n_c == len(q_given)), np.where(code_hit, gw["exact"], gw["close"]),
                 np.where((hit_q > 0) & (all_q | all_c), gw["subset"],
                 np.where(hit_q > 0, gw["partial"], gw["disagree"]))))
    # Surnames: how many of the query's surnames appear (by code or prefix).
    if q[c["s1"]] != 0:
        s1, s2, sp1, sp2 = col("s1"), col("s2"), col("sp1"), col("sp2")
        hits = np.zeros(n, dtype=np.int8)
        for qs, qp in (("s1", "sp1"), ("s2", "sp2")):
            if q[c[qs]] != 0:
                hits += (s1 == q[c[qs]]) | (s2 == q[c[qs]]) | (sp1 == q[c[qp]]) | (sp2 == q[c[qp]])
        has_s = s1 != 0
        score += np.where(hits >= 2, weights.surname[0], np.where(hits == 1, weights.surname[1],
                                                                    np.where(has_s, weights.surname[2], 0.0)))
    # Date of birth.
    dw = weights.dob
    qy, qm, qd = q[c["y"]], q[c["m"]], q[c["d"]]
    if qy:
        y, m, d = col("y"), col("m"), col("d")
        same_y = y == qy
        full = (m > 0) & (d > 0)
        if qm and qd:
            same_md = (m == qm) & (d == qd)
            # One digit off: in the day, the month or the year, the rest equal.
            typo = (same_y & (m == qm) & ((d % 10 == qd % 10) | (d // 10 == qd // 10))) | (
                same_y & (d == qd) & ((m % 10 == qm % 10) | (m // 10 == qm // 10))) | (
                same_md & ((y // 10 == qy // 10) | ((y % 10 == qy % 10) & (y // 100 == qy // 100))))
            dob = np.where(same_y & same_md, dw["exact"],
                  np.where(same_y & (m == qd) & (d == qm), dw["swapped"],
                  np.where((np.abs(y - qy) == 1) & same_md, dw["year_off"],
                  np.where(typo & full, dw["typo"],
                  np.where(same_y & ~full, dw["partial"], np.where(same_y, dw["year_only"], dw["disagree"]))))))
        else:
            dob = np.where(same_y, dw["partial"], dw["disagree"])
        ylo, yhi = col("ylo"), col("yhi")
        in_range = (ylo <= qy) & (qy <= yhi)
        score += np.where(y > 0, dob, np.where(ylo > 0, np.where(in_range, dw["age_consistent"], dw["disagree"]), 0.0))
    elif q[c["ylo"]]:
        ylo, yhi = col("ylo"), col("yhi")
        overlap = (ylo <= q[c["yhi"]]) & (q[c["ylo"]] <= yhi)
        score += np.where(ylo > 0, np.where(overlap, dw["age_consistent"], dw["disagree"]), 0.0)
    # Sex, country, identifier.
    if q[c["sex"]]:
        sex = col("sex")
        score += np.where(sex == 0, 0.0, np.where(sex == q[c["sex"]], weights.sex[0], weights.sex[1]))
    if q[c["cty"]]:
        cty = col("cty")
        score += np.where(cty == 0, 0.0, np.where(cty == q[c["cty"]], weights.country[0], weights.country[1]))
    if query_id:
        ids = codes.ids[positions]
        score += np.where(ids == 0, 0.0, np.where(ids == query_id, weights.identifier[0], weights.identifier[1]))
    # Relatives: the same person (given + surname code), else the same given name, else differ.
    q_fam = [q[c[k]] for k in ("f1", "f2") if q[c[k]] > 0]
    q_fg = [q[c[k]] for k in ("fg1", "fg2") if q[c[k]] > 0]
    if any(q[c[k]] != 0 for k in ("f1", "f2", "fg1", "fg2")):
        f1, f2, fg1, fg2 = col("f1"), col("f2"), col("fg1"), col("fg2")
        fam = np.zeros(n, dtype=bool)
        for x in q_fam:
            fam |= (f1 == x) | (f2 == x)
        similar = np.zeros(n, dtype=bool)
        for x in q_fg:
            similar |= (fg1 == x) | (fg2 == x)
        fw = weights.family
        score += np.where(fam, fw["full"], np.where(similar, fw["similar"],
                                                     np.where((f1 != 0) | (fg1 != 0), fw["disagree"], 0.0)))
    return score
