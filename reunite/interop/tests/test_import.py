"""The importer: good rows land, bad rows are reported with line, field and reason,
re-runs do not duplicate, interrupted runs resume cleanly, imported people are matched."""

import pytest
from django.utils import timezone

from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.core.errors import Forbidden, Invalid
from reunite.interop import services
from reunite.interop.models import ImportedRecord, ImportJob, ImportStatus, RejectedRow
from reunite.people.choices import FamilyRole, IdentifierKind, RecordKind
from reunite.people.models import CustodyEvent, FamilyLink, Identifier, Person
from reunite.tracing.models import MatchCandidate

from .conftest import member

pytestmark = pytest.mark.django_db


def named(given, kind=None):
    """The one person with these given names (names are sealed: no SQL lookup)."""
    (person,) = [
        p for p in Person.objects.all() if p.given_names == given and kind in (None, p.kind)
    ]
    return person


PARENTS = (
    "id,given_names,paternal_surname,maternal_surname,sex,date_of_birth,a_number,related_names\n"
    "p1,Rosa,Peña,López,F,1988-03-02,A012345678,Mateo Pérez Peña\n"
    "p2,Juan,Pérez,,M,31/02/1985,,\n"  # no 31 February
    "p3,,,,F,1990,,\n"  # no name
    "p4,Ana,Cux,Tzul,F,1991-07-01,A1234,\n"  # A-number too short
    "p5,Lucía,Xol,,X?,1992,,\n"  # sex
    "p6,Marta,Ajú,Coc,F,1979,,\n"
).encode()


def test_good_rows_land_and_bad_rows_are_reported_with_line_field_and_reason(alice, run_list):
    job = run_list(alice, PARENTS)

    assert job.status == ImportStatus.DONE
    assert (job.total_rows, job.processed_rows, job.created_count, job.rejected_count) == (
        6,
        6,
        2,
        4,
    )
    rejected = [(r.line, r.field) for r in job.rejected_rows.all()]
    assert rejected == [(3, "date_of_birth"), (4, "given_names"), (5, "a_number"), (6, "sex")]
    assert all(r.reason for r in job.rejected_rows.all())
    rosa = named("Rosa", RecordKind.CLIENT)
    assert (rosa.paternal_surname, rosa.birth_date, rosa.family_role) == (
        "Peña",
        "1988-03-02",
        FamilyRole.PARENT,
    )
    assert Identifier.objects.get(person=rosa, kind=IdentifierKind.A_NUMBER).value == "A012345678"
    child = FamilyLink.objects.get(relative=rosa).person
    assert (child.kind, child.given_names, child.paternal_surname) == (
        RecordKind.DESCRIBED,
        "Mateo",
        "Pérez",
    )
    origin = ImportedRecord.objects.get(person=rosa)
    assert (origin.job, origin.line, origin.source.name) == (job, 2, "ICE list")
    assert job.content == ""  # no second copy of the list once it is in the registry


def test_the_audit_names_counts_never_values(alice, run_list):
    job = run_list(alice, PARENTS)
    events = AuditEvent.objects.filter(target_id=str(job.public_id)).values_list(
        "event_type", flat=True
    )
    assert {EventType.IMPORT_UPLOADED, EventType.IMPORT_STARTED, EventType.IMPORT_FINISHED} <= set(
        events
    )
    batch = AuditEvent.objects.get(event_type=EventType.PEOPLE_IMPORTED)
    assert batch.data["people"] == 2
    dump = str(list(AuditEvent.objects.values_list("data", "fields")))
    assert "Rosa" not in dump and "Peña" not in dump


def test_running_the_same_file_again_duplicates_nothing(alice, run_list):
    run_list(alice, PARENTS)
    count = Person.objects.count()
    again = run_list(alice, PARENTS)
    assert Person.objects.count() == count
    assert (again.created_count, again.unchanged_count, again.rejected_count) == (0, 2, 4)


def test_a_changed_row_with_the_same_id_updates_the_person(alice, run_list):
    run_list(alice, PARENTS)
    changed = PARENTS.replace(b"Marta,Aj\xc3\xba,Coc,F,1979", b"Marta,Aj\xc3\xba,Coc,F,1979-05")
    job = run_list(alice, changed)
    assert (job.created_count, job.updated_count) == (0, 1)
    assert named("Marta").birth_date == "1979-05"


def test_rows_without_an_id_are_keyed_by_their_content(alice, run_list):
    data = "nombre,apellidos\nRosa,Peña López\nRosa,Peña López\nJuan,Pérez\n".encode()
    first = run_list(alice, data, source="Court list")
    assert (first.created_count, first.unchanged_count) == (2, 1)
    assert named("Rosa").maternal_surname == "López"
    second = run_list(alice, data, source="Court list")
    assert (second.created_count, second.unchanged_count) == (0, 3)


def test_an_interrupted_import_resumes_without_duplicates_or_partial_rows(
    alice, monkeypatch, run_list
):
    rows = "".join(f"r{i},Niño{i},Pérez,López,M,2015-01-01\n" for i in range(25))
    data = ("id,given_names,paternal_surname,maternal_surname,sex,date_of_birth\n" + rows).encode()
    real_batch, calls = services._import_batch, []

    def dying_batch(**kwargs):
        calls.append(1)
        real_batch(**kwargs)
        if len(calls) == 3:
            raise SystemExit("worker killed")  # mid-batch, after its rows were written

    monkeypatch.setattr(services, "_import_batch", dying_batch)
    job = services.import_upload(actor=member(alice), file_name="kids.csv", data=data)
    services.import_start(
        actor=member(alice), job=job, kind="children", mapping=services.suggested_mapping(job=job)
    )
    with pytest.raises(SystemExit):
        services.import_run(job_id=job.pk, now=timezone.now, batch_size=10)
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_count) == (ImportStatus.RUNNING, 20, 20)
    assert Person.objects.count() == 20  # the third batch rolled back as a whole

    monkeypatch.setattr(services, "_import_batch", real_batch)
    services.import_resume(actor=member(alice), job=job)
    services.import_run(job_id=job.pk, now=timezone.now, batch_size=10)
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_count) == (ImportStatus.DONE, 25, 25)
    assert Person.objects.count() == ImportedRecord.objects.count() == 25


def test_imported_people_get_match_candidates(alice, charlie, run_list):
    """Org A imports parents who name their children; org B imports the children.
    The tracing signal scores them like hand-entered people."""
    run_list(
        alice,
        "name,sexo,fecha de nacimiento,hijos\nRosa Peña López,F,1988-03-02,Mateo Pérez Peña\n".encode(),
        options={"consent": True, "language": "es"},
    )
    run_list(
        charlie,
        "nombre,apellido paterno,apellido materno,sex,dob,mother_name\nMateo,Perez,Pena,M,2016-05-01,Rosa Peña\n".encode(),
        kind="children",
        options={"consent": True},
    )
    pairs = {
        (m.subject.given_names, m.subject.organization_id, m.candidate.organization_id)
        for m in MatchCandidate.objects.select_related("subject", "candidate")
    }
    org_a, org_b = member(alice).organization_id, member(charlie).organization_id
    # The boy org A's mother described, found in org B; the mother he named, in org A.
    assert pairs == {("Mateo", org_a, org_b), ("Rosa", org_b, org_a)}


def test_a_custody_list_records_where_each_person_is_held(alice, run_list):
    data = b'full_name,a_number,facility,state\n"PENA LOPEZ, ROSA",A-012-345-678,Test Processing Center,TX\n'
    job = run_list(alice, data, kind="custody", options={"custody_kind": "ice"})
    assert job.created_count == 1
    rosa = Person.objects.get()
    assert (rosa.given_names, rosa.paternal_surname, rosa.maternal_surname) == (
        "ROSA",
        "PENA",
        "LOPEZ",
    )
    event = CustodyEvent.objects.get(person=rosa)
    assert (event.kind, event.facility, event.state, event.source) == (
        "ice",
        "Test Processing Center",
        "TX",
        "ICE list",
    )


def test_the_mapping_is_saved_per_source_and_reused(alice, run_list):
    data = b"Nom,Fam\nRosa,Pena\n"
    run_list(
        alice, data, mapping={"Nom": "given_names", "Fam": "family_names"}, source="Partner NGO"
    )
    job = services.import_upload(actor=member(alice), file_name="again.csv", data=data)
    assert services.suggested_mapping(job=job, source_name="Partner NGO") == {
        "Nom": "given_names",
        "Fam": "family_names",
    }
    assert services.suggested_mapping(job=job, source_name="Other") == {}


def test_a_mapping_without_any_name_is_refused(alice):
    job = services.import_upload(actor=member(alice), file_name="x.csv", data=b"dob\n2015\n")
    with pytest.raises(Invalid):
        services.import_start(
            actor=member(alice), job=job, kind="parents", mapping={"dob": "date_of_birth"}
        )


def test_rejected_rows_download_as_a_file_to_fix(alice, run_list):
    job = run_list(alice, PARENTS)
    header, rows = services.rejected_rows_file(actor=member(alice), job=job)
    assert header[:3] == ["line", "field", "reason"] and header[3] == "id"
    assert [r[0] for r in rows] == ["3", "4", "5", "6"]
    assert rows[0][3:5] == ["p2", "Juan"]
    assert AuditEvent.objects.filter(event_type=EventType.IMPORT_REJECTS_DOWNLOADED).count() == 1


def test_legal_assistant_can_import_auditor_cannot(bob, dana, run_list):
    assert run_list(bob, PARENTS).created_count == 2
    with pytest.raises(Forbidden):
        services.import_upload(actor=member(dana), file_name="x.csv", data=PARENTS)
    assert ImportJob.objects.count() == 1


def test_the_list_is_sealed_at_rest(alice):
    from django.db import connection

    job = services.import_upload(actor=member(alice), file_name="Rosa Peña.csv", data=PARENTS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT file_name, content FROM interop_importjob WHERE id = %s", [job.pk])
        name, content = cursor.fetchone()
    assert (
        "Rosa" not in name
        and "Rosa" not in content
        and b"Rosa" not in __import__("base64").b64decode(content.split(":")[-1])
    )


def test_nothing_is_saved_from_a_refused_file(alice):
    with pytest.raises(Invalid, match="NUL"):
        services.import_upload(actor=member(alice), file_name="x.csv", data=b"a,b\n\x00\x01\n")
    assert ImportJob.objects.count() == RejectedRow.objects.count() == Person.objects.count() == 0
