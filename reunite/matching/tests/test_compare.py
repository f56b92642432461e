"""Each comparison level, table-driven, with the hard cases from the field."""

import pytest

from reunite.matching.compare import COMPARISON_BY_NAME
from reunite.matching.features import Features
from reunite.matching.record import PartialDate, Record


def level(name: str, a: Record, b: Record) -> str:
    comparison = COMPARISON_BY_NAME[name]
    fa, fb = Features(a), Features(b)
    forward = comparison.fn(fa, fb)
    assert comparison.fn(fb, fa) == forward, "comparisons must be symmetric"
    return comparison.levels[forward].name


def given(a: str | None, b: str | None) -> str:
    return level("given_name", Record("a", given_names=a), Record("b", given_names=b))


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("María José", "Maria Jose", "exact"),
        ("MariaJose", "María José", "exact"),
        ("Yesenia", "Llesenia", "phonetic"),
        ("Wadalupe", "Guadalupe", "phonetic"),
        ("Chepe", "José", "nickname"),
        ("Lupe", "Guadalupe", "nickname"),
        ("Chayo", "Rosario", "nickname"),
        ("Franscisco", "Francisco", "phonetic"),
        ("Gillermo", "Guillermo", "close"),
        ("Jose", "María José", "subset"),  # goes by the second given name
        ("Pancho", "José Francisco", "subset"),  # nickname of the second given name
        ("María José", "María Fernanda", "partial"),  # sisters, not the same girl
        ("M.", "María", "initial"),
        ("Kevin", "Brayan", "disagree"),
        ("José María", "María José", "phonetic"),
        (None, "Ana", "null"),
    ],
)
def test_given_name_levels(a, b, expected):
    assert given(a, b) == expected


def surnames(a: tuple[str | None, str | None], b: tuple[str | None, str | None]) -> str:
    return level(
        "surname",
        Record("a", paternal_surname=a[0], maternal_surname=a[1]),
        Record("b", paternal_surname=b[0], maternal_surname=b[1]),
    )


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (("García", "López"), ("Garcia", "Lopez"), "exact"),
        (("García", "López"), ("López", "García"), "swapped"),
        (("Hernández", "Xuc"), ("Ernandes", "Shuc"), "fuzzy"),
        (("de la Cruz", "Pérez"), ("Cruz", "Perez"), "exact"),
        (("García", "López"), ("García", None), "one_missing"),
        (("García", "López"), ("López", None), "one_missing"),
        (("García", "López"), ("García", "Morales"), "one_agrees"),  # cousins
        (("Tzul", "Coc"), ("Pérez", "Díaz"), "disagree"),
        ((None, None), ("García", None), "null"),
    ],
)
def test_surname_levels(a, b, expected):
    assert surnames(a, b) == expected


def test_family_names_unsplit_and_full_name_are_used():
    a = Record("a", given_names="Ana", family_names="García López")
    b = Record("b", full_name="Ana Garcia Lopez")
    assert level("surname", a, b) == "exact"
    assert level("given_name", a, b) == "exact"


def test_aliases_count_as_names():
    a = Record("a", given_names="Rosa", family_names="Tzul", aliases=("Chayo Tzul Coc",))
    b = Record("b", given_names="Rosario", family_names="Tzul Coc")
    assert level("given_name", a, b) == "nickname"


def dob(a: Record, b: Record) -> str:
    return level("birth_date", a, b)


def born(y, m=None, d=None, **kw) -> Record:
    return Record("x", birth_date=PartialDate(y, m, d), **kw)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (born(2011, 5, 3), born(2011, 5, 3), "exact"),
        (born(2011, 5, 3), born(2011, 3, 5), "swapped"),
        (born(2011, 5, 3), born(2012, 5, 3), "year_off"),
        (born(2011, 5, 3), born(2011, 5, 8), "typo"),
        (born(2011, 5, 13), born(2011, 5, 31), "typo"),  # adjacent digits transposed
        (born(2011, 5, 3), born(2011), "partial"),
        (born(2011, 5, 3), born(2011, 5), "partial"),
        (born(2011, 5, 3), Record("x", age=7), "age_consistent"),
        (born(2011, 5, 3), Record("x", age_min=5, age_max=8), "age_consistent"),
        (born(2011, 5, 3), born(2011, 9, 21), "year_only"),
        (born(2011, 5, 3), born(2015, 9, 21), "disagree"),
        (born(2011, 5, 3), Record("x", age=2), "disagree"),
        (born(2011, 5, 3), Record("x"), "null"),
    ],
)
def test_birth_date_levels(a, b, expected):
    assert dob(a, b) == expected


@pytest.mark.parametrize(
    ("name", "a", "b", "expected"),
    [
        ("sex", Record("a", sex="F"), Record("b", sex="F"), "agree"),
        ("sex", Record("a", sex="F"), Record("b", sex="M"), "disagree"),
        ("sex", Record("a", sex="F"), Record("b"), "null"),
        ("country", Record("a", country_of_birth="Guatemala"), Record("b", country_of_birth="GTM"), "agree"),
        ("country", Record("a", country_of_birth="Honduras"), Record("b", country_of_birth="El Salvador"), "disagree"),
        ("place", Record("a", place_of_birth="Huehuetenango"), Record("b", place_of_birth="huehuetenango"), "exact"),
        ("place", Record("a", place_of_birth="Huehuetenango"), Record("b", place_of_birth="Huehuetenago"), "close"),
        ("place", Record("a", place_of_birth="San Pedro Sula"), Record("b", place_of_birth="San Marcos"), "disagree"),
        ("identifier", Record("a", a_number="A-012-345-678"), Record("b", a_number="012345678"), "exact"),
        ("identifier", Record("a", a_number="A012345678"), Record("b", a_number="A012345679"), "typo"),
        ("identifier", Record("a", a_number="A012345678"), Record("b", a_number="A099999999"), "disagree"),
        ("identifier", Record("a", a_number="A012345678"), Record("b"), "null"),
        ("contact", Record("a", phone="+1 (956) 555-0101"), Record("b", phone="9565550101"), "phone"),
        ("contact", Record("a", phone="9565550101"), Record("b", phone="2125550199"), "disagree"),
    ],
)
def test_simple_levels(name, a, b, expected):
    assert level(name, a, b) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # The parent the child named at intake vs the seeker on the tracing request.
        (Record("a", mother_name="Rosa López Morales"), Record("b", related_names=("Rosa Lopez",)), "full"),
        (Record("a", mother_name="Chayo Tzul"), Record("b", related_names=("Rosario Tzul Coc",)), "full"),
        (Record("a", mother_name="Rosa"), Record("b", related_names=("Rosa Lopez",)), "similar"),
        (Record("a", father_name="Juan Pérez"), Record("b", related_names=("Marta Díaz",)), "disagree"),
        (Record("a"), Record("b", related_names=("Marta Díaz",)), "null"),
    ],
)
def test_family_levels(a, b, expected):
    assert level("family", a, b) == expected
