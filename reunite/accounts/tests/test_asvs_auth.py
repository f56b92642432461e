"""Authentication and session requirements of OWASP ASVS 5.0 that no other test showed
(see docs/security/asvs.yaml, which names these tests)."""

import re

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from conftest import signed_in, totp_now
from reunite.accounts.roles import Role
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSPHRASE = "the quiet river keeps every promise it made to the old stone bridge at dawn"


def sign_in_with_password(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


# --- passwords (V6.2) ---------------------------------------------------------------------


def test_passwords_of_any_composition_and_over_64_characters_are_accepted(alice):
    """6.2.5, 6.2.9: no character-class rules; a 76-character lowercase passphrase is fine."""
    assert len(PASSPHRASE) > 64
    validate_password(PASSPHRASE, alice)  # raises if refused
    validate_password("correct horse battery staple bamboo", alice)


def test_a_short_password_is_refused_whatever_its_composition(alice):
    with pytest.raises(ValidationError):
        validate_password("Ab1!Ab1!Ab1", alice)  # 11 characters, every class


def test_a_long_password_signs_in_exactly_as_typed(client, alice):
    alice.set_password(PASSPHRASE)
    alice.save()
    response = sign_in_with_password(client, alice.email, PASSPHRASE)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")


@pytest.mark.parametrize(
    "typed",
    [PASSPHRASE.upper(), PASSPHRASE[:64], PASSPHRASE + " ", PASSPHRASE.capitalize()],
    ids=["upper-case", "truncated-to-64", "trailing-space", "capitalised"],
)
def test_a_password_that_differs_in_case_length_or_spacing_is_refused(client, alice, typed):
    """6.2.8: no truncation, no case folding, no trimming."""
    alice.set_password(PASSPHRASE)
    alice.save()
    response = sign_in_with_password(client, alice.email, typed)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_password_fields_are_masked_and_may_be_pasted(client):
    """6.2.6, 6.2.7: type=password, and nothing stops paste or password managers."""
    page = client.get(reverse("account_login")).content.decode()
    field = re.search(r"<input[^>]*name=\"password\"[^>]*>", page).group(0)
    assert 'type="password"' in field
    assert 'autocomplete="off"' not in field
    assert "onpaste" not in page.lower() and "oncopy" not in page.lower()


def test_a_member_changes_their_password_giving_the_current_one(client, alice, password):
    """6.2.2, 6.2.3."""
    signed_in(client, alice)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": password, "password1": PASSPHRASE, "password2": PASSPHRASE},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(PASSPHRASE)
    assert AuditEvent.objects.filter(
        event_type=EventType.PASSWORD_CHANGED, actor_id=alice.public_id
    ).exists()


def test_a_password_change_without_the_current_password_is_refused(client, alice, password):
    signed_in(client, alice)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "not my password at all", "password1": PASSPHRASE, "password2": PASSPHRASE},
    )
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.check_password(password) and not alice.check_password(PASSPHRASE)


def test_a_password_stays_valid_with_age(client, alice, password):
    """6.2.10: no forced periodic rotation: a password set years ago still signs in."""
    with time_machine.travel("2031-06-01 09:00", tick=False):
        response = sign_in_with_password(client, alice.email, password)
    assert response["Location"] == reverse("mfa_authenticate")


def test_a_rotated_password_no_longer_signs_in(client, alice, password):
    alice.set_password(PASSPHRASE)
    alice.save()
    assert sign_in_with_password(client, alice.email, password).status_code == 200
    assert "_auth_user_id" not in client.session


# --- account recovery and enumeration (V6.3.8, V6.4) -----------------------------------------


def reset_link(outbox) -> str:
    return re.search(r"https?://[^/\s]+(/\S*/password/reset/key/\S+/)", outbox[-1].body).group(1)


def test_password_reset_answers_alike_for_known_and_unknown_addresses(client, alice):
    """6.3.8 (L3): the reset form does not tell whether an account exists."""
    known = client.post(reverse("account_reset_password"), {"email": alice.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@a.example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_password_reset_emails_a_link_only_to_an_account_holder(client, alice):
    client.post(reverse("account_reset_password"), {"email": "nobody@a.example.org"})
    client.post(reverse("account_reset_password"), {"email": alice.email})
    to_unknown, to_alice = mail.outbox[-2], mail.outbox[-1]
    assert "/password/reset/key/" not in to_unknown.body
    assert "/password/reset/key/" in to_alice.body


def test_a_password_reset_does_not_sign_in_nor_skip_the_second_factor(client, alice):
    """6.4.3: after a reset the member still signs in with password and TOTP."""
    client.post(reverse("account_reset_password"), {"email": alice.email})
    form = client.get(reset_link(mail.outbox), follow=True)
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else reset_link(mail.outbox),
        {"password1": PASSPHRASE, "password2": PASSPHRASE},
    )
    assert done.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(PASSPHRASE)
    assert "_auth_user_id" not in client.session
    response = sign_in_with_password(client, alice.email, PASSPHRASE)
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("dashboard:home")).status_code == 302  # not in yet


def test_a_reset_link_works_once(client, alice):
    client.post(reverse("account_reset_password"), {"email": alice.email})
    link = reset_link(mail.outbox)
    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"password1": PASSPHRASE, "password2": PASSPHRASE})
    again = Client().get(link, follow=True)
    assert b'name="password1"' not in again.content


# --- second factor (V6.5) -------------------------------------------------------------------


def test_a_totp_code_from_two_periods_ago_is_refused(client, alice, password):
    """6.5.5: a code lives one 30-second period (one period of clock drift is tolerated)."""
    import time

    sign_in_with_password(client, alice.email, password)
    stale = totp_now(alice.totp_secret, at=time.time() - 95)
    assert client.post(reverse("mfa_authenticate"), {"code": stale}).status_code == 200
    assert "_auth_user_id" not in client.session


# --- sessions (V7) --------------------------------------------------------------------------


def test_reauthentication_issues_a_new_session_id_and_is_audited(client, ada, password):
    """7.2.4 (re-authentication too), 16.3.1."""
    signed_in(client, ada)
    before = client.session.session_key
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302
    assert client.session.session_key != before
    assert client.get(reverse("dashboard:home")).status_code == 200  # still signed in
    assert AuditEvent.objects.filter(
        event_type=EventType.REAUTHENTICATED, actor_id=ada.public_id
    ).exists()


def test_a_wrong_password_at_step_up_is_refused_and_audited(client, ada, bob):
    signed_in(client, ada)
    before = client.session.session_key
    response = client.post(reverse("account_reauthenticate"), {"password": "wrong wrong wrong"})
    assert response.status_code == 200
    assert client.session.session_key == before
    assert AuditEvent.objects.filter(event_type=EventType.LOGIN_FAILED).exists()
    assert not AuditEvent.objects.filter(event_type=EventType.REAUTHENTICATED).exists()
    role = reverse("accounts:member_role", kwargs={"public_id": bob.memberships.get().public_id})
    assert client.post(role, {"role": Role.ATTORNEY})["Location"].startswith(
        reverse("account_reauthenticate")
    )


def test_sign_out_ends_the_session_on_the_server(client, alice):
    """7.4.1: the old session cookie is worthless after signing out."""
    signed_in(client, alice)
    cookie = client.cookies["sessionid"].value
    assert client.post(reverse("account_logout")).status_code == 302
    replay = Client()
    replay.cookies["sessionid"] = cookie
    response = replay.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_signed_in_session_keeps_working_until_sign_out(client, alice):
    signed_in(client, alice)
    assert client.get(reverse("dashboard:home")).status_code == 200
    assert client.get(reverse("people:list")).status_code == 200


def test_a_disabled_account_loses_every_session_at_once(client, alice):
    """7.4.2: a disabled user's sessions stop at the next request."""
    other = signed_in(Client(), alice)
    signed_in(client, alice)
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    for session in (client, other):
        response = session.get(reverse("dashboard:home"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_a_deactivated_member_reaches_no_organisation_page(client, alice):
    signed_in(client, alice)
    assert client.get(reverse("people:list")).status_code == 200
    alice.memberships.update(is_active=False)
    assert client.get(reverse("people:list")).status_code == 403


def test_changing_the_password_ends_every_other_session(client, alice, password):
    """7.4.3 (password): other sessions end; the one that changed it stays."""
    laptop = signed_in(Client(), alice)
    signed_in(client, alice)
    client.post(
        reverse("account_change_password"),
        {"oldpassword": password, "password1": PASSPHRASE, "password2": PASSPHRASE},
    )
    assert client.get(reverse("dashboard:home")).status_code == 200
    response = laptop.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_every_signed_in_page_offers_sign_out(client, alice):
    """7.4.4."""
    signed_in(client, alice)
    logout = reverse("account_logout")
    for url in (reverse("dashboard:home"), reverse("people:list"), reverse("tracing:matches")):
        page = client.get(url).content.decode()
        assert f'action="{logout}"' in page, url


def test_the_sign_in_page_offers_no_sign_out(client):
    assert (
        f'action="{reverse("account_logout")}"'
        not in client.get(reverse("account_login")).content.decode()
    )


@pytest.mark.parametrize(
    "name",
    ["mfa_deactivate_totp", "mfa_generate_recovery_codes", "mfa_add_webauthn"],
    ids=["remove-totp", "new-recovery-codes", "add-security-key"],
)
def test_changing_the_second_factor_asks_for_the_password_again(client, alice, name):
    """7.5.1: MFA settings need a fresh password."""
    signed_in(client, alice)
    response = client.post(reverse(name), {})
    assert response.status_code == 302
    assert response["Location"].startswith(
        (reverse("account_reauthenticate"), reverse("mfa_reauthenticate"))
    )


def test_after_reauthentication_the_second_factor_settings_open(client, alice):
    signed_in(client, alice, reauthenticated=True)
    assert client.get(reverse("mfa_generate_recovery_codes")).status_code == 200
    assert client.get(reverse("mfa_deactivate_totp")).status_code == 200


def test_no_email_address_can_be_added_to_an_account_with_a_second_factor(client, alice):
    """7.5.1: the recovery channel cannot be redirected, even after re-authentication."""
    signed_in(client, alice, reauthenticated=True)
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "alice.new@a.example.org"}
    )
    assert response.status_code == 200
    assert not alice.emailaddress_set.filter(email="alice.new@a.example.org").exists()


# --- added for the trail: context words, secrets, redirects, mail ----------------------------


@pytest.mark.parametrize(
    "weak",
    ["Reunite2026!!", "B0rder-Attorney1", "familiafamilia", "Reunification", "ICE-ICE-ICE-ICE"],
)
def test_the_portals_own_words_are_refused_as_passwords(alice, weak):
    """6.2.11: the context words of SECURITY.md § Passwords, padded, leet or doubled."""
    with pytest.raises(ValidationError):
        validate_password(weak, alice)


def test_context_words_inside_a_longer_passphrase_are_fine(alice):
    validate_password("reunite the families before the winter comes", alice)


def test_a_failed_sign_in_never_shows_the_password_again(client, alice):
    """6.2.6: the typed password is not echoed back into the page."""
    typed = "my-secret-try-4711-zebra"
    response = sign_in_with_password(client, alice.email, typed)
    assert response.status_code == 200
    assert typed not in response.content.decode()


def test_totp_secrets_are_long_and_never_repeat():
    """6.5.3: 160-bit secrets from a CSPRNG: no two alike in a thousand draws."""
    from allauth.mfa.totp.internal.auth import generate_totp_secret

    secrets = [generate_totp_secret() for _ in range(1000)]
    assert len(set(secrets)) == len(secrets)
    assert min(len(s) for s in secrets) >= 32  # base32: 5 bits a character


def test_session_ids_are_long_random_and_fresh_per_sign_in(alice, password):
    """7.2.2, 7.2.3: a new reference token at each sign-in, over 128 bits."""
    from django.core.cache import cache

    seen = set()
    for _ in range(3):
        browser = Client()
        sign_in_with_password(browser, alice.email, password)
        browser.post(reverse("mfa_authenticate"), {"code": totp_now(alice.totp_secret)})
        key = browser.session.session_key
        assert len(key) >= 32 and re.fullmatch(r"[a-z0-9]+", key)  # 36**32 > 2**165
        seen.add(key)
        cache.clear()  # forget the TOTP replay marker: the same code signs in again
    assert len(seen) == 3


def test_sign_in_returns_to_a_page_of_this_site(client, alice, password):
    """1.2.2: the `next` page is followed when it is on this site."""
    target = reverse("people:list")
    client.post(
        f"{reverse('account_login')}?next={target}",
        {"login": alice.email, "password": password, "next": target},
    )
    response = client.post(reverse("mfa_authenticate"), {"code": totp_now(alice.totp_secret)})
    assert response.status_code == 302
    assert response["Location"] == target


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/phish", "//evil.example/", "javascript:alert(1)", "/\\evil.example"],
)
def test_sign_in_never_redirects_to_another_site(client, alice, password, target):
    client.post(
        reverse("account_login"), {"login": alice.email, "password": password, "next": target}
    )
    response = client.post(reverse("mfa_authenticate"), {"code": totp_now(alice.totp_secret)})
    assert response.status_code == 302
    location = response["Location"]
    assert "evil.example" not in location and not location.startswith("javascript:")


def test_an_invitation_address_with_a_line_break_is_refused(ada):
    """1.3.11: no header injection through an invited address."""
    from django.utils import timezone

    from reunite.accounts import services
    from reunite.core.errors import Invalid

    with pytest.raises((ValidationError, Invalid)):
        services.invitation_create(
            actor=ada.memberships.get(),
            email="new@a.example.org\nBcc: everyone@evil.example",
            role=Role.ATTORNEY,
            now=timezone.now(),
            accept_url=lambda token: token,
        )
    assert all("evil.example" not in ",".join(m.recipients()) for m in mail.outbox)


@pytest.mark.parametrize("change", ["new-recovery-codes", "remove-security-key"])
def test_changing_the_second_factor_ends_every_other_session(
    client, alice, change, django_capture_on_commit_callbacks
):
    """7.4.3 (second factor): the other sessions end; the one that made the change stays."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    RecoveryCodes.activate(alice)
    key = Authenticator.objects.create(
        user=alice, type=Authenticator.Type.WEBAUTHN, data={"name": "old key", "credential": {}}
    )
    laptop = signed_in(Client(), alice)
    signed_in(client, alice, reauthenticated=True)
    with django_capture_on_commit_callbacks(execute=True):  # allauth signals on commit
        if change == "new-recovery-codes":
            response = client.post(reverse("mfa_generate_recovery_codes"), {})
        else:
            response = client.post(reverse("mfa_remove_webauthn", kwargs={"pk": key.pk}), {})
    assert response.status_code == 302, response
    assert client.get(reverse("dashboard:home")).status_code == 200
    ended = laptop.get(reverse("dashboard:home"))
    assert ended.status_code == 302
    assert ended["Location"].startswith(reverse("account_login"))


def test_other_sessions_of_other_members_are_left_alone(client, alice, bob):
    from reunite.accounts.services import user_sessions_end

    colleague = signed_in(Client(), bob)
    other_device = signed_in(Client(), alice)
    signed_in(client, alice)
    assert user_sessions_end(user=alice, keep_session_key=client.session.session_key) == 1
    assert colleague.get(reverse("dashboard:home")).status_code == 200
    assert client.get(reverse("dashboard:home")).status_code == 200
    assert other_device.get(reverse("dashboard:home")).status_code == 302


def test_an_admin_deactivating_a_member_ends_their_sessions(client, ada, bob):
    """7.4.5: the organisation admin ends a member's sessions by deactivating them."""
    from reunite.accounts import services

    signed_in(client, bob)
    assert client.get(reverse("people:list")).status_code == 200
    services.membership_deactivate(actor=ada.memberships.get(), membership=bob.memberships.get())
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    event = AuditEvent.objects.get(event_type=EventType.MEMBER_DEACTIVATED)
    assert event.data == {"sessions_ended": 1}


def test_only_an_admin_can_end_a_members_sessions(client, alice, bob):
    from reunite.accounts import services
    from reunite.core.errors import Forbidden

    signed_in(client, bob)
    with pytest.raises(Forbidden):
        services.membership_deactivate(
            actor=alice.memberships.get(), membership=bob.memberships.get()
        )
    assert client.get(reverse("people:list")).status_code == 200
