"""The blind-index key ring: BLIND_INDEX_KEYS is read strictly, BLIND_INDEX_KEY keeps
every existing digest valid, and a malformed ring stops the process at start-up."""

import base64
import hashlib
import hmac
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from reunite.core.crypto import (
    LEGACY_INDEX_KEY,
    IndexKeyRing,
    blind_index,
    blind_indexes,
    index_key_id,
)

ROOT = Path(__file__).resolve().parents[3]
K1 = base64.urlsafe_b64encode(b"1" * 32).decode()
K2 = base64.urlsafe_b64encode(b"2" * 32).decode()


def test_a_single_blind_index_key_makes_the_digests_it_always_made(settings):
    settings.BLIND_INDEX_KEYS, settings.BLIND_INDEX_KEY = "", "an-existing-deployment-key"
    expected = hmac.new(b"an-existing-deployment-key", b"surname\x00garcia", hashlib.sha256)
    assert blind_index("garcia", purpose="surname") == expected.hexdigest()[:32]
    assert blind_indexes("garcia", purpose="surname") == (expected.hexdigest()[:32],)
    assert index_key_id(blind_index("garcia", purpose="surname")) == LEGACY_INDEX_KEY


def test_the_first_key_of_the_ring_writes_and_every_key_finds(settings):
    settings.BLIND_INDEX_KEYS, settings.BLIND_INDEX_KEY = f"b2:{K2},b1:{K1}", "legacy"
    written = blind_index("garcia", purpose="surname")
    assert written.startswith("b2.") and len(written) == 32 and index_key_id(written) == "b2"
    found = blind_indexes("garcia", purpose="surname")
    assert found[0] == written and [index_key_id(d) for d in found] == ["b2", "b1", ""]
    expected = hmac.new(b"1" * 32, b"surname\x00garcia", hashlib.sha256).hexdigest()
    assert found[1] == "b1." + expected[:29]
    assert len(set(found)) == 3


def test_blind_index_keys_alone_is_the_whole_ring():
    ring = IndexKeyRing.parse(f"b1:{K1}")
    assert list(ring.keys) == ["b1"] and ring.current == "b1"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (K1, "ids of 1 to 4 letters or digits"),  # no id
        (f"b-1:{K1}", "ids of 1 to 4 letters or digits"),
        (f"b12345:{K1}", "ids of 1 to 4 letters or digits"),
        ("b1:not base64!", "not base64"),
        ("b1:" + base64.urlsafe_b64encode(b"short").decode(), "must be 32 bytes"),
        (f"b1:{K1},b1:{K2}", "twice"),
        (" , ", "holds a key"),
    ],
)
def test_a_malformed_ring_is_refused_with_the_reason(spec, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        IndexKeyRing.parse(spec)


def test_the_refusal_never_shows_a_key():
    secret = base64.urlsafe_b64encode(b"s" * 31).decode()
    with pytest.raises(ImproperlyConfigured) as refused:
        IndexKeyRing.parse(f"b1:{secret}")
    assert secret not in str(refused.value)


PRODUCTION = {
    "REUNITE_ENV": "production",
    "SECRET_KEY": "x" * 60,
    "DATA_KEYS": "k1:" + "A" * 43 + "=",
    "ALLOWED_HOSTS": "reunite.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
    "DJANGO_SETTINGS_MODULE": "config.settings",
}


def start(env: dict[str, str]) -> subprocess.CompletedProcess:
    names = {*PRODUCTION, "BLIND_INDEX_KEY", "BLIND_INDEX_KEYS"}
    clean = {k: v for k, v in os.environ.items() if k not in names and not k.endswith("_FILE")}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        env={**clean, **PRODUCTION, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "env",
    [
        {"BLIND_INDEX_KEY": "an-existing-deployment-key"},
        {"BLIND_INDEX_KEYS": f"b1:{K1}"},
        {"BLIND_INDEX_KEYS": f"b2:{K2}", "BLIND_INDEX_KEY": "an-existing-deployment-key"},
    ],
)
def test_production_starts_with_either_setting(env):
    result = start(env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


def test_production_refuses_to_start_with_a_malformed_ring():
    result = start({"BLIND_INDEX_KEYS": "b2:tooshort", "BLIND_INDEX_KEY": "legacy"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "'b2' must be 32 bytes" in result.stderr


def test_production_refuses_to_start_without_any_blind_index_key():
    result = start({})
    assert result.returncode != 0
    assert "BLIND_INDEX_KEY" in result.stderr


def test_production_refuses_to_start_with_a_malformed_data_key_ring():
    result = start({"BLIND_INDEX_KEY": "legacy", "DATA_KEYS": "k1:tooshort"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "Data key 'k1'" in result.stderr
    assert "tooshort" not in result.stderr  # the key itself is never shown
