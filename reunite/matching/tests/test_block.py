"""Blocking keys and the Index: true pairs are found, candidates stay few."""

from reunite.matching.block import Index, blocking_keys, query_keys
from reunite.matching.features import Features
from reunite.matching.record import PartialDate, Record
from reunite.matching.synth import link_task


def test_keys_are_strings_and_index_keys_are_a_subset_of_query_keys():
    f = Features(Record("a", given_names="Chepe", family_names="Tzul Coc", birth_date=PartialDate(2011, 5, 3),
                        a_number="A012345678", mother_name="Rosa Coc"))
    keys, wanted = blocking_keys(f), query_keys(f)
    assert keys and all(isinstance(k, str) for k in keys)
    assert keys <= wanted
    assert "id:12345678" in keys


def test_nickname_and_spelling_share_a_key():
    a = Features(Record("a", given_names="Chepe", family_names="Ernandes", birth_date=PartialDate(2011)))
    b = Features(Record("b", given_names="José", family_names="Hernández", birth_date=PartialDate(2012)))
    assert query_keys(a) & blocking_keys(b)


def test_index_finds_true_matches_with_few_candidates():
    task = link_task(300, seed=11)
    index = Index()
    index.add_many(task.registry)
    truth = dict(task.truth)
    found = total_candidates = top1 = 0
    for d in task.descriptions:
        f = index.scorer.features(d)
        positions = index.candidates(f)
        total_candidates += len(positions)
        ids = {index.features[p].id for p in positions}
        if d.id in truth:
            found += truth[d.id] in ids
            best = index.query(d, top=1)
            top1 += bool(best) and best[0].right_id == truth[d.id]
    completeness = found / len(truth)
    assert completeness >= 0.99
    assert total_candidates / len(task.descriptions) <= index.max_candidates
    assert top1 / len(truth) >= 0.95


def test_query_results_are_ranked_and_explained():
    index = Index()
    index.add(Record("r1", given_names="Yesenia", family_names="Tzul Coc", birth_date=PartialDate(2010, 2, 3)))
    index.add(Record("r2", given_names="Yesenia", family_names="Tzul Coc", birth_date=PartialDate(2014, 6, 9)))
    index.add(Record("r3", given_names="Kevin", family_names="Pérez", birth_date=PartialDate(2010, 2, 3)))
    found = index.query(Record("q", given_names="Llesenia", family_names="Tzul", birth_date=PartialDate(2010, 3, 2)))
    assert [m.right_id for m in found][:2] == ["r1", "r2"]
    assert found[0].match_weight > found[1].match_weight
    assert found[0].explanation


def test_empty_index_returns_nothing():
    assert Index().query(Record("q", given_names="Ana")) == []
