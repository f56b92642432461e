"""PFIF from the browser's side: upload a file, download an export."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import signed_in
from reunite.interop.export_services import export_request_approve
from reunite.interop.models import ExportRequest
from reunite.people.models import Person

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "pfif"


def upload(client, name="test.pfif-1.4.xml", data=None):
    data = data if data is not None else (FIXTURES / name).read_bytes()
    return client.post(
        reverse("interop:pfif_import"),
        {"file": SimpleUploadedFile(name, data, content_type="application/xml"), "kind": "described"},
    )


def test_a_pfif_file_uploaded_lands_and_is_reported(client, alice):
    signed_in(client, alice)
    response = upload(client)
    assert response.status_code == 200
    result = response.context["result"]
    assert result.created > 0
    assert Person.objects.filter(organization=alice.memberships.get().organization).count() == result.created
    again = upload(client).context["result"]
    assert again.created == 0  # the same file again updates, never duplicates


def test_a_hostile_pfif_file_is_refused_with_a_reason(client, alice):
    signed_in(client, alice)
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4">&e;</pfif:pfif>'
    response = upload(client, "evil.xml", bomb)
    assert response.context["result"] is None
    assert response.context["form"].errors["file"]
    assert not Person.objects.exists()


def test_an_oversized_pfif_file_is_refused_before_it_is_read(client, alice, settings, monkeypatch):
    settings.IMPORT_MAX_BYTES = 1024
    read = []
    monkeypatch.setattr(
        "reunite.interop.views.pfif_services.pfif_import", lambda **kw: read.append(kw)
    )
    signed_in(client, alice)
    response = upload(client, "big.xml", b"<pfif/>" + b" " * 2048)
    assert response.status_code == 400
    assert "larger than" in " ".join(response.context["form"].errors["file"])
    assert read == [] and not Person.objects.exists()


def test_pfif_export_asks_for_the_password_then_downloads(client, alice, ada):
    signed_in(client, alice)
    upload(client)
    asked = client.post(reverse("interop:pfif_export"), {"purpose": "Share with a shelter"})
    export = ExportRequest.objects.get()
    assert asked["Location"] == reverse("interop:export_request", args=[export.public_id])
    assert (export.kind, export.format) == ("pfif", "xml")
    assert export.options == {"include_sensitive": False}
    export_request_approve(actor=ada.memberships.get(), export=export, now=timezone.now())
    url = reverse("interop:export_request_download", args=[export.public_id])
    first = client.post(url)
    assert first["Location"].startswith(reverse("account_reauthenticate"))
    signed_in(client, alice, reauthenticated=True)
    response = client.post(url)
    assert response["Content-Type"] == "application/xml"
    assert b"pfif:person" in response.content or b"<person" in response.content


@pytest.mark.parametrize("viewer", ["dana", "charlie"])
def test_pfif_pages_follow_the_roles(request, client, viewer):
    signed_in(client, request.getfixturevalue(viewer))
    status = client.get(reverse("interop:pfif_import")).status_code
    assert status == (403 if viewer == "dana" else 200)
