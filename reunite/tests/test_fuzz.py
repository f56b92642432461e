"""Fuzzing the code that reads what strangers send: the CSV and XLSX readers, the PFIF
parser, the upload sniffer, the name normaliser and the date and age parsers. Over
100,000 generated inputs in all; each may only succeed or raise the error its module
documents (Refused, PfifError, Rejected, InvalidValue, RowRefused, MatchingError),
never anything else, and where it succeeds, what it returns must make sense.

No database: the codecs never touch it. Fixed seeds (derandomize), no example database.
The full count runs on SQLite (CI's first pass and `make test`); on PostgreSQL, where
the same pure code would be fuzzed again, FUZZ_SCALE shrinks it (default there 0.05).
Set FUZZ_SCALE=1 to force the full run anywhere. The count is printed at the end of
the module and asserted by its last test.
"""

from __future__ import annotations

import io
import os
import re
import string
import zipfile
from collections import Counter

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reunite.cases import uploads
from reunite.interop import pfif
from reunite.interop.csv_codec import MAX_CELL, Refused, neutralise, read_csv, write_csv
from reunite.interop.rows import RowRefused, split_name, suggest_mapping, to_person
from reunite.interop.tests import malicious
from reunite.interop.xlsx_codec import read_table, write_xlsx
from reunite.matching import names, normalize
from reunite.matching.csvio import read_records
from reunite.matching.errors import InvalidValue, MatchingError
from reunite.matching.record import PartialDate, Record

TARGET = 100_000
_ON_POSTGRES = "postgresql" in django_settings.DATABASES["default"]["ENGINE"]
SCALE = float(os.environ.get("FUZZ_SCALE") or (0.05 if _ON_POSTGRES else 1))
COUNTS: Counter[str] = Counter()  # inputs run, per target
# Inputs per Hypothesis example: a batch costs Hypothesis little more than one input,
# and a failing batch still shrinks to the one input at fault.
BATCH = 10


def fuzz(inputs: int):
    """Hypothesis settings for `inputs` inputs in batches (scaled), deterministic, quiet."""
    return settings(
        max_examples=max(5, int(inputs * SCALE) // BATCH),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def batch(strategy):
    return st.lists(strategy, min_size=BATCH, max_size=BATCH)


# --- strategies --------------------------------------------------------------------------

# Text a list or a name may hold, weighted towards what breaks parsers: delimiters,
# quotes, line ends, accents, combining marks, RTL and zero-width characters, NUL.
NASTY = "\",;\t|\r\n'=+-@<>&/\\ \x00\x0b\x1b\u00a0\u200b\u200f\u202e\ufeff\u0301ñÑáéíóúüÜß"
nasty_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(NASTY), st.characters(codec="utf-8"), st.sampled_from(string.ascii_letters)
    ),
    max_size=60,
)
ENCODINGS = ["utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16", "utf-16-le"]


@st.composite
def csv_bytes(draw) -> bytes:
    """A table-shaped CSV in some encoding, or raw bytes, or a valid list mutated."""
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return draw(st.binary(max_size=400))
    delimiter = draw(st.sampled_from(",;\t|"))
    rows = draw(st.lists(st.lists(nasty_text, min_size=1, max_size=6), min_size=1, max_size=6))
    text = "\n".join(delimiter.join(row) for row in rows)
    data = text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    if kind == 2:
        data = _mutate(draw, data)
    return data


def _mutate(draw, data: bytes) -> bytes:
    """Flip, drop, insert or truncate a few bytes."""
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.integers(0, 3))
        if op == 0:
            data[at] = draw(st.integers(0, 255))
        elif op == 1:
            del data[at]
        elif op == 2:
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        else:
            del data[at:]
    return bytes(data)


WORKBOOK = write_xlsx(["given_names", "paternal_surname", "date_of_birth"], [["Rosa", "Tzul", "1988-03-02"]])


@st.composite
def xlsx_bytes(draw) -> bytes:
    """A real workbook mutated, or a zip of made-up parts around a hostile sheet."""
    if draw(st.booleans()):
        return _mutate(draw, WORKBOOK)
    members = draw(
        st.dictionaries(
            st.sampled_from(
                [
                    "[Content_Types].xml",
                    "xl/workbook.xml",
                    "xl/worksheets/sheet1.xml",
                    "xl/sharedStrings.xml",
                    "_rels/.rels",
                    "xl/_rels/workbook.xml.rels",
                    "../x",
                    "xl/vbaProject.bin",
                ]
            )
            | st.text(max_size=20),
            st.binary(max_size=200)
            | st.builds(
                lambda rows: malicious.sheet_xml(rows).encode(),
                st.lists(st.lists(st.text(string.ascii_letters + " &<>", max_size=8), max_size=3), max_size=3),
            ),
            max_size=6,
        )
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name.lstrip("/") or "x", content)
    return out.getvalue()


PFIF_PERSON_FIELDS = st.dictionaries(
    st.sampled_from((*pfif.PERSON_FIELDS, "first_name", "last_name", "other", "home_zip")),
    nasty_text,
    max_size=8,
)


@st.composite
def pfif_bytes(draw) -> bytes:
    """Raw bytes, a PFIF document with made-up values (escaped), or one mutated."""
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return draw(st.binary(max_size=300))
    version = draw(st.sampled_from(sorted(pfif.NAMESPACES.values())))
    persons = draw(st.lists(PFIF_PERSON_FIELDS, max_size=3))
    body = "".join(
        "<pfif:person>"
        + "".join(f"<pfif:{k}>{_xml_escape(v)}</pfif:{k}>" for k, v in person.items())
        + "</pfif:person>"
        for person in persons
    )
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?><pfif:pfif '
        f'xmlns:pfif="http://zesty.ca/pfif/{version}">{body}</pfif:pfif>'
    ).encode("utf-8", errors="replace")
    return _mutate(draw, document) if kind == 2 else document


def _xml_escape(text: str) -> str:
    text = pfif._NOT_XML.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


MAGIC = [b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"MZ", b"PK\x03\x04", b"", b"<svg", b"GIF8"]
ENDINGS = [b"", b"%%EOF", b"IEND\xaeB`\x82", b"\xff\xd9", b"PK\x05\x06"]
file_names = st.text(
    alphabet=st.sampled_from(string.ascii_letters + "./\\\x00\x1b\u202e\u200b ñ:*?\"<>|~"), max_size=30
).map(lambda s: s + draw_ext(s))


def draw_ext(seed: str) -> str:
    return [".pdf", ".png", ".jpg", ".jpeg", ".txt", ".exe", ".PDF", ""][len(seed) % 8]


# --- the fuzz targets --------------------------------------------------------------------


@fuzz(18_000)
@given(batch(csv_bytes()))
def test_the_csv_reader_reads_or_refuses(inputs):
    for data in inputs:
        COUNTS["csv"] += 1
        _csv_reads_or_refuses(data)


def _csv_reads_or_refuses(data: bytes) -> None:
    try:
        table = read_csv(data, max_bytes=100_000, max_columns=50)
    except Refused as exc:
        assert exc.code and exc.reason and exc.template
        return
    assert table.columns and len(table.rows) == len(table.lines)
    assert table.lines == sorted(table.lines) and all(line >= 2 for line in table.lines)
    assert all(len(row) <= 50 and all(len(c) <= MAX_CELL for c in row) for row in table.rows)
    assert "\x00" not in "".join(table.columns)


TABLES = st.tuples(
    st.lists(nasty_text, min_size=1, max_size=5),
    st.lists(st.lists(nasty_text, max_size=5), max_size=4),
)


@fuzz(8_000)
@given(batch(TABLES))
def test_what_the_csv_writer_writes_reads_back_without_a_live_formula(inputs):
    for header, rows in inputs:
        COUNTS["csv export"] += 1
        _written_reads_back(header, rows)


def _written_reads_back(header: list[str], rows: list[list[str]]) -> None:
    data = write_csv(header, rows)
    assert data.startswith(b"\xef\xbb\xbf")
    for cell in [*header, *(c for row in rows for c in row)]:
        assert not neutralise(cell).startswith(("=", "+", "-", "@", "\t", "\r"))
    try:
        table = read_csv(data, max_bytes=1_000_000)
    except Refused:
        return  # e.g. control characters: refused on the way back in, never run
    for row in table.rows:
        assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in row) or (
            table.delimiter != ","  # the sniffer read another delimiter: cells are split
        )


@fuzz(3_000)
@given(batch(xlsx_bytes()))
def test_the_xlsx_reader_reads_or_refuses(inputs):
    for data in inputs:
        COUNTS["xlsx"] += 1
        try:
            table = read_table(data, max_bytes=1_000_000, max_columns=50)
        except Refused as exc:
            assert exc.code and exc.reason
            continue
        assert len(table.rows) == len(table.lines)
        assert all(isinstance(c, str) for row in table.rows for c in row)


@fuzz(15_000)
@given(batch(pfif_bytes()))
def test_the_pfif_parser_reads_or_refuses(inputs):
    for data in inputs:
        COUNTS["pfif"] += 1
        try:
            document = pfif.parse(data, max_bytes=100_000)
        except pfif.PfifError as exc:
            assert str(exc) and exc.template
            continue
        assert document.version in pfif.NAMESPACES.values()
        for person in document.persons:
            assert all(isinstance(getattr(person, f), str) for f in pfif.PERSON_FIELDS)


@fuzz(4_000)
@given(batch(st.lists(PFIF_PERSON_FIELDS, max_size=3)))
def test_what_pfif_writes_it_reads_back(inputs):
    for persons in inputs:
        COUNTS["pfif export"] += 1
        records = [
            pfif.PfifPerson(**{k: v for k, v in p.items() if k in pfif.PERSON_FIELDS})
            for p in persons
        ]
        document = pfif.parse(pfif.write(records))
        assert document.version == "1.4" and len(document.persons) == len(records)


UPLOADS = st.tuples(
    st.sampled_from(MAGIC),
    st.binary(max_size=300) | nasty_text.map(lambda t: t.encode("utf-8", "replace")),
    st.sampled_from(ENDINGS),
    file_names,
)


@fuzz(18_000)
@given(batch(UPLOADS))
def test_the_upload_sniffer_accepts_only_honest_files(inputs):
    for magic, body, ending, name in inputs:
        COUNTS["uploads"] += 1
        _sniffed_honestly(name, magic + body + ending)


def _sniffed_honestly(name: str, data: bytes) -> None:
    try:
        sniffed = uploads.check(name, data)
    except uploads.Rejected as exc:
        assert exc.reason
        return
    assert sniffed.content_type in uploads.EXTENSIONS.values()
    cleaned = sniffed.file_name
    assert cleaned.isprintable() and not re.search(r"[/\\\x00-\x1f\u202e]", cleaned)
    assert uploads.EXTENSIONS["." + cleaned.rsplit(".", 1)[-1]] == sniffed.content_type
    assert not data.startswith((b"MZ", b"PK")) and b"<svg" not in data[:4]


@fuzz(8_000)
@given(batch(st.tuples(st.text(max_size=200), st.sampled_from(sorted(set(uploads.EXTENSIONS.values()))))))
def test_any_file_name_is_cleaned_to_a_safe_one(inputs):
    for name, content_type in inputs:
        COUNTS["file names"] += 1
        cleaned = uploads.clean_file_name(name, content_type=content_type)
        assert 1 <= len(cleaned) <= 110 and cleaned.isprintable()
        assert "/" not in cleaned and "\\" not in cleaned and not cleaned.startswith(".")
        assert uploads.EXTENSIONS["." + cleaned.rsplit(".", 1)[-1]] == content_type


_NORMAL = re.compile(r"[a-z0-9]+( [a-z0-9]+)*")


@fuzz(20_000)
@given(batch(nasty_text | st.text(max_size=80)))
def test_the_name_normaliser_gives_plain_tokens(inputs):
    for text in inputs:
        COUNTS["names"] += 1
        _normalised(text)


def _normalised(text: str) -> None:
    normal = normalize.normalize_text(text)
    assert normal == "" or _NORMAL.fullmatch(normal)
    assert normalize.normalize_text(normal) == normal  # idempotent
    tokens = normalize.name_tokens(text)
    assert all(t and " " not in t and not t.isdigit() for t in tokens)
    given_, surnames = normalize.split_full_name(text)
    for token in (*tokens, *given_, *surnames):
        key = normalize.phonetic(token)
        assert isinstance(key, str) and names.formal_names(token) >= {token}
    assert isinstance(normalize.normalize_country(text), str)
    assert normalize.digits(text).isdigit() or normalize.digits(text) == ""
    assert all(isinstance(part, str) for part in split_name(text))


_DATEISH = st.one_of(
    st.text(alphabet="0123456789-/ .", max_size=12),
    st.builds(
        lambda y, m, d, f: f.format(y=y, m=m, d=d),
        st.integers(-1, 10_000),
        st.integers(-1, 14),
        st.integers(-1, 40),
        st.sampled_from(["{y}-{m}-{d}", "{y}-{m}", "{y}", "{d}/{m}/{y}", "{y:04d}{m:02d}{d:02d}"]),
    ),
    nasty_text,
)


@fuzz(20_000)
@given(batch(_DATEISH))
def test_the_date_parser_parses_or_names_the_problem(inputs):
    for text in inputs:
        COUNTS["dates"] += 1
        _date_parsed(text)


def _date_parsed(text: str) -> None:
    try:
        date = PartialDate.parse(text)
    except InvalidValue as exc:
        assert exc.field == "date_of_birth" and exc.reason
        return
    assert 1900 <= date.year <= 2100
    assert PartialDate.parse(date.isoformat()) == date  # round trip


ROW_FIELDS = ["given_names", "paternal_surname", "maternal_surname", "family_names", "full_name",
              "sex", "date_of_birth", "age", "a_number", "orr_number", "country_of_birth",
              "mother_name", "father_name", "related_names", "facility"]


ROWS = st.tuples(
    st.dictionaries(st.sampled_from(ROW_FIELDS), _DATEISH | nasty_text, max_size=8),
    st.sampled_from(["parents", "children", "custody"]),
)


@fuzz(5_000)
@given(batch(ROWS))
def test_an_imported_row_is_a_person_or_a_reason(inputs):
    for values, kind in inputs:
        COUNTS["rows"] += 1
        _row_read(values, kind)


def _row_read(values: dict[str, str], kind: str) -> None:
    try:
        Record.from_mapping(values | {"id": "row"})
    except InvalidValue as exc:
        assert exc.field and exc.reason
    try:
        to_person(values, kind=kind, options={"consent": True}, source="fuzz")
    except RowRefused as exc:
        assert exc.reason
    mapping = suggest_mapping(list(values))
    assert set(mapping) <= set(values)


@fuzz(1_000)
@given(batch(csv_bytes()))
def test_the_engine_csv_reader_reads_or_refuses(tmp_path_factory, inputs):
    path = tmp_path_factory.getbasetemp() / "fuzz.csv"
    for data in inputs:
        COUNTS["engine csv"] += 1
        path.write_bytes(b"id,given_names,date_of_birth,age\n" + data)
        try:
            read_records(path)
        except MatchingError as exc:
            assert str(exc)


def test_over_100000_inputs_were_fuzzed(capsys):
    """Last in the module: the total of the run, printed and asserted (when every fuzz
    test above ran)."""
    total = sum(COUNTS.values())
    with capsys.disabled():
        print(f"\nfuzz: {total:,} inputs at scale {SCALE} ({', '.join(f'{k} {v:,}' for k, v in COUNTS.items())})")
    if len(COUNTS) < 11:
        pytest.skip(f"only {len(COUNTS)} fuzz targets ran (selected with -k?)")
    assert total >= TARGET * SCALE, f"{total} inputs ({dict(COUNTS)})"
