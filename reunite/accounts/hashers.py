"""Django's argon2 hasher, made safe to run under a flood of sign-in attempts.

Found by `make load`: during a credential-stuffing wave (1,000 attempts a minute), the
first few failures of each targeted account are checked with argon2 before the lock
holds. Django's argon2 computes each hash with 8 threads (parallelism 8) and 100 MB:
every attempt put 8 busy threads on a 2-core web server, and the attempts queued on
every worker thread, so the pages of people already signed in waited a minute.

So here: one thread per hash (parallelism 1; same memory and time cost, well above
OWASP's argon2id minimum, and an attacker's cost is the memory and time anyway), and
at most one hash at a time per process. A check that cannot start within HASH_WAIT
seconds is answered 429 "try again" instead of holding a thread: the worker's other
threads keep serving pages. Existing hashes with other parameters still verify, and are
re-hashed with these at the next successful sign-in (Django's must_update).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

from django.contrib.auth import hashers
from django.utils.translation import gettext as _

from reunite.core.errors import Throttled

HASH_WAIT = 0.3  # seconds: about two hashes; a sign-in nobody competes with never waits
_slot = threading.BoundedSemaphore(1)


@contextmanager
def one_at_a_time():
    if not _slot.acquire(timeout=HASH_WAIT):
        raise Throttled(
            _("Too many sign-in attempts right now. Please try again in a moment."),
            retry_after=5,
        )
    try:
        yield
    finally:
        _slot.release()


class Argon2PasswordHasher(hashers.Argon2PasswordHasher):
    parallelism = 1

    def encode(self, password, salt):
        with one_at_a_time():
            return super().encode(password, salt)

    def verify(self, password, encoded):
        with one_at_a_time():
            return super().verify(password, encoded)
