"""The audit log is append-only, hash-chained, and tampering is found."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.audit.services import GENESIS, anchor, record, seal_pending, verify

pytestmark = pytest.mark.django_db


def make_events(n=5):
    """n events, sealed as they would be once their transaction commits (the test's own
    transaction never commits, so its on_commit sealer never runs: seal by hand)."""
    events = [
        record(event_type=EventType.LOGIN_FAILED, data={"n": i}, source_ip="192.0.2.1")
        for i in range(n)
    ]
    seal_pending()
    for event in events:
        event.refresh_from_db()
    return events


def without_triggers(sql, params=()):
    """What an intruder with database access would do: drop the guard, then edit."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER audit_seal_only")
            cursor.execute("DROP TRIGGER audit_no_delete")
            cursor.execute(sql, params)


def test_events_chain_from_genesis():
    events = make_events(3)
    assert events[0].prev_hash == GENESIS
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[1].prev_hash == events[0].hash
    assert verify().ok


def test_record_refuses_free_text_event_types():
    with pytest.raises(TypeError):
        record(event_type="made.up")


def test_the_database_refuses_updates_and_deletes():
    event = make_events(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(event_type=EventType.LOGIN)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_verify_finds_the_first_altered_event():
    events = make_events(5)
    without_triggers(
        "UPDATE audit_auditevent SET source_ip = %s WHERE seq = %s", ["198.51.100.1", events[2].seq]
    )
    result = verify()
    assert not result.ok
    assert result.first_bad_seq == events[2].seq
    assert result.checked == 2


def test_verify_finds_a_removed_event():
    events = make_events(5)
    without_triggers("DELETE FROM audit_auditevent WHERE seq = %s", [events[1].seq])
    assert verify().first_bad_seq == events[1].seq


def test_verify_finds_an_event_unsealed_in_the_middle():
    """Emptying a sealed event's place (to have it sealed again elsewhere) leaves a gap."""
    events = make_events(4)
    without_triggers(
        "UPDATE audit_auditevent SET seq = NULL, prev_hash = NULL, hash = NULL WHERE seq = %s",
        [events[1].seq],
    )
    result = verify()
    assert (result.ok, result.first_bad_seq, result.pending) == (False, events[1].seq, 1)


def test_anchors_reveal_deleted_newest_events(tmp_path):
    events = make_events(4)
    anchors = tmp_path / "anchors.log"
    entry = anchor(path=anchors, at=timezone.now())
    assert entry["seq"] == events[-1].seq
    without_triggers("DELETE FROM audit_auditevent WHERE seq >= %s", [events[-2].seq])
    assert verify().ok  # the chain alone cannot tell that its tail is gone...
    result = verify(anchor_path=anchors)
    assert not result.ok  # ...but the anchor kept outside the database can
    assert result.first_bad_seq == events[-1].seq
    assert json.loads(anchors.read_text().splitlines()[0])["hash"] == events[-1].hash


def test_audit_verify_command_reports_tampering(settings, tmp_path, capsys):
    settings.AUDIT_ANCHOR_PATH = tmp_path / "anchors.log"
    events = make_events(3)
    call_command("audit", "verify")
    assert "intact: 3 events" in capsys.readouterr().out
    without_triggers("UPDATE audit_auditevent SET data = %s WHERE seq = %s", ['{"n": 99}', events[0].seq])
    with pytest.raises(CommandError, match="event #1"):
        call_command("audit", "verify")


def test_audit_anchor_command_appends_to_the_file(settings, tmp_path):
    settings.AUDIT_ANCHOR_PATH = tmp_path / "anchors.log"
    make_events(2)
    call_command("audit", "anchor")
    make_events(1)
    call_command("audit", "anchor")
    lines = settings.AUDIT_ANCHOR_PATH.read_text().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [2, 3]
