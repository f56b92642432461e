"""A new blind-index key joining the ring neither forgets a lawyer's known device nor
gives a guesser a fresh budget of failures (the account key is a blind index)."""

import base64

import pytest

from reunite.accounts import throttle
from reunite.core.errors import Throttled

NEW = "b2:" + base64.urlsafe_b64encode(b"n" * 32).decode()
EMAIL = "alice@a.example.org"


@pytest.fixture
def old_key(settings):
    settings.BLIND_INDEX_KEYS, settings.BLIND_INDEX_KEY = "", "the-old-blind-index-key"
    return settings


def test_a_device_cookie_stays_valid_while_its_key_is_in_the_ring(old_key):
    cookie = throttle.issue_device_cookie(EMAIL)
    old_key.BLIND_INDEX_KEYS = NEW  # rotation: the new key writes, the old one still finds
    assert throttle.device_for(cookie, EMAIL)
    assert throttle.device_for(cookie, "bob@a.example.org") is None
    old_key.BLIND_INDEX_KEY = ""  # the old key has left the ring
    assert throttle.device_for(cookie, EMAIL) is None


def test_failures_counted_under_the_old_key_still_lock_the_account(old_key):
    old_key.LOGIN_FAILURE_LIMIT = 3
    guess = throttle.Attempt(email=EMAIL, source="203.0.113.9")
    for _ in range(3):
        throttle.fail(guess)
    old_key.BLIND_INDEX_KEYS = NEW
    with pytest.raises(Throttled):
        throttle.check(guess)
    old_key.BLIND_INDEX_KEY = ""
    throttle.check(throttle.Attempt(email=EMAIL, source="198.51.100.7"))  # budget renewed
