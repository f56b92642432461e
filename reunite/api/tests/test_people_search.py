"""The people search with its terms in the body (ASVS 14.2.1)."""

import pytest
from django.utils import timezone

from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.people.choices import FamilyRole
from reunite.people.services import PersonInput, person_create

pytestmark = pytest.mark.django_db

PEOPLE = "/api/v1/people/"
SEARCH = "/api/v1/people/search/"
JSON = "application/json"


def register(user, given, surname):
    return person_create(
        actor=user.memberships.get(),
        data=PersonInput(
            family_role=FamilyRole.PARENT, given_names=given, paternal_surname=surname
        ),
        today=timezone.localdate(),
    )


@pytest.fixture
def rosa(alice):
    return register(alice, "Rosa María", "García")


def test_a_read_token_searches_with_the_terms_in_the_body(as_user, alice, rosa):
    register(alice, "Ana", "Tzoc")
    client = as_user(alice, scopes=["read"])
    response = client.post(SEARCH, {"q": "garsia"}, content_type=JSON)  # by sound
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(rosa.public_id)]
    listed = AuditEvent.objects.get(event_type=EventType.PEOPLE_LISTED)
    assert listed.data == {"count": 1, "searched": True, "api": True}
    call = AuditEvent.objects.get(event_type=EventType.API_CALL)
    assert call.data["path"] == "/api/v1/people/search/" and "garsia" not in str(call.data)


def test_pages_of_a_search_keep_the_terms_out_of_the_links(as_user, alice):
    for i in range(3):
        register(alice, f"Uno{i}", "Tzoc")
    register(alice, "Rosa", "García")
    client = as_user(alice, scopes=["read"])
    first = client.post(f"{SEARCH}?limit=2", {"q": "tzoc"}, content_type=JSON).json()
    assert len(first["results"]) == 2 and "tzoc" not in first["next"].lower()
    second = client.post(first["next"], {"q": "tzoc"}, content_type=JSON).json()
    names = [row["given_names"] for row in first["results"] + second["results"]]
    assert sorted(names) == ["Uno0", "Uno1", "Uno2"]  # Rosa is not found, no one twice
    assert second["next"] is None


def test_an_empty_search_lists_everyone_like_the_list(as_user, alice, rosa):
    client = as_user(alice, scopes=["read"])
    found = client.post(SEARCH, {}, content_type=JSON).json()["results"]
    assert [row["id"] for row in found] == [str(rosa.public_id)]


def test_the_search_is_refused_without_the_read_scope_or_with_bad_input(as_user, alice, rosa):
    assert (
        as_user(alice, scopes=["write"]).post(SEARCH, {"q": "rosa"}, content_type=JSON).status_code
        == 403
    )
    client = as_user(alice, scopes=["read"])
    too_long = client.post(SEARCH, {"q": "x" * 201}, content_type=JSON)
    assert too_long.status_code == 400 and "q" in too_long.json()["error"]["fields"]
    assert client.post(SEARCH, {"q": ["rosa"]}, content_type=JSON).status_code == 400
    assert client.get(SEARCH).status_code == 405


def test_another_organisation_finds_none_of_org_a(as_user, charlie, rosa):
    found = as_user(charlie, scopes=["read"]).post(SEARCH, {"q": "garcia"}, content_type=JSON)
    assert found.status_code == 200 and found.json()["results"] == []


def test_search_terms_in_the_address_are_refused_not_ignored(as_user, alice, rosa):
    """14.2.1: a name in a URL stays in logs. An old client's GET ?q= gets a 400 that says
    where the terms go, not the whole list as if it had found everyone."""
    client = as_user(alice, scopes=["read"])
    refused = client.get(PEOPLE, {"q": "garcia"})
    assert refused.status_code == 400
    assert "POST /api/v1/people/search/" in refused.json()["error"]["fields"]["q"][0]
    assert not AuditEvent.objects.filter(event_type=EventType.PEOPLE_LISTED).exists()
    listed = client.get(PEOPLE)
    assert [row["id"] for row in listed.json()["results"]] == [str(rosa.public_id)]


def test_the_schema_offers_the_body_search_and_no_q_in_the_url(client):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    search = schema["paths"]["/api/v1/people/search/"]["post"]
    assert search["operationId"] == "people_search"
    body = search["requestBody"]["content"][JSON]["schema"]["$ref"].rsplit("/", 1)[1]
    assert "q" in schema["components"]["schemas"][body]["properties"]
    assert search["x-scope"] == "read"
    listing = schema["paths"]["/api/v1/people/"]["get"]["parameters"]
    assert [p["name"] for p in listing] == ["limit", "offset"]
