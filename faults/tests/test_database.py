"""The database goes away, stalls or runs out of connections under the portal.

"Database restart" is simulated by terminating the portal's backends with
`pg_terminate_backend` (what a restart does to every connection), not by restarting the
shared PostgreSQL server, which other suites on the machine use at the same time.
"""

from __future__ import annotations

import threading
import time

import psycopg
import requests

from faults import harness
from faults.conftest import start_server


def api(server, token):
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"

    def call(method, path, **kwargs):
        return http.request(method, server.url("/api/v1" + path), timeout=30, **kwargs)

    return call


def in_thread(call):
    """Start `call` in a thread; `join()` returns its result (or raises its exception)."""
    box = {}

    def run():
        try:
            box["value"] = call()
        except Exception as exc:
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()

    def join(timeout=60):
        thread.join(timeout)
        assert not thread.is_alive(), "the request hung"
        if "error" in box:
            raise box["error"]
        return box["value"]

    return join


def sealed_row(portal, person_id):
    """The person's row as stored (sealed values), to compare before and after."""
    return portal.cluster.sql(
        "SELECT given_names, notes, updated_at FROM people_person WHERE public_id = %s",
        (person_id,),
        db=portal.db,
    )[0]


def hold_row_lock(portal, person_id):
    """An open transaction holding the person's row lock, as a slow writer would."""
    conn = portal.cluster.connect(portal.db, autocommit=False)
    conn.execute("SELECT 1 FROM people_person WHERE public_id = %s FOR UPDATE", (person_id,))
    return conn


def recover(call, expected=200, *, scenario):
    """Retry `call` until it answers `expected`; report and check the time it took."""
    began = time.monotonic()
    harness.wait_for(
        lambda: call().status_code == expected,
        timeout=harness.RECOVERY_SECONDS * 3,
        interval=0.1,
        what=f"{expected}",
    )
    seconds = harness.report(scenario, time.monotonic() - began)
    assert seconds < harness.RECOVERY_SECONDS
    return seconds


def assert_unchanged(portal, person_id, before):
    assert sealed_row(portal, person_id) == before, "a half-done change reached the row"
    assert portal.agent("person_state", public_id=person_id)["updated_events"] == 0


def test_database_connections_killed_between_requests(portal):
    """Every pooled connection dies (as in a database restart): the next request finds a
    new one (CONN_MAX_AGE with health checks) or fails closed with a 503, never a 500."""
    server = start_server(portal, DB_CONN_MAX_AGE="60")
    call = api(server, portal.agent("token", email="alice@faults.example.org")["token"])
    for _ in range(6):  # both workers hold a connection now
        assert call("GET", "/people/").status_code == 200
    assert portal.cluster.backends(portal.db)
    portal.cluster.terminate(portal.cluster.backends(portal.db))
    began = time.monotonic()
    statuses = []
    while time.monotonic() - began < harness.RECOVERY_SECONDS:
        response = call("GET", "/people/")
        statuses.append(response.status_code)
        if response.status_code != 200:  # an error page shows no client data
            portal.seen.append(response.text)
        if response.status_code == 200 and len(statuses) >= 4:
            break
    harness.report("connections killed between requests", time.monotonic() - began)
    assert set(statuses) <= {200, 503}, statuses
    assert statuses[-1] == 200


def test_database_connection_killed_mid_request(portal):
    """The backend serving a change is terminated in the middle of its transaction: the
    client gets a 503 with Retry-After, nothing of the change is saved, and the same
    change goes through on the next try."""
    person = portal.seed["people"][0]
    server = start_server(portal)
    call = api(server, portal.agent("token", email="alice@faults.example.org")["token"])
    before = sealed_row(portal, person)
    lock = hold_row_lock(portal, person)
    pending = in_thread(lambda: call("PATCH", f"/people/{person}/", json={"notes": "moved"}))
    victims = harness.wait_for(
        lambda: portal.cluster.backends(portal.db, waiting_on_lock=True),
        timeout=10,
        what="the request to wait inside its transaction",
    )
    portal.cluster.terminate(victims)
    response = pending()
    portal.seen.append(response.text)
    lock.rollback()
    lock.close()
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "unavailable"
    assert response.headers["Retry-After"]
    assert_unchanged(portal, person, before)
    recover(
        lambda: call("PATCH", f"/people/{person}/", json={"notes": "moved"}),
        scenario="backend killed mid-request",
    )
    assert portal.agent("person_state", public_id=person)["updated_events"] == 1


def test_lock_wait_gives_up_with_a_503(portal):
    """A change blocked behind another transaction's row lock waits DB_LOCK_TIMEOUT_MS,
    then answers 503 (the worker is free again) and saves nothing."""
    person = portal.seed["people"][0]
    server = start_server(portal, DB_LOCK_TIMEOUT_MS="1000", DB_STATEMENT_TIMEOUT_MS="0")
    call = api(server, portal.agent("token", email="alice@faults.example.org")["token"])
    before = sealed_row(portal, person)
    lock = hold_row_lock(portal, person)
    began = time.monotonic()
    response = call("PATCH", f"/people/{person}/", json={"notes": "moved"})
    waited = harness.report("lock wait", time.monotonic() - began, "answered 503")
    portal.seen.append(response.text)
    assert response.status_code == 503, response.text
    assert 1.0 <= waited < harness.RECOVERY_SECONDS
    lock.rollback()
    lock.close()
    assert_unchanged(portal, person, before)
    recover(
        lambda: call("PATCH", f"/people/{person}/", json={"notes": "moved"}),
        scenario="lock released",
    )


def test_statement_timeout_cancels_a_stalled_page(portal):
    """With no lock timeout, the statement timeout alone ends a request stalled behind a
    table lock (a migration, a VACUUM FULL): a 503 page after DB_STATEMENT_TIMEOUT_MS."""
    server = start_server(portal, DB_LOCK_TIMEOUT_MS="0", DB_STATEMENT_TIMEOUT_MS="1500")
    call = api(server, portal.agent("token", email="alice@faults.example.org")["token"])
    assert call("GET", "/people/").status_code == 200
    blocker = portal.cluster.connect(portal.db, autocommit=False)
    blocker.execute("LOCK TABLE people_person IN ACCESS EXCLUSIVE MODE")
    began = time.monotonic()
    response = call("GET", "/people/")
    waited = harness.report("statement timeout", time.monotonic() - began, "answered 503")
    portal.seen.append(response.text)
    blocker.rollback()
    blocker.close()
    assert response.status_code == 503, response.text
    assert 1.5 <= waited < harness.RECOVERY_SECONDS
    recover(lambda: call("GET", "/people/"), scenario="table lock released")


def test_connection_exhaustion_answers_503_not_a_hang(portal):
    """The database allows the portal's role no more connections: pages answer 503 at
    once (not a hang), and work again as soon as connections are free."""
    server = start_server(portal, DB_CONN_MAX_AGE="0")
    call = api(server, portal.agent("token", email="alice@faults.example.org")["token"])
    browser = harness.Browser(server)
    alice = portal.seed["cast"]["alice"]
    harness.login(browser, alice["email"], portal.seed["password"], alice["totp"])
    assert browser.signed_in()
    assert call("GET", "/people/").status_code == 200
    portal.cluster.sql(f"ALTER DATABASE {portal.db} CONNECTION LIMIT 2")
    hogs = [
        psycopg.connect(portal.cluster.url(portal.db).replace("postgres://", "postgresql://"))
        for _ in range(2)
    ]
    try:
        for fetch in (lambda: call("GET", "/people/"), lambda: browser.get("/people/")):
            began = time.monotonic()
            response = fetch()
            portal.seen.append(response.text)
            harness.report("connections exhausted", time.monotonic() - began, "answered 503")
            assert response.status_code == 503, response.status_code
            assert time.monotonic() - began < harness.RECOVERY_SECONDS
    finally:
        for hog in hogs:
            hog.close()
    recover(lambda: call("GET", "/people/"), scenario="connections freed")
