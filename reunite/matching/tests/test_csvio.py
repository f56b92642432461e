"""CSV reading, errors with line numbers, and the command-line entry points."""

import csv

import pytest

from reunite.matching.cli import main_dedupe, main_evaluate, main_link, main_synth
from reunite.matching.csvio import parse_map, read_records
from reunite.matching.errors import BadRows, CsvError, UnknownColumn, UnreadableFile
from reunite.matching.record import PartialDate, Record


def write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2011-05-03", PartialDate(2011, 5, 3)), ("2011-05", PartialDate(2011, 5)), ("2011", PartialDate(2011)),
     ("20110503", PartialDate(2011, 5, 3)), ("03/05/2011", PartialDate(2011, 5, 3))],
)
def test_date_formats(text, expected):
    assert PartialDate.parse(text) == expected


def test_from_mapping_parses_ages_sex_and_lists():
    r = Record.from_mapping({"id": "1", "sex": "mujer", "age": "6-8", "related_names": "Rosa Coc; Juan Tzul"})
    assert (r.sex, r.age_min, r.age_max, r.related_names) == ("F", 6, 8, ("Rosa Coc", "Juan Tzul"))


def test_bad_values_are_reported_with_line_numbers(tmp_path):
    path = write(tmp_path / "p.csv", [
        ["id", "given_names", "date_of_birth", "sex", "age"],
        ["1", "Ana", "2011-02-30", "F", ""],
        ["2", "Rosa", "2011-02-03", "F", ""],
        ["3", "Juan", "yesterday", "M", ""],
        ["4", "Luis", "", "robot", ""],
        ["5", "Luis", "", "M", "old"],
    ])
    with pytest.raises(BadRows) as caught:
        read_records(path)
    lines = [(e.line, e.field) for e in caught.value.errors]
    assert lines == [(2, "date_of_birth"), (4, "date_of_birth"), (5, "sex"), (6, "age")]
    assert "line 2" in str(caught.value)
    assert caught.value.code == "bad_rows"


def test_unknown_columns_and_map(tmp_path):
    path = write(tmp_path / "p.csv", [["id", "first_name", "dob"], ["1", "Ana", "2011"]])
    with pytest.raises(UnknownColumn) as caught:
        read_records(path)
    assert "first_name" in str(caught.value) and caught.value.line == 1
    records = read_records(path, parse_map(["given_names=first_name", "date_of_birth=dob"]))
    assert records[0].given_names == "Ana" and records[0].birth_date == PartialDate(2011)
    with pytest.raises(CsvError):
        parse_map(["nonsense=first_name"])


def test_unreadable_files(tmp_path):
    with pytest.raises(UnreadableFile):
        read_records(tmp_path / "missing.csv")
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage\x00")
    with pytest.raises(UnreadableFile):
        read_records(binary)
    empty = tmp_path / "e.csv"
    empty.write_text("")
    with pytest.raises(UnreadableFile):
        read_records(empty)


def test_cli_round_trip(tmp_path, capsys):
    assert main_synth([str(tmp_path), "--families", "60", "--seed", "3"]) == 0
    out = tmp_path / "pairs.csv"
    code = main_link([str(tmp_path / "descriptions.csv"), str(tmp_path / "registry.csv"), "-o", str(out),
                      "--top", "3", "--threshold", "0.5", "--workers", "1"])
    assert code == 0
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and set(rows[0]) == {"left_id", "right_id", "match_probability", "match_weight", "explanation"}
    assert all(float(r["match_probability"]) >= 0.5 for r in rows)
    weights = [float(r["match_weight"]) for r in rows]
    assert weights == sorted(weights, reverse=True)
    assert main_evaluate([str(out), str(tmp_path / "truth.csv")]) == 0
    report = capsys.readouterr().out
    assert "precision" in report and "recall@5" in report
    assert main_dedupe([str(tmp_path / "registry.csv"), "-o", str(tmp_path / "dups.csv")]) == 0


def test_cli_reports_errors_with_code(tmp_path, capsys):
    bad = write(tmp_path / "bad.csv", [["id", "shoe_size"], ["1", "9"]])
    assert main_link([str(bad), str(bad), "-o", str(tmp_path / "o.csv")]) == 2
    assert "unknown_column" in capsys.readouterr().err
