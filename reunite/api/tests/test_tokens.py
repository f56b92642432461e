"""Personal API tokens: created hashed and shown once, scoped, expiring, revocable."""

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from conftest import signed_in
from reunite.api.models import ApiToken
from reunite.api.services import token_create
from reunite.api.tests.conftest import api_client, make_token
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.core.errors import Invalid

pytestmark = pytest.mark.django_db

PEOPLE = "/api/v1/people/"


def test_a_token_is_stored_only_as_a_hash(alice):
    plaintext = make_token(alice, scopes=["read"])
    token = ApiToken.objects.get()
    assert plaintext.startswith(token.prefix + "_")
    assert token.secret_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    stored = " ".join(str(v) for v in ApiToken.objects.values().get().values())
    assert plaintext not in stored
    event = AuditEvent.objects.get(event_type=EventType.API_TOKEN_CREATED)
    assert plaintext not in str(event.data) and event.target_id == str(token.public_id)


def test_the_page_shows_the_token_once_after_reauthentication(client, alice):
    signed_in(client, alice)
    form = {"name": "Case system", "scopes": ["read"], "days": "30"}
    asked = client.post(reverse("api:token_create"), form)
    assert asked.status_code == 302 and "reauthenticate" in asked["Location"]
    assert not ApiToken.objects.exists()

    signed_in(client, alice, reauthenticated=True)
    created = client.post(reverse("api:token_create"), form)
    assert created.status_code == 201
    token = ApiToken.objects.get()
    plaintext = created.context["plaintext"]
    assert plaintext in created.content.decode()
    assert "will not be shown again" in created.content.decode()
    assert created["Cache-Control"].startswith("no-store") or "no-store" in created["Cache-Control"]
    listing = client.get(reverse("api:tokens")).content.decode()
    assert token.prefix in listing and plaintext not in listing
    assert api_client(plaintext).get(PEOPLE).status_code == 200


def test_the_page_refuses_a_token_without_scopes(client, alice):
    signed_in(client, alice, reauthenticated=True)
    response = client.post(reverse("api:token_create"), {"name": "x", "days": "30"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_lifetime_is_bounded(alice, settings):
    with pytest.raises(Invalid):
        token_create(
            actor=alice.memberships.get(),
            name="forever",
            scopes=["read"],
            days=settings.API_TOKEN_MAX_DAYS + 1,
            now=timezone.now(),
        )


def test_a_revoked_token_is_refused_with_401(client, alice):
    plaintext = make_token(alice)
    assert api_client(plaintext).get(PEOPLE).status_code == 200
    signed_in(client, alice)
    token = ApiToken.objects.get()
    assert client.post(reverse("api:token_revoke"), {"record": token.public_id}).status_code == 302
    response = api_client(plaintext).get(PEOPLE)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "invalid_token"
    refused = AuditEvent.objects.get(event_type=EventType.API_TOKEN_REFUSED)
    assert refused.data["reason"] == "revoked"
    assert AuditEvent.objects.filter(event_type=EventType.API_TOKEN_REVOKED).count() == 1


def test_only_its_owner_can_revoke_a_token(client, alice, bob):
    make_token(alice)
    token = ApiToken.objects.get()
    signed_in(client, bob)
    response = client.post(reverse("api:token_revoke"), {"record": token.public_id})
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_expired_token_is_refused_with_401(alice):
    plaintext = make_token(alice, days=1)
    assert api_client(plaintext).get(PEOPLE).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        response = api_client(plaintext).get(PEOPLE)
    assert response.status_code == 401
    assert (
        AuditEvent.objects.get(event_type=EventType.API_TOKEN_REFUSED).data["reason"] == "expired"
    )


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # right prefix, wrong secret
        lambda t: "rnt_000000000000_" + t[17:],  # unknown prefix
        lambda t: "nonsense",
    ],
)
def test_a_wrong_token_is_refused_with_401(alice, mangle):
    response = api_client(mangle(make_token(alice))).get(PEOPLE)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


def test_a_deactivated_member_s_token_stops_working(alice):
    plaintext = make_token(alice)
    alice.memberships.update(is_active=False)
    assert api_client(plaintext).get(PEOPLE).status_code == 401


def test_a_token_without_the_scope_gets_403(alice):
    client = api_client(make_token(alice, scopes=["read"]))
    response = client.post(
        PEOPLE, {"family_role": "parent", "given_names": "Rosa"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"
    write_only = api_client(make_token(alice, scopes=["write"]))
    assert write_only.get(PEOPLE).status_code == 403


def test_last_used_is_recorded_at_most_once_a_minute(alice, django_assert_num_queries):
    client = api_client(make_token(alice, scopes=["read"]))
    client.get(PEOPLE)
    token = ApiToken.objects.get()
    assert token.last_used_at is not None
    first = token.last_used_at
    client.get(PEOPLE)
    token.refresh_from_db()
    assert token.last_used_at == first
