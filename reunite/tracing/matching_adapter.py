"""Between the registry and the engine: a Person becomes an engine Record.

The engine knows nothing of Django; this module is the only place that translates.
"""

from __future__ import annotations

from functools import cache

from reunite.matching import PartialDate, Record, Scorer, record_blocking_keys, record_query_keys
from reunite.matching.errors import MatchingError
from reunite.people.choices import IdentifierKind, Relationship
from reunite.people.models import Person


@cache
def scorer() -> Scorer:
    """The shipped, versioned model (loaded once per process)."""
    return Scorer()


def _full_name(person: Person) -> str:
    return " ".join(
        p for p in (person.given_names, person.paternal_surname, person.maternal_surname) if p
    )


def _age(text: str) -> dict:
    if not text:
        return {}
    low, _, high = text.partition("-")
    return {"age": int(low)} if not high else {"age_min": int(low), "age_max": int(high)}


def to_record(person: Person) -> Record:
    """The engine's view of a person. Expects `other_names`, `identifiers`,
    `family_links__relative` and `relative_links__person` prefetched (see `matchable`)."""
    try:
        birth_date = PartialDate.parse(person.birth_date) if person.birth_date else None
    except MatchingError:
        birth_date = None
    identifiers = list(person.identifiers.all())
    a_numbers = [i.value for i in identifiers if i.kind == IdentifierKind.A_NUMBER]
    mother = father = None
    related: list[str] = []
    for link in person.family_links.all():  # relatives of this person (their mother, ...)
        name = _full_name(link.relative)
        if link.relationship == Relationship.MOTHER and mother is None:
            mother = name
        elif link.relationship == Relationship.FATHER and father is None:
            father = name
        else:
            related.append(name)
    # People this person is a relative of (a parent's children).
    related += [_full_name(link.person) for link in person.relative_links.all()]
    return Record(
        id=str(person.public_id),
        given_names=person.given_names or None,
        paternal_surname=person.paternal_surname or None,
        maternal_surname=person.maternal_surname or None,
        sex=person.sex if person.sex in {"F", "M"} else None,
        birth_date=birth_date,
        country_of_birth=person.country_of_birth or None,
        place_of_birth=person.place_of_birth or None,
        a_number=a_numbers[0] if a_numbers else None,
        other_ids=tuple(i.value for i in identifiers if i.kind != IdentifierKind.A_NUMBER),
        mother_name=mother,
        father_name=father,
        related_names=tuple(filter(None, related)),
        aliases=tuple(
            " ".join(filter(None, (n.given_names, n.family_names)))
            for n in person.other_names.all()
        ),
        **_age(person.approximate_age),
    )


def blocking_keys(record: Record) -> set[str]:
    return record_blocking_keys(record, scorer())


def query_keys(record: Record) -> set[str]:
    return record_query_keys(record, scorer())
