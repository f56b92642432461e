"""Lists (CSV/XLSX) and PFIF files are scanned for viruses before they are read or kept
(ASVS 5.4.3)."""

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import signed_in
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.core.errors import Invalid, Unavailable
from reunite.core.tests import fake_clamd
from reunite.core.tests.fake_clamd import EICAR, SIGNATURE
from reunite.interop import services
from reunite.interop.models import ImportJob
from reunite.interop.pfif_services import pfif_import
from reunite.people.models import Person

pytestmark = pytest.mark.django_db
clamd, clamd_down, clamd_silent = fake_clamd.clamd, fake_clamd.clamd_down, fake_clamd.clamd_silent

LIST = b"given_names,paternal_surname\nRosa,Quispe\n"
# A list whose one cell is the EICAR string: a readable CSV, so only the scan refuses it.
INFECTED_LIST = b"given_names,notes\nRosa," + EICAR + b"\n"
PFIF = (
    Path(__file__).resolve().parents[3].parent
    / "shared"
    / "fixtures"
    / "pfif"
    / "test.pfif-1.4.xml"
).read_bytes()
INFECTED_PFIF = PFIF.replace(b"</pfif:pfif>", b"<!-- " + EICAR + b" --></pfif:pfif>")
TODAY = datetime.date(2026, 3, 2)


def member(user):
    return user.memberships.get()


def _import(alice, data):
    return services.import_upload(actor=member(alice), file_name="list.csv", data=data)


def _pfif(alice, data):
    return pfif_import(actor=member(alice), data=data, today=TODAY)


def _infected_event(alice, upload, data):
    event = AuditEvent.objects.get(event_type=EventType.UPLOAD_INFECTED)
    assert event.actor_id == alice.public_id
    assert event.data == {"upload": upload, "signature": SIGNATURE, "size": len(data)}


def test_a_clean_list_is_scanned_then_kept(clamd, alice):
    job = _import(alice, LIST)
    assert clamd.scanned == [LIST]
    assert job.total_rows == 1


def test_an_infected_list_is_refused_nothing_kept_and_audited(clamd, alice):
    with pytest.raises(Invalid) as refused:
        _import(alice, INFECTED_LIST)
    assert refused.value.code == "infected"
    assert not ImportJob.objects.exists()
    _infected_event(alice, "import", INFECTED_LIST)


def test_a_clean_pfif_file_is_scanned_then_imported(clamd, alice):
    result = _pfif(alice, PFIF)
    assert clamd.scanned == [PFIF]
    assert result.created > 0


def test_an_infected_pfif_file_is_refused_nothing_kept_and_audited(clamd, alice):
    with pytest.raises(Invalid) as refused:
        _pfif(alice, INFECTED_PFIF)
    assert refused.value.code == "infected"
    assert not Person.objects.exists()
    assert not AuditEvent.objects.filter(event_type=EventType.PFIF_IMPORTED).exists()
    _infected_event(alice, "pfif", INFECTED_PFIF)


@pytest.mark.parametrize("scanner", ["clamd_down", "clamd_silent"])
def test_files_that_cannot_be_scanned_are_refused(request, scanner, alice):
    request.getfixturevalue(scanner)
    with pytest.raises(Unavailable):
        _import(alice, LIST)
    with pytest.raises(Unavailable):
        _pfif(alice, PFIF)
    assert not ImportJob.objects.exists() and not Person.objects.exists()


def test_without_a_scanner_files_are_read_as_before(settings, alice):
    settings.UPLOAD_SCAN_CLAMD = ""
    assert _import(alice, LIST).total_rows == 1
    assert _pfif(alice, PFIF).created > 0
    # The infected files are readable lists and PFIF: the scan is what refuses them.
    assert _import(alice, INFECTED_LIST).total_rows == 1
    assert _pfif(alice, INFECTED_PFIF).unchanged > 0


def test_the_pages_say_why_a_file_is_refused(client, alice, clamd):
    signed_in(client, alice)
    imports, pfif = reverse("interop:imports"), reverse("interop:pfif_import")

    def post(url, name, data):
        fields = {"file": SimpleUploadedFile(name, data)}
        if url == pfif:
            fields["kind"] = "described"
        return client.post(url, fields)

    for url, name, data in ((imports, "list.csv", INFECTED_LIST), (pfif, "p.xml", INFECTED_PFIF)):
        response = post(url, name, data)
        assert b"found malware" in response.content
        assert SIGNATURE.encode() not in response.content
    clamd.reply = b"garbage\0"
    for url, name, data in ((imports, "list.csv", LIST), (pfif, "p.xml", PFIF)):
        response = post(url, name, data)
        assert b"try again later" in response.content
    assert not ImportJob.objects.exists() and not Person.objects.exists()
