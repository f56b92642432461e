"""Log metadata, time and injection requirements of OWASP ASVS 5.0 (V16) for the audit
log (docs/security/asvs.yaml names these tests)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.urls import reverse

from conftest import totp_now
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.audit.services import record

pytestmark = pytest.mark.django_db


def test_every_event_says_when_who_what_and_from_where(
    client, alice, password, django_capture_on_commit_callbacks
):
    """16.2.1, 16.2.2: a sign-in is recorded with its UTC time, the member, the
    organisation, the kind of event and the client address, and sealed into the chain
    once its transaction commits (the callbacks run as they would on commit)."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_login"),
            {"login": alice.email, "password": password},
            REMOTE_ADDR="198.51.100.3",
        )
        client.post(
            reverse("mfa_authenticate"),
            {"code": totp_now(alice.totp_secret)},
            REMOTE_ADDR="198.51.100.3",
        )
    event = AuditEvent.objects.get(event_type=EventType.LOGIN)
    assert event.actor_id == alice.public_id
    assert event.organization_id == alice.memberships.get().organization.public_id
    assert event.source_ip == "198.51.100.3"
    assert event.occurred_at.utcoffset() == timedelta(0)
    assert abs(event.occurred_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert event.seq >= 1 and len(event.hash) == 64


def test_a_local_clock_is_stored_as_utc(alice):
    """16.2.2: an event stamped in another zone is kept in UTC (same instant)."""
    bogota = timezone(timedelta(hours=-5))
    event = record(
        event_type=EventType.LOGOUT, actor=alice, at=datetime(2026, 3, 1, 9, 0, tzinfo=bogota)
    )
    event.refresh_from_db()
    assert event.occurred_at.utcoffset() == timedelta(0)
    assert event.occurred_at == datetime(2026, 3, 1, 14, 0, tzinfo=UTC)


def test_text_typed_at_sign_in_cannot_forge_a_log_line(client, alice):
    """16.4.1: what an attacker types never reaches the log as text: a failed sign-in
    records a keyed pseudonym of the typed address, so newlines and fake entries vanish."""
    forged = "x@example.org\n2026-01-01 auth.login actor=admin OK"
    client.post(reverse("account_login"), {"login": forged, "password": "guess guess guess"})
    client.post(reverse("account_login"), {"login": alice.email, "password": "wrong wrong 1"})
    events = AuditEvent.objects.filter(event_type=EventType.LOGIN_FAILED)
    assert events.count() >= 1
    for event in events:
        text = str(event.data) + " ".join(event.fields) + event.target_id
        assert "\n" not in text and "auth.login actor" not in text and "@" not in text
