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

import numpy as np

from .compare import COMPARISON_BY_NAME, COMPARISONS
from .features import Features
from .names import formal_names
from .normalize import phonetic
from .score import Scorer

# Columns of the code table, in order.
_COLUMNS = ("g1", "g2", "gp1", "gp2", "s1", "s2", "sp1", "sp2", "y", "m", "d", "ylo", "yhi", "sex", "f1", "f2")
_COL = {name: i for i, name in enumerate(_COLUMNS)}


def _given_code(token: str) -> str:
    # A nickname and its formal name get the same code (Chepe, José -> JSe).
    return min(phonetic(name) for name in formal_names(token))


class Codes:
    """Integer codes of every registered record (one numpy column per code)."""

    def __init__(self) -> None:
        self._vocab: dict[str, int] = {"": 0}
        self._rows = array("i")
        self.table = np.zeros((0, len(_COLUMNS)), dtype=np.int32)

    def _id(self, text: str) -> int:
        found = self._vocab.get(text)
        if found is None:
            found = self._vocab[text] = len(self._vocab)
        return found

    def encode(self, f: Features, *, add: bool) -> list[int]:
        """The code row of a record; unseen strings get fresh ids only when `add`."""
        lookup = self._id if add else (lambda text: self._vocab.get(text, -1) if text else 0)
        given, surnames = (f.names[0] if f.names else ((), ()))
        given = (*tuple(t for t in given if len(t) > 1)[:2], "", "")
        surnames = (*tuple(t for t in surnames if len(t) > 1)[:2], "", "")
        y, m, d = f.dob if f.dob else (0, 0, 0)
        ylo, yhi = f.year_range if f.year_range else (0, 0)
        fam = [_family_code(n) for n in f.family[:2]] + ["", ""]
        return [
            lookup(_given_code(given[0]) if given[0] else ""), lookup(_given_code(given[1]) if given[1] else ""),
            lookup("p" + given[0][:3] if given[0] else ""), lookup("p" + given[1][:3] if given[1] else ""),
            lookup(phonetic(surnames[0]) if surnames[0] else ""), lookup(phonetic(surnames[1]) if surnames[1] else ""),
            lookup("p" + surnames[0][:3] if surnames[0] else ""), lookup("p" + surnames[1][:3] if surnames[1] else ""),
            y, m, d, ylo, yhi, {"F": 1, "M": 2}.get(f.sex, 0), lookup(fam[0]), lookup(fam[1]),
        ]

    def add(self, f: Features) -> None:
        """Append the code row of a newly registered record."""
        self._rows.extend(self.encode(f, add=True))

    def build(self) -> None:
        """Freeze the rows into the numpy table."""
        self.table = np.frombuffer(self._rows, dtype=np.int32).reshape(-1, len(_COLUMNS)).copy()


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

        self.given = (w("given_name", "exact"), w("given_name", "close"), w("given_name", "disagree"))
        self.surname = (w("surname", "exact"), w("surname", "one_missing"), w("surname", "disagree"))
        self.dob = {name: w("birth_date", name) for name in
                    ("exact", "swapped", "year_off", "typo", "partial", "age_consistent", "year_only", "disagree")}
        self.sex = (w("sex", "agree"), w("sex", "disagree"))
        self.family = w("family", "full")


def approx_weights(codes: Codes, weights: ApproxWeights, query: list[int], positions: np.ndarray) -> np.ndarray:
    """Rough match weight of the query against each candidate position (vectorised)."""
    t = codes.table[positions]
    q = query
    c = _COL

    def col(name: str) -> np.ndarray:
        return t[:, c[name]]

    # Given names: phonetic (or nickname) code match, else 3-letter prefix match.
    g_match = np.zeros(len(t), dtype=bool)
    g_pref = np.zeros(len(t), dtype=bool)
    for qa in ("g1", "g2"):
        if q[c[qa]] > 0:
            g_match |= (col("g1") == q[c[qa]]) | (col("g2") == q[c[qa]])
    for qa in ("gp1", "gp2"):
        if q[c[qa]] > 0:
            g_pref |= (col("gp1") == q[c[qa]]) | (col("gp2") == q[c[qa]])
    has_g = col("g1") != 0
    score = np.where(g_match, weights.given[0], np.where(g_pref, weights.given[1], np.where(has_g, weights.given[2], 0.0)))
    if q[c["g1"]] == 0 and q[c["gp1"]] == 0:
        score = np.zeros(len(t))
    # Surnames: how many of the query's surnames appear (by code or prefix).
    hits = np.zeros(len(t), dtype=np.int8)
    for qs, qp in (("s1", "sp1"), ("s2", "sp2")):
        if q[c[qs]] != 0 or q[c[qp]] != 0:
            hit = (col("s1") == q[c[qs]]) | (col("s2") == q[c[qs]]) | (col("sp1") == q[c[qp]]) | (col("sp2") == q[c[qp]])
            hits += hit & (q[c[qs]] != 0)
    if q[c["s1"]] != 0:
        has_s = col("s1") != 0
        score += np.where(hits >= 2, weights.surname[0], np.where(hits == 1, weights.surname[1],
                                                                    np.where(has_s, weights.surname[2], 0.0)))
    # Date of birth.
    dw = weights.dob
    y, m, d = col("y"), col("m"), col("d")
    qy, qm, qd = q[c["y"]], q[c["m"]], q[c["d"]]
    if qy:
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
        in_range = (col("ylo") <= qy) & (qy <= col("yhi"))
        dob = np.where(y > 0, dob, np.where(col("ylo") > 0, np.where(in_range, dw["age_consistent"], dw["disagree"]), 0.0))
        score += dob
    elif q[c["ylo"]]:
        ylo, yhi = col("ylo"), col("yhi")
        overlap = (ylo <= q[c["yhi"]]) & (q[c["ylo"]] <= yhi)
        score += np.where(ylo > 0, np.where(overlap, dw["age_consistent"], dw["disagree"]), 0.0)
    # Sex and relatives.
    if q[c["sex"]]:
        sex = col("sex")
        score += np.where(sex == 0, 0.0, np.where(sex == q[c["sex"]], weights.sex[0], weights.sex[1]))
    fam = np.zeros(len(t), dtype=bool)
    for qf in ("f1", "f2"):
        if q[c[qf]] > 0:
            fam |= (col("f1") == q[c[qf]]) | (col("f2") == q[c[qf]])
    score += np.where(fam, weights.family, 0.0)
    return score
