"""Output encoding, injection and access-logging requirements of OWASP ASVS 5.0 shown on
the registry's pages (docs/security/asvs.yaml names these tests)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import signed_in
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.people import services
from reunite.people.choices import FamilyRole
from reunite.people.services import PersonInput
from reunite.people.tests.searching import search

pytestmark = pytest.mark.django_db

MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def make_person(user, **fields):
    fields.setdefault("family_role", FamilyRole.PARENT)
    return services.person_create(
        actor=user.memberships.get(), data=PersonInput(**fields), today=timezone.localdate()
    )


def detail(person):
    return reverse("people:detail", kwargs={"public_id": person.public_id})


def test_a_name_with_markup_is_shown_escaped(client, alice):
    """1.1.2, 1.2.1: stored as typed, encoded only when the page is drawn."""
    person = make_person(alice, given_names=MARKUP, paternal_surname="García")
    person.refresh_from_db()
    assert person.given_names == MARKUP  # stored as typed, not pre-escaped
    signed_in(client, alice)
    body = client.get(detail(person)).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
    assert MARKUP not in body and "<img src=x" not in body
    listing = client.get(reverse("people:list")).content.decode()
    assert "<script>alert" not in listing


@pytest.mark.parametrize(
    "query",
    [
        "Xylo' OR '1'='1",
        "Xylo'; DROP TABLE people_person; --",
        'Xylo" OR 1=1 --',
        "Xylo%' OR 'a' LIKE '%",
        "Xylo\\'; --",
    ],
)
def test_search_text_with_sql_syntax_is_only_text(client, alice, query):
    """1.2.4: search terms are values, never SQL: nothing extra is found, nothing breaks."""
    make_person(alice, given_names="Rosa", paternal_surname="García")
    make_person(alice, given_names="Ana", paternal_surname="Tzoc")
    signed_in(client, alice)
    response = search(client, query)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Tzoc" not in body and "García" not in body  # an injected OR would list everyone
    assert client.get(reverse("people:list")).status_code == 200  # the table is still there


def test_an_allowed_reading_records_a_view_and_no_refusal(client, alice):
    """16.3.2 (L3): a reading of client data is an event naming what was shown."""
    person = make_person(alice, given_names="Rosa", paternal_surname="García")
    signed_in(client, alice)
    assert client.get(detail(person)).status_code == 200
    viewed = AuditEvent.objects.get(event_type=EventType.PERSON_VIEWED)
    assert viewed.actor_id == alice.public_id and viewed.target_id == str(person.public_id)
    assert not AuditEvent.objects.filter(event_type=EventType.ACCESS_DENIED).exists()


def test_another_organisations_record_is_refused_and_the_refusal_audited(client, alice, charlie):
    """16.3.2 (L2): a 404 for another organisation's record leaves an access.denied event
    naming who asked for which record, from where; nothing of the record."""
    person = make_person(alice, given_names="Rosa", paternal_surname="García")
    signed_in(client, charlie)
    response = client.get(detail(person), REMOTE_ADDR="192.0.2.44")
    assert response.status_code == 404
    event = AuditEvent.objects.get(event_type=EventType.ACCESS_DENIED)
    assert event.actor_id == charlie.public_id
    assert event.organization_id == charlie.memberships.get().organization.public_id
    assert event.source_ip == "192.0.2.44"
    assert event.data == {
        "status": 404,
        "route": "people:detail",
        "record": str(person.public_id),
        "method": "GET",
    }
    assert "Rosa" not in str(event.data)
    assert not AuditEvent.objects.filter(event_type=EventType.PERSON_VIEWED).exists()


def test_a_role_without_client_access_is_refused_and_the_refusal_audited(client, dana):
    """16.3.2 (L2): the auditor asking for the client list gets a 403, recorded."""
    signed_in(client, dana)
    assert client.get(reverse("people:list")).status_code == 403
    event = AuditEvent.objects.get(event_type=EventType.ACCESS_DENIED)
    assert event.actor_id == dana.public_id
    assert event.data["status"] == 403 and event.data["route"] == "people:list"
