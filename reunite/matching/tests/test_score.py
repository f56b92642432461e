"""Fellegi-Sunter scoring: properties and explanations."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from reunite.matching.record import PartialDate, Record
from reunite.matching.score import Scorer, Weights, probability, score_pair

NAMES = st.sampled_from(["María", "Jose", "Chepe", "Yesenia", "Llesenia", "Ana Lucía", "Kevin", "", "M."])
SURNAMES = st.sampled_from(["García", "Lopez", "Tzul", "Xuc", "de la Cruz", "Hernandez", ""])
DATES = st.one_of(
    st.none(),
    st.builds(PartialDate, st.integers(2000, 2017), st.integers(1, 12), st.integers(1, 28)),
    st.builds(PartialDate, st.integers(2000, 2017)),
)
records = st.builds(
    Record,
    id=st.text(min_size=1, max_size=3),
    given_names=NAMES,
    paternal_surname=SURNAMES,
    maternal_surname=SURNAMES,
    sex=st.sampled_from([None, "F", "M"]),
    birth_date=DATES,
    age=st.one_of(st.none(), st.integers(0, 17)),
    country_of_birth=st.sampled_from([None, "Guatemala", "Honduras", "GT"]),
    a_number=st.sampled_from([None, "A012345678", "A012345679", "A200000001"]),
    mother_name=st.sampled_from([None, "Rosa López", "Chayo Tzul", "Marta"]),
    related_names=st.sampled_from([(), ("Rosa Lopez",), ("Juan Pérez",)]),
)


@settings(max_examples=150, deadline=None)
@given(records, records)
def test_score_is_symmetric_and_a_probability(a, b):
    ab, ba = score_pair(a, b), score_pair(b, a)
    assert math.isclose(ab.match_weight, ba.match_weight)
    assert 0.0 <= ab.match_probability <= 1.0
    assert [(c.field, c.level) for c in ab.contributions] == [(c.field, c.level) for c in ba.contributions]


@settings(max_examples=150, deadline=None)
@given(records)
def test_missing_data_adds_no_evidence(a):
    empty = Record("empty")
    match = score_pair(a, empty)
    assert all(c.level == "null" and c.weight == 0 for c in match.contributions)
    scorer = Scorer()
    assert math.isclose(match.match_weight, scorer.prior_weight)


@settings(max_examples=100, deadline=None)
@given(records, records)
def test_contributions_sum_to_the_weight(a, b):
    scorer = Scorer()
    match = scorer.score(a, b)
    assert math.isclose(match.match_weight, scorer.prior_weight + sum(c.weight for c in match.contributions))


def test_more_agreement_scores_higher():
    child = Record("a", given_names="María José", paternal_surname="García", maternal_surname="López",
                   birth_date=PartialDate(2011, 5, 3), sex="F")
    same = Record("b", given_names="Maria Jose", family_names="Garcia Lopez", birth_date=PartialDate(2011, 3, 5), sex="F")
    sister = Record("c", given_names="María Fernanda", family_names="García López", birth_date=PartialDate(2013, 8, 9), sex="F")
    assert score_pair(child, same).match_probability > 0.9
    assert score_pair(child, sister).match_probability < 0.1
    assert score_pair(child, same).match_weight > score_pair(child, sister).match_weight


def test_explanation_reads_for_a_lawyer():
    a = Record("a", given_names="Chepe", paternal_surname="Tzul", birth_date=PartialDate(2012, 4, 7))
    b = Record("b", given_names="José", paternal_surname="Tzul", birth_date=PartialDate(2012, 7, 4))
    match = score_pair(a, b)
    by_field = {c.field: c for c in match.contributions}
    assert by_field["birth_date"].level == "swapped"
    assert "day and month swapped" in by_field["birth_date"].text
    assert by_field["birth_date"].text.endswith(f"({by_field['birth_date'].weight:+.1f})")
    assert "nickname" in by_field["given_name"].text
    assert "swapped" in match.explanation
    assert by_field["sex"].level == "null" and "no evidence" in by_field["sex"].text


def test_identifier_match_is_very_strong():
    a = Record("a", full_name="Ana Pérez", a_number="A012345678")
    b = Record("b", full_name="Anna Peres", a_number="012345678")
    by_field = {c.field: c for c in score_pair(a, b).contributions}
    assert by_field["identifier"].weight > 5


def test_prior_override_moves_probability_only():
    a = Record("a", full_name="Ana Pérez García", birth_date=PartialDate(2010, 1, 2))
    low, high = Scorer(prior=1e-6).score(a, a), Scorer(prior=1e-2).score(a, a)
    assert low.match_probability < high.match_probability
    assert [c.weight for c in low.contributions] == [c.weight for c in high.contributions]


def test_probability_is_stable_at_extremes():
    assert probability(5000) == 1.0
    assert 0.0 <= probability(-5000) < 1e-300
    assert probability(0) == 0.5


def test_shipped_weights_roundtrip():
    weights = Weights.load()
    again = Weights.from_dict(weights.to_dict())
    assert again.m_u.keys() == weights.m_u.keys()
    assert "training" in weights.meta and weights.version


def _registry_with(common: str, rare: str, n_common: int = 200) -> list[Record]:
    people = [Record(f"c{i}", given_names="Ana", paternal_surname=common, maternal_surname="Pérez",
                     birth_date=PartialDate(2000 + i % 17, 1 + i % 12, 1 + i % 28)) for i in range(n_common)]
    people.append(Record("rare", given_names="Ana", paternal_surname=rare, maternal_surname="Pérez",
                         birth_date=PartialDate(2011, 5, 3)))
    return people


def test_rare_surname_agreeing_weighs_more_than_a_common_one():
    from reunite.matching.block import Index
    from reunite.matching.synth import registry

    index = Index()
    index.add_many(registry(1500, seed=5))  # shares are relative to the list searched
    index.add_many(_registry_with("García", "Quixtán"))
    index.add(Record("common", given_names="Ana", paternal_surname="García", maternal_surname="Pérez",
                     birth_date=PartialDate(2011, 5, 3)))
    rare_q = Record("q1", given_names="Ana", paternal_surname="Quixtán", maternal_surname="Pérez",
                    birth_date=PartialDate(2011, 5, 3))
    common_q = Record("q2", given_names="Ana", paternal_surname="García", maternal_surname="Pérez",
                      birth_date=PartialDate(2011, 5, 3))
    rare = next(m for m in index.query(rare_q) if m.right_id == "rare")
    common = next(m for m in index.query(common_q) if m.right_id == "common")
    assert rare.match_weight > common.match_weight
    rare_s = {c.field: c for c in rare.contributions}["surname"]
    common_s = {c.field: c for c in common.contributions}["surname"]
    assert rare_s.level == common_s.level == "exact"
    assert rare_s.weight > common_s.weight
    assert "(rare surname)" in rare_s.text and "(common surname)" in common_s.text
    assert common_s.text.endswith(f"({common_s.weight:+.1f})")
    # Without frequencies (a single pair) the level's own weight, and no qualifier.
    single = {c.field: c for c in score_pair(rare_q, _registry_with("García", "Quixtán")[-1]).contributions}
    assert single["surname"].text == f"Surnames match exactly ({single['surname'].weight:+.1f})"
    assert common_s.weight < single["surname"].weight < rare_s.weight


@settings(max_examples=100, deadline=None)
@given(records, records)
def test_term_frequency_scores_keep_the_properties(a, b):
    from reunite.matching.score import TermFrequencies

    tf = TermFrequencies()
    scorer = Scorer()
    for r in (a, b, Record("x", given_names="María", paternal_surname="García")):
        tf.add(scorer.features(r))
    scorer = scorer.with_term_frequencies(tf)
    ab, ba = scorer.score(a, b), scorer.score(b, a)
    assert math.isclose(ab.match_weight, ba.match_weight)
    assert math.isclose(ab.match_weight, scorer.prior_weight + sum(c.weight for c in ab.contributions))
    fa, fb = scorer.features(a), scorer.features(b)
    assert math.isclose(scorer.weight(fa, fb), ab.match_weight)
    assert 0.0 <= ab.match_probability <= 1.0
    empty = scorer.score(a, Record("empty"))
    assert all(c.level == "null" and c.weight == 0 for c in empty.contributions)


def test_previous_weights_still_load_and_score():
    v1 = Weights.load("weights-v1.json")
    assert v1.version == "1.0" and not v1.conditional
    a = Record("a", given_names="Ana", paternal_surname="Tzul", birth_date=PartialDate(2010, 1, 2))
    assert Scorer(v1).score(a, a).match_probability > 0.9
    v2 = Weights.load()
    assert v2.version == "2.0" and "family|surnames_agree" in v2.conditional
    assert Weights.from_dict(v2.to_dict()).conditional == {
        k: {lv: (round(m, 6), round(u, 8)) for lv, (m, u) in levels.items()} for k, levels in v2.conditional.items()}


def test_relatives_count_for_less_when_the_surnames_already_agree():
    child = Record("a", given_names="Ana", paternal_surname="Tzul", maternal_surname="Coc", mother_name="Rosa Coc")
    same_family = Record("b", given_names="Ana", paternal_surname="Tzul", maternal_surname="Coc",
                         mother_name="Rosa Coc")
    other_surname = Record("c", given_names="Ana", paternal_surname="Pérez", mother_name="Rosa Coc")
    fam_same = {c.field: c for c in score_pair(child, same_family).contributions}["family"]
    fam_other = {c.field: c for c in score_pair(child, other_surname).contributions}["family"]
    assert fam_same.level == fam_other.level == "full"
    assert 0 < fam_same.weight < fam_other.weight
    assert "surnames already agree" in fam_same.text and "surnames" not in fam_other.text


def test_sex_differing_is_not_a_veto():
    a = Record("a", given_names="Ana", paternal_surname="Tzul", sex="F")
    by_field = {c.field: c for c in score_pair(a, Record("b", given_names="Ana", paternal_surname="Tzul", sex="M"))
                .contributions}
    assert by_field["sex"].level == "disagree" and -7 < by_field["sex"].weight < -4
