"""No open sign-up: admins invite, invitees set a password, then must enrol MFA."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from conftest import signed_in
from reunite.accounts import services
from reunite.accounts.models import Invitation, Membership, User
from reunite.accounts.roles import Role
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.core.errors import Conflict, Forbidden, Invalid, NotFound

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "tamale-Orbit-9-quietly"


def url_for(token):
    return f"https://portal.test/invitations/accept/{token}/"


@pytest.fixture
def ada_membership(ada):
    return ada.memberships.get()


def invite(actor, email="newcomer@a.example.org", role=Role.LEGAL_ASSISTANT, now=None):
    return services.invitation_create(
        actor=actor, email=email, role=role, now=now or timezone.now(), accept_url=url_for
    )


def test_invitation_emails_a_link_and_stores_only_a_hash(ada_membership):
    invitation, token = invite(ada_membership)
    assert len(mail.outbox) == 1
    assert url_for(token) in mail.outbox[0].body
    assert token not in invitation.token_hash
    event = AuditEvent.objects.get(event_type=EventType.INVITATION_SENT)
    assert event.target_id == str(invitation.public_id)
    assert "newcomer" not in str(event.data)


@pytest.mark.parametrize("role", [Role.ATTORNEY, Role.LEGAL_ASSISTANT, Role.AUDITOR])
def test_only_admins_can_invite(org_a, role):
    actor = Membership.objects.create(
        organization=org_a, role=role, user=User.objects.create_user("x@a.example.org", "p")
    )
    with pytest.raises(Forbidden):
        invite(actor)


def test_sign_up_is_closed(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "walkin@example.org", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )
    assert not User.objects.filter(email="walkin@example.org").exists()
    assert response.status_code == 200
    assert b"closed" in response.content.lower()


def test_accepting_creates_the_member_with_a_verified_email(ada_membership):
    _, token = invite(ada_membership, role=Role.ATTORNEY)
    membership = services.invitation_accept(
        token=token, now=timezone.now(), full_name="Nuevo Abogado", password=GOOD_PASSWORD
    )
    assert membership.role == Role.ATTORNEY
    assert membership.organization == ada_membership.organization
    assert membership.user.emailaddress_set.get().verified
    assert membership.user.check_password(GOOD_PASSWORD)
    assert AuditEvent.objects.filter(event_type=EventType.INVITATION_ACCEPTED).exists()


def test_a_token_works_once(ada_membership):
    _, token = invite(ada_membership)
    services.invitation_accept(
        token=token, now=timezone.now(), full_name="A", password=GOOD_PASSWORD
    )
    with pytest.raises(NotFound):
        services.invitation_accept(
            token=token, now=timezone.now(), full_name="B", password=GOOD_PASSWORD
        )


def test_expired_and_revoked_invitations_are_refused(ada_membership):
    now = timezone.now()
    _, expired = invite(ada_membership, email="late@a.example.org", now=now - timedelta(days=30))
    with pytest.raises(NotFound):
        services.invitation_accept(token=expired, now=now, full_name="L", password=GOOD_PASSWORD)
    invitation, revoked = invite(ada_membership, email="revoked@a.example.org")
    services.invitation_revoke(actor=ada_membership, invitation=invitation, now=now)
    with pytest.raises(NotFound):
        services.invitation_accept(token=revoked, now=now, full_name="R", password=GOOD_PASSWORD)


def test_weak_passwords_are_refused_on_acceptance(ada_membership):
    _, token = invite(ada_membership)
    with pytest.raises(Invalid):
        services.invitation_accept(
            token=token, now=timezone.now(), full_name="W", password="password1234"
        )
    assert Invitation.objects.get().accepted_at is None


def test_inviting_an_existing_member_is_a_conflict(ada_membership, alice):
    with pytest.raises(Conflict):
        invite(ada_membership, email=alice.email)


def test_an_existing_user_joins_a_second_organisation_and_can_switch(client, org_b, charlie, alice):
    admin_b = Membership.objects.create(
        organization=org_b,
        role=Role.ORG_ADMIN,
        user=User.objects.create_user("adm@b.example.org", "p"),
    )
    _, token = invite(admin_b, email=alice.email, role=Role.ATTORNEY)
    signed_in(client, alice)
    response = client.post(reverse("accounts:invitation_accept", kwargs={"token": token}))
    assert response.status_code == 302
    assert alice.memberships.count() == 2
    home = client.get(reverse("dashboard:home")).content.decode()
    assert org_b.name in home
    first = alice.memberships.get(organization__name__startswith="Border")
    client.post(reverse("accounts:switch"), {"membership": first.public_id})
    assert (
        "Border Legal Aid"
        in client.get(reverse("dashboard:home")).context["membership"].organization.name
    )


def test_invitation_page_keeps_what_was_typed_when_invalid(client, ada_membership):
    _, token = invite(ada_membership)
    url = reverse("accounts:invitation_accept", kwargs={"token": token})
    response = client.post(
        url, {"full_name": "Rosa Tzul", "password1": "short", "password2": "short"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="Rosa Tzul"' in page
    assert "at least 12" in page
    assert not User.objects.filter(full_name="Rosa Tzul").exists()


def test_accepting_through_the_page_signs_in_and_sends_to_mfa_enrolment(client, ada_membership):
    _, token = invite(ada_membership)
    url = reverse("accounts:invitation_accept", kwargs={"token": token})
    response = client.post(
        url, {"full_name": "Rosa Tzul", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    assert response.status_code == 302
    dashboard = client.get(reverse("dashboard:home"))
    assert dashboard["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code == 200  # no second password prompt


def test_an_invalid_link_says_so(client):
    response = client.get(reverse("accounts:invitation_accept", kwargs={"token": "not-a-token"}))
    assert response.status_code == 404
    assert b"not valid" in response.content
