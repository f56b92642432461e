"""Prepared, normalised features of a Record: computed once, compared many times.

An Index holds one Features per registered person instead of the Record, so the
normalisation cost is paid once and memory stays small (interned tuples of tokens).
"""

from __future__ import annotations

import sys
from functools import lru_cache

from .normalize import digits, name_tokens, normalize_country, normalize_text, split_full_name
from .record import Record

# Ages are recorded "as of" a date; the 2018 separations are the default reference year.
DEFAULT_REFERENCE_YEAR = 2018

Name = tuple[tuple[str, ...], tuple[str, ...]]  # (given tokens, surname tokens)


@lru_cache(maxsize=1 << 16)
def _intern_tokens(tokens: tuple[str, ...]) -> tuple[str, ...]:
    # Shared tuples of interned strings keep a million records small.
    return tuple(sys.intern(t) for t in tokens)


@lru_cache(maxsize=1 << 17)
def parse_person_name(text: str) -> Name:
    """(given, surnames) of a free-text name such as a mother's name."""
    given, surnames = split_full_name(text)
    return _intern_tokens(given), _intern_tokens(surnames)


class Features:
    """Normalised comparison inputs of one record. Empty tuple / "" / None = unknown."""

    __slots__ = (
        "address",
        "country",
        "dob",
        "dob8",
        "family",
        "id",
        "ids",
        "names",
        "phone",
        "place",
        "sex",
        "year_range",
    )

    def __init__(self, record: Record, reference_year: int = DEFAULT_REFERENCE_YEAR) -> None:
        self.id = record.id
        self.names: tuple[Name, ...] = names_of(record.given_names, record.paternal_surname,
                                                record.maternal_surname, record.family_names,
                                                record.full_name, record.aliases)
        self.sex: str = record.sex or ""
        bd = record.birth_date
        self.dob: tuple[int, int, int] | None = (
            (bd.year, bd.month or 0, bd.day or 0) if bd is not None else None
        )
        # YYYYMMDD for the one-digit-typo test; "" unless the date is complete.
        self.dob8: str = (
            f"{bd.year:04d}{bd.month:02d}{bd.day:02d}" if bd is not None and bd.month and bd.day else ""
        )
        self.year_range: tuple[int, int] | None = _year_range(record, reference_year)
        self.country: str = normalize_country(record.country_of_birth)
        self.place: str = sys.intern(normalize_text(record.place_of_birth or ""))
        ids = [digits(record.a_number)] + [digits(x) or normalize_text(x) for x in record.other_ids]
        self.ids: tuple[str, ...] = tuple(x for x in ids if x)
        self.family: tuple[Name, ...] = family_of(record.mother_name, record.father_name, record.related_names)
        self.phone: str = digits(record.phone)[-8:]
        self.address: str = normalize_text(
            " ".join(x for x in (record.address, record.postal_code) if x)
        )

    @property
    def given(self) -> tuple[str, ...]:
        """Given-name tokens of the primary name."""
        return self.names[0][0] if self.names else ()

    @property
    def surnames(self) -> tuple[str, ...]:
        """Surname tokens of the primary name, paternal first when known."""
        return self.names[0][1] if self.names else ()


def names_of(
    given_names: str | None,
    paternal_surname: str | None,
    maternal_surname: str | None,
    family_names: str | None,
    full_name: str | None,
    aliases: tuple[str, ...],
) -> tuple[Name, ...]:
    """Primary name (most structured form present) followed by aliases.

    Takes the Record's name fields (None or stripped text) so that a batch reader can
    prepare each distinct combination once.
    """
    given = name_tokens(given_names or "")
    if paternal_surname or maternal_surname:
        surnames = name_tokens(paternal_surname or "") + name_tokens(maternal_surname or "")
    else:
        surnames = name_tokens(family_names or "")
    if not given and not surnames and full_name:
        given, surnames = split_full_name(full_name)
    out: list[Name] = []
    if given or surnames:
        out.append((_intern_tokens(given), _intern_tokens(surnames)))
    for alias in aliases:
        name = parse_person_name(alias)
        if (name[0] or name[1]) and name not in out:
            out.append(name)
    return tuple(out)


def family_of(mother_name: str | None, father_name: str | None, related_names: tuple[str, ...]) -> tuple[Name, ...]:
    """The relatives a record names, parsed (mother, father, then the others)."""
    family = [mother_name, father_name, *related_names]
    return tuple(n for n in (parse_person_name(f) for f in family if f) if n[0] or n[1])


def _year_range(record: Record, reference_year: int) -> tuple[int, int] | None:
    """Possible birth years, from the date of birth or else from the age (range)."""
    if record.birth_date is not None:
        return record.birth_date.year, record.birth_date.year
    if record.age is not None:
        return reference_year - record.age - 1, reference_year - record.age
    if record.age_min is not None or record.age_max is not None:
        low = record.age_min if record.age_min is not None else 0
        high = record.age_max if record.age_max is not None else 120
        return reference_year - high - 1, reference_year - low
    return None
