"""The load: staff working the main flows, and a credential-stuffing wave.

Run by load/run.py (which seeds, starts gunicorn and mints the sessions); by hand:

    .venv/bin/locust -f load/locustfile.py --headless -u 300 -r 60 -t 5m --host http://127.0.0.1:8765

`Staff` (50 users by default): each is one synthetic account of the load database,
signed in through a session minted server-side for it (var/load/sessions.json: see
load/sessions.py for why), working its own organisation's records: searching, reading
person pages, candidates, cases and the dashboard, and now and then writing (a custody
entry, a case task, a review of a candidate). Think time LOAD_WAIT seconds between pages
(default "5,15", 10 s on average: 50 users make about 5 pages a second, a very busy day
for a team that reads each record it opens).

`Stuffer` (LOAD_SOURCES bots, default 250): from LOAD_WAVE_START seconds on, together
LOAD_WAVE_RATE sign-in attempts a minute (default 1,000) with wrong passwords against
a list of target emails (real accounts, some of them the staff's own, and unknown
ones). Loopback has one address, yet each bot binds its connection to its own address
in 127.0.0.0/8 (all of it is loopback on Linux), so gunicorn sees LOAD_SOURCES genuine
source addresses in REMOTE_ADDR; nothing about the portal's trust of X-Forwarded-For
changes for the test. With 250 sources, 1,000 attempts a minute for 4 minutes is 16 per
source, under the per-source limit (30): what stops the wave is the per-account lock.

Every request is recorded with its flow, phase (before or during the wave) and time
in var/load/results.json when the run stops; load/run.py prints and judges them.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import sys
import time
from datetime import date
from pathlib import Path

import gevent
from locust import HttpUser, between, constant, events, task
from locust.clients import LocustHttpAdapter
from requests.adapters import HTTPAdapter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from load import common

WAIT = [float(x) for x in os.environ.get("LOAD_WAIT", "5,15").split(",")]
SOURCES = int(os.environ.get("LOAD_SOURCES", "250"))
WAVE_START = float(os.environ.get("LOAD_WAVE_START", "60"))
WAVE_RATE = float(os.environ.get("LOAD_WAVE_RATE", "1000"))  # attempts a minute, all bots
TARGETS = Path(os.environ.get("LOAD_TARGETS", common.LOAD_DIR / "targets.json"))

MANIFEST = json.loads(common.MANIFEST.read_text(encoding="utf-8"))
SESSIONS = json.loads(common.SESSIONS.read_text(encoding="utf-8"))
_accounts = itertools.count()
_sources = itertools.count()
_samples: list[tuple] = []  # (flow, kind, phase, milliseconds, ok, seconds into the run)
_started = time.monotonic()

WRITE_FLOWS = {"write: custody entry", "write: case task", "write: candidate review"}


def phase() -> str:
    return "wave" if time.monotonic() - _started >= WAVE_START else "baseline"


@events.test_start.add_listener
def _on_start(environment, **kwargs):
    global _started
    _started = time.monotonic()


@events.request.add_listener
def _on_request(request_type, name, response_time, exception, **kwargs):
    kind = "login" if name.startswith("stuffing") else "write" if name in WRITE_FLOWS else "read"
    elapsed = round(time.monotonic() - _started, 1)
    _samples.append((name, kind, phase(), response_time, exception is None, elapsed))


@events.quitting.add_listener
def _on_quit(environment, **kwargs):
    common.RESULTS.write_text(
        json.dumps({"wave_start": WAVE_START, "samples": _samples}), encoding="utf-8"
    )


class Staff(HttpUser):
    weight = 1
    wait_time = between(*WAIT)

    def on_start(self):
        index = next(_accounts) % len(SESSIONS)
        account = SESSIONS[index]
        self.client.cookies.set("sessionid", account["session"])
        # A new connection per request: gunicorn closes idle keep-alive connections after
        # 2 s, and a POST on one it has just closed fails without a retry.
        self.client.headers["Connection"] = "close"
        self.org = MANIFEST["orgs"][str(account["org"])]
        self.can_write = account["role"] in {"attorney", "legal_assistant", "org_admin"}
        self.rng = random.Random(index)  # noqa: S311 - load pattern, not secrets
        # People arrive over one think time, not all in the same second; the dashboard
        # first, which gives the browser its CSRF cookie.
        gevent.sleep(self.rng.uniform(0, WAIT[1]))
        self._get("/", "read: dashboard")

    def _get(self, path, name):
        with self.client.get(path, name=name, catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code} on {name}")

    def _post(self, path, name, data):
        data = {**data, "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")}
        with self.client.post(
            path, data=data, name=name, catch_response=True, allow_redirects=False
        ) as r:
            if r.status_code != 302:
                r.failure(f"{r.status_code} on {name}")
                return None
            return r.headers.get("Location")

    def pick(self, key):
        return self.rng.choice(self.org[key])

    @task(25)
    def search(self):
        # As the page does: the terms are posted, the results go by a token (ASVS 14.2.1).
        location = self._post("/people/", "read: search (post)", {"q": self.pick("searches")})
        if location:
            self._get(location, "read: search")

    @task(25)
    def person_page(self):
        self._get(f"/people/{self.pick('people')}/", "read: person page")

    @task(6)
    def candidates(self):
        self._get("/matches/", "read: candidates list")

    @task(10)
    def candidate(self):
        self._get(f"/matches/{self.pick('matches')}/", "read: candidate")

    @task(15)
    def case_page(self):
        self._get(f"/cases/{self.pick('cases')}/", "read: case page")

    @task(5)
    def case_list(self):
        self._get("/cases/", "read: case list")

    @task(8)
    def dashboard(self):
        self._get("/", "read: dashboard")

    @task(3)
    def custody_entry(self):
        person = self.pick("people")
        today = date.today().isoformat()
        data = {
            "kind": "ice",
            "facility": "Port Isabel SPC",
            "city": "Los Fresnos",
            "state": "TX",
            "start_date": today,
            "source": "ICE detainee locator",
            "last_verified_on": today,
        }
        if self._post(f"/people/{person}/custody/", "write: custody entry", data):
            self._get(f"/people/{person}/", "read: person page")

    @task(3)
    def case_task(self):
        case = self.pick("cases")
        data = {
            "title": "Call the shelter case manager",
            "kind": "call",
            "due_on": date.today().isoformat(),
            "assignee": "",
        }
        if self._post(f"/cases/{case}/tasks/", "write: case task", data):
            self._get(f"/cases/{case}/", "read: case page")

    @task(3)
    def candidate_review(self):
        match = self.pick("matches")
        data = {"decision": "needs_info", "reason": "Ask the shelter for the birth certificate."}
        if self._post(f"/matches/{match}/review/", "write: candidate review", data):
            self._get(f"/matches/{match}/", "read: candidate")


class SourceAddressAdapter(LocustHttpAdapter):
    """Connections from one chosen loopback address (127.0.0.0/8 is all loopback)."""

    def __init__(self, source: str):
        self.source = source
        super().__init__(pool_manager=None)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        HTTPAdapter.init_poolmanager(self, *args, **kwargs)


class Stuffer(HttpUser):
    """One bot of the wave: its own source address, its own cookie jar, a wrong password
    for a target email every SOURCES * 60 / WAVE_RATE seconds once the wave started, the
    bots' slots spread evenly over that interval (no synchronised bursts)."""

    fixed_count = SOURCES
    wait_time = constant(0)  # the bot keeps its own schedule (attempt())

    def on_start(self):
        n = next(_sources)
        self.source = f"127.0.{1 + n // 250}.{1 + n % 250}"
        self.client.mount("http://", SourceAddressAdapter(self.source))
        self.client.headers["Connection"] = "close"  # as Staff: no stale keep-alive
        self.targets = json.loads(TARGETS.read_text(encoding="utf-8"))
        self.rng = random.Random(n)  # noqa: S311 - load pattern, not secrets
        self.interval = SOURCES * 60 / WAVE_RATE if WAVE_RATE else 3600.0
        self.slot = _started + WAVE_START + (n % SOURCES) * self.interval / SOURCES
        self.primed = False

    @task
    def attempt(self):
        gevent.sleep(max(0.0, self.slot - time.monotonic()))
        # Behind schedule (slow answers), a bot goes on from now rather than bursting.
        self.slot = max(self.slot + self.interval, time.monotonic())
        if not WAVE_RATE:
            return
        if not self.primed:  # one GET of the sign-in page for the CSRF cookie, as bots do
            self.client.get("/accounts/login/", name="stuffing: sign-in page")
            self.primed = True
        data = {
            "login": self.rng.choice(self.targets),
            "password": f"Summer{self.rng.randrange(10_000)}!",
            "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
        }
        with self.client.post(
            "/accounts/login/",
            data=data,
            catch_response=True,
            allow_redirects=False,
            name="stuffing: sign-in attempt",
        ) as r:
            # 200: the form again (wrong password); 429: throttled. Anything else is wrong
            # (a 302 would be a successful guess).
            if r.status_code == 429:
                r.request_meta["name"] = "stuffing: throttled (429)"
                r.success()
            elif r.status_code == 200:
                r.request_meta["name"] = "stuffing: refused (200)"
                r.success()
            else:
                r.failure(f"{r.status_code} on a stuffing attempt")
