"""An invited person joins, enrols a second factor, and works in their language."""

import os
import re
import shutil

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from conftest import totp_now
from reunite.accounts.models import Membership, User
from reunite.accounts.roles import Role
from reunite.accounts.tests.factories import MembershipFactory
from reunite.browser_tests.conftest import (
    fill,
    go,
    heading,
    path_of,
    sign_in,
    submit,
    switch_language,
    wait_for,
    wait_for_path,
)

pytestmark = pytest.mark.browser

INVITEE_EMAIL = "elena.invitee@a.example.org"
INVITEE_NAME = "Elena Invitee"
WEAK_PASSWORD = "password"
GOOD_PASSWORD = "tamale lantern orbit 7391"
LINK = re.compile(r"https?://\S+/invitations/accept/\S+/")


def _password_errors(password: str) -> list[str]:
    """What the validators say about `password` for the invitee (in English)."""
    with translation.override("en"):
        try:
            validate_password(password, User(email=INVITEE_EMAIL, full_name=INVITEE_NAME))
        except ValidationError as exc:
            return exc.messages
    return []


def _screenshot(browser, tmp_path, name: str):
    """Save a PNG of the page; BROWSER_SCREENSHOTS=<dir> keeps a copy to look at."""
    path = tmp_path / f"{name}.png"
    assert browser.save_screenshot(str(path))
    keep = os.environ.get("BROWSER_SCREENSHOTS")
    if keep:
        os.makedirs(keep, exist_ok=True)
        shutil.copy(path, keep)
    return path


def test_invited_attorney_joins_enrols_totp_and_switches_language(browser, ada, password, tmp_path):
    # The organisation admin invites a colleague from the Members page.
    sign_in(browser, email=ada.email, password=password, totp_secret=ada.totp_secret)
    wait_for_path(browser, reverse("dashboard:home"))
    go(browser, reverse("accounts:members"))
    fill(browser, "#id_email", INVITEE_EMAIL)
    wait_for(browser, f"#id_role option[value='{Role.ATTORNEY}']").click()
    submit(browser)
    assert "Invitation sent." in wait_for(browser, ".messages").text
    assert INVITEE_EMAIL in wait_for(browser, "main").text  # listed as an open invitation
    submit(browser, f"form[action='{reverse('account_logout')}'] button")

    # The email carries the one-time link.
    assert [message.to for message in mail.outbox] == [[INVITEE_EMAIL]]
    link = LINK.search(mail.outbox[0].body).group(0)
    assert link.startswith(browser.live_server)

    # A weak password is refused with the validators' reasons; the typed name stays.
    go(browser, link)
    fill(browser, "#id_full_name", INVITEE_NAME)
    fill(browser, "#id_password1", WEAK_PASSWORD)
    fill(browser, "#id_password2", WEAK_PASSWORD)
    submit(browser)
    reasons = _password_errors(WEAK_PASSWORD)
    assert reasons, "the weak password must fail validation for this test to mean anything"
    error = wait_for(browser, ".field.invalid").text
    for reason in reasons:
        assert reason in error
    assert wait_for(browser, "#id_full_name").get_attribute("value") == INVITEE_NAME
    assert wait_for(browser, "#id_password1").get_attribute("value") == ""
    assert not User.objects.filter(email=INVITEE_EMAIL).exists()
    _screenshot(browser, tmp_path, "invitation-weak-password")

    # A good password creates the account and leads straight to TOTP enrolment.
    assert _password_errors(GOOD_PASSWORD) == []
    fill(browser, "#id_password1", GOOD_PASSWORD)
    fill(browser, "#id_password2", GOOD_PASSWORD)
    submit(browser)
    wait_for_path(browser, reverse("mfa_activate_totp"))
    secret = wait_for(browser, "#authenticator_secret").get_attribute("value")
    assert re.fullmatch(r"[A-Z2-7]{16,}=*", secret), secret
    _screenshot(browser, tmp_path, "totp-activate")
    fill(browser, "#id_code", totp_now(secret))
    submit(browser)

    # Recovery codes are shown once enrolment succeeds; then the portal opens.
    wait_for_path(browser, reverse("mfa_view_recovery_codes"))
    codes = wait_for(browser, "#recovery_codes").get_attribute("value").split()
    assert len(codes) == 10 and all(re.fullmatch(r"([0-9A-Z]{4}-){5}[0-9A-Z]{4}", c) for c in codes)
    _screenshot(browser, tmp_path, "recovery-codes")
    wait_for(browser, "#codes-saved").click()
    wait_for_path(browser, reverse("mfa_index"))
    go(browser, reverse("mfa_view_recovery_codes"))  # shown once: now only how many are left
    assert not any(code in browser.page_source for code in codes)
    invitee = User.objects.get(email=INVITEE_EMAIL)
    assert invitee.full_name == INVITEE_NAME
    assert Authenticator.objects.filter(user=invitee, type=Authenticator.Type.TOTP).exists()
    assert Membership.objects.get(user=invitee).role == Role.ATTORNEY
    go(browser, reverse("dashboard:home"))
    wait_for_path(browser, reverse("dashboard:home"))
    assert heading(browser) == "Dashboard"
    assert (
        ada.memberships.get().organization.name in browser.find_element("css selector", "main").text
    )
    _screenshot(browser, tmp_path, "dashboard")

    # Spanish, then back to English, with the header's language switcher.
    switch_language(browser, "es")
    assert wait_for(browser, "html").get_attribute("lang") == "es"
    with translation.override("es"):
        spanish = {text: gettext(text) for text in ("Dashboard", "Sign out", "Language")}
    assert spanish["Dashboard"] != "Dashboard", "the Spanish catalogue should translate it"
    assert heading(browser) == spanish["Dashboard"]
    header = wait_for(browser, "header.top").text
    assert spanish["Sign out"] in header and spanish["Language"] in header
    _screenshot(browser, tmp_path, "dashboard-es")
    switch_language(browser, "en")
    assert wait_for(browser, "html").get_attribute("lang") == "en"
    assert heading(browser) == "Dashboard"


def test_member_without_second_factor_is_held_at_enrolment(browser, org_a, password):
    newcomer = MembershipFactory(organization=org_a).user  # a password, no authenticator
    sign_in(browser, email=newcomer.email, password=password)
    wait_for_path(browser, reverse("mfa_activate_totp"))
    go(browser, reverse("dashboard:home"))
    wait_for_path(browser, reverse("mfa_activate_totp"))
    assert wait_for(browser, "#authenticator_secret").get_attribute("value")
    assert path_of(browser) != reverse("dashboard:home")
