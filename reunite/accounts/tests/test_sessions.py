"""Sessions end after idle time and after an absolute lifetime."""

import pytest
import time_machine
from django.urls import reverse

from conftest import signed_in
from reunite.accounts.middleware import session_expiry
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("auth_at", "last_seen", "now", "expected"),
    [
        (0, 0, 60, None),
        (0, 0, 15 * 60 + 1, "idle"),
        (0, 12 * 3600 - 60, 12 * 3600 + 1, "lifetime"),
        (0, 12 * 3600 - 60, 12 * 3600 - 1, None),
        (None, 0, 1, "lifetime"),
    ],
)
def test_session_expiry_rules(auth_at, last_seen, now, expected):
    assert session_expiry(now=now, auth_at=auth_at, last_seen=last_seen) == expected


def test_idle_session_is_ended_and_audited(client, alice):
    with time_machine.travel("2026-11-29 10:00", tick=False) as clock:
        signed_in(client, alice)
        assert client.get(reverse("dashboard:home")).status_code == 200
        clock.shift(14 * 60)
        assert client.get(reverse("dashboard:home")).status_code == 200
        clock.shift(16 * 60)
        response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(event_type=EventType.SESSION_EXPIRED)
    assert event.data == {"reason": "idle"}


def test_busy_session_still_ends_after_its_lifetime(client, alice, settings):
    with time_machine.travel("2026-11-29 08:00", tick=False) as clock:
        signed_in(client, alice)
        for _ in range(12 * 6 + 1):  # a request every ten minutes, past twelve hours
            clock.shift(10 * 60)
            response = client.get(reverse("dashboard:home"))
            if response.status_code == 302:
                break
    assert response.status_code == 302
    assert AuditEvent.objects.get(event_type=EventType.SESSION_EXPIRED).data == {
        "reason": "lifetime"
    }


def test_idle_limit_is_configurable(client, alice, settings):
    settings.SESSION_IDLE_SECONDS = 60
    with time_machine.travel("2026-11-29 10:00", tick=False) as clock:
        signed_in(client, alice)
        clock.shift(61)
        assert client.get(reverse("dashboard:home")).status_code == 302
