"""Every API error is the same JSON shape, never HTML and never a traceback; rate limits
answer 429 with Retry-After."""

import pytest
from django.urls import reverse

from reunite.api.tests.conftest import api_client, make_token
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.people.models import Person

pytestmark = pytest.mark.django_db

PEOPLE = "/api/v1/people/"
JSON = "application/json"


def assert_error(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"] == JSON
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    text = response.content.decode()
    assert "Traceback" not in text and "<html" not in text.lower()
    return body["error"]


@pytest.fixture
def rates(settings):
    """Set throttle rates for one test (read at each request)."""

    def apply(**rates):
        settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {
            "DEFAULT_THROTTLE_RATES": settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] | rates
        }

    return apply


def test_400_names_the_fields(as_user, bob):
    error = assert_error(
        as_user(bob).post(PEOPLE, {"family_role": 3, "sex": "Q"}, content_type=JSON),
        400,
        "invalid",
    )
    assert set(error["fields"]) == {"family_role", "sex"}


def test_400_for_malformed_json(as_user, bob):
    assert_error(as_user(bob).post(PEOPLE, "{not json", content_type=JSON), 400, "parse_error")


def test_401_without_or_with_a_bad_token():
    assert_error(api_client(None).get(PEOPLE), 401, "not_authenticated")
    assert_error(api_client("rnt_nope").get(PEOPLE), 401, "invalid_token")
    basic = api_client(None).get(PEOPLE, headers={"Authorization": "Basic YTpi"})
    assert_error(basic, 401, "bad_header")


def test_403_for_a_role_or_a_scope(as_user, dana, alice):
    assert_error(as_user(dana).get(PEOPLE), 403, "forbidden")
    assert_error(as_user(alice, scopes=["match"]).get(PEOPLE), 403, "insufficient_scope")


def test_404_for_unknown_ids_and_paths(as_user, alice):
    client = as_user(alice)
    assert_error(client.get(f"{PEOPLE}00000000-0000-0000-0000-000000000000/"), 404, "not_found")
    assert_error(client.get(f"{PEOPLE}not-a-uuid/"), 404, "not_found")
    assert_error(client.get("/api/v1/nowhere/"), 404, "not_found")


def test_405_for_an_unsupported_method(as_user, alice):
    assert_error(as_user(alice).delete(PEOPLE), 405, "method_not_allowed")


def test_409_for_a_state_conflict(as_user, alice):
    from django.utils import timezone

    from reunite.people.choices import FamilyRole
    from reunite.people.services import PersonInput, identifier_add, person_create

    actor = alice.memberships.get()
    person = person_create(
        actor=actor,
        data=PersonInput(family_role=FamilyRole.PARENT, given_names="Rosa"),
        today=timezone.localdate(),
    )
    identifier_add(actor=actor, person=person, kind="orr", value="X1")
    response = as_user(alice).post(
        f"{PEOPLE}{person.public_id}/identifiers/",
        {"kind": "orr", "value": "x-1"},
        content_type=JSON,
    )
    assert_error(response, 409, "conflict")


def test_415_for_a_body_that_is_not_json(as_user, bob):
    response = as_user(bob).post(PEOPLE, "family_role=parent", content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")


def test_429_per_token_with_retry_after(alice, rates):
    rates(token="3/hour")
    client = api_client(make_token(alice, scopes=["read"]))
    for _ in range(3):
        assert client.get(PEOPLE).status_code == 200
    response = client.get(PEOPLE)
    assert_error(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 3600
    # Another token of the same user has its own allowance.
    assert api_client(make_token(alice, scopes=["read"])).get(PEOPLE).status_code == 200
    # Throttled calls stay out of the audit log; the others are each one event.
    assert AuditEvent.objects.filter(event_type=EventType.API_CALL).count() == 4


def test_429_per_address_for_anonymous_calls(rates, client):
    rates(anonymous="2/hour")
    schema = reverse("api:schema")
    assert client.get(schema).status_code == 200
    assert client.get(schema).status_code == 200
    response = client.get(schema)
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert client.get(schema, REMOTE_ADDR="10.0.0.9").status_code == 200
    # A client-chosen X-Forwarded-For does not buy a fresh allowance.
    assert client.get(schema, HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429


def test_429_for_an_address_that_keeps_presenting_bad_tokens(alice, rates):
    rates(auth_failures="3/hour")
    good = make_token(alice, scopes=["read"])
    for _ in range(3):
        assert api_client("rnt_000000000000_guess").get(PEOPLE).status_code == 401
    assert_error(api_client("rnt_000000000000_guess").get(PEOPLE), 429, "throttled")
    # Even a good token waits, from that address; another address is unaffected.
    assert api_client(good).get(PEOPLE).status_code == 429
    assert api_client(good).get(PEOPLE, REMOTE_ADDR="10.0.0.7").status_code == 200


def test_500_is_json_with_a_generic_message_and_logged(as_user, alice, monkeypatch, caplog):
    from reunite.api import views

    def broken(**kwargs):
        raise RuntimeError("secret internals: /srv/reunite/db password=hunter2")

    monkeypatch.setattr(views.people, "person_list", broken)
    response = as_user(alice).get(PEOPLE)
    error = assert_error(response, 500, "server_error")
    assert "hunter2" not in response.content.decode() and "RuntimeError" not in error["message"]
    assert any("Unexpected error in the API" in r.getMessage() for r in caplog.records)
    assert any(r.exc_info for r in caplog.records)  # the traceback goes to the server log


PERSON = {"family_role": "parent", "given_names": "Nombre", "paternal_surname": "Apellido"}


def test_a_change_whose_call_cannot_be_audited_is_not_kept(as_user, bob, monkeypatch):
    """The call's event is written in the change's transaction: when it cannot be (the
    disk is full), the answer is 503 and nothing was kept, so a retry makes no twin."""
    from django.db import OperationalError

    from reunite.api import views

    real = views.record

    def failing(**kwargs):
        if kwargs["event_type"] == EventType.API_CALL:
            raise OperationalError("could not extend file: No space left on device")
        return real(**kwargs)

    monkeypatch.setattr(views, "record", failing)
    response = as_user(bob).post(PEOPLE, PERSON, content_type=JSON)
    assert_error(response, 503, "unavailable")
    assert int(response["Retry-After"]) > 0
    assert not Person.objects.exists()
    assert not AuditEvent.objects.filter(event_type=EventType.PERSON_CREATED).exists()


def test_a_call_that_fails_halfway_keeps_nothing_but_its_own_record(as_user, bob, monkeypatch):
    from reunite.api import views

    def broken(*args, **kwargs):
        raise RuntimeError("a bug after the person was saved")

    monkeypatch.setattr(views.s, "PersonSerializer", broken)
    response = as_user(bob).post(PEOPLE, PERSON, content_type=JSON)
    assert_error(response, 500, "server_error")
    assert not Person.objects.exists()
    assert not AuditEvent.objects.filter(event_type=EventType.PERSON_CREATED).exists()
    call = AuditEvent.objects.get(event_type=EventType.API_CALL)
    assert call.data["status"] == 500 and call.data["method"] == "POST"


def test_a_refused_call_is_recorded_with_its_status(as_user, bob):
    response = as_user(bob).post(PEOPLE, {"family_role": "parent"}, content_type=JSON)
    assert response.status_code == 400
    assert AuditEvent.objects.get(event_type=EventType.API_CALL).data["status"] == 400


def test_html_is_never_negotiated(as_user, alice):
    response = as_user(alice).get(PEOPLE, headers={"Accept": "text/html"})
    assert_error(response, 406, "not_acceptable")
