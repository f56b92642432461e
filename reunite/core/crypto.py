"""Field encryption and blind indexes.

Values are sealed with AES-256-GCM under a key ring kept apart from Django's SECRET_KEY.
A sealed value reads `v1:<key id>:<base64(nonce || ciphertext || tag)>`; the associated
data binds it to its table and field, so a value copied into another column fails to
open. The first key of the ring seals; every key opens. Blind indexes are keyed HMACs
of normalised values, so the database can find equal values without holding them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass, field
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "v1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A sealed value could not be opened (unknown key, tampering, wrong column)."""


@dataclass(frozen=True)
class KeyRing:
    """Data keys by id; `current` seals, all open."""

    keys: dict[str, bytes]
    current: str
    # One AESGCM per key id, made on first use (building it each call cost imports time).
    _aeads: dict[str, AESGCM] = field(default_factory=dict, init=False, repr=False, compare=False)

    def _aead(self, key_id: str) -> AESGCM:
        aead = self._aeads.get(key_id)
        if aead is None:
            aead = self._aeads[key_id] = AESGCM(self.keys[key_id])
        return aead

    @classmethod
    def parse(cls, spec: str) -> KeyRing:
        """Read "id:base64key,id:base64key" (newest first)."""
        keys: dict[str, bytes] = {}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            key_id, _, encoded = item.partition(":")
            try:
                key = base64.urlsafe_b64decode(encoded.encode())
            except ValueError as exc:
                raise ImproperlyConfigured(f"Data key {key_id!r} is not base64.") from exc
            if not key_id.isalnum() or len(key) != 32:
                raise ImproperlyConfigured(
                    f"Data key {key_id!r} must have an alphanumeric id and 32 bytes."
                )
            keys[key_id] = key
        if not keys:
            raise ImproperlyConfigured("DATA_KEYS holds no key.")
        return cls(keys=keys, current=next(iter(keys)))

    def seal(self, plaintext: str, *, context: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead(self.current).encrypt(
            nonce, plaintext.encode("utf-8"), context.encode("utf-8")
        )
        return f"{PREFIX}:{self.current}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, token: str, *, context: str) -> str:
        try:
            prefix, key_id, encoded = token.split(":", 2)
            aead = self._aead(key_id)
            raw = base64.b64decode(encoded)
        except (ValueError, KeyError) as exc:
            raise DecryptionError("Unreadable sealed value or unknown key id.") from exc
        if prefix != PREFIX:
            raise DecryptionError(f"Unknown format {prefix!r}.")
        try:
            plaintext = aead.decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode("utf-8")
            )
        except InvalidTag as exc:
            raise DecryptionError("Sealed value failed authentication.") from exc
        return plaintext.decode("utf-8")


def key_id_of(token: str) -> str:
    """The id of the key that sealed `token` (for rotation progress)."""
    return token.split(":", 2)[1]


@cache
def _ring(spec: str) -> KeyRing:
    return KeyRing.parse(spec)


def keyring() -> KeyRing:
    """The key ring from settings (cached per distinct setting, so tests can swap it)."""
    return _ring(settings.DATA_KEYS)


def seal(plaintext: str, *, context: str) -> str:
    return keyring().seal(plaintext, context=context)


def unseal(token: str, *, context: str) -> str:
    return keyring().open(token, context=context)


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed HMAC-SHA256 of an already-normalised value, namespaced by purpose."""
    key = settings.BLIND_INDEX_KEY.encode("utf-8")
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]
