"""The import and export pages: the flow, the gate, step-up and audit of exports."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import signed_in
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.interop import services
from reunite.interop.export_services import export_request_approve
from reunite.interop.models import ExportRequest, ExportStatus, ImportJob, ImportStatus
from reunite.people.choices import FamilyRole
from reunite.people.services import PersonInput, person_create

from .conftest import download_export, member

pytestmark = pytest.mark.django_db

LIST = "nombre,apellidos,dob\nRosa,Peña López,1988-03-02\nJuan,Pérez,1985-02-31\n".encode()


def upload(client, data=LIST, name="list.csv"):
    return client.post(reverse("interop:imports"), {"file": SimpleUploadedFile(name, data)})


def test_upload_map_run_and_see_results(client, bob, django_capture_on_commit_callbacks):
    signed_in(client, bob)
    response = upload(client)
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("interop:import", args=[job.public_id])
    page = client.get(response["Location"]).content.decode()
    assert "Peña López" in page and 'value="given_names" selected' in page  # preview, auto-mapped
    form = {"column_0": "given_names", "column_1": "family_names", "column_2": "date_of_birth"}
    form |= {"kind": "parents", "source": "Court list", "language": "es", "custody_kind": "unknown"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("interop:import", args=[job.public_id]), form)
    job.refresh_from_db()
    assert (job.status, job.created_count, job.rejected_count) == (ImportStatus.DONE, 1, 1)
    page = client.get(reverse("interop:import", args=[job.public_id])).content.decode()
    assert "date_of_birth" in page and "Rosa" in page
    partial = client.get(
        reverse("interop:import_progress", args=[job.public_id]), HTTP_HX_REQUEST="true"
    )
    assert partial["HX-Refresh"] == "true" and 'value="100"' in partial.content.decode()
    rejected = client.get(reverse("interop:import_rejected", args=[job.public_id]))
    assert rejected.content.decode("utf-8-sig").splitlines()[1].startswith("3,date_of_birth,")


def test_a_hostile_file_is_refused_with_a_reason_and_nothing_saved(client, bob):
    signed_in(client, bob)
    response = upload(client, b"\x89PNG\r\n\x1a\n\x00\x00binary", "photo.csv")
    assert response.status_code == 400
    assert "PNG image" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_the_progress_partial_polls_while_running(client, alice):
    signed_in(client, alice)
    job = services.import_upload(actor=member(alice), file_name="l.csv", data=LIST)
    services.import_start(
        actor=member(alice),
        job=job,
        kind="parents",
        mapping={"nombre": "given_names"},
        enqueue=False,
    )
    partial = client.get(reverse("interop:import_progress", args=[job.public_id])).content.decode()
    assert 'hx-trigger="every 1s"' in partial and "<script" not in partial


def test_another_organisation_gets_404_and_an_auditor_403(client, alice, charlie, dana):
    job = services.import_upload(actor=member(alice), file_name="l.csv", data=LIST)
    signed_in(client, charlie)
    for name in ("interop:import", "interop:import_progress", "interop:import_rejected"):
        assert client.get(reverse(name, args=[job.public_id])).status_code == 404
    assert charlie.email and not any(
        j.public_id == job.public_id for j in services.import_job_list(actor=member(charlie))
    )
    signed_in(client, dana)
    assert client.get(reverse("interop:imports")).status_code == 403
    assert upload(client).status_code == 403


def test_export_needs_step_up_and_is_audited_with_formulas_neutralised(client, alice, ada, bob):
    """Asked on the page, approved by a second person, downloaded once after step-up."""
    person_create(
        actor=member(alice),
        data=PersonInput(
            family_role=FamilyRole.PARENT, given_names='=HYPERLINK("x")', paternal_surname="Peña"
        ),
        today=__import__("datetime").date(2026, 1, 1),
    )
    signed_in(client, alice)
    asked = client.post(
        reverse("interop:export_people"), {"what": "people", "format": "xlsx", "purpose": "Court"}
    )
    export = ExportRequest.objects.get()
    assert asked["Location"] == reverse("interop:export_request", args=[export.public_id])
    assert export.status == ExportStatus.REQUESTED and not asked.content  # no file yet
    export_request_approve(actor=member(ada), export=export, now=timezone.now())
    url = reverse("interop:export_request_download", args=[export.public_id])
    response = client.post(url)
    assert response.status_code == 302 and "reauthenticate" in response["Location"]
    assert not AuditEvent.objects.filter(event_type=EventType.EXPORTED).exists()

    signed_in(client, alice, reauthenticated=True)
    response = client.post(url)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert (
        rows[0][3] == "given_names" and rows[1][3] == '\'=HYPERLINK("x")' and rows[1][4] == "Peña"
    )
    event = AuditEvent.objects.get(event_type=EventType.EXPORTED)
    assert event.data == {"rows": 1, "format": "xlsx", "what": "people"}

    csv = download_export(client, alice, ada, fmt="csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv and "Peña" in csv
    signed_in(client, bob, reauthenticated=True)  # a legal assistant may not export
    assert client.get(reverse("interop:export_people")).status_code == 403
    assert client.post(url).status_code == 403


def test_cases_export_counts_members_and_names_no_client(client, alice, ada):
    from reunite.cases.services import case_open

    actor = alice.memberships.get()
    today = timezone.localdate()
    child = person_create(actor=actor, data=PersonInput(family_role=FamilyRole.CHILD, given_names="Nayeli"), today=today)
    parent = person_create(actor=actor, data=PersonInput(family_role=FamilyRole.PARENT, given_names="Marta"), today=today)
    case = case_open(actor=actor, children=[child], adults=[parent], now=timezone.now())
    response = download_export(client, alice, ada, kind="cases", fmt="csv")
    body = response.content.decode()
    assert response["Content-Disposition"].startswith('attachment; filename="cases-')
    assert case.reference in body and "Nayeli" not in body and "Marta" not in body
    header, row = body.splitlines()[:2]
    assert header.lstrip("\ufeff").startswith("case_id,reference,stage")  # BOM for Excel
    assert ",1,1," in row  # one child, one adult
    event = AuditEvent.objects.filter(event_type=EventType.EXPORTED).latest("id")
    assert event.data["what"] == "cases" and event.data["rows"] == 1
