"""argon2 with one thread and one hash at a time per process: a flood of sign-in
attempts gets 429s instead of every worker thread (found by `make load`)."""

import threading

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2
from django.contrib.auth.hashers import check_password, make_password
from django.urls import reverse

from reunite.accounts import hashers
from reunite.core.errors import Throttled

HASHER = "reunite.accounts.hashers.Argon2PasswordHasher"


def test_one_thread_per_hash_and_no_weaker_than_django():
    ours = hashers.Argon2PasswordHasher()
    assert ours.parallelism == 1
    assert ours.memory_cost >= DjangoArgon2.memory_cost
    assert ours.time_cost >= DjangoArgon2.time_cost
    encoded = ours.encode("correct horse battery", ours.salt())
    assert encoded.startswith("argon2$argon2id$") and "p=1" in encoded
    assert ours.verify("correct horse battery", encoded)
    assert not ours.verify("wrong horse battery", encoded)


def test_hashes_made_with_djangos_parameters_still_verify_and_are_upgraded(settings):
    settings.PASSWORD_HASHERS = [HASHER]
    old = DjangoArgon2().encode("correct horse battery", "somesaltvalue123")
    assert hashers.Argon2PasswordHasher().verify("correct horse battery", old)
    assert hashers.Argon2PasswordHasher().must_update(old)


@pytest.fixture
def busy(monkeypatch):
    """Another thread of this process is hashing."""
    monkeypatch.setattr(hashers, "HASH_WAIT", 0.05)
    holding, done = threading.Event(), threading.Event()

    def hash_forever():
        with hashers.one_at_a_time():
            holding.set()
            done.wait(10)

    worker = threading.Thread(target=hash_forever)
    worker.start()
    holding.wait(5)
    yield
    done.set()
    worker.join()


def test_a_check_that_cannot_start_soon_is_throttled(busy):
    encoded = "argon2$argon2id$v=19$m=102400,t=2,p=1$c29tZXNhbHQ$aGFzaA"
    with pytest.raises(Throttled):
        hashers.Argon2PasswordHasher().verify("anything at all", encoded)


def test_the_slot_is_free_again_after_a_check():
    ours = hashers.Argon2PasswordHasher()
    encoded = ours.encode("correct horse battery", ours.salt())
    assert ours.verify("correct horse battery", encoded)
    with hashers.one_at_a_time():  # would raise if a check had kept it
        pass


def test_a_sign_in_while_the_process_is_hashing_answers_429(client, alice, password, settings):
    settings.PASSWORD_HASHERS = [HASHER, "django.contrib.auth.hashers.MD5PasswordHasher"]
    alice.password = make_password(password)
    alice.save()
    assert check_password(password, alice.password)
    free = client.post(reverse("account_login"), {"login": alice.email, "password": password})
    assert free.status_code == 302

    client.logout()
    release = threading.Event()
    held = threading.Event()

    def hold():
        with hashers.one_at_a_time():
            held.set()
            release.wait(10)

    worker = threading.Thread(target=hold)
    worker.start()
    held.wait(5)
    try:
        hashers.HASH_WAIT, saved = 0.05, hashers.HASH_WAIT
        response = client.post(
            reverse("account_login"), {"login": alice.email, "password": password}
        )
    finally:
        hashers.HASH_WAIT = saved
        release.set()
        worker.join()
    assert response.status_code == 429
    assert response["Retry-After"] == "5"  # busy, not locked: try again in a moment
