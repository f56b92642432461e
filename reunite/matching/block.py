"""Blocking keys and the in-memory candidate Index.

Comparing a description with every registered person is too slow, so each record gets
several *blocking keys*; only records sharing at least one key are compared. The keys
are plain strings so the Django side can store them as HMAC blind indexes, never as
plaintext. Several independent keys (phonetic surname + given name, surname + birth
year, given name + birth year, both surnames, given name + birthday, identifiers, the
names of relatives) mean a single misspelled or missing field does not lose the pair.

Index keys are exact; the *query* side widens them (birth year +/- 1, day/month swapped,
age ranges), so an error on either side is covered without bloating the index.
"""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

from .features import Features
from .names import formal_names
from .normalize import phonetic
from .prefilter import ApproxWeights, Codes, approx_weights, identifier_number
from .record import Record
from .score import Match, Scorer, TermFrequencies, default_scorer

# Given names beyond the second rarely carry signal and multiply keys.
_MAX_GIVEN = 2
# Age-only records are indexed under at most this many birth years.
_MAX_YEARS = 4


@lru_cache(maxsize=1 << 16)
def _given_codes(tokens: tuple[str, ...]) -> frozenset[str]:
    """Phonetic codes of the first given names and of the formal names behind nicknames."""
    codes: set[str] = set()
    for token in tokens[:_MAX_GIVEN]:
        if len(token) < 2:
            continue
        for name in formal_names(token):
            codes.add(phonetic(name))
    return frozenset(codes)


@lru_cache(maxsize=1 << 16)
def _surname_codes(tokens: tuple[str, ...]) -> frozenset[str]:
    return frozenset(phonetic(t) for t in tokens[:3] if len(t) > 1)


@lru_cache(maxsize=1 << 17)
def _name_keys(names: tuple, family: tuple) -> tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]:
    """Keys of the names alone, and the prefixes completed by a birth year or a birthday.

    Names repeat enormously, so this is computed once per distinct (names, relatives).
    """
    static, by_year, by_birthday = names_keys(names)
    return static | family_keys(family), by_year, by_birthday


@lru_cache(maxsize=1 << 17)
def names_keys(names: tuple) -> tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]:
    """The part of `_name_keys` that comes from the record's own names."""
    keys: set[str] = set()
    by_year: set[str] = set()
    by_birthday: set[str] = set()
    for given, surnames in names:
        g_codes = _given_codes(given)
        s_codes = _surname_codes(surnames)
        for s in s_codes:
            for g in g_codes:
                keys.add(f"sg:{s}|{g}")
                by_year.add(f"sgy:{s}|{g}|")
            by_year.add(f"sy:{s}|")
        for g in g_codes:
            by_year.add(f"gy:{g}|")
            by_birthday.add(f"gd:{g}|")
        # Spelling-proof keys: the first three letters survive most typos that change
        # the phonetic code (Ximeoa / Ximena, Garia / Garcia).
        for g in given[:_MAX_GIVEN]:
            for s in surnames[:3]:
                if len(g) >= 3 and len(s) >= 3:
                    keys.add(f"pp:{g[:3]}|{s[:3]}")
                    by_year.add(f"ppy:{g[:3]}|{s[:3]}|")
        if len(s_codes) >= 2:
            ordered = sorted(s_codes)
            for i, a in enumerate(ordered):
                for b in ordered[i + 1:]:
                    keys.add(f"ss:{a}|{b}")
    return frozenset(keys), tuple(sorted(by_year)), tuple(sorted(by_birthday))


def family_keys(family: tuple) -> frozenset[str]:
    """The part of `_name_keys` that comes from the relatives a record names."""
    keys: set[str] = set()
    for given, surnames in family:
        for g in _given_codes(given[:1]):
            for s in _surname_codes(surnames):
                keys.add(f"fm:{g}|{s}")
    return frozenset(keys)


def _keys(f: Features, years: Iterable[int], birthdays: Iterable[str]) -> set[str]:
    static, by_year, by_birthday = _name_keys(f.names, f.family)
    keys = set(static)
    for y in years:
        keys.update([p + str(y) for p in by_year])
    for bd in birthdays:
        keys.update([p + bd for p in by_birthday])
    for identifier in f.ids:
        keys.add(f"id:{identifier}")
    return keys


def blocking_keys(f: Features) -> set[str]:
    """Keys to store for a registered record (one blind index row per key)."""
    years: list[int] = []
    if f.dob is not None:
        years = [f.dob[0]]
    elif f.year_range is not None and f.year_range[1] - f.year_range[0] < _MAX_YEARS:
        years = list(range(f.year_range[0], f.year_range[1] + 1))
    birthdays = [f"{f.dob[1]:02d}{f.dob[2]:02d}"] if f.dob and f.dob[1] and f.dob[2] else []
    return _keys(f, years, birthdays)


def query_keys(f: Features) -> set[str]:
    """Keys to look up when searching for a record: blocking keys widened for errors."""
    years: list[int] = []
    if f.dob is not None:
        years = [f.dob[0] - 1, f.dob[0], f.dob[0] + 1]
    elif f.year_range is not None and f.year_range[1] - f.year_range[0] < 3 * _MAX_YEARS:
        years = list(range(f.year_range[0] - 1, f.year_range[1] + 2))
    birthdays: list[str] = []
    if f.dob and f.dob[1] and f.dob[2]:
        birthdays.append(f"{f.dob[1]:02d}{f.dob[2]:02d}")
        if f.dob[2] <= 12:
            birthdays.append(f"{f.dob[2]:02d}{f.dob[1]:02d}")
    return _keys(f, years, birthdays)


def record_blocking_keys(record: Record, scorer: Scorer | None = None) -> set[str]:
    """Blocking keys of a Record (convenience for the Django adapter)."""
    return blocking_keys((scorer or default_scorer()).features(record))


def record_query_keys(record: Record, scorer: Scorer | None = None) -> set[str]:
    """Query keys of a Record (convenience for the Django adapter)."""
    return query_keys((scorer or default_scorer()).features(record))


class Index:
    """Registered records, an inverted index on their blocking keys, and a scorer.

    Postings are kept as one sorted numpy array of key hashes plus an array of record
    positions (CSR layout): a million records take a few hundred MB instead of gigabytes
    of Python lists. Keys are hashed with Python's hash(), so an Index lives in one
    process (and its forked children); it is rebuilt, not persisted.

    `max_block` caps how many records one key may point at: a key shared by more (a
    very common surname alone) carries no signal and would swamp the query, so it is
    skipped; the more specific keys still find the pair. `max_candidates` bounds how many
    records are fully scored per query, chosen by a vectorised approximate weight
    (see prefilter.py).

    Exact given-name and surname agreement is weighed by how common the value is among
    the records held (term frequencies, counted as they are added): `search`, `query`
    and `match` use `tf_scorer`, the scorer with those frequencies.
    """

    def __init__(self, scorer: Scorer | None = None, *, max_block: int = 5000, max_candidates: int = 60) -> None:
        self.scorer = scorer or default_scorer()
        self.max_block = max_block
        self.max_candidates = max_candidates
        self.features: list[Features] = []
        self._hashes = array("q")
        self._owners = array("i")
        self._built = False
        self._keys = np.empty(0, dtype=np.int64)
        self._starts = np.zeros(1, dtype=np.int64)
        self._postings = np.empty(0, dtype=np.int32)
        self._codes = Codes()
        self._approx = ApproxWeights(self.scorer)
        self._tf = TermFrequencies()
        self.tf_scorer = self.scorer.with_term_frequencies(self._tf)

    def __len__(self) -> int:
        return len(self.features)

    def add(self, record: Record) -> None:
        """Register one record."""
        self.add_features(self.scorer.features(record))

    def add_many(self, records: Iterable[Record]) -> None:
        """Register many records."""
        for record in records:
            self.add_features(self.scorer.features(record))

    def add_features(self, f: Features) -> None:
        """Register an already prepared record."""
        position = len(self.features)
        self.features.append(f)
        self._codes.add(f)
        self._tf.add(f)
        keys = blocking_keys(f)
        self._hashes.extend(hash(k) for k in keys)
        self._owners.extend([position] * len(keys))
        self._built = False

    def build(self) -> None:
        """Sort the postings; called automatically before the first query after adds."""
        hashes = np.frombuffer(self._hashes, dtype=np.int64) if len(self._hashes) else np.empty(0, np.int64)
        owners = np.frombuffer(self._owners, dtype=np.int32) if len(self._owners) else np.empty(0, np.int32)
        order = np.argsort(hashes, kind="stable")
        sorted_hashes = hashes[order]
        self._postings = owners[order]
        self._keys, starts = np.unique(sorted_hashes, return_index=True)
        self._starts = np.append(starts, len(sorted_hashes)).astype(np.int64)
        self._codes.build()
        # A fresh scorer: its cache of per-value adjustments belongs to these counts.
        self.tf_scorer = self.scorer.with_term_frequencies(self._tf)
        self._built = True

    def candidates(self, f: Features) -> list[int]:
        """Positions of the records worth scoring against `f`, most keys shared first."""
        if not self._built:
            self.build()
        if not len(self._keys):
            return []
        wanted = np.fromiter((hash(k) for k in query_keys(f)), dtype=np.int64)
        pos = _hits(self._keys, wanted)
        starts = self._starts[pos]
        ends = self._starts[pos + 1]
        sizes = ends - starts
        keep = sizes <= self.max_block
        if not keep.any():
            return []
        starts, ends, sizes = starts[keep], ends[keep], sizes[keep]
        slices = [self._postings[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
        found, inverse = np.unique(np.concatenate(slices), return_inverse=True)
        if len(found) <= self.max_candidates:
            return found.tolist()
        # Too many to score exactly: keep those with the best approximate weight; ties
        # (common names) are broken by the shared blocking keys, weighted by rarity.
        rough = approx_weights(self._codes, self._approx, self._codes.encode(f, add=False), found,
                               identifier_number(f.ids))
        rarity = np.log2((len(self.features) + 1) / sizes)
        rough += 0.01 * np.bincount(inverse.ravel(), weights=np.repeat(rarity, sizes), minlength=len(found))
        best = np.argpartition(-rough, self.max_candidates - 1)[: self.max_candidates]
        return found[best].tolist()

    def search(self, f: Features, *, top: int = 10, threshold: float = 0.0) -> list[tuple[float, int]]:
        """(match weight, position) of the best `top` candidates with probability >= threshold."""
        if not self._built:
            self.build()
        weight = self.tf_scorer.weight
        feats = self.features
        scored = [(weight(f, feats[i]), i) for i in self.candidates(f)]
        best = heapq.nlargest(top, scored)
        if threshold > 0:
            floor = _weight_of(threshold)
            best = [s for s in best if s[0] >= floor]
        return best

    def query(self, record: Record | Features, *, top: int = 10, threshold: float = 0.0) -> list[Match]:
        """Ranked, explained candidates for a new record (best first)."""
        f = record if isinstance(record, Features) else self.scorer.features(record)
        return [self.match(f, i) for _, i in self.search(f, top=top, threshold=threshold)]

    def match(self, f: Features, position: int) -> Match:
        """The explained score of `f` against the record held at `position`."""
        if not self._built:
            self.build()
        return self.tf_scorer.match(f, self.features[position])


def _hits(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Positions in the sorted `keys` of those `wanted` hashes that are present."""
    pos = np.searchsorted(keys, wanted)
    inside = pos < len(keys)
    pos, wanted = pos[inside], wanted[inside]
    return pos[keys[pos] == wanted]


def _weight_of(probability: float) -> float:
    """Inverse of score.probability (log2 odds), clamped away from 0 and 1."""
    p = min(max(probability, 1e-300), 1 - 1e-16)
    return float(np.log2(p / (1 - p)))
