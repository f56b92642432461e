"""A person list as numpy columns, each distinct value prepared once (the batch link's input).

`reunite link` of 100,000 descriptions against 1,000,000 registered people cannot afford
a Python object per record per step. Names, dates, places and relatives repeat
enormously, so the reader codes every CSV column by distinct value, prepares each
distinct value (or combination of values) once with the very functions Features uses
(`names_of`, `family_of`, `normalize_country`, ...), and keeps one small integer array
per feature. Every id below comes from a `Vocab` shared by the two lists of a link, so
equal ids mean equal prepared values on either side.

A Table rebuilds a record's Features only where needed: the pairs finally explained,
and the rare records with aliases (scored one by one, see batch.py). Any row the fast
reader does not accept is handed to csvio.iter_records, so errors (every bad row with
its line number) are reported exactly as before.
"""

from __future__ import annotations

import csv
import sys
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from .errors import InvalidValue, MatchingError
from .features import DEFAULT_REFERENCE_YEAR, Features, family_of, names_of
from .normalize import digits, normalize_country, normalize_text
from .record import _SEX, CANONICAL_FIELDS, LIST_SEPARATOR, PartialDate, Record, _parse_age
from .score import Scorer, TermFrequencies

_CHUNK_ROWS = 50_000


class Interner:
    """Values <-> dense ids; id 0 is the empty value given at construction."""

    __slots__ = ("ids", "values")

    def __init__(self, empty: object) -> None:
        self.values: list = [empty]
        self.ids: dict = {empty: 0}

    def __len__(self) -> int:
        return len(self.values)

    def id(self, value: object) -> int:
        found = self.ids.get(value)
        if found is None:
            found = self.ids[value] = len(self.values)
            self.values.append(value)
        return found


class Vocab:
    """The interned values shared by the tables of one link."""

    def __init__(self) -> None:
        self.tokens = Interner(())      # given-name or surname token tuples
        self.names = Interner(())       # a record's tuple of names (primary + aliases)
        self.families = Interner(())    # a record's tuple of relatives' names
        self.idsets = Interner(())      # a record's tuple of identifiers
        self.text = Interner("")        # countries, places, phones, addresses, joined names
        self.codes = Interner("")       # the pre-score's phonetic codes and prefixes (prefilter.py)


def _many(value: str | None) -> tuple[str, ...]:
    # Record.from_mapping's reading of a list cell.
    if not value:
        return ()
    return tuple(v.strip() for v in value.split(LIST_SEPARATOR) if v.strip())


def _combine(columns: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct combinations of several code columns: (first row of each, inverse)."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    top = 1
    for col in columns:
        width = int(col.max()) + 1 if len(col) else 1
        if top * width >= 1 << 62:
            _, key = np.unique(key, return_inverse=True)
            key = key.astype(np.int64)
            top = int(key.max()) + 1 if len(key) else 1
        key = key * width + col
        top *= width
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


class Table:
    """Records as arrays (one entry per record; ids from the shared Vocab).

    g, s: primary given-name and surname token tuples (0 = none); multi: the record has
    more than one name (aliases); names: its tuple of names; y, m, d, dob8: date of birth
    (0 = unknown); ylo, yhi, has_range: possible birth years; sex (0, 1 = F, 2 = M);
    country, place, phone, address: text ids; idset, idnum: identifiers and the first
    numeric one; family: the relatives' names.
    """

    def __init__(self, vocab: Vocab, columns: dict[str, tuple[np.ndarray, list]], n: int,
                 reference_year: int = DEFAULT_REFERENCE_YEAR) -> None:
        self.vocab = vocab
        self.n = n
        self.reference_year = reference_year
        self._columns = columns
        self._features: dict[int, Features] = {}
        self._prepare()

    # ------------------------------------------------------------ construction
    @classmethod
    def read_csv(cls, path: str | Path, renames: Mapping[str, str] | None, vocab: Vocab,
                 reference_year: int = DEFAULT_REFERENCE_YEAR) -> Table:
        """Read a person CSV (same rules and errors as csvio.iter_records)."""
        from .csvio import check_header, iter_records

        renames = dict(renames or {})
        try:
            with open(path, newline="", encoding="utf-8-sig") as handle:
                reader = csv.reader(handle)
                header = next(reader, None)
                columns = check_header(str(path), header, renames)
                width = len(columns)
                # dict(zip(columns, row)) keeps the last of repeated columns.
                where = {c: i for i, c in enumerate(columns)}
                id_at = where["id"]
                vocabs: list[dict[str, int]] = [{} for _ in range(width)]
                codes = [array("i") for _ in range(width)]
                chunk: list[list[str]] = []
                clean = True
                for row in reader:
                    if len(row) != width or not row[id_at].strip():
                        if not any(cell.strip() for cell in row):
                            continue
                        clean = False
                        break
                    chunk.append(row)
                    if len(chunk) == _CHUNK_ROWS:
                        _code_chunk(chunk, vocabs, codes)
                        chunk = []
                _code_chunk(chunk, vocabs, codes)
        except (OSError, UnicodeDecodeError, csv.Error, MatchingError):
            clean = False
        if not clean:
            for _ in iter_records(path, renames):  # raises the detailed error
                pass
            raise MatchingError(f"{path}: rows the batch reader cannot take")  # pragma: no cover
        n = len(codes[id_at])
        prepared = {c: (np.frombuffer(codes[i], dtype=np.int32) if n else np.zeros(0, np.int32),
                        list(vocabs[i])) for c, i in where.items()}
        table = cls(vocab, prepared, n, reference_year)
        if table.invalid:
            for _ in iter_records(path, renames):
                pass
            raise MatchingError(f"{path}: rows the batch reader cannot take")  # pragma: no cover
        return table

    @classmethod
    def from_records(cls, records: Iterable[Record], vocab: Vocab,
                     reference_year: int = DEFAULT_REFERENCE_YEAR) -> Table:
        """A Table of Records (tests and the benchmark; lists are joined with ';')."""
        rows = [_as_row(r) for r in records]
        vocabs: list[dict[str, int]] = [{} for _ in _ROW_FIELDS]
        codes = [array("i") for _ in _ROW_FIELDS]
        _code_chunk(rows, vocabs, codes)
        n = len(rows)
        prepared = {c: (np.frombuffer(codes[i], dtype=np.int32) if n else np.zeros(0, np.int32), list(vocabs[i]))
                    for i, c in enumerate(_ROW_FIELDS)}
        table = cls(vocab, prepared, n, reference_year)
        if table.invalid:
            raise InvalidValue("record", "", "a record the batch reader cannot take")
        return table

    # ------------------------------------------------------------ preparation
    def _values(self, field: str, fn: Callable[[str | None], object]) -> tuple[np.ndarray, list]:
        """(codes, prepared distinct values) of a column; absent columns read as blank."""
        found = self._columns.get(field)
        if found is None:
            return np.zeros(self.n, dtype=np.int32), [fn(None)]
        codes, raw = found
        return codes, [fn(v.strip() or None) for v in raw]

    def _per_value(self, field: str, fn: Callable[[str | None], object], dtype=np.int64) -> np.ndarray:
        codes, values = self._values(field, fn)
        return np.asarray(values, dtype=dtype)[codes] if self.n else np.zeros(0, dtype)

    def _per_combination(self, fields: Sequence[str], fn: Callable[..., object]) -> tuple[list, np.ndarray]:
        """fn over each distinct combination of several columns' stripped values."""
        cols = [self._columns.get(f) for f in fields]
        codes = [c[0] if c is not None else np.zeros(self.n, dtype=np.int32) for c in cols]
        raws = [[v.strip() or None for v in c[1]] if c is not None else [None] for c in cols]
        if not self.n:
            return [], np.zeros(0, dtype=np.int64)
        first, inverse = _combine(codes)
        firsts = first.tolist()
        picked = [np.asarray(c)[first].tolist() for c in codes]
        out = [fn(*(raws[j][picked[j][i]] for j in range(len(fields)))) for i in range(len(firsts))]
        return out, inverse

    def _prepare(self) -> None:
        v = self.vocab
        n = self.n
        self.ids: list[str] = []
        id_codes, id_values = self._values("id", lambda x: x or "")
        self.ids = [id_values[i] for i in id_codes.tolist()]
        bad: list[np.ndarray] = []

        # Dates of birth.
        def dob(text: str | None) -> tuple[int, int, int, int]:
            if text is None:
                return (0, 0, 0, 0)
            try:
                p = PartialDate.parse(text)
            except InvalidValue:
                return (-1, 0, 0, 0)
            m, d = p.month or 0, p.day or 0
            return (p.year, m, d, p.year * 10000 + m * 100 + d if m and d else 0)

        codes, values = self._values("date_of_birth", dob)
        table = np.asarray(values, dtype=np.int32).reshape(-1, 4)[codes] if n else np.zeros((0, 4), np.int32)
        bad.append(table[:, 0] < 0)
        self.y, self.m, self.d, self.dob8 = (np.ascontiguousarray(table[:, i]) for i in range(4))
        self.y[self.y < 0] = 0

        def sex(text: str | None) -> int:
            if text is None:
                return 0
            key = _SEX.get(text.casefold(), "?")
            return -1 if key == "?" else {"F": 1, "M": 2, None: 0}[key]

        self.sex = self._per_value("sex", sex, np.int8)
        bad.append(self.sex < 0)

        # Ages: Record.from_mapping's reading of age, age_min and age_max, then the range.
        def years(age: str | None, age_min: str | None, age_max: str | None) -> tuple[int, int, int]:
            try:
                a, lo, hi = _parse_age(age, None)
                if age_min is not None:
                    lo = _parse_age(age_min, None)[0]
                if age_max is not None:
                    hi = _parse_age(age_max, None)[0]
            except InvalidValue:
                return (-1, 0, 0)
            ref = self.reference_year
            if a is not None:
                return (1, ref - a - 1, ref - a)
            if lo is not None or hi is not None:
                return (1, ref - (hi if hi is not None else 120) - 1, ref - (lo if lo is not None else 0))
            return (0, 0, 0)

        out, inverse = self._per_combination(("age", "age_min", "age_max"), years)
        ages = np.asarray(out, dtype=np.int32).reshape(-1, 3)[inverse] if n else np.zeros((0, 3), np.int32)
        bad.append(ages[:, 0] < 0)
        has_dob = self.y > 0
        self.has_range = has_dob | (ages[:, 0] > 0)
        self.ylo = np.where(has_dob, self.y, np.where(self.has_range, ages[:, 1], 0)).astype(np.int32)
        self.yhi = np.where(has_dob, self.y, np.where(self.has_range, ages[:, 2], 0)).astype(np.int32)
        self.invalid = bool(np.any(np.logical_or.reduce(bad))) if n else False

        # Names: the primary name's token tuples, and the whole tuple of names.
        def names(given, pat, mat, fam, full, aliases) -> tuple[int, int, int, int]:
            found = names_of(given, pat, mat, fam, full, _many(aliases))
            g, s = found[0] if found else ((), ())
            return v.tokens.id(g), v.tokens.id(s), v.names.id(found), len(found) > 1

        out, inverse = self._per_combination(
            ("given_names", "paternal_surname", "maternal_surname", "family_names", "full_name", "aliases"), names)
        got = np.asarray(out, dtype=np.int32).reshape(-1, 4)[inverse] if n else np.zeros((0, 4), np.int32)
        self.g, self.s, self.names = (np.ascontiguousarray(got[:, i]) for i in range(3))
        self.multi = got[:, 3].astype(bool)

        def family(mother, father, related) -> int:
            return v.families.id(family_of(mother, father, _many(related)))

        out, inverse = self._per_combination(("mother_name", "father_name", "related_names"), family)
        self.family = np.asarray(out, dtype=np.int32)[inverse] if n else np.zeros(0, np.int32)

        def identifiers(a_number, other) -> tuple[int, int]:
            found = [digits(a_number)] + [digits(x) or normalize_text(x) for x in _many(other)]
            ids = tuple(x for x in found if x)
            number = next((int(x) for x in ids if x.isdigit() and len(x) <= 18), 0)
            return v.idsets.id(ids), number

        out, inverse = self._per_combination(("a_number", "other_ids"), identifiers)
        got = np.asarray(out, dtype=np.int64).reshape(-1, 2)[inverse] if n else np.zeros((0, 2), np.int64)
        self.idset = got[:, 0].astype(np.int32)
        self.idnum = np.ascontiguousarray(got[:, 1])

        self.country = self._per_value("country_of_birth", lambda x: v.text.id(normalize_country(x)), np.int32)
        self.place = self._per_value("place_of_birth", lambda x: v.text.id(sys.intern(normalize_text(x or ""))),
                                     np.int32)
        self.phone = self._per_value("phone", lambda x: v.text.id(digits(x)[-8:]), np.int32)
        out, inverse = self._per_combination(
            ("address", "postal_code"),
            lambda a, p: v.text.id(normalize_text(" ".join(x for x in (a, p) if x))))
        self.address = np.asarray(out, dtype=np.int32)[inverse] if n else np.zeros(0, np.int32)

    # ------------------------------------------------------------ per record
    def record(self, i: int) -> Record:
        """The i-th record, rebuilt from its cells."""
        row = {c: values[codes[i]] for c, (codes, values) in self._columns.items()}
        return Record.from_mapping(row)

    def features(self, i: int, scorer: Scorer) -> Features:
        """The i-th record's Features (cached)."""
        found = self._features.get(i)
        if found is None:
            found = self._features[i] = scorer.features(self.record(i))
        return found

    def term_frequencies(self) -> TermFrequencies:
        """Counts of the primary given names and surnames held (as an Index counts them)."""
        tf = TermFrequencies()
        tf.total = self.n
        tokens = self.vocab.tokens.values
        has_name = self.names != 0
        for field, ids in (("given", self.g), ("surname", self.s)):
            counts = np.bincount(ids[has_name & (ids != 0)], minlength=len(tokens))
            counter: Counter[str] = getattr(tf, field)
            for tid in np.flatnonzero(counts).tolist():
                counter["".join(tokens[tid])] += int(counts[tid])
        return tf


_ROW_FIELDS = tuple(f for f in CANONICAL_FIELDS)


def _as_row(r: Record) -> list[str]:
    values = {
        "id": r.id, "given_names": r.given_names, "family_names": r.family_names,
        "paternal_surname": r.paternal_surname, "maternal_surname": r.maternal_surname, "full_name": r.full_name,
        "sex": r.sex, "date_of_birth": r.birth_date.isoformat() if r.birth_date else None,
        "age": None if r.age is None else str(r.age),
        "age_min": None if r.age_min is None else str(r.age_min),
        "age_max": None if r.age_max is None else str(r.age_max),
        "country_of_birth": r.country_of_birth, "place_of_birth": r.place_of_birth, "a_number": r.a_number,
        "other_ids": LIST_SEPARATOR.join(r.other_ids), "mother_name": r.mother_name, "father_name": r.father_name,
        "related_names": LIST_SEPARATOR.join(r.related_names), "address": r.address, "city": r.city,
        "postal_code": r.postal_code, "phone": r.phone, "aliases": LIST_SEPARATOR.join(r.aliases),
    }
    return [values[f] or "" for f in _ROW_FIELDS]


def _code_chunk(rows: list[list[str]], vocabs: list[dict[str, int]], codes: list[array]) -> None:
    """Append the codes of a chunk of rows, column by column."""
    if not rows:
        return
    for j, column in enumerate(zip(*rows, strict=True)):
        seen = vocabs[j]
        codes[j].extend([seen.setdefault(value, len(seen)) for value in column])
