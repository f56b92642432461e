"""Field encryption and blind indexes.

Values are sealed with AES-256-GCM under a key ring kept apart from Django's SECRET_KEY.
A sealed value reads `v1:<key id>:<base64(nonce || ciphertext || tag)>`; the associated
data binds it to its table and field, so a value copied into another column fails to
open. The first key of the ring seals; every key opens. Blind indexes are keyed HMACs
of normalised values, so the database can find equal values without holding them; they
have a key ring of their own (BLIND_INDEX_KEYS): the first key writes, lookups match
under every key, and `reunite keys rotate-index` recomputes the stored ones.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
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


# --- Blind indexes ------------------------------------------------------------------------
#
# A blind index is 32 characters, the width of every column that stores one. A key of
# BLIND_INDEX_KEYS writes "<key id>.<hex>" (the HMAC-SHA256 truncated to fill the rest:
# at least 27 hex digits, 108 bits, with an id of up to four characters), so a stored
# digest says which key made it and a rotation can find the rows still to do. The single
# BLIND_INDEX_KEY of earlier versions writes bare hex (32 digits, no dot), exactly as it
# always did: existing databases stay valid without touching a row.

INDEX_LENGTH = 32
LEGACY_INDEX_KEY = ""  # the id of BLIND_INDEX_KEY in the ring: its digests carry none
_INDEX_KEY_ID = re.compile(r"[A-Za-z0-9]{1,4}")


@dataclass(frozen=True)
class IndexKeyRing:
    """Blind-index keys by id, newest first; `current` writes, every key finds."""

    keys: dict[str, bytes]
    current: str

    @classmethod
    def parse(cls, spec: str, *, legacy: str = "") -> IndexKeyRing:
        """Read BLIND_INDEX_KEYS ("id:base64key,id:base64key", newest first) and the
        single BLIND_INDEX_KEY, which joins the ring as its oldest key (or is the whole
        ring when BLIND_INDEX_KEYS is empty)."""
        keys: dict[str, bytes] = {}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            key_id, colon, encoded = item.partition(":")
            if not colon or not _INDEX_KEY_ID.fullmatch(key_id):
                raise ImproperlyConfigured(
                    "BLIND_INDEX_KEYS must read 'id:base64key,id:base64key' with ids of "
                    f"1 to 4 letters or digits; {key_id[:8]!r} is not one."
                )
            if key_id in keys:
                raise ImproperlyConfigured(f"BLIND_INDEX_KEYS names key {key_id!r} twice.")
            try:
                key = base64.urlsafe_b64decode(encoded.encode())
            except ValueError as exc:
                raise ImproperlyConfigured(f"Blind-index key {key_id!r} is not base64.") from exc
            if len(key) != 32:
                raise ImproperlyConfigured(
                    f"Blind-index key {key_id!r} must be 32 bytes (urlsafe base64), not {len(key)}."
                )
            keys[key_id] = key
        if legacy:
            keys[LEGACY_INDEX_KEY] = legacy.encode("utf-8")
        if not keys:
            raise ImproperlyConfigured("Neither BLIND_INDEX_KEYS nor BLIND_INDEX_KEY holds a key.")
        return cls(keys=keys, current=next(iter(keys)))

    def digest(self, value: str, *, purpose: str, key_id: str | None = None) -> str:
        """The blind index of `value` under `key_id` (default: the current key)."""
        key_id = self.current if key_id is None else key_id
        message = f"{purpose}\x00{value}".encode()
        mac = hmac.new(self.keys[key_id], message, hashlib.sha256).hexdigest()
        return (f"{key_id}.{mac}" if key_id else mac)[:INDEX_LENGTH]

    def digests(self, value: str, *, purpose: str) -> tuple[str, ...]:
        """The blind index of `value` under every key, current first: what a lookup
        matches, so that rows not yet rotated are still found during a rotation."""
        return tuple(self.digest(value, purpose=purpose, key_id=k) for k in self.keys)


def index_key_id(digest: str) -> str:
    """The id of the key that made a stored blind index (LEGACY_INDEX_KEY: BLIND_INDEX_KEY)."""
    key_id, dot, _mac = digest.partition(".")
    return key_id if dot else LEGACY_INDEX_KEY


@cache
def _index_ring(spec: str, legacy: str) -> IndexKeyRing:
    return IndexKeyRing.parse(spec, legacy=legacy)


def index_keyring() -> IndexKeyRing:
    """The blind-index key ring from settings (cached per distinct setting)."""
    return _index_ring(
        getattr(settings, "BLIND_INDEX_KEYS", "") or "",
        getattr(settings, "BLIND_INDEX_KEY", "") or "",
    )


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed HMAC-SHA256 of an already-normalised value, namespaced by purpose, under
    the current blind-index key: what is stored."""
    return index_keyring().digest(value, purpose=purpose)


def blind_indexes(value: str, *, purpose: str) -> tuple[str, ...]:
    """`blind_index` under every key of the ring, current first: what a lookup matches.
    Outside a rotation the ring holds one key and this is one digest."""
    return index_keyring().digests(value, purpose=purpose)
