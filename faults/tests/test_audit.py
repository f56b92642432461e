"""The audit chain's sealer (after each commit, see reunite/audit/services.py) is held up
or its process killed: the change and its events are committed all the same, the events
wait pending, and the next sealer or the sweep chains them without a gap."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import requests

from faults import harness
from faults.conftest import start_server
from faults.tests.test_database import api, in_thread

LOCK_KEY = 0x52_45_55_4E  # reunite.audit.services._LOCK_KEY: the sealers' advisory lock


def hold_sealer_lock(portal):
    """An open transaction holding the sealers' lock, as a stuck sealer would."""
    conn = portal.cluster.connect(portal.db, autocommit=False)
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
    return conn


def sealer_waiting(portal) -> bool:
    """A portal backend is waiting for the sealers' lock, i.e. a request has committed
    and its sealer started."""
    return bool(
        portal.cluster.sql(
            "SELECT 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
            "WHERE l.locktype = 'advisory' AND NOT l.granted AND a.datname = %s",
            (portal.db,),
        )
    )


def workers(server) -> list[int]:
    """The gunicorn master's worker processes."""
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    return [int(pid) for pid in children.read_text().split()]


def test_a_sealer_held_up_does_not_fail_the_committed_request(portal):
    """The sealer cannot get the lock in time (DB_LOCK_TIMEOUT_MS): the change still
    answers 200 and is saved, its events wait pending and verify as an intact chain; the
    next audited request anywhere seals them."""
    person = portal.seed["people"][0]
    server = start_server(portal, DB_LOCK_TIMEOUT_MS="1000")
    call = api(server, portal.agent("token", email="alice@faults.example.org")["token"])
    before = portal.agent("counts")
    assert before["audit_pending"] == 0
    lock = hold_sealer_lock(portal)
    try:
        response = call("PATCH", f"/people/{person}/", json={"notes": "moved"})
        assert response.status_code == 200, response.text
        held = portal.agent("counts")
    finally:
        lock.rollback()
        lock.close()
    assert held["audit_chain_ok"] and held["audit_pending"] >= 1
    assert held["audit_sealed"] == before["audit_sealed"]
    assert portal.agent("person_state", public_id=person)["updated_events"] == 1
    assert "events left pending" in portal.text_of_logs()

    began = time.monotonic()
    assert call("GET", "/people/").status_code == 200  # its sealer seals everyone's
    harness.report("sealer lock released", time.monotonic() - began, "next request sealed all")
    after = portal.agent("counts")
    assert after["audit_chain_ok"] and after["audit_pending"] == 0
    assert after["audit_sealed"] >= held["audit_sealed"] + held["audit_pending"]


def test_a_worker_killed_between_commit_and_seal_leaves_its_events_to_the_sweep(portal):
    """The worker is SIGKILLed after its transaction committed, while its sealer waits:
    the change is saved, its events are pending (not lost, not a broken chain), and
    `reunite audit verify` seals them first, then finds the chain intact."""
    person = portal.seed["people"][0]
    server = start_server(portal)
    call = api(server, portal.agent("token", email="alice@faults.example.org")["token"])
    lock = hold_sealer_lock(portal)
    try:
        pending = in_thread(lambda: call("PATCH", f"/people/{person}/", json={"notes": "moved"}))
        harness.wait_for(
            lambda: sealer_waiting(portal), timeout=10, what="the request's sealer to wait"
        )
        for pid in workers(server):
            os.kill(pid, signal.SIGKILL)
        try:
            response = pending()
        except requests.ConnectionError:
            response = None
        assert response is None or response.status_code >= 500
        orphans = portal.cluster.backends(portal.db)
        portal.cluster.terminate(orphans)  # what PostgreSQL does once it sees the client gone
    finally:
        lock.rollback()
        lock.close()
    state = portal.agent("person_state", public_id=person)
    assert (state["notes"], state["updated_events"]) == ("moved", 1)
    left = portal.agent("counts")
    assert left["audit_chain_ok"] and left["audit_pending"] >= 1

    began = time.monotonic()
    done = portal.manage("audit", "verify")
    harness.report("killed sealer", time.monotonic() - began, "sealed by `reunite audit verify`")
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"Sealed {left['audit_pending']} pending events." in done.stdout
    assert "Audit chain intact" in done.stdout
    after = portal.agent("counts")
    assert after["audit_chain_ok"] and after["audit_pending"] == 0
