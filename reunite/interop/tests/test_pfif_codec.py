"""The PFIF codec on its own (no database): Person Finder's own test files read into
PFIF 1.4 field names, hostile and broken documents refused with a reason, and what it
writes reads back the same and is valid PFIF 1.4."""

from pathlib import Path

import pytest
import xmlschema
from hypothesis import given
from hypothesis import strategies as st

from reunite.interop import pfif

FIXTURES = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "pfif"
SCHEMA_PATH = Path(pfif.__file__).parent / "data" / "pfif-1.4.reconstructed.xsd"


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema11(SCHEMA_PATH)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "version", "persons", "notes", "given", "family"),
    [
        ("test.pfif-1.1.xml", "1.1", 1, 0, "_test_first_name", "_test_last_name"),
        ("test.pfif-1.2.xml", "1.2", 1, 0, "_test_first_name", "_test_last_name"),
        ("test.pfif-1.2-note.xml", "1.2", 0, 2, None, None),
        ("test.pfif-1.4.xml", "1.4", 1, 0, "_test_given_name", "_test_family_name"),
    ],
)
def test_person_finder_files_parse(name, version, persons, notes, given, family):
    document = pfif.parse(fixture(name))
    assert (document.version, len(document.persons), len(document.notes)) == (
        version,
        persons,
        notes,
    )
    for person in document.persons:
        assert person.person_record_id == "test.google.com/person.21009"
        assert (person.given_name, person.family_name) == (given, family)
        assert person.home_city == "_test_home_city"  # whitespace around it stripped
        assert person.description == "_test_description"  # 1.1-1.3 "other: description:"
        assert all(n.person_record_id == person.person_record_id for n in person.notes)


def test_older_names_become_pfif_1_4_names():
    old = pfif.parse(fixture("test.pfif-1.1.xml")).persons[0]
    assert old.full_name == "_test_first_name _test_last_name"
    assert old.home_postal_code == "_test_home_zip"
    assert [n.author_made_contact for n in old.notes] == ["true", ""]
    new = pfif.parse(fixture("test.pfif-1.4.xml")).persons[0]
    assert new.full_names == ["_test_full_name1", "_test_full_name2"]
    assert new.alternate_name_list == ["_test_alternate_name1", "_test_alternate_name2"]
    assert [n.note_record_id for n in new.notes] == [
        "test.google.com/note.27009",
        "test.google.com/note.31095",
        "test.google.com/note.40121",
        "test.google.com/note.50121",
    ]
    assert new.notes[0].line == 35  # the line of its <pfif:note> tag


HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
BODY = (
    '<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4"><pfif:person>'
    "<pfif:person_record_id>example.org/p.1</pfif:person_record_id>"
    "<pfif:full_name>&e;</pfif:full_name></pfif:person></pfif:pfif>"
)
XXE = HEAD + '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n' + BODY
LAUGHS = (
    HEAD
    + "<!DOCTYPE x [\n"
    + '<!ENTITY a "lollollollollollollollollollol">\n'
    + "".join(
        f'<!ENTITY {n} "{("&" + p + ";") * 10}">\n'
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + '<!ENTITY e "&i;">\n]>\n'
    + BODY
)
EXTERNAL_DTD = (
    HEAD + '<!DOCTYPE pfif SYSTEM "http://example.org/evil.dtd">\n' + BODY.replace("&e;", "x")
)
PLAIN_DTD = HEAD + "<!DOCTYPE pfif>\n" + BODY.replace("&e;", "x")


@pytest.mark.parametrize(
    "document", [XXE, LAUGHS, EXTERNAL_DTD, PLAIN_DTD], ids=["xxe", "laughs", "external", "dtd"]
)
def test_any_dtd_is_refused_before_anything_is_read(document):
    with pytest.raises(pfif.PfifError, match="DTD or entities"):
        pfif.parse(document.encode())


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"<pfif:pfif xmlns:pfif='http://zesty.ca/pfif/1.4'><pfif:person>", "not well-formed"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not well-formed"),
        (b"<?xml version='1.0'?><people/>", "not a PFIF document"),
        (b"<pfif:pfif xmlns:pfif='http://zesty.ca/pfif/2.0'/>", "not a PFIF document"),
        (b"<pfif xmlns='http://example.org/pfif'/>", "not a PFIF document"),
    ],
)
def test_broken_or_foreign_documents_are_refused_with_a_reason(document, reason):
    with pytest.raises(pfif.PfifError, match=reason):
        pfif.parse(document)


def test_a_file_over_the_size_limit_is_refused_unread():
    with pytest.raises(pfif.PfifError, match="larger than"):
        pfif.parse(fixture("test.pfif-1.4.xml"), max_bytes=1024)


def test_extension_elements_and_unknown_fields_are_skipped():
    document = pfif.parse(
        b'<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4" xmlns:x="http://example.org/x">'
        b"<x:meta>ignored</x:meta><pfif:person>"
        b"<pfif:person_record_id>example.org/p.1</pfif:person_record_id>"
        b"<x:secret>ignored</x:secret><pfif:not_a_field>ignored</pfif:not_a_field>"
        b"<pfif:full_name>Rosa P\xc3\xa9rez</pfif:full_name></pfif:person></pfif:pfif>"
    )
    (person,) = document.persons
    assert (person.person_record_id, person.full_name) == ("example.org/p.1", "Rosa Pérez")


ROSA = pfif.PfifPerson(
    person_record_id="reunite.invalid/person.1",
    entry_date="2026-03-10T15:00:00Z",
    source_name="Reunite",
    source_date="2026-03-01T12:00:00Z",
    full_name="Rosa Elvira <Xiloj> & Cux",
    given_name="Rosa Elvira",
    family_name="Xiloj Cux",
    alternate_names="Chayo Xiloj\nRosa Xiloj",
    sex="female",
    date_of_birth="1990-02",
    age="36",
    home_street="4a calle 3-12, Nahualá",
    notes=(
        pfif.PfifNote(
            note_record_id="reunite.invalid/note.1",
            author_name="Reunite",
            source_date="2026-03-10T15:00:00Z",
            phone_of_found_person="+502 5555 0101",
            text="control \x01 characters \x0b vanish",
        ),
    ),
)


def test_what_is_written_reads_back_the_same():
    written = pfif.write([ROSA])
    (person,) = pfif.parse(written).persons
    note = person.notes[0]
    assert note.text == "control  characters  vanish"
    expected_note = pfif.PfifNote(
        **{**ROSA.notes[0].__dict__, "person_record_id": ROSA.person_record_id, "line": note.line}
    )
    assert note == pfif.PfifNote(**{**expected_note.__dict__, "text": note.text})
    assert person == pfif.PfifPerson(**{**ROSA.__dict__, "notes": (note,), "line": person.line})


def test_what_is_written_is_valid_pfif_1_4(schema):
    written = pfif.write(
        [
            ROSA,
            pfif.PfifPerson(
                person_record_id="example.org/p.2",
                source_date="2026-03-01T12:00:00Z",
                full_name="Wilmer",
            ),
        ]
    )
    schema.validate(written.decode())
    assert b"&lt;Xiloj&gt; &amp; Cux" in written


def test_the_schema_catches_what_pfif_1_4_requires(schema):
    """The reconstructed schema is not a rubber stamp: Person Finder's 1.4 test file is
    invalid exactly where its README says (two notes without their author_name), and a
    person without a full_name or with a made-up sex is refused."""
    errors = list(schema.iter_errors((FIXTURES / "test.pfif-1.4.xml").read_text()))
    assert [e.path for e in errors] == [
        "/pfif:pfif/pfif:person/pfif:note[3]",
        "/pfif:pfif/pfif:person/pfif:note[4]",
    ]
    assert all("author_name" in e.reason for e in errors)
    for broken in (
        pfif.PfifPerson(person_record_id="example.org/p.3", source_date="2026-03-01T12:00:00Z"),
        pfif.PfifPerson(
            person_record_id="example.org/p.3",
            source_date="2026-03-01T12:00:00Z",
            full_name="Edwin",
            sex="unknown",
        ),
        pfif.PfifPerson(person_record_id="no-slash", source_date="2026-03-01", full_name="E"),
    ):
        assert not schema.is_valid(pfif.write([broken]).decode())


_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=40
).map(lambda s: " ".join(s.split()))


@given(given_name=_TEXT, family_name=_TEXT, description=_TEXT)
def test_any_name_survives_the_round_trip(given_name, family_name, description):
    """Markup characters, accents, Mayan apostrophes and astral characters all come back
    as they went out."""
    person = pfif.PfifPerson(
        person_record_id="example.org/p.1",
        source_date="2026-03-01T12:00:00Z",
        full_name=f"{given_name} {family_name}".strip() or "x",
        given_name=given_name,
        family_name=family_name,
        description=description,
    )
    (back,) = pfif.parse(pfif.write([person])).persons
    assert (back.given_name, back.family_name, back.description) == (
        given_name,
        family_name,
        description,
    )
