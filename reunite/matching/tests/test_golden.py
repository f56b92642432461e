"""A golden synthetic link task with precision / recall floors (behaviour, not exact numbers)."""

from reunite.matching.evaluate import evaluate
from reunite.matching.link import dedupe, link
from reunite.matching.record import PartialDate, Record
from reunite.matching.synth import link_task


def test_link_quality_floors():
    task = link_task(600, seed=2024)
    matches = link(task.descriptions, task.registry)
    result = evaluate([(m.left_id, m.right_id, m.match_probability) for m in matches], task.truth)
    assert result.precision >= 0.95
    assert result.recall >= 0.95
    assert result.recall_at_k[5] >= 0.95


def test_pairs_are_best_first_and_above_threshold():
    task = link_task(100, seed=5)
    matches = link(task.descriptions, task.registry, threshold=0.7)
    weights = [m.match_weight for m in matches]
    assert weights == sorted(weights, reverse=True)
    assert all(m.match_probability >= 0.7 for m in matches)


def test_dedupe_finds_a_duplicate_once():
    a = Record("1", given_names="Yesenia", family_names="Tzul Coc", birth_date=PartialDate(2010, 2, 3), sex="F")
    b = Record("2", given_names="Llesenia", family_names="Coc Tzul", birth_date=PartialDate(2010, 3, 2), sex="F")
    c = Record("3", given_names="Kevin", family_names="Pérez", birth_date=PartialDate(2012, 1, 1), sex="M")
    pairs = dedupe([a, b, c])
    assert [(m.left_id, m.right_id) for m in pairs] == [("1", "2")]
