"""The named cast every test can use (synthetic people, never real ones).

- alice: verified attorney at org A      - bob: legal assistant at org A
- charlie: verified attorney at org B (proves isolation)
- dana: auditor at org A                 - ada: organisation admin at org A
Every cast member has TOTP enrolled; `signed_in(client, user)` gives a fresh session.
"""

import importlib
import threading
import time

import pytest
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.db import connection
from django.db.models.signals import post_migrate
from django.utils import timezone, translation

from reunite.accounts.receivers import SESSION_AUTH_AT, SESSION_LAST_SEEN
from reunite.accounts.roles import Role
from reunite.accounts.tests.factories import (
    PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    enrol_totp,
)


def in_threads(*calls, timeout: float = 120) -> list:
    """Run the calls in threads released together, each on its own database connection
    (for transactional tests); return what each returned, or the exception it raised."""
    start = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            start.wait()
            outcomes[index] = call()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return outcomes


def race(*calls) -> list:
    """`in_threads`, keeping only what each call raised (None for a call that succeeded)."""
    return [o if isinstance(o, Exception) else None for o in in_threads(*calls)]


def totp_now(secret: str, at: float | None = None) -> str:
    """The code an authenticator app would show for `secret` at `at` (default: now)."""
    return format_hotp_value(hotp_value(secret, int((at or time.time()) // 30)))


@pytest.fixture(autouse=True)
def _default_language():
    """A request in Spanish or French leaves that language active in the thread that
    served it: each test starts in the default language again, whatever ran before it."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """argon2 is deliberately slow; tests hash hundreds of passwords. (Production's
    hasher is asserted in reunite/accounts/tests/test_passwords.py.)"""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    """Background tasks run at once, inside the test (the database queue needs a worker)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    """Each test gets its own cache so throttles and TOTP replay markers never leak."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()


# Database guards (triggers) that refuse the row deletions a test flush makes: the migration
# that installs each, and the name of its statements in that migration.
GUARDS = [
    ("reunite.audit.migrations.0004_seal_after_commit", "SEAL_ONLY_SQL"),  # append-only audit log
    ("reunite.funds.migrations.0002_ledger_guards", "GUARD_SQL"),  # posted ledger entries
]


@pytest.fixture
def transactional_db(transactional_db):
    """pytest-django's fixture, made able to empty the guarded tables.

    The database refuses to change audit events or posted ledger entries, so the flush
    that ends every transactional test would fail. Just before it, drop the guards; right
    after it (flush emits post_migrate), put them back for the tests that follow.
    """
    guards = [(importlib.import_module(module), name) for module, name in GUARDS]
    yield

    def restore(**kwargs):
        post_migrate.disconnect(restore, dispatch_uid=__name__)
        with connection.cursor() as cursor:
            for guard, name in guards:
                for statement in getattr(guard, name).get(connection.vendor, []):
                    cursor.execute(statement)

    with connection.cursor() as cursor:
        for guard, _ in guards:
            for statement in guard.REMOVE_SQL.get(connection.vendor, []):
                cursor.execute(statement)
    post_migrate.connect(restore, dispatch_uid=__name__, weak=False)


@pytest.fixture
def org_a(db):
    return OrganizationFactory(name="Border Legal Aid (test A)")


@pytest.fixture
def org_b(db):
    return OrganizationFactory(name="Familias Unidas Counsel (test B)")


def _member(org, name, email, role, verified=False):
    user = UserFactory(full_name=name, email=email)
    user.totp_secret = enrol_totp(user)
    membership = MembershipFactory(user=user, organization=org, role=role)
    if verified:
        membership.bar_number, membership.bar_state = "123456", "TX"
        membership.attorney_verified_at = timezone.now()
        membership.save()
    return user


@pytest.fixture
def ada(org_a):
    return _member(org_a, "Ada Admin", "ada@a.example.org", Role.ORG_ADMIN)


@pytest.fixture
def alice(org_a, ada):
    user = _member(org_a, "Alice Attorney", "alice@a.example.org", Role.ATTORNEY)
    membership = user.memberships.get()
    membership.bar_number, membership.bar_state = "123456", "TX"
    membership.attorney_verified_at, membership.attorney_verified_by = timezone.now(), ada
    membership.save()
    return user


@pytest.fixture
def bob(org_a):
    return _member(org_a, "Bob Paralegal", "bob@a.example.org", Role.LEGAL_ASSISTANT)


@pytest.fixture
def charlie(org_b):
    return _member(org_b, "Charlie Counsel", "charlie@b.example.org", Role.ATTORNEY, verified=True)


@pytest.fixture
def dana(org_a):
    return _member(org_a, "Dana Auditor", "dana@a.example.org", Role.AUDITOR)


@pytest.fixture
def password():
    return PASSWORD


def signed_in(client, user, *, reauthenticated=False):
    """Sign `user` in on `client` as after a full password + TOTP login; with
    `reauthenticated`, as if they had also just confirmed their password again."""
    client.force_login(user)
    session = client.session
    now = timezone.now().timestamp()
    session[SESSION_AUTH_AT] = session[SESSION_LAST_SEEN] = now
    if reauthenticated:
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "password", "at": time.time(), "reauthenticated": True}
        ]
        session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()
    return client
