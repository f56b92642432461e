"""A member who lost every second factor is brought back by an admin of their
organisation, who vouches for them as at the invitation (ASVS 6.4.4)."""

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client
from django.urls import reverse

from conftest import signed_in
from reunite.accounts import services
from reunite.accounts.roles import Role
from reunite.accounts.tests.factories import MembershipFactory
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.core.errors import Forbidden

pytestmark = pytest.mark.django_db

FORM = {"reason": "lost", "identity_check": "in_person"}


def reset_url(user):
    return reverse("accounts:member_factors_reset", args=[user.memberships.get().public_id])


def test_an_admin_resets_a_members_factors_which_ends_their_sessions(client, ada, alice):
    Authenticator.objects.create(
        user=alice, type=Authenticator.Type.WEBAUTHN, data={"name": "key", "credential": {}}
    )
    alices_laptop = signed_in(Client(), alice)
    signed_in(client, ada, reauthenticated=True)
    response = client.post(reset_url(alice), FORM)
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=alice).exists()
    assert alices_laptop.get(reverse("dashboard:home"))["Location"].startswith(
        reverse("account_login")
    )
    event = AuditEvent.objects.get(event_type=EventType.MFA_RESET)
    assert event.actor_id == ada.public_id
    assert event.target_id == str(alice.memberships.get().public_id)
    assert event.data == {
        "reason": "lost",
        "identity_check": "in_person",
        "factors_removed": 2,
        "sessions_ended": 1,
    }
    (email,) = mail.outbox
    assert email.to == [alice.email]
    assert "Ada Admin" in email.body and "http://testserver/accounts/login/" in email.body


def test_after_a_reset_the_password_leads_only_to_enrolling_a_new_factor(
    client, ada, alice, password
):
    services.member_factors_reset(
        actor=ada.memberships.get(),
        membership=alice.memberships.get(),
        sign_in_url="/",
        **FORM,
    )
    response = client.post(reverse("account_login"), {"login": alice.email, "password": password})
    assert response.status_code == 302
    for page in ("dashboard:home", "people:list", "accounts:sessions"):
        response = client.get(reverse(page))
        assert response["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_the_reset_asks_for_the_password_again(client, ada, alice):
    signed_in(client, ada)
    response = client.post(reset_url(alice), FORM)
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert Authenticator.objects.filter(user=alice).exists()


@pytest.mark.parametrize("who", ["alice", "bob", "dana"])
def test_only_an_admin_resets_factors(client, request, who, alice, bob):
    signed_in(client, request.getfixturevalue(who), reauthenticated=True)
    target = bob if who == "alice" else alice
    assert client.post(reset_url(target), FORM).status_code == 404
    assert Authenticator.objects.filter(user=target).exists()
    assert not mail.outbox


def test_an_admin_of_another_organisation_cannot_reach_the_member(client, charlie, alice):
    signed_in(client, charlie, reauthenticated=True)
    assert client.post(reset_url(alice), FORM).status_code == 404
    assert Authenticator.objects.filter(user=alice).exists()


def test_an_admin_cannot_reset_their_own_factors(client, ada):
    signed_in(client, ada, reauthenticated=True)
    response = client.post(reset_url(ada), FORM, follow=True)
    assert "another admin of your organisation can" in response.content.decode()
    assert Authenticator.objects.filter(user=ada).exists()
    assert not AuditEvent.objects.filter(event_type=EventType.MFA_RESET).exists()
    with pytest.raises(Forbidden):
        services.member_factors_reset(
            actor=ada.memberships.get(), membership=ada.memberships.get(), sign_in_url="/", **FORM
        )


def test_an_admin_of_another_organisation_is_not_reset(client, ada, alice, org_b):
    """Alice also runs organisation B: organisation A's admin must not take her B admin
    account over by resetting her factors."""
    MembershipFactory(user=alice, organization=org_b, role=Role.ORG_ADMIN)
    signed_in(client, ada, reauthenticated=True)
    membership = alice.memberships.get(organization=ada.memberships.get().organization)
    url = reverse("accounts:member_factors_reset", args=[membership.public_id])
    response = client.post(url, FORM, follow=True)
    assert "admin of another organisation" in response.content.decode()
    assert Authenticator.objects.filter(user=alice).exists()
    assert not mail.outbox


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"reason": "lost"},
        {"reason": "bored", "identity_check": "in_person"},
        {"reason": "lost", "identity_check": "email"},
    ],
)
def test_a_reset_needs_a_reason_and_an_identity_check(client, ada, alice, form):
    signed_in(client, ada, reauthenticated=True)
    response = client.post(reset_url(alice), form, follow=True)
    assert "how you confirmed who the member is" in response.content.decode()
    assert Authenticator.objects.filter(user=alice).exists()


def test_the_member_page_offers_the_reset_to_an_admin_only(client, ada, alice):
    signed_in(client, ada)
    assert (
        "Reset second factors"
        in client.get(
            reverse("accounts:member", args=[alice.memberships.get().public_id])
        ).content.decode()
    )
    assert (
        "Reset second factors"
        not in client.get(
            reverse("accounts:member", args=[ada.memberships.get().public_id])
        ).content.decode()
    )
    signed_in(client, alice)
    assert (
        "Reset second factors"
        not in client.get(
            reverse("accounts:member", args=[alice.memberships.get().public_id])
        ).content.decode()
    )
