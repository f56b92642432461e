"""AES-256-GCM sealing bound to table and field; keyed blind indexes."""

import base64
import os

import pytest
from django.core.exceptions import ImproperlyConfigured

from reunite.core.crypto import DecryptionError, KeyRing, blind_index, key_id_of


def key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def test_round_trip_and_no_plaintext():
    ring = KeyRing.parse(f"k1:{key()}")
    token = ring.seal("María José Pérez", context="people_person.given_names")
    assert "María" not in token and "Mar" not in token
    assert ring.open(token, context="people_person.given_names") == "María José Pérez"


def test_same_value_seals_differently_each_time():
    ring = KeyRing.parse(f"k1:{key()}")
    assert ring.seal("Chepe", context="t.f") != ring.seal("Chepe", context="t.f")


def test_a_value_moved_to_another_column_does_not_open():
    ring = KeyRing.parse(f"k1:{key()}")
    token = ring.seal("A123456789", context="people_identifier.value")
    with pytest.raises(DecryptionError):
        ring.open(token, context="people_person.notes")


def test_tampered_ciphertext_does_not_open():
    ring = KeyRing.parse(f"k1:{key()}")
    token = ring.seal("secret", context="t.f")
    prefix, kid, body = token.split(":")
    raw = bytearray(base64.b64decode(body))
    raw[-1] ^= 1
    with pytest.raises(DecryptionError):
        ring.open(f"{prefix}:{kid}:{base64.b64encode(bytes(raw)).decode()}", context="t.f")


def test_old_keys_open_and_the_newest_seals():
    old = KeyRing.parse(f"k1:{key()}")
    token = old.seal("value", context="t.f")
    old_key = base64.urlsafe_b64encode(old.keys["k1"]).decode()
    rotated = KeyRing.parse(f"k2:{key()},k1:{old_key}")
    assert rotated.open(token, context="t.f") == "value"
    assert key_id_of(rotated.seal("value", context="t.f")) == "k2"


def test_unknown_key_id_is_a_clear_error():
    token = KeyRing.parse(f"k1:{key()}").seal("v", context="t.f")
    with pytest.raises(DecryptionError, match="unknown key"):
        KeyRing.parse(f"k9:{key()}").open(token, context="t.f")


@pytest.mark.parametrize("spec", ["", "k1:short", "bad id:" + "A" * 44])
def test_malformed_key_rings_are_refused(spec):
    with pytest.raises(ImproperlyConfigured):
        KeyRing.parse(spec)


def test_blind_index_is_keyed_and_namespaced(settings):
    first = blind_index("garcia", purpose="surname")
    assert first == blind_index("garcia", purpose="surname")
    assert first != blind_index("garcia", purpose="given")
    settings.BLIND_INDEX_KEY = "another key"
    assert blind_index("garcia", purpose="surname") != first
