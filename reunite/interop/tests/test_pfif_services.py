"""PFIF import and export through the registry's services: Person Finder's files land
as people of the importing organisation, a second import updates instead of
duplicating, hostile files leave no row, bad records are reported while good ones land,
and an export says only what it may."""

import datetime
import json
from pathlib import Path

import pytest
import xmlschema
from django.core.management import call_command

from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.core.errors import Forbidden, Invalid, NotFound
from reunite.interop import pfif
from reunite.interop.pfif_services import pfif_export, pfif_import
from reunite.people import search, services
from reunite.people.choices import (
    ConsentMethod,
    ConsentScope,
    ContactKind,
    CustodyKind,
    FamilyRole,
    IdentifierKind,
    NameKind,
    RecordKind,
    Sex,
)
from reunite.people.identifiers import normalize_identifier
from reunite.people.models import ContactChannel, Identifier, Person, PersonName
from reunite.people.retention import person_delete
from reunite.people.signals import person_changed

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "pfif"
SCHEMA = Path(pfif.__file__).parent / "data" / "pfif-1.4.reconstructed.xsd"
TODAY = datetime.date(2026, 3, 10)
NOW = datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC)
PERSON_ID = "test.google.com/person.21009"


def member(user):
    return user.memberships.get()


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def run_import(user, data: bytes, **options):
    return pfif_import(actor=member(user), data=data, today=TODAY, **options)


def pfif_doc(*persons: str, version: str = "1.4") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/{version}">\n'
        + "".join(f"<pfif:person>{p}</pfif:person>\n" for p in persons)
        + "</pfif:pfif>\n"
    ).encode()


def person_xml(record_id: str, **values: str) -> str:
    values = {"source_date": "2026-03-01T00:00:00Z", **values}
    return f"<pfif:person_record_id>{record_id}</pfif:person_record_id>" + "".join(
        f"<pfif:{k}>{v}</pfif:{k}>" for k, v in values.items()
    )


def the_person() -> Person:
    lookup = search.identifier_digest(PERSON_ID)
    return Identifier.objects.get(kind=IdentifierKind.PFIF, lookup=lookup).person


# ---------------------------------------------------------------------- the four files


@pytest.mark.parametrize(
    ("name", "given", "sex", "birth_date", "age", "aliases", "notes"),
    [
        ("test.pfif-1.1.xml", "_test_first_name", Sex.UNKNOWN, "", "", 0, 2),
        ("test.pfif-1.2.xml", "_test_first_name", Sex.FEMALE, "1970-01", "35-45", 0, 4),
        ("test.pfif-1.4.xml", "_test_given_name", Sex.FEMALE, "1970-01", "35-45", 4, 4),
    ],
)
def test_person_finder_files_import(
    alice, org_a, name, given, sex, birth_date, age, aliases, notes
):
    result = run_import(alice, fixture(name))

    assert (result.created, result.updated, result.rejected) == (1, 0, ())
    assert result.notes == notes
    person = the_person()
    assert person.organization == org_a and person.kind == RecordKind.DESCRIBED
    family = "_test_last_name" if given == "_test_first_name" else "_test_family_name"
    assert (person.given_names, person.paternal_surname, person.maternal_surname) == (
        given,
        family,
        "",
    )
    assert (person.sex, person.birth_date, person.approximate_age) == (sex, birth_date, age)
    # 35-45 years old: an adult, so a parent; unknown age: another relative.
    assert person.family_role == (FamilyRole.PARENT if age else FamilyRole.RELATIVE)
    assert list(person.other_names.values_list("kind", flat=True)) == [NameKind.ALIAS] * aliases
    assert "[PFIF description, test.google.com/person.21009] _test_description" in person.notes
    assert "[PFIF note test.google.com/note.27009" in person.notes
    assert "last known location: _test_last_known_location" in person.notes
    address = person.contacts.get(kind=ContactKind.ADDRESS)
    assert address.value.startswith("_test_home_street, _test_home_neighborhood, _test_home_city")
    assert not address.safe_to_contact
    assert set(person.contacts.values_list("kind", "value", "safe_to_contact")) >= {
        (ContactKind.PHONE, "_test_phone_of_found_person", False),
        (ContactKind.EMAIL, "_test_email_of_found_person", False),
    }
    # Authors are other people: neither their names nor their contacts are kept.
    everything = json.dumps(
        [person.notes, [c.value for c in person.contacts.all()]], ensure_ascii=False
    )
    assert "_test_author" not in everything and "inna-testing@gmail.com" not in everything
    assert "_test_photo_url" not in everything and "_test_profile_url" not in everything


def test_the_notes_only_file_attaches_to_people_already_imported(alice):
    result = run_import(alice, fixture("test.pfif-1.2-note.xml"))
    assert (result.imported, result.notes) == (0, 0)
    assert [(r.kind, r.record_id, r.line) for r in result.rejected] == [
        ("note", "test.google.com/note.27009", 3),
        ("note", "test.google.com/note.31095", 19),
    ]
    assert "test.google.com/person.21010" in result.rejected[1].reason

    run_import(alice, fixture("test.pfif-1.1.xml"))
    result = run_import(alice, fixture("test.pfif-1.2-note.xml"))
    # Note 27009 was already in the 1.1 file; note 31095 is about a person not here.
    assert (result.notes, [r.record_id for r in result.rejected]) == (
        0,
        ["test.google.com/note.31095"],
    )
    fresh = fixture("test.pfif-1.2-note.xml").replace(b"note.27009", b"note.27010")
    assert run_import(alice, fresh).notes == 1
    assert "[PFIF note test.google.com/note.27010, 2000-01-16T07:08:09Z]" in the_person().notes


def test_a_second_import_updates_instead_of_duplicating(alice):
    first = run_import(alice, fixture("test.pfif-1.4.xml"))
    person = the_person()
    snapshot = (
        person.notes,
        PersonName.objects.count(),
        ContactChannel.objects.count(),
        Identifier.objects.count(),
    )

    again = run_import(alice, fixture("test.pfif-1.4.xml"))
    assert (again.created, again.updated, again.unchanged, again.notes) == (0, 0, 1, 0)
    assert again.people == first.people == (person.public_id,)
    person.refresh_from_db()
    assert Person.objects.count() == 1
    assert snapshot == (
        person.notes,
        PersonName.objects.count(),
        ContactChannel.objects.count(),
        Identifier.objects.count(),
    )

    changed = fixture("test.pfif-1.4.xml").replace(b"<pfif:age>35-45", b"<pfif:age>36-46")
    result = run_import(alice, changed)
    assert (result.created, result.updated) == (0, 1)
    assert Person.objects.get().approximate_age == "36-46"


def test_each_organisation_gets_its_own_copy(alice, charlie):
    run_import(alice, fixture("test.pfif-1.4.xml"))
    result = run_import(charlie, fixture("test.pfif-1.4.xml"))
    assert result.created == 1
    owners = set(Person.objects.values_list("organization__name", flat=True))
    assert len(owners) == 2


def test_later_pfif_versions_of_a_record_update_it(alice):
    run_import(alice, fixture("test.pfif-1.1.xml"))
    result = run_import(alice, fixture("test.pfif-1.4.xml"))
    assert (result.created, result.updated) == (0, 1)
    person = Person.objects.get()
    assert (person.given_names, person.paternal_surname, person.sex) == (
        "_test_given_name",
        "_test_family_name",
        Sex.FEMALE,
    )


# ---------------------------------------------------------------------- names and roles


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"full_name": "X", "given_name": "Rosa Elvira", "family_name": "Xiloj Cux"},
            ("Rosa Elvira", "Xiloj", "Cux"),
        ),
        (
            {"full_name": "X", "given_name": "Ana", "family_name": "de la Cruz Pérez"},
            ("Ana", "de la Cruz", "Pérez"),
        ),
        ({"full_name": "Kevin Josué Batz Chumil"}, ("Kevin Josué", "Batz", "Chumil")),
        ({"full_name": "Wilmer Tzoc"}, ("Wilmer", "Tzoc", "")),
        ({"full_name": "TZOC QUIEJ, WILMER"}, ("WILMER", "TZOC", "QUIEJ")),
        ({"first_name": "Edwin", "last_name": "Sicán Coyoy"}, ("Edwin", "Sicán", "Coyoy")),
    ],
)
def test_names_map_to_given_names_and_both_surnames(alice, fields, expected):
    version = "1.2" if "first_name" in fields else "1.4"
    result = run_import(alice, pfif_doc(person_xml("example.org/p.1", **fields), version=version))
    assert result.created == 1, result.rejected
    person = Person.objects.get()
    assert (person.given_names, person.paternal_surname, person.maternal_surname) == expected


@pytest.mark.parametrize(
    ("fields", "role"),
    [
        ({"age": "6"}, FamilyRole.CHILD),
        ({"age": "15-17"}, FamilyRole.CHILD),
        ({"age": "16-19"}, FamilyRole.PARENT),
        ({"date_of_birth": "2019-05"}, FamilyRole.CHILD),
        ({"date_of_birth": "1980"}, FamilyRole.PARENT),
        ({}, FamilyRole.RELATIVE),
    ],
)
def test_the_family_role_follows_the_age_unless_given(alice, fields, role):
    data = pfif_doc(person_xml("example.org/p.1", full_name="Ixchel Batz", **fields))
    run_import(alice, data)
    assert Person.objects.get().family_role == role
    run_import(alice, data, family_role=FamilyRole.CHILD, kind=RecordKind.CLIENT)
    assert Person.objects.get().family_role == FamilyRole.CHILD


# ---------------------------------------------------------------------- bad records


def test_a_bad_person_is_reported_and_the_good_ones_land(alice):
    data = pfif_doc(
        person_xml("example.org/good.1", full_name="Yesenia Xiloj"),
        person_xml("example.org/bad.1", full_name="Brayan Cux", date_of_birth="1990-13"),
        person_xml("example.org/bad.2", full_name="Edwin Batz", sex="unknown"),
        person_xml("example.org/bad.3", date_of_birth="2010"),
        "<pfif:full_name>Nadie</pfif:full_name>",
        person_xml("example.org/good.2", full_name="Rosa Coyoy"),
    )
    result = run_import(alice, data)
    assert result.created == 2
    assert [(r.record_id, r.line) for r in result.rejected] == [
        ("example.org/bad.1", 4),
        ("example.org/bad.2", 5),
        ("example.org/bad.3", 6),
        ("", 7),
    ]
    reasons = [r.reason for r in result.rejected]
    assert reasons[0].startswith("birth_date:") and "month" in reasons[0]
    assert reasons[1].startswith("sex:")
    assert reasons[2].startswith("given_names:")
    assert reasons[3].startswith("person_record_id:")
    assert sorted(Person.objects.values_list("given_names", flat=True)) == ["Rosa", "Yesenia"]
    # Nothing of a rejected person stays behind: no identifier, no name, no contact.
    assert Identifier.objects.count() == 2
    assert not PersonName.objects.exists() and not ContactChannel.objects.exists()


def test_a_bad_note_is_reported_and_its_person_lands(alice):
    note = (
        "<pfif:note><pfif:note_record_id>example.org/n.1</pfif:note_record_id>"
        "<pfif:status>lost_forever</pfif:status></pfif:note>"
        "<pfif:note><pfif:text>no id</pfif:text></pfif:note>"
    )
    result = run_import(alice, pfif_doc(person_xml("example.org/p.1", full_name="Ana Tzoc") + note))
    assert result.created == 1
    assert [(r.kind, r.record_id, r.reason.split(":")[0]) for r in result.rejected] == [
        ("note", "example.org/n.1", "status"),
        ("note", "", "note_record_id"),
    ]


def test_a_deleted_person_is_not_revived_by_an_import(alice):
    run_import(alice, fixture("test.pfif-1.4.xml"))
    person_delete(actor=member(alice), person=the_person(), now=NOW)
    result = run_import(alice, fixture("test.pfif-1.4.xml"))
    assert result.imported == 0 and "restore" in result.rejected[0].reason
    assert Person.objects.count() == 1


XXE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
    b'<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4"><pfif:person>'
    b"<pfif:person_record_id>example.org/p.1</pfif:person_record_id>"
    b"<pfif:full_name>&e;</pfif:full_name></pfif:person></pfif:pfif>"
)
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "lol">'
    + b"".join(
        b'<!ENTITY %s "%s">' % (n.encode(), (b"&" + p.encode() + b";") * 10)
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + b"]>\n"
    + b'<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4"><pfif:person>'
    b"<pfif:person_record_id>example.org/p.1</pfif:person_record_id>"
    b"<pfif:full_name>&i;</pfif:full_name></pfif:person></pfif:pfif>"
)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (XXE, "DTD"),
        (LAUGHS, "DTD"),
        (fixture("test.pfif-1.4.xml")[:-40], "not well-formed"),
        (b"name,surname\nRosa,Xiloj\n", "not well-formed"),
        (b"<html><body>PFIF</body></html>", "not a PFIF document"),
    ],
    ids=["xxe", "billion-laughs", "truncated", "csv", "html"],
)
def test_hostile_or_broken_files_are_refused_and_write_nothing(alice, data, reason):
    with pytest.raises(Invalid) as refused:
        run_import(alice, data)
    assert refused.value.code == "pfif_unreadable"
    assert reason in refused.value.message
    assert not Person.objects.exists() and not Identifier.objects.exists()
    assert not AuditEvent.objects.filter(event_type=EventType.PFIF_IMPORTED).exists()


def test_only_members_who_register_people_may_import(dana):
    with pytest.raises(Forbidden):
        run_import(dana, fixture("test.pfif-1.4.xml"))
    assert not Person.objects.exists()


# ---------------------------------------------------------------------- audit and matching


def test_import_and_export_are_audited_with_counts_only(alice, org_a):
    run_import(alice, fixture("test.pfif-1.4.xml"))
    event = AuditEvent.objects.get(event_type=EventType.PFIF_IMPORTED)
    assert event.organization_id == org_a.public_id
    assert event.data == {
        "version": "1.4",
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "notes": 4,
        "rejected": 0,
    }
    assert AuditEvent.objects.filter(event_type=EventType.PERSON_CREATED).count() == 1

    pfif_export(actor=member(alice), now=NOW)
    event = AuditEvent.objects.get(event_type=EventType.PFIF_EXPORTED)
    assert event.data == {"persons": 1, "notes": 0, "sensitive": False}
    assert "full_name" in event.fields and "date_of_birth" not in event.fields
    text = json.dumps(
        [e.data for e in AuditEvent.objects.all()] + [e.fields for e in AuditEvent.objects.all()]
    )
    assert "_test_" not in text


def test_imported_people_are_announced_to_matching(alice, django_capture_on_commit_callbacks):
    announced = []

    def listen(sender, person_id, **kwargs):
        announced.append(person_id)

    person_changed.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run_import(alice, fixture("test.pfif-1.4.xml"))
    finally:
        person_changed.disconnect(listen)
    assert the_person().pk in announced


# ---------------------------------------------------------------------- export


@pytest.fixture
def rosa(alice):
    """A client of org A with everything the registry holds about a person."""
    actor = member(alice)
    person = services.person_create(
        actor=actor,
        data=services.PersonInput(
            family_role=FamilyRole.PARENT,
            given_names="Rosa Elvira",
            paternal_surname="Xiloj",
            maternal_surname="Cux",
            sex=Sex.FEMALE,
            birth_date="1990-02-14",
            approximate_age="36",
            country_of_birth="Guatemala",
            notes="PRIVILEGED fled threats from her partner",
        ),
        today=TODAY,
    )
    services.identifier_add(
        actor=actor, person=person, kind=IdentifierKind.A_NUMBER, value="A-012-345-678"
    )
    services.name_add(
        actor=actor, person=person, kind=NameKind.AGENCY, given_names="Rosa", family_names="Siloj"
    )
    services.custody_record(
        actor=actor,
        person=person,
        data=services.CustodyInput(
            kind=CustodyKind.ICE, facility="Test Processing Center", state="TX"
        ),
    )
    services.contact_add(
        actor=actor,
        person=person,
        kind=ContactKind.PHONE,
        value="+502 5555 0101",
        safe_to_contact=True,
    )
    services.contact_add(
        actor=actor,
        person=person,
        kind=ContactKind.EMAIL,
        value="rosa@example.org",
        safe_to_contact=True,
    )
    services.contact_add(
        actor=actor,
        person=person,
        kind=ContactKind.RELATIVE_PHONE,
        value="+502 5555 0199",
        holder="her partner",
        safe_to_contact=False,
    )
    services.contact_add(
        actor=actor,
        person=person,
        kind=ContactKind.ADDRESS,
        value="4a calle 3-12, Nahualá",
        safe_to_contact=False,
    )
    services.consent_record(
        actor=actor,
        person=person,
        data=services.ConsentInput(
            scope=ConsentScope.TRACING,
            method=ConsentMethod.IN_PERSON,
            language="es",
            given_by="Rosa",
        ),
        now=NOW,
    )
    return person


NEVER = [
    "PRIVILEGED",  # privileged notes
    "A012345678",  # identifiers other than the PFIF id
    "Test Processing Center",  # custody
    "ice",
    "+502 5555 0199",  # a contact not marked safe
    "her partner",
    "tracing",  # consent
    "Guatemala",
]
SENSITIVE = ["1990-02-14", "4a calle 3-12", "+502 5555 0101", "rosa@example.org", "Siloj"]


def test_export_leaves_out_sensitive_fields_unless_asked(rosa, alice):
    schema = xmlschema.XMLSchema11(SCHEMA)
    plain = pfif_export(actor=member(alice), now=NOW)
    xml = plain.xml.decode()
    schema.validate(xml)
    assert plain.persons == 1 and plain.notes == 0
    assert f"<pfif:person_record_id>reunite.invalid/person.{rosa.public_id}<" in xml
    assert "<pfif:full_name>Rosa Elvira Xiloj Cux</pfif:full_name>" in xml
    assert "<pfif:family_name>Xiloj Cux</pfif:family_name>" in xml
    assert "<pfif:sex>female</pfif:sex>" in xml and "<pfif:age>36</pfif:age>" in xml
    for value in SENSITIVE + NEVER:
        assert value not in xml, value
    for tag in ("date_of_birth", "home_", "alternate_names", "description", "photo_url", "note>"):
        assert f"<pfif:{tag}" not in xml

    full = pfif_export(actor=member(alice), now=NOW, include_sensitive=True)
    xml = full.xml.decode()
    schema.validate(xml)
    assert full.notes == 1
    for value in SENSITIVE:
        assert value in xml, value
    assert "<pfif:date_of_birth>1990-02-14</pfif:date_of_birth>" in xml
    for value in NEVER:
        assert value not in xml, value
    assert "<pfif:description" not in xml


def test_export_is_of_the_organisations_own_people_only(rosa, alice, charlie, bob):
    theirs = services.person_create(
        actor=member(charlie),
        data=services.PersonInput(
            family_role=FamilyRole.CHILD, given_names="Brayan", paternal_surname="Cux"
        ),
        today=TODAY,
    )
    gone = services.person_create(
        actor=member(alice),
        data=services.PersonInput(
            family_role=FamilyRole.CHILD, given_names="Kevin", paternal_surname="Batz"
        ),
        today=TODAY,
    )
    person_delete(actor=member(alice), person=gone, now=NOW)
    xml = pfif_export(actor=member(alice), now=NOW).xml.decode()
    assert "Rosa" in xml and "Brayan" not in xml and "Kevin" not in xml
    for chosen in ([theirs.public_id], [gone.public_id], ["not-a-uuid"]):
        with pytest.raises(NotFound):
            pfif_export(actor=member(alice), now=NOW, people=chosen)
    one = pfif_export(actor=member(alice), now=NOW, people=[str(rosa.public_id)])
    assert one.persons == 1
    with pytest.raises(Forbidden):  # a legal assistant may not export
        pfif_export(actor=member(bob), now=NOW)


def test_round_trip_gives_back_the_same_people_without_duplicates(rosa, alice, charlie):
    services.person_create(
        actor=member(alice),
        data=services.PersonInput(
            family_role=FamilyRole.CHILD,
            given_names="Ana",
            paternal_surname="de la Cruz",
            maternal_surname="Pérez",
            approximate_age="7",
        ),
        today=TODAY,
    )
    exported = pfif_export(actor=member(alice), now=NOW, include_sensitive=True).xml
    before = Person.objects.count()

    home = run_import(alice, exported)
    assert (home.created, home.updated, home.unchanged, home.rejected) == (0, 0, 2, ())
    assert Person.objects.count() == before

    def described(org_people):
        return sorted(
            (
                p.given_names,
                p.paternal_surname,
                p.maternal_surname,
                p.sex,
                p.birth_date,
                p.approximate_age,
                p.family_role,
            )
            for p in org_people
        )

    away = run_import(charlie, exported)
    assert away.created == 2
    assert described(Person.objects.filter(organization=member(charlie).organization)) == described(
        Person.objects.filter(organization=member(alice).organization)
    )
    assert run_import(charlie, exported).created == 0
    (copy,) = [
        p
        for p in Person.objects.filter(organization=member(charlie).organization)
        if p.given_names == "Rosa Elvira"
    ]
    assert copy.identifiers.get().value == f"reunite.invalid/person.{rosa.public_id}"
    # What left as sensitive comes back as contacts nobody has yet checked are safe.
    assert set(copy.contacts.values_list("kind", "safe_to_contact")) == {
        (ContactKind.ADDRESS, False),
        (ContactKind.PHONE, False),
        (ContactKind.EMAIL, False),
    }
    # Org B's export of its copy keeps the original record id: PFIF's rule for copies.
    again = pfif_export(actor=member(charlie), now=NOW).xml.decode()
    assert f"reunite.invalid/person.{rosa.public_id}" in again


# ---------------------------------------------------------------------- the command


def test_the_command_imports_and_exports(alice, org_a, tmp_path):
    source = tmp_path / "in.xml"
    source.write_bytes(fixture("test.pfif-1.4.xml"))
    out = tmp_path / "out.xml"
    org = ["--org", str(org_a.public_id), "--as", "alice@a.example.org"]
    from io import StringIO

    printed = StringIO()
    call_command("pfif", "import", str(source), *org, stdout=printed)
    assert "PFIF 1.4: 1 created, 0 updated, 0 unchanged, 4 notes, 0 rejected." in printed.getvalue()
    call_command("pfif", "export", "-o", str(out), *org, stdout=printed)
    assert "_test_given_name" in out.read_text() and out.stat().st_mode & 0o077 == 0
    xmlschema.XMLSchema11(SCHEMA).validate(out.read_text())


def test_pfif_record_ids_are_kept_exactly_as_written():
    assert normalize_identifier(IdentifierKind.PFIF, " google.org/Person.AbC-12 ") == (
        "google.org/Person.AbC-12"
    )
    for wrong in ("", "no-slash", "/person.1", "example.org/", "exa mple.org/p.1"):
        with pytest.raises(Invalid):
            normalize_identifier(IdentifierKind.PFIF, wrong)
