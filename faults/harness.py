"""Real processes for the fault suite: PostgreSQL databases of its own, gunicorn, the task
worker, Redis, and the agent (faults/agent.py) that acts inside the portal.

Everything the suite creates on the shared PostgreSQL server is named `reunite_faults*`:
one login role (not a superuser, so that connection limits apply to it) and throwaway
databases cloned from one migrated template. Nothing else on the server is touched.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
ROLE = "reunite_faults"
RECOVERY_SECONDS = 5.0  # every scenario must be whole again within this


def key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, *, timeout: float, interval: float = 0.05, what: str = "condition"):
    """Poll `condition` until it returns something truthy; that value, or AssertionError."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def report(scenario: str, seconds: float, what: str = "recovered") -> float:
    """Print a scenario's measured time (the suite's output is its figures)."""
    print(f"\n[faults] {scenario}: {what} in {seconds:.2f} s", flush=True)
    return seconds


class Cluster:
    """The PostgreSQL server of DATABASE_URL, reached as its (super)user for setup, fault
    injection (terminating backends, holding locks) and checks in plain SQL."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 5432
        self.admin_user = parts.username or "postgres"
        self.prefix = f"reunite_faults_{os.getpid()}"
        self._n = 0

    def connect(self, db: str = "postgres", *, user: str | None = None, autocommit=True):
        return psycopg.connect(
            host=self.host, port=self.port, user=user or self.admin_user, dbname=db,
            autocommit=autocommit, connect_timeout=5,
        )  # fmt: skip

    def sql(self, query: str, params=(), *, db: str = "postgres"):
        with self.connect(db) as conn:
            rows = conn.execute(query, params)
            return rows.fetchall() if rows.description else None

    def one(self, query: str, params=(), *, db: str):
        return self.sql(query, params, db=db)[0][0]

    def url(self, db: str) -> str:
        return f"postgres://{ROLE}@{self.host}:{self.port}/{db}"

    def ensure_role(self) -> None:
        if not self.sql("SELECT 1 FROM pg_roles WHERE rolname = %s", (ROLE,)):
            self.sql(f"CREATE ROLE {ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")

    def new_name(self, label: str) -> str:
        self._n += 1
        return f"{self.prefix}_{self._n}_{label}"[:63]

    def create(self, name: str, *, template: str | None = None, tablespace: str | None = None):
        clause = f" TEMPLATE {template}" if template else ""
        clause += f" TABLESPACE {tablespace}" if tablespace else ""
        self.sql(f"CREATE DATABASE {name} OWNER {ROLE}{clause}")

    def drop(self, name: str) -> None:
        self.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def backends(self, db: str, *, waiting_on_lock: bool = False) -> list[int]:
        """The portal's own connections to `db` (never this suite's admin connections)."""
        query = "SELECT pid FROM pg_stat_activity WHERE datname = %s AND usename = %s"
        if waiting_on_lock:
            query += " AND wait_event_type = 'Lock'"
        return [pid for (pid,) in self.sql(query, (db, ROLE))]

    def terminate(self, pids: list[int]) -> None:
        for pid in pids:
            self.sql("SELECT pg_terminate_backend(%s)", (pid,))

    def dump(self, db: str, path: Path, *, data_only: bool = False) -> Path:
        command = ["pg_dump", "-h", self.host, "-p", str(self.port), "-U", self.admin_user,
                   "--format=plain", "--no-password", "-f", str(path), db]  # fmt: skip
        if data_only:
            command.insert(-1, "--data-only")
        subprocess.run(command, check=True, capture_output=True, timeout=120)
        return path

    def restore(self, path: Path, db: str) -> None:
        command = ["psql", "-h", self.host, "-p", str(self.port), "-U", self.admin_user,
                   "--no-password", "-q", "--single-transaction", "-v", "ON_ERROR_STOP=1", "-d", db, "-f", str(path)]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True, timeout=120)


class Portal:
    """One throwaway database and the environment every portal process gets for it."""

    def __init__(self, cluster: Cluster, db: str, workdir: Path, secrets: dict[str, str]):
        self.cluster, self.db, self.workdir = cluster, db, workdir
        self.secrets = dict(secrets)
        workdir.mkdir(parents=True, exist_ok=True)
        self.logs: list[Path] = []
        self.seen: list[str] = []  # response bodies the leak check reads too

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k
            not in {"DATABASE_URL", "TEST_DATABASE_NAME", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
            and not k.startswith(("DB_", "WEB_", "PYTEST"))
        }
        env |= {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "REUNITE_ENV": "development",
            "DEBUG": "false",
            "DATABASE_URL": self.cluster.url(self.db),
            "REUNITE_DATA_DIR": str(self.workdir),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **self.secrets,
        }
        return env | {k: str(v) for k, v in extra.items()}

    def log(self, name: str) -> Path:
        path = self.workdir / f"{name}-{len(self.logs)}.log"
        self.logs.append(path)
        return path

    def agent(self, command: str, env: dict | None = None, timeout: float = 180, **arguments):
        # The agent's own output is not a leak (it may print names it was asked to read):
        # its log is kept apart from the checked ones.
        """Run one agent command in a process of its own; its JSON result."""
        done = subprocess.run(
            [PYTHON, "-m", "faults.agent", command, json.dumps(arguments)],
            cwd=ROOT, env=env or self.env(), capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        (self.workdir / f"agent-{command}.log").write_text(done.stdout + done.stderr)
        if done.returncode:
            raise RuntimeError(f"agent {command} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def manage(self, *args: str, env: dict | None = None, timeout: float = 300):
        done = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=env or self.env(),
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        with self.log("manage-" + args[0]).open("w") as handle:
            handle.write(done.stdout + done.stderr)
        return done

    def spawn(self, args: list[str], name: str, env: dict | None = None) -> subprocess.Popen:
        handle = self.log(name).open("w")
        return subprocess.Popen(
            args, cwd=ROOT, env=env or self.env(), stdout=handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def text_of_logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs if p.exists())


class Server:
    """gunicorn with the production config file (config/gunicorn.conf.py)."""

    def __init__(self, portal: Portal, *, workers: int = 2, **env: str):
        self.portal, self.port = portal, free_port()
        self.env = portal.env(WEB_BIND=f"127.0.0.1:{self.port}", WEB_WORKERS=str(workers), **env)
        self.process: subprocess.Popen | None = None
        self.base = f"http://127.0.0.1:{self.port}"

    def start(self, *, timeout: float = 30) -> float:
        """Start and wait until a page answers; the seconds that took."""
        began = time.monotonic()
        self.process = self.portal.spawn(
            [GUNICORN, "config.wsgi", "-c", "config/gunicorn.conf.py"], "gunicorn", self.env
        )
        wait_for(self.answers, timeout=timeout, interval=0.1, what="gunicorn to answer")
        return time.monotonic() - began

    def answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {self.process.returncode}")
        try:
            return requests.get(self.base + "/accounts/login/", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def url(self, path: str) -> str:
        return self.base + path

    def signal(self, sig: int) -> None:
        os.kill(self.process.pid, sig)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class Redis:
    """A redis-server of the suite's own on a free port; persistent (append-only file,
    fsync on every write) as production's must be, so that a restart keeps lockouts and
    used TOTP codes."""

    def __init__(self, workdir: Path):
        self.port, self.dir = free_port(), workdir / "redis"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir",
             str(self.dir), "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        wait_for(self._up, timeout=10, what="redis")

    def _up(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.5):
            return True
        return False

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Browser:
    """A requests session that speaks the portal's forms (CSRF token included)."""

    CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

    def __init__(self, server: Server):
        self.server, self.http = server, requests.Session()

    def get(self, path: str, **kwargs):
        return self.http.get(self.server.url(path), timeout=kwargs.pop("timeout", 30), **kwargs)

    def post_form(self, path: str, data: dict, *, timeout: float = 30):
        """GET the page for its CSRF token, then POST the form (redirects not followed)."""
        page = self.get(path)
        token = self.CSRF.search(page.text)
        fields = dict(data)
        if token:
            fields["csrfmiddlewaretoken"] = token.group(1)
        return self.http.post(
            self.server.url(path), data=fields, allow_redirects=False, timeout=timeout,
            headers={"Referer": self.server.url(path)},
        )  # fmt: skip

    def signed_in(self) -> bool:
        response = self.get("/", allow_redirects=False)
        return response.status_code == 200


def leaks(text: str) -> list[str]:
    """The synthetic markers found in `text` (must be none)."""
    from faults.agent import MARKERS

    return [m for m in MARKERS if m.lower() in text.lower()]


def check_no_plaintext(portal: Portal) -> None:
    """No marker in the clear: not in a dump of the database, not in any log of any
    process, not in any response the scenario kept (`portal.seen`)."""
    dump = portal.cluster.dump(portal.db, portal.workdir / "leak-check.sql", data_only=True)
    found = {
        "database dump": leaks(dump.read_text(errors="replace")),
        "process logs": leaks(portal.text_of_logs()),
        "responses": leaks("\n".join(portal.seen)),
    }
    assert not any(found.values()), f"plaintext leaked: {found}"


def login(browser: Browser, email: str, password: str, secret: str, *, at: float | None = None):
    """Sign in with the password, then the TOTP code an authenticator shows at `at` (its
    clock; default now). The response of the last step taken."""
    from conftest import totp_now

    response = browser.post_form("/accounts/login/", {"login": email, "password": password})
    if response.status_code != 302 or "2fa" not in response.headers.get("Location", ""):
        return response
    return browser.post_form("/accounts/2fa/authenticate/", {"code": totp_now(secret, at)})


def boot(portal: Portal, spawn, *, log_line: str | None = None) -> tuple[object, float, float]:
    """Start a process with `spawn()` and wait until it is up: connected to the database,
    or, with `log_line`, having logged it (the task worker's "Starting worker"). Returns
    (process, the moment it was up, seconds its start took). Recovery after a restart
    is measured from that moment: starting Python and Django is the supervisor's part,
    and on a loaded machine it alone takes seconds (reported apart)."""
    before = set(portal.cluster.backends(portal.db))
    began = time.monotonic()
    process = spawn()
    log = portal.logs[-1]

    def up():
        if log_line:
            return log.exists() and log_line in log.read_text(errors="replace")
        return set(portal.cluster.backends(portal.db)) - before

    wait_for(up, timeout=120, interval=0.02, what="the process to be up")
    up_at = time.monotonic()
    report("process start", up_at - began, "up")
    return process, up_at, up_at - began
