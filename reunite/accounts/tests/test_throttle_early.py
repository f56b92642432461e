"""A locked sign-in is refused before the sign-in view runs (found by `make load`: each
refusal of a credential-stuffing wave cost as much as a page)."""

import pytest
from django.test import override_settings
from django.urls import reverse

from reunite.accounts.adapters import AccountAdapter

pytestmark = pytest.mark.django_db
LIMIT = 3


def attempt(client, email, password, ip="203.0.113.9"):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=ip
    )


@override_settings(LOGIN_FAILURE_LIMIT=LIMIT)
def test_a_locked_account_is_refused_before_the_sign_in_view(client, alice, password, monkeypatch):
    for _ in range(LIMIT):
        assert attempt(client, alice.email, "wrong password!!").status_code == 200

    def view_reached(*args, **kwargs):
        raise AssertionError("the sign-in view ran")

    monkeypatch.setattr(AccountAdapter, "pre_authenticate", view_reached)
    response = attempt(client, alice.email, password)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


@override_settings(LOGIN_FAILURE_LIMIT=LIMIT)
def test_other_accounts_and_pages_are_not_refused_early(client, alice, bob, password):
    for _ in range(LIMIT):
        attempt(client, alice.email, "wrong password!!")
    assert attempt(client, bob.email, password).status_code == 302
    assert client.get(reverse("account_login")).status_code in (200, 302)


@override_settings(LOGIN_FAILURE_LIMIT=LIMIT, LOGIN_SOURCE_FAILURE_LIMIT=LIMIT)
def test_a_throttled_source_is_refused_early_for_any_account(client, alice, bob, password):
    for _ in range(LIMIT):
        attempt(client, alice.email, "wrong password!!", ip="192.0.2.10")
    assert attempt(client, bob.email, password, ip="192.0.2.10").status_code == 429
    assert attempt(client, bob.email, password, ip="192.0.2.11").status_code == 302
