"""Events are recorded pending inside the caller's transaction, without a lock, and sealed
into the chain just after it commits; the database lets through that seal and nothing else."""

import datetime
import importlib
import io
import threading
import uuid

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction

from conftest import in_threads
from reunite.audit import services
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.audit.services import GENESIS, anchor, record, seal_pending, verify

SEAL_FIELDS = {"seq", "prev_hash", "hash"}
SQLITE_CONTENT_COLUMNS = importlib.import_module(
    "reunite.audit.migrations.0004_seal_after_commit"
).SQLITE_CONTENT_COLUMNS


def login_failed(n=0, **kwargs):
    return record(event_type=EventType.LOGIN_FAILED, data={"n": n}, source_ip="192.0.2.1", **kwargs)


def fetch(event):
    return AuditEvent.objects.get(pk=event.pk)


@pytest.fixture
def dead_sealer(monkeypatch):
    """A process killed between its commit and its on_commit sealer: the sealer never runs."""
    monkeypatch.setattr(services, "_seal_committed", lambda: None)


# --- Pending until commit -------------------------------------------------------------


@pytest.mark.django_db
def test_an_event_is_pending_inside_its_transaction_and_one_sealer_waits_for_the_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks:
        events = [login_failed(n) for n in range(3)]
        pending = [fetch(e) for e in events]
    assert [(e.seq, e.prev_hash, e.hash) for e in pending] == [(None, None, None)] * 3
    assert len(callbacks) == 1  # one sealer for the transaction, not one per event
    callbacks[0]()
    sealed = [fetch(e) for e in events]
    assert [e.seq for e in sealed] == [1, 2, 3]
    assert sealed[0].prev_hash == GENESIS and sealed[1].prev_hash == sealed[0].hash
    assert verify().ok


@pytest.mark.django_db(transaction=True)
def test_events_are_sealed_once_their_transaction_commits(transactional_db):
    with transaction.atomic():
        first, second = login_failed(1), login_failed(2)
        assert fetch(first).seq is None and fetch(second).seq is None
    assert (fetch(first).seq, fetch(second).seq) == (1, 2)
    third = login_failed(3)  # outside any transaction: record's own commits it
    assert fetch(third).seq == 3
    result = verify()
    assert (result.ok, result.checked, result.pending) == (True, 3, 0)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_event(transactional_db):
    with pytest.raises(RuntimeError), transaction.atomic():
        login_failed()
        raise RuntimeError("the caller fails after recording")
    assert not AuditEvent.objects.exists()
    kept = login_failed()
    assert fetch(kept).seq == 1 and verify().ok


@pytest.mark.django_db(transaction=True)
def test_an_event_after_a_rolled_back_savepoint_is_still_sealed(transactional_db):
    """The sealer queued inside a savepoint goes when the savepoint rolls back; an event
    recorded after it queues its own."""
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            login_failed(1)
            raise RuntimeError
        kept = login_failed(2)
    assert AuditEvent.objects.count() == 1
    assert fetch(kept).seq == 1


# --- The sweep ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_events_left_pending_by_a_dead_process_are_sealed_by_the_sweep(
    transactional_db, dead_sealer, settings, tmp_path
):
    settings.AUDIT_ANCHOR_PATH = tmp_path / "anchors.log"
    with transaction.atomic():
        orphans = [login_failed(n) for n in range(2)]
    assert [fetch(e).seq for e in orphans] == [None, None]
    out = io.StringIO()
    call_command("schedule", "--once", stdout=out)
    assert "sealed 2 pending audit events" in out.getvalue()
    assert [fetch(e).seq for e in orphans] == [1, 2]
    assert "anchored audit event #2" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_next_commit_anywhere_seals_what_a_dead_process_left(
    transactional_db, dead_sealer, monkeypatch
):
    with transaction.atomic():
        orphan = login_failed(1)
    monkeypatch.undo()  # the next process's sealer works
    with transaction.atomic():
        later = login_failed(2)
    assert (fetch(orphan).seq, fetch(later).seq) == (1, 2)  # insert order
    assert verify().ok


@pytest.mark.django_db(transaction=True)
def test_a_sealer_that_fails_leaves_the_commit_standing_and_the_events_pending(
    transactional_db, monkeypatch, caplog
):
    def lock_timeout(**kwargs):
        raise OperationalError("canceling statement due to lock timeout")

    monkeypatch.setattr(services, "seal_pending", lock_timeout)
    with transaction.atomic():
        event = login_failed()
    assert fetch(event).seq is None
    assert "events left pending" in caplog.text
    monkeypatch.undo()
    assert seal_pending() == 1 and verify().ok


@pytest.mark.django_db
def test_audit_commands_seal_pending_events_first(settings, tmp_path):
    settings.AUDIT_ANCHOR_PATH = tmp_path / "anchors.log"
    login_failed(1)
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert "Sealed 1 pending events." in out.getvalue()
    assert "intact: 1 events." in out.getvalue()
    login_failed(2)
    out = io.StringIO()
    call_command("audit", "anchor", stdout=out)
    assert "Anchored event #2" in out.getvalue()


@pytest.mark.django_db
def test_a_large_backlog_is_sealed_in_batches_into_one_chain():
    for n in range(7):
        login_failed(n)
    assert seal_pending(batch_size=3) == 7
    assert seal_pending() == 0
    in_insert_order = AuditEvent.objects.order_by("id").values_list("seq", flat=True)
    assert list(in_insert_order) == list(range(1, 8))
    assert verify().checked == 7


# --- Verify and anchor see pending events as pending ----------------------------------


@pytest.mark.django_db
def test_pending_events_are_counted_not_taken_for_a_broken_chain(tmp_path):
    login_failed(1)
    login_failed(2)
    seal_pending()
    login_failed(3)
    login_failed(4)
    result = verify()
    assert (result.ok, result.checked, result.pending) == (True, 2, 2)
    entry = anchor(path=tmp_path / "anchors.log", at=datetime.datetime.now(datetime.UTC))
    assert entry["seq"] == 2  # an anchor names sealed positions only


@pytest.mark.django_db
def test_nothing_to_anchor_while_every_event_is_pending(tmp_path):
    login_failed()
    assert anchor(path=tmp_path / "anchors.log", at=datetime.datetime.now(datetime.UTC)) is None


# --- The database lets sealing through, and nothing else ------------------------------


def changed_content(event):
    """For every column the digest covers (but seq and prev_hash), another value."""
    return {
        "id": event.id + 1000,
        "occurred_at": event.occurred_at + datetime.timedelta(seconds=1),
        "event_type": EventType.LOGIN.value,
        "actor_id": uuid.uuid4(),
        "organization_id": uuid.uuid4(),
        "target_type": "people.person",
        "target_id": str(uuid.uuid4()),
        "fields": ["notes"],
        "data": {"n": 99},
        "source_ip": "198.51.100.9",
    }


def a_seal(seq=1):
    return {"seq": seq, "prev_hash": GENESIS, "hash": "a" * 64}


@pytest.mark.django_db
def test_every_content_column_is_guarded():
    """A column added to AuditEvent must be added to changed_content() here and, for
    SQLite, to SQLITE_CONTENT_COLUMNS in the migration whose trigger compares columns."""
    content = {f.column for f in AuditEvent._meta.concrete_fields} - SEAL_FIELDS
    assert set(changed_content(login_failed())) == content
    assert set(SQLITE_CONTENT_COLUMNS) == content


@pytest.mark.django_db
def test_the_database_lets_a_pending_event_be_sealed():
    event = login_failed()
    assert AuditEvent.objects.filter(pk=event.pk).update(**a_seal()) == 1
    assert fetch(event).seq == 1
    # The database checks the shape of a seal, not its digest: verify() does that.
    assert verify().first_bad_seq == 1


@pytest.mark.django_db
@pytest.mark.parametrize("column", sorted(SQLITE_CONTENT_COLUMNS))
def test_the_database_refuses_a_seal_that_changes_content(column):
    event = login_failed()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(
            **a_seal(), **{column: changed_content(event)[column]}
        )
    assert fetch(event).seq is None


@pytest.mark.django_db
@pytest.mark.parametrize("column", sorted(SQLITE_CONTENT_COLUMNS))
def test_the_database_refuses_changing_a_pending_event(column):
    event = login_failed()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(**{column: changed_content(event)[column]})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"seq": 7}, id="moving it"),
        pytest.param({"hash": "b" * 64}, id="rehashing it"),
        pytest.param({"prev_hash": "c" * 64}, id="relinking it"),
        pytest.param({"seq": None, "prev_hash": None, "hash": None}, id="unsealing it"),
    ],
)
def test_the_database_refuses_to_seal_an_event_twice(change):
    event = login_failed()
    seal_pending()
    before = fetch(event)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(**change)
    after = fetch(event)
    assert (after.seq, after.prev_hash, after.hash) == (before.seq, before.prev_hash, before.hash)


@pytest.mark.django_db
@pytest.mark.parametrize("part", sorted(SEAL_FIELDS))
def test_the_database_refuses_half_a_seal(part):
    event = login_failed()
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(**{part: a_seal()[part]})


@pytest.mark.django_db
def test_the_database_refuses_deleting_a_pending_event():
    event = login_failed()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


# --- Concurrency: no lock held for the caller, no fork, no gap ------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_recorders_make_one_gap_free_chain(transactional_db):
    """Eight workers, ten transactions each of three events, all at once: every commit
    runs its sealer while the others record and seal."""

    def worker(w):
        def run():
            for t in range(10):
                with transaction.atomic():
                    for k in range(3):
                        login_failed(w * 100 + t * 10 + k)

        return run

    assert in_threads(*(worker(w) for w in range(8))) == [None] * 8
    result = verify()
    assert (result.ok, result.checked, result.pending) == (True, 240, 0)
    rows = list(AuditEvent.objects.order_by("seq").values_list("seq", "data"))
    assert [seq for seq, _ in rows] == list(range(1, 241))
    # Within one transaction the chain keeps the order the events were recorded in.
    for w in range(8):
        mine = [data["n"] for _, data in rows if data["n"] // 100 == w]
        assert mine == sorted(mine)


@pytest.mark.django_db(transaction=True)
def test_concurrent_sealers_never_fork(transactional_db, dead_sealer):
    with transaction.atomic():
        for n in range(40):
            login_failed(n)
    assert AuditEvent.objects.filter(seq__isnull=True).count() == 40
    outcomes = in_threads(*[lambda: seal_pending(batch_size=3)] * 4)
    assert sum(outcomes) == 40  # every event sealed once, by one of them
    result = verify()
    assert (result.ok, result.checked, result.pending) == (True, 40, 0)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="on SQLite any writing transaction holds the database's one write lock",
)
@pytest.mark.django_db(transaction=True)
def test_an_open_transaction_that_recorded_does_not_hold_up_anyone(transactional_db):
    """What the pending/seal split is for: A records and keeps its transaction open; B
    records, commits and is sealed meanwhile (under the old design B waited on A's lock)."""
    a_recorded, a_may_commit = threading.Event(), threading.Event()
    outcomes = {}

    def a():
        try:
            with transaction.atomic():
                login_failed(1)
                a_recorded.set()
                a_may_commit.wait(timeout=120)
        except Exception as exc:
            outcomes["a"] = exc
        finally:
            connection.close()

    def b():
        try:
            outcomes["b sealed at"] = fetch(login_failed(2)).seq
        except Exception as exc:
            outcomes["b"] = exc
        finally:
            connection.close()

    thread_a, thread_b = threading.Thread(target=a), threading.Thread(target=b)
    thread_a.start()
    try:
        assert a_recorded.wait(timeout=120)
        thread_b.start()
        thread_b.join(timeout=120)
        b_finished_while_a_was_open = not thread_b.is_alive() and thread_a.is_alive()
    finally:
        a_may_commit.set()
        thread_a.join(timeout=120)
    assert outcomes == {"b sealed at": 1}
    assert b_finished_while_a_was_open
    by_n = {e.data["n"]: e for e in AuditEvent.objects.all()}
    assert by_n[1].pk < by_n[2].pk  # A inserted first...
    assert (by_n[2].seq, by_n[1].seq) == (1, 2)  # ...B, committed first, was sealed first
    assert verify().ok
