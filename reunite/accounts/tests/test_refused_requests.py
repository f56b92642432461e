"""Refused input and refused workflow moves leave an audit event (ASVS 16.3.3): who, which
route, which status; never what was typed."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from conftest import signed_in
from reunite.accounts.middleware import RefusedRequestAuditMiddleware
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.people.tests.test_views import NEW_PARENT, parent_post

pytestmark = pytest.mark.django_db


def refused():
    return AuditEvent.objects.filter(event_type=EventType.REQUEST_REFUSED)


def test_an_invalid_form_is_recorded_without_what_was_typed(client, alice):
    signed_in(client, alice)
    response = client.post(NEW_PARENT, parent_post(**{"person-birth_date": "1989-13-45"}))
    assert response.status_code == 400
    event = refused().get()
    assert event.actor_id == alice.public_id
    assert event.organization_id == alice.memberships.get().organization.public_id
    assert event.data == {"status": 400, "route": "people:new_parent", "method": "POST"}
    assert "1989-13-45" not in str(event.data) and event.fields == []


def test_a_valid_form_and_a_plain_page_are_not_refusals(client, alice):
    signed_in(client, alice)
    assert client.post(NEW_PARENT, parent_post()).status_code == 302
    assert client.get(NEW_PARENT).status_code == 200
    assert not refused().exists()


@pytest.mark.parametrize("status", [409, 400])
def test_a_conflict_or_bad_input_from_a_member_is_recorded(alice, status):
    request = RequestFactory().post("/cases/x/transition/", REMOTE_ADDR="192.0.2.7")
    request.user, request.membership = alice, alice.memberships.get()
    middleware = RefusedRequestAuditMiddleware(lambda r: HttpResponse(status=status))
    assert middleware(request).status_code == status
    event = refused().get()
    assert (event.data["status"], event.source_ip) == (status, "192.0.2.7")


@pytest.mark.parametrize(
    ("path", "status", "user"),
    [
        ("/cases/x/", 404, "alice"),  # recorded as access.denied by the gate
        ("/api/v1/people/", 400, "alice"),  # the API records every call with its status
        ("/accounts/login/", 400, None),  # nobody signed in: the throttles count these
    ],
)
def test_what_is_not_a_refused_request(request, path, status, user):
    factory_request = RequestFactory().post(path)
    factory_request.user = request.getfixturevalue(user) if user else AnonymousUser()
    middleware = RefusedRequestAuditMiddleware(lambda r: HttpResponse(status=status))
    middleware(factory_request)
    assert not refused().exists()
