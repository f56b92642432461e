"""A second factor is mandatory, its secret is sealed, and a code works only once."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal import auth as totp_auth
from allauth.mfa.totp.internal.auth import TOTP
from django.core.cache.backends.db import DatabaseCache
from django.urls import reverse

from conftest import signed_in, totp_now
from reunite.accounts.tests.factories import MembershipFactory
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(org_a):
    """A member who has a password but no second factor yet."""
    return MembershipFactory(organization=org_a).user


@pytest.mark.parametrize(
    "url",
    [
        reverse("dashboard:home"),
        reverse("dashboard:audit"),
        reverse("accounts:members"),
        reverse("account_change_password"),
    ],
)
def test_user_without_mfa_reaches_only_enrolment(client, newcomer, url):
    signed_in(client, newcomer)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_enrolment_page_and_sign_out_stay_reachable_without_mfa(client, newcomer):
    signed_in(client, newcomer, reauthenticated=True)
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_enrolling_totp_opens_the_portal_and_is_audited(
    client, newcomer, django_capture_on_commit_callbacks
):
    signed_in(client, newcomer, reauthenticated=True)
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": totp_now(secret)})
    assert response.status_code == 302
    assert client.get(reverse("dashboard:home")).status_code == 200
    assert AuditEvent.objects.filter(
        event_type=EventType.MFA_ENROLLED, actor_id=newcomer.public_id
    ).exists()


def test_totp_secret_is_stored_sealed(alice):
    stored = Authenticator.objects.get(user=alice, type=Authenticator.Type.TOTP).data["secret"]
    assert alice.totp_secret not in stored
    assert stored.startswith("v1:")


def test_a_totp_code_cannot_be_replayed(alice):
    totp = TOTP(Authenticator.objects.get(user=alice, type=Authenticator.Type.TOTP))
    code = totp_now(alice.totp_secret)
    assert totp.validate_code(code) is True
    assert totp.validate_code(code) is False


def test_replay_is_refused_by_another_process_sharing_the_database_cache(alice, monkeypatch):
    """Server processes share the database cache (the default without Redis): a code used
    through one cache client is refused through another, independent one, as it would be
    in a second process."""
    first, second = (DatabaseCache("reunite_cache", {}) for _ in range(2))
    authenticator = Authenticator.objects.get(user=alice, type=Authenticator.Type.TOTP)
    code = totp_now(alice.totp_secret)
    monkeypatch.setattr(totp_auth, "cache", first)
    assert TOTP(authenticator).validate_code(code) is True
    monkeypatch.setattr(totp_auth, "cache", second)
    assert TOTP(authenticator).validate_code(code) is False


def test_wrong_second_factor_is_refused_and_audited(client, alice, password):
    client.post(reverse("account_login"), {"login": alice.email, "password": password})
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    assert client.get(reverse("dashboard:home")).status_code == 302
    event = AuditEvent.objects.filter(event_type=EventType.LOGIN_FAILED).latest("id")
    assert event.data["stage"] == "second_factor"


def test_login_cycles_the_session_id(client, alice, password):
    client.get(reverse("account_login"))
    client.session.save()
    before = client.session.session_key
    client.post(reverse("account_login"), {"login": alice.email, "password": password})
    client.post(reverse("mfa_authenticate"), {"code": totp_now(alice.totp_secret)})
    assert client.session.session_key != before
    assert AuditEvent.objects.filter(event_type=EventType.LOGIN, actor_id=alice.public_id).exists()


def test_the_last_second_factor_cannot_be_removed(client, alice):
    signed_in(client, alice, reauthenticated=True)
    client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=alice, type=Authenticator.Type.TOTP).exists()
