"""Simultaneous changes from separate processes: no lost update, no double payment."""

from __future__ import annotations

import html
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from faults import harness
from faults.conftest import start_server
from faults.tests.test_database import api, hold_row_lock, in_thread


def test_concurrent_edits_of_different_fields_both_survive(portal):
    """Two API clients change two different fields of one person at the same moment (two
    gunicorn workers; the row lock makes both wait, then go one after the other): both
    changes are kept, each with its own audit event."""
    person = portal.seed["people"][0]
    server = start_server(portal)
    call = api(server, portal.agent("token", email="alice@faults.example.org")["token"])
    lock = hold_row_lock(portal, person)
    first = in_thread(lambda: call("PATCH", f"/people/{person}/", json={"notes": "Edited notes"}))
    second = in_thread(
        lambda: call("PATCH", f"/people/{person}/", json={"place_of_birth": "Huehuetenango"})
    )
    harness.wait_for(
        lambda: len(portal.cluster.backends(portal.db, waiting_on_lock=True)) == 2,
        timeout=10,
        what="both requests to wait on the row",
    )
    began = time.monotonic()
    lock.rollback()
    lock.close()
    responses = [first(), second()]
    harness.report("two simultaneous edits", time.monotonic() - began, "both saved")
    assert [r.status_code for r in responses] == [200, 200]
    state = portal.agent("person_state", public_id=person)
    assert state["notes"] == "Edited notes", "the first edit was lost"
    assert state["place_of_birth"] == "Huehuetenango", "the second edit was lost"
    assert state["updated_events"] == 2


def _act(portal, action, email, disbursement, start_at):
    """One agent process per officer; they act at the same agreed moment."""
    return subprocess.Popen(
        [sys.executable, "-m", "faults.agent", "funds_act",
         f'{{"action": "{action}", "email": "{email}", "disbursement": "{disbursement}", "start_at": {start_at}}}'],
        cwd=harness.ROOT, env=portal.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def _race(portal, acts):
    start_at = time.time() + 4  # every process has imported Django by then
    processes = [_act(portal, action, email, d, start_at) for action, email, d in acts]
    with ThreadPoolExecutor(len(processes)) as pool:
        outputs = list(pool.map(lambda p: p.communicate(timeout=120), processes))
    results = []
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err[-2000:]
        results.append(harness.json.loads(out.strip().splitlines()[-1])["outcome"])
    return sorted(results)


def test_concurrent_approvals_and_payments_pay_once(portal):
    """Separate processes (as separate web workers would be): one officer approving twice
    at once approves once (and so does the second officer: two approvals, approved); three
    payments at once pay once; the ledger still reconciles and the audit chain did not fork."""
    fiona, felix = "fiona@faults.example.org", "felix@faults.example.org"
    d = portal.agent("funds_setup")["disbursement"]
    assert _race(portal, [("approve", fiona, d), ("approve", fiona, d)]) == ["Conflict", "ok"]
    state = portal.agent("funds_state", disbursement=d)
    assert (state["approvals"], state["status"]) == (1, "requested")
    assert _race(portal, [("approve", felix, d), ("approve", felix, d)]) == ["Conflict", "ok"]
    state = portal.agent("funds_state", disbursement=d)
    assert (state["approvals"], state["status"]) == (2, "approved")
    began = time.monotonic()
    outcomes = _race(portal, [("pay", fiona, d), ("pay", felix, d), ("pay", fiona, d)])
    harness.report("three simultaneous payments", time.monotonic() - began - 4, "settled")
    assert outcomes == ["Conflict", "Conflict", "ok"]
    state = portal.agent("funds_state", disbursement=d)
    assert state == state | {
        "status": "paid",
        "payments": 1,
        "paid_events": 1,
        "reconciled": True,
        "audit_chain_ok": True,
        "audit_pending": 0,  # each process sealed its events right after its commit
    }


def open_edit_page(browser, person) -> dict:
    """The edit form's fields as the browser would post them back (CSRF and `seen`)."""
    page = browser.get(f"/people/{person}/edit/").text
    fields = dict(re.findall(r'name="([a-z_-]+)"[^>]*value="([^"]*)"', page))
    fields["person-notes"] = re.search(r'name="person-notes"[^>]*>([^<]*)<', page).group(1).strip()
    fields["person-sex"] = re.search(
        r'name="person-sex".*?<option value="([^"]*)" selected', page, re.S
    ).group(1)
    checked = re.findall(
        r'<input type="checkbox" name="([a-z_-]+)"[^>]*?(?:value="([^"]*)")?[^>]*checked', page
    )
    fields = {
        k: html.unescape(v)
        for k, v in fields.items()
        if k not in {"person-languages", "person-needs_interpreter"}
    }
    for name, value in checked:
        if name.startswith("person-"):
            fields.setdefault(name, []).append(value or "on")
    assert "person-seen" in fields and "csrfmiddlewaretoken" in fields
    return fields


def test_concurrent_edits_from_two_open_pages_both_survive(portal):
    """Alice and Bob have the same person's edit page open; each changes a different
    field and saves at the same moment (two workers): both changes are kept."""
    person = portal.seed["people"][1]
    server = start_server(portal)
    password, pages = portal.seed["password"], {}
    for name in ("alice", "bob"):
        member = portal.seed["cast"][name]
        browser = harness.Browser(server)
        harness.login(browser, member["email"], password, member["totp"])
        pages[name] = (browser, open_edit_page(browser, person))

    def save(name, change):
        browser, fields = pages[name]
        return lambda: browser.http.post(
            server.url(f"/people/{person}/edit/"), data=fields | change, allow_redirects=False,
            timeout=30, headers={"Referer": server.url(f"/people/{person}/edit/")},
        )  # fmt: skip

    lock = hold_row_lock(portal, person)
    first = in_thread(save("alice", {"person-given_names": "Rosa Maria"}))
    second = in_thread(save("bob", {"person-notes": "Bob's notes"}))
    harness.wait_for(
        lambda: len(portal.cluster.backends(portal.db, waiting_on_lock=True)) == 2,
        timeout=10,
        what="both saves to wait on the row",
    )
    began = time.monotonic()
    lock.rollback()
    lock.close()
    statuses = [first().status_code, second().status_code]
    harness.report("two pages saved at once", time.monotonic() - began, "both saved")
    assert statuses == [302, 302]
    state = portal.agent("person_state", public_id=person)
    assert state["given_names"] == "Rosa Maria" and state["notes"] == "Bob's notes"
    assert state["updated_events"] == 2
