"""A site-wide budget of password checks from unknown browsers: a credential-stuffing
wave cannot spend the server's CPU on argon2 (found by `make load`), and the lawyer's
known device is never held by it."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from conftest import totp_now
from reunite.accounts import throttle
from reunite.core.errors import Throttled

pytestmark = pytest.mark.django_db
BUDGET = 3


def attempt(client, email, password, ip):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=ip
    )


@override_settings(LOGIN_UNKNOWN_CHECKS_PER_MINUTE=BUDGET)
def test_the_budget_is_per_minute_and_site_wide():
    for n in range(BUDGET):
        throttle.admit(throttle.Attempt(email=f"a{n}@x.test", source=f"192.0.2.{n}"), now=60.0)
    with pytest.raises(Throttled) as refused:
        throttle.admit(throttle.Attempt(email="other@x.test", source="192.0.2.99"), now=61.0)
    assert 0 < refused.value.retry_after <= 60
    throttle.admit(throttle.Attempt(email="other@x.test", source="192.0.2.99"), now=120.0)


@override_settings(LOGIN_UNKNOWN_CHECKS_PER_MINUTE=BUDGET)
def test_a_known_device_is_not_counted_nor_held():
    for _ in range(BUDGET + 2):
        throttle.admit(
            throttle.Attempt(email="a@x.test", source="192.0.2.1", device="d1"), now=60.0
        )
    throttle.admit(throttle.Attempt(email="b@x.test", source="192.0.2.2"), now=60.0)


@override_settings(LOGIN_UNKNOWN_CHECKS_PER_MINUTE=BUDGET, LOGIN_FAILURE_LIMIT=50)
def test_past_the_budget_new_browsers_wait_and_known_devices_sign_in(client, alice, bob, password):
    lawyer = Client()
    attempt(lawyer, alice.email, password, ip="198.51.100.7")  # one check of the budget
    lawyer.post(reverse("mfa_authenticate"), {"code": totp_now(alice.totp_secret)})
    assert throttle.DEVICE_COOKIE in lawyer.cookies
    lawyer.post(reverse("account_logout"))

    for n in range(BUDGET - 1):  # a wave from many addresses spends the rest
        assert (
            attempt(client, f"nobody{n}@x.test", "guess guess", f"192.0.2.{n}").status_code == 200
        )
    refused = attempt(Client(), bob.email, password, "203.0.113.5")
    assert refused.status_code == 429  # even the right password: no check was made

    signed = attempt(lawyer, alice.email, password, "198.51.100.7")
    assert signed.status_code == 302
    assert signed["Location"] == reverse("mfa_authenticate")
