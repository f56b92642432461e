"""Production refuses to start without its secrets; secrets may come from files."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION = {
    "REUNITE_ENV": "production",
    "SECRET_KEY": "x" * 60,
    "DATA_KEYS": "k1:" + "A" * 43 + "=",
    "BLIND_INDEX_KEY": "blind-index-test-key",
    "ALLOWED_HOSTS": "reunite.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
}


def load_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION and not k.endswith("_FILE")}
    return subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.SECRET_KEY[:4], s.DEBUG)"],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_starts_with_everything_given():
    result = load_settings(PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["xxxx", "False"]


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "DATA_KEYS", "BLIND_INDEX_KEY", "ALLOWED_HOSTS", "DATABASE_URL"]
)
def test_production_refuses_to_start_without(missing):
    result = load_settings({k: v for k, v in PRODUCTION.items() if k != missing})
    assert result.returncode != 0
    assert missing in result.stderr


def test_secrets_may_come_from_files(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file-" + "y" * 40 + "\n")
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = load_settings({**env, "SECRET_KEY_FILE": str(secret_file)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "from"


def test_debug_is_never_on_in_production():
    result = load_settings({**PRODUCTION, "DEBUG": "true"})
    assert result.stdout.split()[1] == "False"
