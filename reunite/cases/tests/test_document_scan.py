"""Case documents are scanned for viruses before they are read or kept (ASVS 5.4.3)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import signed_in
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.cases import services
from reunite.cases.models import CaseDocument
from reunite.cases.tests.conftest import NOW, member
from reunite.core.errors import Invalid, Unavailable
from reunite.core.tests import fake_clamd
from reunite.core.tests.fake_clamd import EICAR, SIGNATURE

pytestmark = pytest.mark.django_db
clamd, clamd_down, clamd_silent = fake_clamd.clamd, fake_clamd.clamd_down, fake_clamd.clamd_silent

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _upload(alice, case, name, data):
    return services.case_document_upload(
        actor=member(alice), case=case, file_name=name, data=data, now=NOW
    )


def test_a_clean_document_is_scanned_then_kept(clamd, case, alice):
    document = _upload(alice, case, "acta.pdf", PDF)
    assert clamd.scanned == [PDF]
    assert case.documents.get() == document
    assert not AuditEvent.objects.filter(event_type=EventType.UPLOAD_INFECTED).exists()


def test_an_infected_document_is_refused_nothing_kept_and_audited(clamd, case, alice):
    # The EICAR file is plain text: only the scanner stands between it and the case.
    with pytest.raises(Invalid) as refused:
        _upload(alice, case, "nota.txt", EICAR)
    assert refused.value.code == "infected"
    assert not CaseDocument.objects.exists()
    assert not AuditEvent.objects.filter(event_type=EventType.DOCUMENT_UPLOADED).exists()
    event = AuditEvent.objects.get(event_type=EventType.UPLOAD_INFECTED)
    assert event.target_id == str(case.public_id)
    assert event.actor_id == alice.public_id
    assert event.data == {"upload": "case_document", "signature": SIGNATURE, "size": len(EICAR)}


@pytest.mark.parametrize("scanner", ["clamd_down", "clamd_silent"])
def test_a_document_that_cannot_be_scanned_is_refused(request, scanner, case, alice):
    request.getfixturevalue(scanner)
    with pytest.raises(Unavailable) as refused:
        _upload(alice, case, "acta.pdf", PDF)
    assert refused.value.code == "scan_unavailable"
    assert not CaseDocument.objects.exists()


def test_without_a_scanner_documents_are_kept_as_before(settings, case, alice):
    settings.UPLOAD_SCAN_CLAMD = ""
    _upload(alice, case, "acta.pdf", PDF)
    assert case.documents.count() == 1


def test_the_page_says_why_an_infected_or_unscanned_file_is_refused(
    client, alice, case, clamd, settings
):
    signed_in(client, alice)
    url = reverse("cases:document_upload", kwargs={"public_id": case.public_id})
    response = client.post(url, {"file": SimpleUploadedFile("nota.txt", EICAR, "text/plain")})
    assert response.status_code == 400
    assert b"found malware" in response.content
    assert SIGNATURE.encode() not in response.content
    clamd.reply = b"garbage\0"
    response = client.post(url, {"file": SimpleUploadedFile("acta.pdf", PDF, "application/pdf")})
    assert response.status_code == 400
    assert b"try again later" in response.content
    assert not case.documents.exists()
