"""People through the API, with the named cast: the same gates and audit as the pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.people.choices import FamilyRole
from reunite.people.models import Person
from reunite.people.services import CustodyInput, PersonInput, custody_record, person_create

pytestmark = pytest.mark.django_db

PEOPLE = "/api/v1/people/"
SEARCH = "/api/v1/people/search/"
JSON = "application/json"


def person_url(person, tail=""):
    return f"{PEOPLE}{person.public_id}/{tail}"


@pytest.fixture
def rosa(alice):
    return person_create(
        actor=alice.memberships.get(),
        data=PersonInput(
            family_role=FamilyRole.PARENT,
            given_names="Rosa María",
            paternal_surname="García",
            notes="privileged",
        ),
        today=timezone.localdate(),
    )


def test_alice_reads_org_a_people(as_user, alice, rosa):
    client = as_user(alice, scopes=["read"])
    listing = client.get(PEOPLE)
    assert listing.status_code == 200
    assert [row["id"] for row in listing.json()["results"]] == [str(rosa.public_id)]
    found = client.post(SEARCH, {"q": "garsia"}, content_type=JSON).json()["results"]  # by sound
    assert [row["given_names"] for row in found] == ["Rosa María"]
    detail = client.get(person_url(rosa)).json()
    assert detail["notes"] == "privileged" and detail["owned"] is True


def test_reads_are_audited_like_the_pages_plus_one_api_call_each(as_user, alice, rosa):
    client = as_user(alice, scopes=["read"])
    before = AuditEvent.objects.count()
    client.get(PEOPLE)
    client.get(person_url(rosa))
    events = list(AuditEvent.objects.order_by("id")[before:])
    kinds = [e.event_type for e in events]
    assert kinds == [
        EventType.PEOPLE_LISTED,
        EventType.API_CALL,
        EventType.PERSON_VIEWED,
        EventType.API_CALL,
    ]
    viewed = events[2]
    assert viewed.target_id == str(rosa.public_id) and "notes" in viewed.fields
    call = events[3]
    assert call.data == {
        "method": "GET",
        "path": "/api/v1/people/<uuid:public_id>/",
        "status": 200,
        "token": call.data["token"],
    }
    assert call.actor_id == alice.public_id
    assert "Rosa" not in str([e.data for e in events])


def test_charlie_gets_404_for_org_a_people(as_user, charlie, rosa):
    client = as_user(charlie)
    for url in (person_url(rosa), person_url(rosa, "identifiers/"), person_url(rosa, "custody/")):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}
    assert client.patch(person_url(rosa), {"notes": "x"}, content_type=JSON).status_code == 404
    assert client.get(PEOPLE).json()["results"] == []


def test_dana_the_auditor_has_no_client_access(as_user, dana, rosa):
    client = as_user(dana)
    assert client.get(PEOPLE).status_code == 403
    assert client.get(PEOPLE).json()["error"]["code"] == "forbidden"
    assert client.get(person_url(rosa)).status_code == 404
    created = client.post(PEOPLE, {"family_role": "parent", "given_names": "X"}, content_type=JSON)
    assert created.status_code == 403


def test_bob_registers_a_client_and_changes_it(as_user, bob):
    client = as_user(bob)
    created = client.post(
        PEOPLE,
        {
            "family_role": "child",
            "given_names": "José Luis",
            "paternal_surname": "Pérez",
            "birth_date": "2012-07",
            "languages": ["es", "mam"],
        },
        content_type=JSON,
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    person = Person.objects.get(public_id=body["id"])
    assert person.created_by == bob and person.kind == "client"
    assert body["languages"] == ["es", "mam"]
    assert AuditEvent.objects.filter(
        event_type=EventType.PERSON_CREATED, target_id=body["id"]
    ).exists()

    changed = client.patch(person_url(person), {"approximate_age": "12"}, content_type=JSON)
    assert changed.status_code == 200
    assert changed.json()["approximate_age"] == "12"
    assert changed.json()["given_names"] == "José Luis"  # untouched fields stay
    update = AuditEvent.objects.get(event_type=EventType.PERSON_UPDATED)
    assert update.fields == ["approximate_age"]


def test_validation_errors_are_400_with_field_messages(as_user, bob, rosa):
    client = as_user(bob)
    no_name = client.post(PEOPLE, {"family_role": "parent"}, content_type=JSON)
    assert no_name.status_code == 400
    assert "given_names" in no_name.json()["error"]["fields"]
    bad_role = client.post(PEOPLE, {"family_role": "cousin", "given_names": "A"}, content_type=JSON)
    assert set(bad_role.json()["error"]["fields"]) == {"family_role"}
    bad_date = client.patch(person_url(rosa), {"birth_date": "2012-13-01"}, content_type=JSON)
    assert bad_date.status_code == 400
    assert bad_date.json()["error"]["code"] == "invalid"
    assert "birth_date" in bad_date.json()["error"]["fields"]


def test_identifiers_list_and_add(as_user, bob, rosa):
    client = as_user(bob)
    added = client.post(
        person_url(rosa, "identifiers/"),
        {"kind": "a_number", "value": "208 111 222"},
        content_type=JSON,
    )
    assert added.status_code == 201
    assert added.json()["value"] == "A-208-111-222"
    again = client.post(
        person_url(rosa, "identifiers/"),
        {"kind": "a_number", "value": "A208111222"},
        content_type=JSON,
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    wrong = client.post(
        person_url(rosa, "identifiers/"), {"kind": "a_number", "value": "12"}, content_type=JSON
    )
    assert wrong.status_code == 400 and "value" in wrong.json()["error"]["fields"]
    listed = client.get(person_url(rosa, "identifiers/")).json()
    assert [i["value"] for i in listed] == ["A-208-111-222"]
    # Found by the number, as on the pages.
    found = client.post(SEARCH, {"q": "A208111222"}, content_type=JSON).json()["results"]
    assert found[0]["id"] == str(rosa.public_id)


def test_custody_list_and_add(as_user, bob, rosa):
    client = as_user(bob)
    added = client.post(
        person_url(rosa, "custody/"),
        {"kind": "ice", "facility": "Test Processing Center", "start_date": "2024-05-01"},
        content_type=JSON,
    )
    assert added.status_code == 201 and added.json()["current"] is True
    backwards = client.post(
        person_url(rosa, "custody/"),
        {"kind": "ice", "start_date": "2024-05-02", "end_date": "2024-05-01"},
        content_type=JSON,
    )
    assert backwards.status_code == 400 and "end_date" in backwards.json()["error"]["fields"]
    listed = client.get(person_url(rosa, "custody/")).json()
    assert [e["facility"] for e in listed] == ["Test Processing Center"]
    row = client.get(PEOPLE).json()["results"][0]
    assert row["custody"]["kind"] == "ice"


def test_a_deleted_record_is_read_only_409(as_user, alice, rosa):
    Person.objects.filter(pk=rosa.pk).update(deleted_at=timezone.now())
    response = as_user(alice).patch(person_url(rosa), {"notes": "x"}, content_type=JSON)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_the_people_list_costs_the_same_queries_for_3_or_30_people(as_user, alice):
    actor = alice.memberships.get()
    client = as_user(alice, scopes=["read"])
    client.get(PEOPLE)  # last_used_at is written on the first call only

    def create(n):
        for i in range(n):
            person = person_create(
                actor=actor,
                data=PersonInput(family_role=FamilyRole.PARENT, given_names=f"Ana {i}"),
                today=timezone.localdate(),
            )
            custody_record(actor=actor, person=person, data=CustodyInput(kind="ice"))

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PEOPLE, {"limit": 50}).status_code == 200
        return len(queries)

    create(3)
    few = count()
    create(27)
    assert count() == few


def test_paging_is_count_free_and_bounded(as_user, alice):
    actor = alice.memberships.get()
    for i in range(3):
        person_create(
            actor=actor,
            data=PersonInput(family_role=FamilyRole.PARENT, given_names=f"Ana {i}"),
            today=timezone.localdate(),
        )
    client = as_user(alice, scopes=["read"])
    first = client.get(PEOPLE, {"limit": 2}).json()
    assert len(first["results"]) == 2 and first["next"] and first["previous"] is None
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    too_many = client.get(PEOPLE, {"limit": 1000})
    assert too_many.status_code == 400 and "limit" in too_many.json()["error"]["fields"]
