"""Alice, signed in on her laptop, finds a session she does not recognise under
"Sessions", gives her password again and ends it (ASVS 7.5.2)."""

import pytest
from django.test import Client
from django.urls import reverse

from conftest import totp_now
from reunite.browser_tests.conftest import (
    fill,
    go,
    sign_in,
    submit,
    text_of,
    wait_for,
    wait_for_path,
)

pytestmark = pytest.mark.browser


def test_a_member_sees_and_ends_another_session(browser, alice, password):
    # The other session: a real sign-in from another "browser", as from a lost phone.
    phone = Client(
        HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile Safari/537.36"
    )
    phone.post(reverse("account_login"), {"login": alice.email, "password": password})
    phone.post(reverse("mfa_authenticate"), {"code": totp_now(alice.totp_secret)})
    assert phone.get(reverse("dashboard:home")).status_code == 200

    from django.core.cache import cache

    cache.clear()  # the same TOTP code signs the laptop in too
    sign_in(browser, email=alice.email, password=password, totp_secret=alice.totp_secret)
    go(browser, reverse("dashboard:home"))
    wait_for(browser, f"header a[href='{reverse('accounts:sessions')}']").click()
    wait_for_path(browser, reverse("account_reauthenticate"))
    fill(browser, "#id_password", password)
    submit(browser)
    wait_for_path(browser, reverse("accounts:sessions"))
    table = text_of(browser, "table.sessions tbody")
    assert "Chrome / Android" in table and "this browser" in table
    submit(browser, "#end-others")
    assert "1 other session ended." in text_of(browser, ".messages")
    assert "Chrome / Android" not in text_of(browser, "table.sessions tbody")
    assert phone.get(reverse("dashboard:home"))["Location"].startswith(reverse("account_login"))
