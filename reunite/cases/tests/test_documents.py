"""Document upload: type read from the bytes, a file lying about its type refused,
polyglots refused, size limited, name cleaned, bytes sealed, reading audited."""

import base64
import hashlib
import io
import zipfile

import pytest
from django.db import connection

from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.cases import services, uploads
from reunite.cases.tests.conftest import NOW, member
from reunite.core.errors import Invalid

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17 + b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20 + b"\xff\xd9"
TEXT = "Declaración de la madre, San Marcos\n".encode()


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.js", "alert(1)")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("birth certificate.pdf", PDF, uploads.PDF),
        ("photo.PNG", PNG, uploads.PNG),
        ("id.jpeg", JPEG, uploads.JPEG),
        ("id.jpg", JPEG, uploads.JPEG),
        ("note.txt", TEXT, uploads.TEXT),
    ],
)
def test_honest_files_are_kept_sealed_and_served_back(case, alice, name, data, content_type):
    document = services.case_document_upload(
        actor=member(alice), case=case, file_name=name, data=data, now=NOW
    )
    assert (document.content_type, document.size) == (content_type, len(data))
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM cases_casedocumentcontent")
        stored = cursor.fetchone()[0]
    assert stored.startswith("v1:") and base64.b64encode(data).decode() not in stored
    assert services.case_document_open(actor=member(alice), document=document) == data
    uploaded = AuditEvent.objects.get(event_type=EventType.DOCUMENT_UPLOADED)
    downloaded = AuditEvent.objects.get(event_type=EventType.DOCUMENT_DOWNLOADED)
    assert uploaded.target_id == downloaded.target_id == str(document.public_id)
    assert name.split(".")[0] not in str(uploaded.data)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("statement.pdf", _zip(), "unknown_type"),  # a ZIP calling itself a PDF
        ("statement.pdf", b"MZ\x90\x00" + b"\x00" * 60, "executable"),  # a Windows program
        ("statement.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 20, "executable"),
        ("statement.pdf", b"<!DOCTYPE html><script>alert(1)</script>", "markup"),
        ("statement.txt", b"<html><body onload=x()>", "markup"),
        ("photo.png", PDF, "type_mismatch"),  # a PDF calling itself an image
        ("statement.pdf", PNG, "type_mismatch"),
        ("statement", PDF, "type_mismatch"),  # no extension
        ("statement.docx", PDF, "type_mismatch"),
        ("photo.png", PNG + _zip(), "polyglot"),  # a ZIP hiding after the image
        ("id.jpg", JPEG + _zip(), "polyglot"),
        ("statement.pdf", PDF[:-7] + _zip() + b"\n%%EOF\n", "polyglot"),
        ("statement.pdf", b"%PDF-1.4\n<html><script>x</script>\n%%EOF", "polyglot"),
        ("statement.pdf", b"%PDF-1.4\nno end", "truncated"),
        ("note.txt", b"\xff\xfe\x00b\x00a\x00d", "unknown_type"),  # not UTF-8
        ("note.txt", b"", "empty"),
    ],
)
def test_a_file_lying_about_its_type_is_refused(case, alice, name, data, reason):
    with pytest.raises(Invalid) as refused:
        services.case_document_upload(
            actor=member(alice), case=case, file_name=name, data=data, now=NOW
        )
    assert refused.value.code == reason
    assert not case.documents.exists()
    assert not AuditEvent.objects.filter(event_type=EventType.DOCUMENT_UPLOADED).exists()


def test_the_size_is_limited(case, alice, settings):
    settings.CASE_DOCUMENT_MAX_BYTES = 100
    with pytest.raises(Invalid) as refused:
        services.case_document_upload(
            actor=member(alice), case=case, file_name="a.txt", data=b"a" * 101, now=NOW
        )
    assert refused.value.code == "too_large"


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\system32\\x.txt", "x.txt"),
        ("/abs/path/Acta de nacimiento.txt", "Acta de nacimiento.txt"),
        ("..txt", "document.txt"),
        ("a\x00b\r\n<script>.txt", "ab_script.txt"),
        ("José María.TXT", "José María.txt"),
        ("x" * 300 + ".txt", "x" * 100 + ".txt"),
    ],
)
def test_file_names_are_cleaned(name, cleaned):
    assert uploads.check(name, b"text").file_name == cleaned


def test_bytes_altered_in_the_database_are_never_served(case, alice):
    from reunite.cases.models import CaseDocumentContent
    from reunite.core.errors import Conflict

    document = services.case_document_upload(
        actor=member(alice), case=case, file_name="a.txt", data=b"original", now=NOW
    )
    CaseDocumentContent.objects.filter(document=document).update(
        data=base64.b64encode(b"swapped").decode()
    )
    with pytest.raises(Conflict):
        services.case_document_open(actor=member(alice), document=document)
