"""Roles, attorney verification, deactivation: admin-only, step-up, audited."""

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import signed_in
from reunite.accounts import services
from reunite.accounts.roles import Role
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.core.errors import Conflict, Forbidden, Invalid

pytestmark = pytest.mark.django_db


def membership(user):
    return user.memberships.get()


def test_role_change_is_audited_without_personal_values(ada, bob):
    services.membership_change_role(
        actor=membership(ada), membership=membership(bob), role=Role.ATTORNEY
    )
    event = AuditEvent.objects.get(event_type=EventType.ROLE_CHANGED)
    assert event.fields == ["role"]
    assert event.data == {"from": Role.LEGAL_ASSISTANT, "to": Role.ATTORNEY}
    assert event.actor_id == ada.public_id


def test_the_last_admin_cannot_step_down_or_be_deactivated(ada):
    with pytest.raises(Conflict):
        services.membership_change_role(
            actor=membership(ada), membership=membership(ada), role=Role.ATTORNEY
        )
    with pytest.raises(Conflict):
        services.membership_deactivate(actor=membership(ada), membership=membership(ada))


def test_non_admins_cannot_change_roles(alice, bob):
    with pytest.raises(Forbidden):
        services.membership_change_role(
            actor=membership(alice), membership=membership(bob), role=Role.ORG_ADMIN
        )


def test_attorney_verification_needs_credentials_and_an_admin(ada, org_a):
    from reunite.accounts.tests.factories import MembershipFactory

    lawyer = MembershipFactory(organization=org_a, role=Role.ATTORNEY)
    with pytest.raises(Invalid):
        services.attorney_verify(actor=membership(ada), membership=lawyer, now=timezone.now())
    services.membership_set_credentials(
        actor=lawyer, membership=lawyer, bar_number="24012345", bar_state="tx", eoir_id=""
    )
    verified = services.attorney_verify(
        actor=membership(ada), membership=lawyer, now=timezone.now()
    )
    assert verified.is_verified_attorney
    assert verified.bar_state == "TX"
    # Changing credentials withdraws the verification until an admin checks them again.
    changed = services.membership_set_credentials(
        actor=verified, membership=verified, bar_number="99999999", bar_state="TX", eoir_id=""
    )
    assert not changed.is_verified_attorney


def test_leaving_the_attorney_role_drops_the_verification(ada, alice):
    changed = services.membership_change_role(
        actor=membership(ada), membership=membership(alice), role=Role.LEGAL_ASSISTANT
    )
    assert changed.attorney_verified_at is None


def test_role_change_asks_for_the_password_again(client, ada, bob):
    signed_in(client, ada)
    url = reverse("accounts:member_role", kwargs={"public_id": membership(bob).public_id})
    response = client.post(url, {"role": Role.ATTORNEY})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert membership(bob).role == Role.LEGAL_ASSISTANT


def test_role_change_after_reauthentication(client, ada, bob):
    signed_in(client, ada, reauthenticated=True)
    url = reverse("accounts:member_role", kwargs={"public_id": membership(bob).public_id})
    assert client.post(url, {"role": Role.ATTORNEY}).status_code == 302
    assert membership(bob).role == Role.ATTORNEY


def test_an_attorney_records_their_own_credentials(client, org_a, ada):
    from reunite.accounts.tests.factories import MembershipFactory

    lawyer = MembershipFactory(organization=org_a, role=Role.ATTORNEY)
    from reunite.accounts.tests.factories import enrol_totp

    enrol_totp(lawyer.user)
    signed_in(client, lawyer.user)
    url = reverse("accounts:member_credentials", kwargs={"public_id": lawyer.public_id})
    bad = client.post(url, {"bar_number": "", "bar_state": "", "eoir_id": ""})
    assert bad.status_code == 400
    assert b"bar number and state, or an EOIR ID" in bad.content
    assert (
        client.post(url, {"bar_number": "", "bar_state": "", "eoir_id": "EOIR-4411"}).status_code
        == 302
    )
    lawyer.refresh_from_db()
    assert lawyer.eoir_id == "EOIR-4411"


def test_members_page_lists_only_the_organisation(
    client, ada, alice, charlie, django_assert_max_num_queries
):
    signed_in(client, ada)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("accounts:members")).content.decode()
    assert alice.email in page
    assert charlie.email not in page
