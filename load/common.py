"""What the load test's pieces share: where its files live and the environment its
processes run with (production settings on loopback, its own database and cache).

Everything it writes stays in var/load/ (git-ignored): the generated secrets, the
manifest of synthetic accounts and records the locust users pick from, the sessions
minted for them, and the run's results.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOAD_DIR = ROOT / "var" / "load"
SECRETS = LOAD_DIR / "secrets.json"
MANIFEST = LOAD_DIR / "manifest.json"
SESSIONS = LOAD_DIR / "sessions.json"
RESULTS = LOAD_DIR / "results.json"

# A dedicated database on the shared server: created and dropped by load/seed.py.
DATABASE_URL = os.environ.get(
    "LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/reunite_load"
)
HOST = "127.0.0.1"
PORT = int(os.environ.get("LOAD_PORT", "8765"))
REDIS_PORT = int(os.environ.get("LOAD_REDIS_PORT", "6391"))
BASE_URL = f"http://{HOST}:{PORT}"
PASSWORD = "load-Reunite-2026!"  # noqa: S105 - the synthetic load accounts of a throwaway database


def _secrets() -> dict[str, str]:
    """The run's secrets, generated once (the seed seals with them, gunicorn reads them)."""
    if not SECRETS.exists():
        LOAD_DIR.mkdir(parents=True, exist_ok=True)
        generated = {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATA_KEYS": "k1:" + base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "BLIND_INDEX_KEY": secrets.token_urlsafe(32),
        }
        fd = os.open(SECRETS, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(generated, handle)
    return json.loads(SECRETS.read_text(encoding="utf-8"))


def environment() -> dict[str, str]:
    """Production settings, except what loopback without TLS needs switched off."""
    env = dict(os.environ)
    env.update(_secrets())
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "REUNITE_ENV": "production",
            "DATABASE_URL": DATABASE_URL,
            "ALLOWED_HOSTS": f"{HOST},localhost",
            "CSRF_TRUSTED_ORIGINS": BASE_URL,
            "REDIS_URL": f"redis://{HOST}:{REDIS_PORT}/0",
            "REUNITE_DATA_DIR": str(LOAD_DIR),
            # Plain HTTP on loopback: no HTTPS redirect, cookies without the Secure flag.
            "SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "HSTS_SECONDS": "0",
            # Notices are not sent anywhere from a load test.
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
        }
    )
    env.pop("TEST_DATABASE_NAME", None)
    return env


def apply_environment() -> None:
    """For a script about to call django.setup() in this process."""
    os.environ.update(environment())
