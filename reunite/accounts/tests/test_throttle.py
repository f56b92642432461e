"""Guessing is stopped; the lawyer on their own device is never locked out."""

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse

from conftest import totp_now
from reunite.accounts import throttle
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
LIMIT = 5


def attempt(client, email, password, ip="203.0.113.9"):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=ip
    )


def sign_in_fully(client, user, password, ip="198.51.100.7"):
    attempt(client, user.email, password, ip=ip)
    response = client.post(
        reverse("mfa_authenticate"), {"code": totp_now(user.totp_secret)}, REMOTE_ADDR=ip
    )
    assert response.status_code == 302
    return response


@override_settings(LOGIN_FAILURE_LIMIT=LIMIT)
def test_repeated_failures_lock_the_account_for_unknown_clients_with_a_429(client, alice, password):
    for _ in range(LIMIT):
        assert attempt(client, alice.email, "wrong password!!").status_code == 200
    response = attempt(client, alice.email, password)
    assert response.status_code == 429
    assert "Too many" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert AuditEvent.objects.filter(event_type=EventType.LOGIN_FAILED).count() == LIMIT
    assert AuditEvent.objects.filter(event_type=EventType.LOCKOUT).count() == 1


@override_settings(LOGIN_FAILURE_LIMIT=LIMIT)
def test_an_attacker_cannot_lock_the_lawyer_out_of_their_known_device(client, alice, password):
    from django.test import Client

    lawyer = Client()
    sign_in_fully(lawyer, alice, password)
    assert throttle.DEVICE_COOKIE in lawyer.cookies
    lawyer.post(reverse("account_logout"))

    attacker = client
    for _ in range(LIMIT + 3):
        attempt(attacker, alice.email, "guess guess guess", ip="192.0.2.66")
    assert attempt(attacker, alice.email, password, ip="192.0.2.66").status_code == 429

    response = attempt(lawyer, alice.email, password, ip="198.51.100.7")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")


@override_settings(LOGIN_FAILURE_LIMIT=LIMIT)
def test_a_device_cookie_for_another_account_does_not_bypass_the_lock(client, alice, bob, password):
    sign_in_fully(client, bob, password)
    client.post(reverse("account_logout"))
    for _ in range(LIMIT):
        attempt(client, alice.email, "guess guess guess")
    assert attempt(client, alice.email, password).status_code == 429


@override_settings(LOGIN_SOURCE_FAILURE_LIMIT=8, LOGIN_FAILURE_LIMIT=100)
def test_one_source_spraying_many_accounts_is_throttled(client, alice, password):
    for n in range(8):
        attempt(client, f"nobody{n}@example.org", "spray spray spray")
    assert attempt(client, alice.email, password).status_code == 429
    # Another source is not slowed down by it.
    assert attempt(client, alice.email, password, ip="198.51.100.20").status_code == 302


def test_failed_logins_never_store_the_typed_email(client, alice):
    attempt(client, alice.email, "wrong password!!")
    event = AuditEvent.objects.get(event_type=EventType.LOGIN_FAILED)
    assert alice.email not in str(event.data)
    assert event.data["account"] == throttle.account_key(alice.email)


def test_unknown_and_known_accounts_answer_alike(client, alice):
    unknown = attempt(client, "nobody@example.org", "wrong password!!")
    known = attempt(client, alice.email, "wrong password!!")
    assert unknown.status_code == known.status_code == 200
    assert unknown.context["form"].errors == known.context["form"].errors


def test_sign_in_fails_closed_when_the_cache_is_down(client, alice, password, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr(caches["default"], "get_many", broken)
    response = attempt(client, alice.email, password)
    assert response.status_code == 503
    assert "_auth_user_id" not in client.session


def test_device_cookie_is_bound_to_its_account():
    cookie = throttle.issue_device_cookie("alice@a.example.org")
    assert throttle.device_for(cookie, "ALICE@a.example.org ")
    assert throttle.device_for(cookie, "bob@a.example.org") is None
    assert throttle.device_for(cookie + "x", "alice@a.example.org") is None
    assert throttle.device_for(None, "alice@a.example.org") is None
