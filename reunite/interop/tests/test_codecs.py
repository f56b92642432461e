"""The codecs: round trips, encodings, and the hostile-file table (no database)."""

import io
import zipfile

import openpyxl
import pytest

from reunite.interop.csv_codec import Refused, neutralise, read_csv, write_csv
from reunite.interop.rows import FIELDS, split_name, suggest_mapping
from reunite.interop.xlsx_codec import read_table, read_xlsx, write_xlsx
from reunite.matching.record import CANONICAL_FIELDS

ROWS = [["Rosa", "Peña López", "1988-03-02"], ["José", "Ñúñez", ""]]
HEADER = ["given_names", "family_names", "date_of_birth"]


def test_csv_round_trip():
    table = read_csv(write_csv(HEADER, ROWS))
    assert (table.columns, table.rows, table.lines, table.encoding) == (
        HEADER,
        ROWS,
        [2, 3],
        "utf-8-sig",
    )


def test_xlsx_round_trip():
    table = read_table(write_xlsx(HEADER, ROWS))
    assert (table.columns, table.rows, table.encoding) == (HEADER, ROWS, "xlsx")


def test_xlsx_dates_and_numbers_read_as_text():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["given_names", "date_of_birth", "age"])
    sheet.append(["Rosa", __import__("datetime").date(2015, 3, 2), 7])
    out = io.BytesIO()
    workbook.save(out)
    assert read_xlsx(out.getvalue()).rows == [["Rosa", "2015-03-02", "7"]]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("nombre\nPeña\n".encode(), "utf-8"),
        (b"\xef\xbb\xbf" + "nombre\nPeña\n".encode(), "utf-8-sig"),
        ("nombre\nPeña\n".encode("latin-1"), "latin-1"),
        ("nombre\n“Peña” – €\n".encode("cp1252"), "cp1252"),
    ],
)
def test_encodings_are_detected_and_names_survive(data, encoding):
    table = read_csv(data)
    assert table.encoding == encoding
    assert "Peña" in table.rows[0][0]


@pytest.mark.parametrize(
    ("text", "delimiter"), [("a;b\n1;2\n", ";"), ("a\tb\n1\t2\n", "\t"), ("a,b\n1,2\n", ",")]
)
def test_the_delimiter_is_sniffed(text, delimiter):
    assert read_csv(text.encode()).delimiter == delimiter


@pytest.mark.parametrize(
    "value", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=x", "\r=x", '=HYPERLINK("http://x")']
)
def test_formula_cells_are_neutralised_on_export(value):
    assert neutralise(value) == "'" + value
    assert read_csv(write_csv(["a"], [[value]])).rows == [["'" + value]]
    (cell,) = read_table(write_xlsx(["a"], [[value]])).rows[0]
    assert cell.startswith("'")  # (a spreadsheet keeps \r as \n)


def _zip_bomb() -> bytes:
    """A real workbook whose sheet inflates to ~300 MB of blanks."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b" " * (1024 * 1024)
            for _ in range(300):
                sheet.write(chunk)
    return out.getvalue()


def _wide_xlsx() -> bytes:
    return write_xlsx([f"c{i}" for i in range(10_000)], [["x"] * 10_000])


HOSTILE = [
    ("empty", b"", "empty"),
    ("blank", b"  \n\n", "empty"),
    ("too_big", b"a\n" + b"x\n" * 60_000, "too_big"),
    ("nul", b"a,b\n1,\x002\n", "binary"),
    ("junk", bytes(range(1, 32)) * 50, "binary"),
    ("pdf", b"%PDF-1.7\n...", "not_a_table"),
    ("plain zip", b"PK\x03\x04" + b"\x00" * 30, "not_xlsx"),
    (
        "10,000 csv columns",
        (",".join(f"c{i}" for i in range(10_000)) + "\n").encode(),
        "too_many_columns",
    ),
    ("bad quoting", b'a,b\n"x\n', "not_csv"),
]


@pytest.mark.parametrize(("label", "data", "code"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_csv_files_are_refused_with_a_reason(label, data, code):
    with pytest.raises(Refused) as refused:
        read_table(data, max_bytes=100_000)
    assert refused.value.code == code and refused.value.reason


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    bomb = _zip_bomb()
    assert len(bomb) < 1024 * 1024
    with pytest.raises(Refused) as refused:
        read_table(bomb)
    assert refused.value.code == "zip_bomb"


def test_a_workbook_with_10000_columns_is_refused():
    with pytest.raises(Refused) as refused:
        read_table(_wide_xlsx(), max_bytes=50 * 1024 * 1024)
    assert refused.value.code == "too_many_columns"


def test_the_vocabulary_is_the_engines():
    engine = [f for f in FIELDS if f in CANONICAL_FIELDS]
    assert set(FIELDS) - set(engine) == {
        "orr_number",
        "facility",
        "facility_city",
        "facility_state",
    }


def test_columns_map_themselves_or_by_synonym():
    columns = ["given_names", "Apellido Paterno", "Fecha de nacimiento", "A#", "Unrelated", "DOB"]
    assert suggest_mapping(columns) == {
        "given_names": "given_names",
        "Apellido Paterno": "paternal_surname",
        "Fecha de nacimiento": "date_of_birth",
        "A#": "a_number",
    }
    assert suggest_mapping(["Nom"], {"Nom": "full_name"}) == {"Nom": "full_name"}


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("María José García López", ("María José", "García", "López")),
        ("Rosa de la Cruz Pérez", ("Rosa", "de la Cruz", "Pérez")),
        ("PEÑA LÓPEZ, ROSA", ("ROSA", "PEÑA", "LÓPEZ")),
        ("Mateo Pérez", ("Mateo", "Pérez", "")),
    ],
)
def test_full_names_split_into_given_and_two_surnames(name, parts):
    assert split_name(name) == parts
