"""gunicorn is told to stop (SIGTERM: systemd stop, a deploy) while a request is in flight."""

from __future__ import annotations

import signal
import time

import requests

from faults import harness
from faults.conftest import start_server
from faults.tests.test_database import (
    api,
    assert_unchanged,
    hold_row_lock,
    in_thread,
    recover,
    sealed_row,
)


def test_sigterm_lets_the_request_in_flight_finish(portal):
    """After SIGTERM no new request is served; the request already in flight still
    completes (within WEB_GRACEFUL_SECONDS) and its change is saved exactly once."""
    person = portal.seed["people"][0]
    server = start_server(portal, WEB_GRACEFUL_SECONDS="15")
    call = api(server, portal.agent("token", email="alice@faults.example.org")["token"])
    lock = hold_row_lock(portal, person)
    pending = in_thread(lambda: call("PATCH", f"/people/{person}/", json={"notes": "moved"}))
    harness.wait_for(
        lambda: portal.cluster.backends(portal.db, waiting_on_lock=True),
        timeout=10,
        what="the request to be in flight",
    )
    server.signal(signal.SIGTERM)

    def not_served() -> bool:  # refused, or left unanswered until the workers are gone
        try:
            requests.get(server.url("/accounts/login/"), timeout=1)
        except requests.RequestException:
            return True
        return False

    harness.wait_for(not_served, timeout=5, what="new requests to be turned away")
    began = time.monotonic()
    lock.rollback()
    lock.close()
    response = pending()
    assert response.status_code == 200, response.text
    assert server.process.wait(timeout=20) == 0
    harness.report("SIGTERM during a request", time.monotonic() - began, "finished and stopped")
    assert portal.agent("person_state", public_id=person)["updated_events"] == 1


def test_sigterm_past_the_grace_period_rolls_the_request_back(portal):
    """A request still stuck when the grace period ends is killed with its worker: the
    client's connection drops, PostgreSQL rolls the open transaction back (nothing of
    it is saved), and a restarted server takes the same change."""
    person = portal.seed["people"][0]
    server = start_server(portal, WEB_GRACEFUL_SECONDS="1")
    call = api(server, portal.agent("token", email="alice@faults.example.org")["token"])
    before = sealed_row(portal, person)
    lock = hold_row_lock(portal, person)
    pending = in_thread(lambda: call("PATCH", f"/people/{person}/", json={"notes": "moved"}))
    harness.wait_for(
        lambda: portal.cluster.backends(portal.db, waiting_on_lock=True),
        timeout=10,
        what="the request to be in flight",
    )
    server.signal(signal.SIGTERM)
    try:
        response = pending()
    except requests.ConnectionError:
        response = None
    assert response is None or response.status_code >= 500
    server.process.wait(timeout=20)
    lock.rollback()  # the orphaned backend now finishes its statement, finds no client
    lock.close()
    harness.wait_for(
        lambda: not portal.cluster.backends(portal.db),
        timeout=10,
        what="the orphaned transaction to end",
    )
    assert_unchanged(portal, person, before)

    restarted = harness.Server(portal)
    portal.processes.append(restarted)
    harness.report("gunicorn restarted", restarted.start(), "serving (start time, reported apart)")
    call = api(restarted, portal.agent("token", email="alice@faults.example.org")["token"])
    recover(
        lambda: call("PATCH", f"/people/{person}/", json={"notes": "moved"}),
        scenario="SIGTERM past the grace period, server restarted",
    )
    assert portal.agent("person_state", public_id=person)["updated_events"] == 1
