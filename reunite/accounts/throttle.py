"""Failed-login throttling that stops guessing without letting anyone lock a lawyer out.

Counting failures per account alone lets an attacker lock any lawyer out from anywhere by
typing wrong passwords on purpose. So failures are counted in three places (the device
cookie scheme of OWASP's authentication cheat sheet):

- per source address: one address that fails too often is refused for every account;
- per account, from untrusted clients: too many failures lock the account out for
  browsers that have never signed in to it;
- per device: a browser that has signed in to the account before carries a signed device
  cookie; its failures are counted on their own, so the lawyer's own laptop keeps working
  while an attacker's guesses lock the account everywhere else.

Counters live in the shared cache. If the cache is down, logins fail closed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext as _

from reunite.core.crypto import blind_index, blind_indexes
from reunite.core.errors import Throttled, Unavailable

DEVICE_COOKIE = "reunite_device"
DEVICE_SALT = "reunite.accounts.device"
DEVICE_MAX_AGE = 180 * 24 * 3600


def account_key(email: str) -> str:
    """A keyed pseudonym of the typed email: counters and audit data never hold it."""
    return blind_index(email.strip().lower(), purpose="login-account")


def account_keys(email: str) -> tuple[str, ...]:
    """`account_key` under every blind-index key, current first: while a new key joins
    the ring, device cookies and failure counters made under the old one still count."""
    return blind_indexes(email.strip().lower(), purpose="login-account")


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt: whose account, from where, and from which known device."""

    email: str
    source: str
    device: str | None = None  # the device id, only when its cookie is valid for this account

    @property
    def counters(self) -> list[tuple[str, int]]:
        """(cache key, limit) of every counter this attempt is judged by."""
        limit = settings.LOGIN_FAILURE_LIMIT
        if self.device:
            identity = (f"login:device:{self.device}", limit)
        else:
            identity = (f"login:account:{account_key(self.email)}", limit)
        return [(f"login:source:{self.source}", settings.LOGIN_SOURCE_FAILURE_LIMIT), identity]


def _guarded(operation):
    try:
        return operation()
    except Exception as exc:  # any cache failure: refuse rather than stop counting
        raise Unavailable(
            _("Sign-in is temporarily unavailable. Please try again shortly.")
        ) from exc


def check(attempt: Attempt) -> None:
    """Raise Throttled if any of the attempt's counters is at its limit (an account's
    counter under an older blind-index key too: a new key does not reset it)."""
    judged = attempt.counters
    if not attempt.device:
        limit = settings.LOGIN_FAILURE_LIMIT
        judged += [(f"login:account:{key}", limit) for key in account_keys(attempt.email)[1:]]
    counts = _guarded(lambda: cache.get_many([key for key, _ in judged]))
    for key, limit in judged:
        if counts.get(key, 0) >= limit:
            raise Throttled(
                _("Too many failed sign-in attempts. Please wait before trying again."),
                retry_after=settings.LOGIN_LOCKOUT_SECONDS,
            )


def admit(attempt: Attempt, *, now: float) -> None:
    """Before a password is checked: a known device always; any other browser within a
    site-wide budget of LOGIN_UNKNOWN_CHECKS_PER_MINUTE checks a minute, else Throttled.

    Found by `make load`: a credential-stuffing wave spends each targeted account's
    allowance of failures (and each unknown address's: it is hashed too, so that it takes
    as long) before the locks hold, and those few hundred argon2 checks took the CPU from
    everyone signed in for two minutes. The budget bounds that work whatever the number of
    targets or sources; the lawyer's own known device is never held by it."""
    if attempt.device:
        return
    key = f"login:checks:{int(now // 60)}"

    def bump():
        cache.add(key, 0, timeout=120)
        return cache.incr(key)

    if _guarded(bump) > settings.LOGIN_UNKNOWN_CHECKS_PER_MINUTE:
        raise Throttled(
            _("Too many sign-in attempts right now. Please try again in a moment."),
            retry_after=60 - int(now % 60),
        )


def fail(attempt: Attempt) -> bool:
    """Count a failure; True when it has just locked one of the attempt's counters."""
    locked = False
    for key, limit in attempt.counters:

        def bump(key=key):
            cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
            return cache.incr(key)

        locked |= _guarded(bump) == limit
    return locked


def succeed(attempt: Attempt) -> None:
    """A correct password forgives the device's own failures (not the account's)."""
    if attempt.device:
        _guarded(lambda: cache.delete(f"login:device:{attempt.device}"))


def issue_device_cookie(email: str) -> str:
    return signing.dumps(
        {"a": account_key(email), "d": secrets.token_urlsafe(12)}, salt=DEVICE_SALT
    )


def device_for(cookie: str | None, email: str) -> str | None:
    """The device id in `cookie` if it is genuine, fresh and was issued for `email`."""
    if not cookie:
        return None
    try:
        payload = signing.loads(cookie, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE)
    except signing.BadSignature:
        return None
    return payload["d"] if payload.get("a") in account_keys(email) else None
