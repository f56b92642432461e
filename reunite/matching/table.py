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
import re
import sys
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import islice
from pathlib import Path

import numpy as np

from .errors import InvalidValue, MatchingError
from .features import DEFAULT_REFERENCE_YEAR, Features, Name, names_of, parse_person_name
from .names import PARTICLES
from .normalize import digits, name_tokens, normalize_country, normalize_text
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
        self.idsets = Interner(())      # a record's tuple of identifiers
        self.text = Interner("")        # countries, places, phones, addresses, joined names
        self.codes = Interner("")       # the pre-score's phonetic codes and prefixes (prefilter.py)


def _many(value: str | None) -> tuple[str, ...]:
    # Record.from_mapping's reading of a list cell.
    if not value:
        return ()
    return tuple(v.strip() for v in value.split(LIST_SEPARATOR) if v.strip())


_NOT_DIGITS = re.compile(r"[^0-9]+")


def _digits(text: str | None) -> str:
    """normalize.digits, with a fast path for ASCII text."""
    if text is None:
        return ""
    if text.isascii():
        return _NOT_DIGITS.sub("", text).lstrip("0")
    return digits(text)


@lru_cache(maxsize=1 << 16)
def _word_tokens(word: str) -> tuple[str, ...]:
    return tuple(normalize_text(word).split())


def parse_name(text: str) -> Name:
    """features.parse_person_name, normalising word by word (words repeat far more than
    whole names: the same tokens, since normalize_text works character by character)."""
    if "," in text:
        return parse_person_name(text)
    words = [t for w in text.split() for t in _word_tokens(w) if not t.isdigit()]
    tokens = tuple(w for w in words if w not in PARTICLES) or tuple(words)
    if len(tokens) <= 1:
        return tokens, ()
    if len(tokens) == 2:
        return tokens[:1], tokens[1:]
    return tokens[:-2], tokens[-2:]


def csr(lists: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Lists of ints as (starts, flat): list i is flat[starts[i]:starts[i + 1]]."""
    starts = np.zeros(len(lists) + 1, dtype=np.int64)
    starts[1:] = np.cumsum([len(x) for x in lists])
    flat = np.fromiter((x for lst in lists for x in lst), dtype=np.int64, count=int(starts[-1]))
    return starts, flat


def ragged(starts: np.ndarray, flat: np.ndarray, items: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each items[i], the values of list items[i]: (i, position in the list, value)."""
    s = starts[items]
    counts = starts[items + 1] - s
    owner = np.repeat(np.arange(len(items)), counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, offsets, flat[s[owner] + offsets]


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
    more than one name, and aliases[i] lists the (g, s) of its other names; y, m, d, dob8:
    date of birth (0 = unknown); ylo, yhi, has_range: possible birth years; sex (0, 1 = F,
    2 = M); country, place, phone, address: text ids; idset, idnum: identifiers and the
    first numeric one; relatives[i]:relatives[i + 1] is the slice of `relative` holding
    the record's relatives in Features.family's order, each as (given tokens id << 32 |
    surname tokens id).
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
                clean = True
                while clean:
                    chunk = list(islice(reader, _CHUNK_ROWS))
                    if not chunk:
                        break
                    if set(map(len, chunk)) != {width} or "" in set(map(str.strip, (r[id_at] for r in chunk))):
                        # Blank lines are skipped; any other short, long or id-less row
                        # is an error, reported by iter_records below.
                        chunk = [r for r in chunk if any(cell.strip() for cell in r)]
                        clean = all(len(r) == width and r[id_at].strip() for r in chunk)
                    if clean:
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

        # Names: the primary name's token tuples, prepared per distinct given name and per
        # distinct surname combination; records with aliases or only a full name one by one.
        tok = v.tokens.id
        codes, values = self._values("given_names", lambda x: tok(name_tokens(x or "")))
        self.g = np.asarray(values, dtype=np.int32)[codes] if n else np.zeros(0, np.int32)

        def surnames(pat, mat, fam) -> int:
            return tok(name_tokens(pat or "") + name_tokens(mat or "") if pat or mat else name_tokens(fam or ""))

        out, inverse = self._per_combination(("paternal_surname", "maternal_surname", "family_names"), surnames)
        self.s = np.asarray(out, dtype=np.int32)[inverse] if n else np.zeros(0, np.int32)
        self.multi = np.zeros(n, dtype=bool)
        self.aliases: dict[int, list[tuple[int, int]]] = {}
        special = np.zeros(n, dtype=bool)
        if "aliases" in self._columns:
            codes, values = self._values("aliases", lambda x: bool(_many(x)))
            special |= np.asarray(values, dtype=bool)[codes]
        if "full_name" in self._columns:
            codes, values = self._values("full_name", lambda x: x is not None)
            special |= np.asarray(values, dtype=bool)[codes] & (self.g == 0) & (self.s == 0)
        for i in np.flatnonzero(special).tolist():
            cell = {c: (vals[codes[i]].strip() or None) for c, (codes, vals) in self._columns.items()}
            found = names_of(cell.get("given_names"), cell.get("paternal_surname"), cell.get("maternal_surname"),
                             cell.get("family_names"), cell.get("full_name"), _many(cell.get("aliases")))
            self.g[i], self.s[i] = (tok(found[0][0]), tok(found[0][1])) if found else (0, 0)
            if len(found) > 1:
                self.multi[i] = True
                self.aliases[i] = [(tok(g), tok(s)) for g, s in found[1:]]

        # Relatives: one list of interned names per record (mother, father, the others).
        def relative(text: str | None) -> int:
            if text is None:
                return 0
            given, surnames = parse_name(text)
            return tok(given) << 32 | tok(surnames) if given or surnames else 0

        mother = self._per_value("mother_name", relative, np.int64)
        father = self._per_value("father_name", relative, np.int64)
        codes, values = self._values("related_names", lambda x: [i for i in map(relative, _many(x)) if i])
        r_starts, r_flat = csr(values)
        r_len = np.diff(r_starts)[codes] if n else np.zeros(0, np.int64)
        count = (mother > 0).astype(np.int64) + (father > 0) + r_len
        self.relatives = np.zeros(n + 1, dtype=np.int64)
        self.relatives[1:] = np.cumsum(count)
        flat = np.zeros(int(self.relatives[-1]), dtype=np.int64)
        at = self.relatives[:-1].copy()
        for part in (mother, father):
            has = part > 0
            flat[at[has]] = part[has]
            at += has
        owner, offset, value = ragged(r_starts, r_flat, codes)
        flat[at[owner] + offset] = value
        self.relative = flat

        # Identifiers: the A-number's digits (most records), other identifiers added.
        def identifiers(a_number, other) -> tuple[int, int]:
            found = [_digits(a_number)] + [digits(x) or normalize_text(x) for x in _many(other)]
            ids = tuple(x for x in found if x)
            number = next((int(x) for x in ids if x.isdigit() and len(x) <= 18), 0)
            return v.idsets.id(ids), number

        if "other_ids" in self._columns:
            out, inverse = self._per_combination(("a_number", "other_ids"), identifiers)
            got = np.asarray(out, dtype=np.int64).reshape(-1, 2)[inverse] if n else np.zeros((0, 2), np.int64)
        else:
            codes, values = self._values("a_number", lambda x: identifiers(x, None))
            got = np.asarray(values, dtype=np.int64).reshape(-1, 2)[codes] if n else np.zeros((0, 2), np.int64)
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
        has_name = (self.g != 0) | (self.s != 0)
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
        for value in dict.fromkeys(column):
            if value not in seen:
                seen[value] = len(seen)
        codes[j].extend(map(seen.__getitem__, column))
