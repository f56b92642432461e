"""Auditors and admins see their organisation's audit log, filtered; nobody else does."""

import pytest
from django.urls import reverse

from conftest import signed_in
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.audit.services import record, seal_pending

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(org_a, org_b, alice, charlie):
    record(event_type=EventType.ROLE_CHANGED, actor=alice, organization=org_a, fields=["role"])
    record(event_type=EventType.INVITATION_SENT, actor=charlie, organization=org_b)
    record(event_type=EventType.LOGIN, actor=alice)


@pytest.mark.parametrize("viewer", ["dana", "ada"])
def test_auditors_and_admins_see_only_their_organisation(request, client, events, viewer):
    signed_in(client, request.getfixturevalue(viewer))
    response = client.get(reverse("dashboard:audit"))
    assert response.status_code == 200
    shown = {event.event_type for event, _ in response.context["rows"]}
    assert EventType.ROLE_CHANGED in shown
    assert EventType.LOGIN in shown  # a member's own sign-in
    assert EventType.INVITATION_SENT not in shown  # org B's


@pytest.mark.parametrize("viewer", ["alice", "bob", "charlie"])
def test_other_roles_cannot_open_the_audit_log(request, client, events, viewer):
    signed_in(client, request.getfixturevalue(viewer))
    assert client.get(reverse("dashboard:audit")).status_code == 403


def test_filters_narrow_the_list(client, dana, alice, events):
    signed_in(client, dana)
    response = client.get(reverse("dashboard:audit"), {"event_type": EventType.ROLE_CHANGED})
    assert {e.event_type for e, _ in response.context["rows"]} == {EventType.ROLE_CHANGED}
    response = client.get(reverse("dashboard:audit"), {"actor": str(dana.public_id)})
    assert all(e.actor_id == dana.public_id for e, _ in response.context["rows"])


def test_reading_the_audit_log_is_itself_audited(client, dana, events):
    signed_in(client, dana)
    client.get(reverse("dashboard:audit"))
    assert AuditEvent.objects.filter(
        event_type=EventType.AUDIT_VIEWED, actor_id=dana.public_id
    ).exists()


def test_audit_page_query_count_does_not_grow_with_events(
    client, dana, alice, org_a, django_assert_max_num_queries
):
    signed_in(client, dana)
    for _ in range(60):
        record(event_type=EventType.LOGIN, actor=alice, organization=org_a)
    with django_assert_max_num_queries(25):
        client.get(reverse("dashboard:audit"))


def test_pending_events_are_listed_too_newest_first(client, dana, alice, org_a):
    """An event is pending (no seq) from its insert until just after its transaction
    commits; the log lists it in insert order all the same, marked pending."""
    signed_in(client, dana)
    sealed = record(event_type=EventType.ROLE_CHANGED, actor=alice, organization=org_a)
    seal_pending()
    sealed.refresh_from_db()
    pending = record(event_type=EventType.INVITATION_SENT, actor=alice, organization=org_a)
    response = client.get(reverse("dashboard:audit"))
    shown = [event.pk for event, _ in response.context["rows"]]
    assert shown.index(pending.pk) < shown.index(sealed.pk)
    body = response.content.decode()
    assert f"<tr><td>{sealed.seq}</td>" in body
    assert "<tr><td>pending</td>" in body
