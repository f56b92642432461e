"""Recovery codes: 120 random bits each, stored as salted hashes, shown once (ASVS 6.5)."""

import importlib
import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.apps import apps
from django.urls import reverse

from conftest import signed_in, totp_now
from reunite.accounts import recovery_codes
from reunite.accounts.recovery_codes import HashedRecoveryCodes
from reunite.accounts.tests.factories import MembershipFactory
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

CODE_SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){5}$")


def sign_in_with_password(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def enrol(client, user, capture):
    """Enrol an authenticator app through the pages, as a newcomer does; returns the page
    the enrolment lands on (the recovery codes, shown once)."""
    signed_in(client, user, reauthenticated=True)
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    with capture(execute=True):
        done = client.post(reverse("mfa_activate_totp"), {"code": totp_now(secret)})
    assert done["Location"] == reverse("mfa_view_recovery_codes")
    return client.get(done["Location"])


@pytest.fixture
def newcomer(org_a):
    """A member who has a password but no second factor yet."""
    return MembershipFactory(organization=org_a).user


@pytest.fixture
def shown(client, newcomer, django_capture_on_commit_callbacks):
    return enrol(client, newcomer, django_capture_on_commit_callbacks)


def test_allauth_builds_the_hashed_codes_everywhere(alice):
    """If an allauth upgrade moves its classes, install() stops working: this fails."""
    assert RecoveryCodes is HashedRecoveryCodes
    authenticator = HashedRecoveryCodes.activate(alice).instance
    assert isinstance(authenticator.wrap(), HashedRecoveryCodes)


def test_enrolment_shows_ten_long_codes_once_and_stores_only_salted_hashes(shown, newcomer):
    """6.5.2, 6.5.3, 6.5.4: 24 base-32 symbols (120 bits) from a CSPRNG; only hashes kept."""
    codes = shown.context["codes"]
    assert len(codes) == len(set(codes)) == 10
    assert all(CODE_SHAPE.match(code) for code in codes)
    html = shown.content.decode()
    assert all(code in html for code in codes)
    stored = Authenticator.objects.get(user=newcomer, type=Authenticator.Type.RECOVERY_CODES)
    assert set(stored.data) == {"scheme", "salt", "hashes"}  # no seed, no codes
    raw = str(stored.data)
    assert not any(code in raw or code.replace("-", "") in raw for code in codes)
    assert len(stored.data["salt"]) == 32  # 128 bits of salt


def test_each_set_has_its_own_salt(alice, bob):
    first = HashedRecoveryCodes.activate(alice).instance.data
    second = HashedRecoveryCodes.activate(bob).instance.data
    assert first["salt"] != second["salt"]
    assert not set(first["hashes"]) & set(second["hashes"])


def test_the_codes_are_not_shown_again_once_saved(client, shown):
    codes = shown.context["codes"]
    assert client.get(reverse("mfa_download_recovery_codes")).content.decode().split() == codes
    client.post(reverse("mfa_view_recovery_codes"))  # "I have saved my recovery codes"
    again = client.get(reverse("mfa_view_recovery_codes"))
    assert again.context["codes"] is None
    assert not any(code in again.content.decode() for code in codes)
    assert "10 of 10" in again.content.decode()
    assert client.get(reverse("mfa_download_recovery_codes")).status_code == 404


def test_the_codes_leave_the_session_after_the_showing_time(client, shown, settings):
    codes = shown.context["codes"]
    session = client.session
    held = session[recovery_codes.SESSION_KEY]
    held["at"] -= settings.RECOVERY_CODES_SHOW_SECONDS + 1
    session[recovery_codes.SESSION_KEY] = held
    session.save()
    later = client.get(reverse("mfa_view_recovery_codes"))
    assert not any(code in later.content.decode() for code in codes)
    assert recovery_codes.SESSION_KEY not in client.session


def test_the_codes_are_kept_sealed_in_the_session_and_never_reach_another(
    client, shown, newcomer, password
):
    codes = shown.context["codes"]
    held = str(client.session[recovery_codes.SESSION_KEY])
    assert not any(code in held for code in codes)
    other = type(client)()
    signed_in(other, newcomer)
    page = other.get(reverse("mfa_view_recovery_codes"))
    assert page.context["codes"] is None
    assert other.get(reverse("mfa_download_recovery_codes")).status_code == 404


def test_a_code_signs_in_once_whatever_its_case_spacing_or_dashes(
    client, alice, password, django_capture_on_commit_callbacks
):
    """6.5.1: used once. Typing "o" for zero or "l" for one does not matter."""
    codes = HashedRecoveryCodes.activate(alice).instance.new_codes
    typed = codes[3].lower().replace("-", " ").replace("0", "o").replace("1", "l")
    sign_in_with_password(client, alice.email, password)
    assert client.post(reverse("mfa_authenticate"), {"code": typed}).status_code == 302
    assert "_auth_user_id" in client.session
    client.post(reverse("account_logout"))
    sign_in_with_password(client, alice.email, password)
    reused = client.post(reverse("mfa_authenticate"), {"code": codes[3]})
    assert reused.status_code == 200
    assert "_auth_user_id" not in client.session
    left = Authenticator.objects.get(user=alice, type=Authenticator.Type.RECOVERY_CODES)
    assert len(left.wrap().get_unused_codes()) == 9


def test_a_used_code_is_audited_and_the_member_emailed_with_the_count_left(
    client, alice, password, mailoutbox
):
    codes = HashedRecoveryCodes.activate(alice).instance.new_codes
    client.post(
        reverse("account_login"),
        {"login": alice.email, "password": password},
        REMOTE_ADDR="198.51.100.23",
    )
    client.post(reverse("mfa_authenticate"), {"code": codes[0]}, REMOTE_ADDR="198.51.100.23")
    used = AuditEvent.objects.get(event_type=EventType.RECOVERY_CODE_USED)
    assert used.actor_id == alice.public_id and used.data == {"left": 9, "reauthenticated": False}
    (mail,) = [m for m in mailoutbox if "recovery code was used" in m.subject]
    assert mail.to == [alice.email]
    assert "198.51.100.23" in mail.body and "9 recovery codes are left" in mail.body
    assert codes[0] not in mail.body


def test_signing_in_with_the_authenticator_app_sends_no_such_email(
    client, alice, password, mailoutbox
):
    HashedRecoveryCodes.activate(alice)
    sign_in_with_password(client, alice.email, password)
    client.post(reverse("mfa_authenticate"), {"code": totp_now(alice.totp_secret)})
    assert "_auth_user_id" in client.session
    assert not AuditEvent.objects.filter(event_type=EventType.RECOVERY_CODE_USED).exists()
    assert not any("recovery code was used" in m.subject for m in mailoutbox)


@pytest.mark.parametrize("typed", ["", "----", "0000-0000-0000-0000-0000-0000", "12345678"])
def test_wrong_codes_are_refused(alice, typed):
    wrapper = HashedRecoveryCodes.activate(alice)
    assert wrapper.validate_code(typed) is False
    assert len(wrapper.get_unused_codes()) == 10


def test_a_new_set_needs_the_password_replaces_the_old_and_is_audited(
    client, alice, django_capture_on_commit_callbacks
):
    old = HashedRecoveryCodes.activate(alice).instance.new_codes
    signed_in(client, alice)
    asked = client.post(reverse("mfa_generate_recovery_codes"))
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    signed_in(client, alice, reauthenticated=True)
    with django_capture_on_commit_callbacks(execute=True):
        made = client.post(reverse("mfa_generate_recovery_codes"))
    assert made["Location"] == reverse("mfa_view_recovery_codes")
    new = client.get(made["Location"]).context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    wrapper = Authenticator.objects.get(user=alice, type="recovery_codes").wrap()
    assert wrapper.validate_code(old[0]) is False
    assert wrapper.validate_code(new[0]) is True
    assert AuditEvent.objects.filter(
        event_type=EventType.RECOVERY_CODES_GENERATED, actor_id=alice.public_id
    ).exists()


def test_a_member_without_codes_is_told_at_sign_in(client, alice, password):
    sign_in_with_password(client, alice.email, password)
    page = client.post(
        reverse("mfa_authenticate"), {"code": totp_now(alice.totp_secret)}, follow=True
    )
    assert "no usable recovery codes" in page.content.decode()


def test_a_member_with_codes_is_not_nagged(client, alice, password):
    HashedRecoveryCodes.activate(alice)
    sign_in_with_password(client, alice.email, password)
    page = client.post(
        reverse("mfa_authenticate"), {"code": totp_now(alice.totp_secret)}, follow=True
    )
    assert "no usable recovery codes" not in page.content.decode()


def test_the_migration_drops_seeded_sets_and_keeps_hashed_ones(alice, bob):
    migration = importlib.import_module(
        "reunite.accounts.migrations.0002_drop_unhashed_recovery_codes"
    )
    HashedRecoveryCodes.activate(alice)
    Authenticator.objects.create(
        user=bob, type="recovery_codes", data={"seed": "v1:k1:sealed", "used_mask": 0}
    )
    migration.drop_seeded_sets(apps, None)
    kept = Authenticator.objects.filter(type="recovery_codes")
    assert [a.user_id for a in kept] == [alice.pk]


def test_a_seeded_set_left_behind_is_never_accepted(bob):
    seeded = Authenticator.objects.create(
        user=bob, type="recovery_codes", data={"seed": "v1:k1:sealed", "used_mask": 0}
    )
    assert seeded.wrap().validate_code("12345678") is False
    assert seeded.wrap().get_unused_codes() == []
