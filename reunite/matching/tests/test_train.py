"""Training is robust to small and degenerate data."""

import math

import pytest

from reunite.matching.errors import WeightsError
from reunite.matching.features import Features
from reunite.matching.record import PartialDate, Record
from reunite.matching.score import Scorer, Weights
from reunite.matching.train import em, estimate_from_labels


def finite(weights: Weights) -> bool:
    return all(0 < m <= 1 and 0 < u <= 1 for levels in weights.m_u.values() for m, u in levels.values())


def test_tiny_labelled_set_with_constant_and_null_columns():
    # Sex always agrees, country always missing: no crash, finite weights.
    people = [Record(str(i), given_names=n, paternal_surname="Tzul", sex="F", birth_date=PartialDate(2010 + i))
              for i, n in enumerate(["Ana", "Rosa", "Marta"])]
    f = [Features(p) for p in people]
    pairs = [(f[0], f[0]), (f[1], f[1]), (f[0], f[1]), (f[1], f[2])]
    weights = estimate_from_labels(pairs, [True, True, False, False])
    assert finite(weights)
    country = weights.m_u["country"]
    assert all(math.isclose(m, u) for m, u in country.values()), "never observed: weight 0"
    Scorer(weights).score(people[0], people[1])


def test_empty_training_data():
    weights = estimate_from_labels([], [])
    assert finite(weights)


def test_em_converges_to_finite_weights_on_degenerate_data():
    f = Features(Record("a", given_names="Ana", paternal_surname="Tzul"))
    weights = em([(0,) * 9] * 5 + [tuple([1] * 9)] * 5, Weights.load(), iterations=5)
    assert finite(weights) and 0 < weights.prior < 1
    Scorer(weights).match(f, f)


def test_malformed_weights_are_rejected():
    with pytest.raises(WeightsError):
        Weights.from_dict({"prior": 0.1, "comparisons": {"nonsense": {"levels": {}}}})
    with pytest.raises(WeightsError):
        Weights.from_dict({"prior": 2, "comparisons": {}})
