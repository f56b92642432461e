"""The vectorised batch link gives the engine's own scores and decisions."""

import csv
import random

import numpy as np
import pytest

from reunite.matching.batch import _FMY, _SD, _SSY, KeyBook, PairScorer, link_records
from reunite.matching.block import Index, blocking_keys, query_keys
from reunite.matching.cli import main_link
from reunite.matching.errors import BadRows, UnknownColumn
from reunite.matching.link import DEFAULT_MARGIN, DEFAULT_TOP, _floor, link
from reunite.matching.record import PartialDate, Record
from reunite.matching.score import default_scorer
from reunite.matching.synth import link_task
from reunite.matching.table import Table, Vocab, parse_name

# Records the synthetic lists never hold: aliases, full names only, age ranges, other
# identifiers, contact details, particles, commas, accents, apostrophes, nothing at all.
ODD = [
    Record("o1", given_names="María José", paternal_surname="de la Cruz", aliases=("Chepa Cruz", "Josefa Cruz López"),
           birth_date=PartialDate(2011, 5, 5), mother_name="Ana Cruz", father_name="Ana Cruz", sex="F"),
    Record("o2", full_name="CRUZ LÓPEZ, María", age_min=3, age_max=7, a_number="A-012-345-678", other_ids=("X9",)),
    Record("o3"),
    Record("o4", given_names="K'iche'", family_names="Tzul Coc", birth_date=PartialDate(2010, 2), phone="555-0100",
           address="1 Calle Real", postal_code="01001", related_names=("Rosa Coc", "Juan Tzul"), age=8),
    Record("o5", given_names="Yesenia", paternal_surname="Tzul", birth_date=PartialDate(2010, 3, 2), phone="5550100",
           address="1 calle real 01001", country_of_birth="GT", place_of_birth="Sololá", a_number="12345679"),
    Record("o6", given_names="Llesenia", family_names="Coc Tzul", birth_date=PartialDate(2010, 2, 3),
           country_of_birth="Guatemala", place_of_birth="Solola", a_number="12345678", aliases=("Yesenia Tzul",)),
    Record("o7", full_name="Chepe", age=7, mother_name="de la Cruz"),
]


@pytest.fixture(scope="module")
def task():
    return link_task(150, seed=21)


def test_pair_scores_are_the_scorers_bit_for_bit(task):
    registry, descriptions = task.registry + ODD, task.descriptions + ODD
    vocab = Vocab()
    right = Table.from_records(registry, vocab)
    left = Table.from_records(descriptions, vocab)
    index = Index()
    index.add_many(registry)
    index.build()
    scorer = default_scorer().with_term_frequencies(right.term_frequencies())
    pairs = PairScorer(scorer, vocab, left, right)
    rng = random.Random(4)
    q = [rng.randrange(left.n) for _ in range(3000)] + [left.n - len(ODD) + i for i in range(len(ODD))] * len(ODD)
    r = [rng.randrange(right.n) for _ in range(3000)] + [right.n - len(ODD) + j for j in range(len(ODD))
                                                         for _ in range(len(ODD))]
    got = pairs.weights(np.array(q), np.array(r))
    want = [index.tf_scorer.weight(scorer.features(descriptions[i]), index.features[j])
            for i, j in zip(q, r, strict=True)]
    assert got.tolist() == want


def test_records_read_back_as_their_features(task):
    vocab = Vocab()
    records = task.registry + ODD
    table = Table.from_records(records, vocab)
    scorer = default_scorer()
    for i, record in enumerate(records):
        f = scorer.features(record)
        assert table.ids[i] == f.id
        assert (vocab.tokens.values[table.g[i]], vocab.tokens.values[table.s[i]]) == (f.names[0] if f.names else ((), ()))
        relatives = table.relative[table.relatives[i]:table.relatives[i + 1]]
        tokens = vocab.tokens.values
        assert tuple((tokens[p >> 32], tokens[p & 0xFFFFFFFF]) for p in relatives.tolist()) == f.family
        assert (table.y[i], table.m[i], table.d[i]) == (f.dob or (0, 0, 0))
        assert (table.ylo[i], table.yhi[i]) == (f.year_range or (0, 0))
        assert vocab.idsets.values[table.idset[i]] == f.ids
        assert table.features(i, scorer).names == f.names


@pytest.mark.parametrize("text", ["Rosa Coc", "María de la Cruz López", "de la", "CRUZ, María", "K'iche' Tzul 2",
                                  "  José\u00a0Luis  Pérez-García ", "Ana", ""])
def test_word_by_word_name_parsing_is_the_engines(text):
    from reunite.matching.features import parse_person_name

    assert parse_name(text) == parse_person_name(text)


def test_int_keys_are_the_string_keys(task):
    records = task.registry + task.descriptions + ODD
    vocab = Vocab()
    table = Table.from_records(records, vocab)
    book = KeyBook(vocab)
    scorer = default_scorer()
    batch_only = {_SD >> 58, _SSY >> 58, _FMY >> 58}
    for query in (False, True):
        keys, owners = book.keys(table, np.arange(table.n), query=query)
        standard = ~np.isin(keys >> 58, list(batch_only))
        per_record: list[set[int]] = [set() for _ in records]
        for k, o in zip(keys[standard].tolist(), owners[standard].tolist(), strict=True):
            assert k not in per_record[o]
            per_record[o].add(k)
        strings = query_keys if query else blocking_keys
        assert [len(s) for s in per_record] == [len(strings(scorer.features(r))) for r in records]
    # Same pairs share a key either way.
    index_keys, index_owners = book.keys(table, np.arange(table.n), query=False)
    query_int, query_owners = book.keys(table, np.arange(table.n), query=True)
    keep_i = ~np.isin(index_keys >> 58, list(batch_only))
    keep_q = ~np.isin(query_int >> 58, list(batch_only))
    by_key: dict[int, set[int]] = {}
    for k, o in zip(index_keys[keep_i].tolist(), index_owners[keep_i].tolist(), strict=True):
        by_key.setdefault(k, set()).add(o)
    shared_int = {(q, r) for k, q in zip(query_int[keep_q].tolist(), query_owners[keep_q].tolist(), strict=True)
                  for r in by_key.get(k, ())}
    feats = [scorer.features(r) for r in records]
    by_string: dict[str, set[int]] = {}
    for i, f in enumerate(feats):
        for k in blocking_keys(f):
            by_string.setdefault(k, set()).add(i)
    shared_str = {(q, r) for q, f in enumerate(feats) for k in query_keys(f) for r in by_string.get(k, ())}
    assert shared_int == shared_str


def test_batch_link_decides_as_link_does():
    task = link_task(300, seed=2024)
    scorer = default_scorer()
    batch = link_records(task.descriptions, task.registry, scorer, top=DEFAULT_TOP, floor=_floor(0.2),
                         margin=DEFAULT_MARGIN, workers=1)
    single = link(task.descriptions, task.registry)
    assert [(m.left_id, m.right_id, m.match_weight, m.explanation) for m in batch] == [
        (m.left_id, m.right_id, m.match_weight, m.explanation) for m in single]


def test_forked_workers_give_the_same_pairs(monkeypatch):
    from reunite.matching import batch

    monkeypatch.setattr(batch, "_CHUNK", 100)
    task = link_task(200, seed=9)
    scorer = default_scorer()
    options = {"top": 3, "floor": _floor(0.5), "margin": None}
    one = link_records(task.descriptions, task.registry, scorer, workers=1, **options)
    two = link_records(task.descriptions, task.registry, scorer, workers=2, **options)
    assert len(task.descriptions) > 200  # several chunks
    assert [(m.left_id, m.right_id, m.match_weight) for m in one] == [(m.left_id, m.right_id, m.match_weight)
                                                                     for m in two]


def write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_file_errors_are_the_row_readers(tmp_path):
    header = ["id", "given_names", "date_of_birth", "sex"]
    good = write(tmp_path / "good.csv", [header, ["1", "Ana", "2010-01-02", "F"]])
    bad = write(tmp_path / "bad.csv", [header, ["1", "Ana", "2010-13-02", "F"], [], ["", "", "", ""],
                                       ["2", "Eva", "2011-01-01", "robot"], ["3", "Luz"]])
    vocab = Vocab()
    with pytest.raises(BadRows) as caught:
        Table.read_csv(bad, None, vocab)
    assert [(e.field, e.line) for e in caught.value.errors] == [("date_of_birth", 2), ("sex", 5), ("row", 6)]
    with pytest.raises(UnknownColumn):
        Table.read_csv(write(tmp_path / "u.csv", [["id", "shoe"], ["1", "9"]]), None, vocab)
    blank_lines = write(tmp_path / "blank.csv", [header, [], ["1", "Ana", "", ""], ["", "", "", ""], ["2", "Eva", "", ""]])
    assert Table.read_csv(blank_lines, None, vocab).ids == ["1", "2"]
    out = tmp_path / "pairs.csv"
    assert main_link([str(good), str(good), "-o", str(out), "--workers", "1"]) == 0
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["left_id"], r["right_id"]) for r in rows] == [("1", "1")]
