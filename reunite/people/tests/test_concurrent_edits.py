"""Two people editing one record at once: neither silently undoes the other's change."""

import re

import pytest
from django.urls import reverse

from conftest import signed_in
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.people.tests.factories import PersonFactory


@pytest.fixture
def person(org_a):
    return PersonFactory(organization=org_a, given_names="Rosa", notes="First interview")


def opened(client, person) -> dict:
    """The edit page's fields as a browser would post them back, `seen` included."""
    page = client.get(reverse("people:edit", args=[person.public_id])).content.decode()
    fields = dict(re.findall(r'name="(person-[a-z_]+)"[^>]*value="([^"]*)"', page))
    fields["person-notes"] = re.search(r'name="person-notes"[^>]*>([^<]*)<', page).group(1).strip()
    fields["person-sex"] = person.sex
    fields["person-languages"] = person.languages.split(",")
    return fields


def save(client, person, fields):
    return client.post(reverse("people:edit", args=[person.public_id]), fields)


def test_edits_of_different_fields_from_two_open_pages_both_survive(client, alice, bob, person):
    mine, theirs = opened(signed_in(client, alice), person), None
    client.logout()
    theirs = opened(signed_in(client, bob), person)
    assert "person-seen" in theirs
    assert save(client, person, theirs | {"person-notes": "Bob's notes"}).status_code == 302
    client.logout()
    signed_in(client, alice)
    assert save(client, person, mine | {"person-given_names": "Rosa Elvira"}).status_code == 302
    person.refresh_from_db()
    assert (person.given_names, person.notes) == ("Rosa Elvira", "Bob's notes")
    events = AuditEvent.objects.filter(event_type=EventType.PERSON_UPDATED).order_by("id")
    assert [e.fields for e in events] == [["notes"], ["given_names"]]


def test_a_change_to_the_same_field_from_a_stale_page_is_refused(client, alice, bob, person):
    mine = opened(signed_in(client, alice), person)
    client.logout()
    theirs = opened(signed_in(client, bob), person)
    assert save(client, person, theirs | {"person-notes": "Bob's notes"}).status_code == 302
    client.logout()
    signed_in(client, alice)
    response = save(client, person, mine | {"person-notes": "Alice's notes"})
    assert response.status_code == 400
    assert "while you were editing" in response.content.decode()
    person.refresh_from_db()
    assert person.notes == "Bob's notes"
