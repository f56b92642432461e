"""A member sees where they are signed in and ends the sessions they do not recognise
(ASVS 7.5.2)."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from conftest import signed_in, totp_now
from reunite.accounts.user_sessions import device_summary, session_public_id
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

SESSIONS = reverse("accounts:sessions")
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)


def browser(user, password, *, agent, address):
    """A real sign-in (password, then TOTP) from a browser with this agent and address."""
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    client.post(reverse("account_login"), {"login": user.email, "password": password})
    client.post(reverse("mfa_authenticate"), {"code": totp_now(user.totp_secret)})
    cache.clear()  # forget the TOTP replay marker: the same code signs in again
    assert client.get(reverse("dashboard:home")).status_code == 200
    return client


def step_up(client, password):
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("agent", "summary"),
    [
        (FIREFOX, "Firefox / Windows"),
        (PHONE, "Chrome / Android"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/17.5 Safari/605.1.15",
            "Safari / macOS",
        ),
        ("curl/8.5.0", "curl/8.5.0"),
        ("<script>x</script>", "scriptx/script"),  # printable, and escaped on the page
        ("", ""),
    ],
)
def test_a_device_is_summed_up_in_a_few_words(agent, summary):
    assert device_summary(agent) == summary


def test_a_member_sees_their_sessions_with_device_address_and_times(alice, bob, password):
    laptop = browser(alice, password, agent=FIREFOX, address="198.51.100.7")
    browser(alice, password, agent=PHONE, address="203.0.113.9")
    browser(bob, password, agent=FIREFOX, address="192.0.2.44")  # someone else's
    step_up(laptop, password)
    response = laptop.get(SESSIONS)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("End this session") == 1  # the phone; not the browser in use
    assert "Firefox / Windows" in body and "Chrome / Android" in body
    assert "198.51.100.7" in body and "203.0.113.9" in body
    assert "192.0.2.44" not in body  # Bob's session is not Alice's business
    assert laptop.session.session_key not in body  # keys are credentials: never shown
    # The list and the header link
    assert f'href="{SESSIONS}"' in body


def test_the_list_asks_for_the_password_again(client, alice):
    signed_in(client, alice)
    response = client.get(SESSIONS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(SESSIONS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_a_member_ends_one_other_session_and_it_is_audited(alice, password):
    laptop = browser(alice, password, agent=FIREFOX, address="198.51.100.7")
    phone = browser(alice, password, agent=PHONE, address="203.0.113.9")
    tablet = browser(alice, password, agent=PHONE, address="203.0.113.10")
    step_up(laptop, password)
    target = session_public_id(phone.session.session_key)
    response = laptop.post(SESSIONS, {"session": target})
    assert response.status_code == 302
    assert phone.get(reverse("dashboard:home"))["Location"].startswith(reverse("account_login"))
    assert tablet.get(reverse("dashboard:home")).status_code == 200
    assert laptop.get(reverse("dashboard:home")).status_code == 200
    event = AuditEvent.objects.get(event_type=EventType.SESSIONS_ENDED)
    assert event.actor_id == alice.public_id
    assert event.data == {"ended": 1, "scope": "one"}


def test_a_member_ends_every_other_session(alice, password):
    laptop = browser(alice, password, agent=FIREFOX, address="198.51.100.7")
    others = [browser(alice, password, agent=PHONE, address="203.0.113.9") for _ in range(2)]
    step_up(laptop, password)
    laptop.post(SESSIONS)
    for other in others:
        assert other.get(reverse("dashboard:home")).status_code == 302
    assert laptop.get(reverse("dashboard:home")).status_code == 200
    assert AuditEvent.objects.get(event_type=EventType.SESSIONS_ENDED).data == {
        "ended": 2,
        "scope": "others",
    }


def test_no_one_ends_another_members_session_nor_their_own_current_one(alice, bob, password):
    laptop = browser(alice, password, agent=FIREFOX, address="198.51.100.7")
    bobs = browser(bob, password, agent=FIREFOX, address="192.0.2.44")
    step_up(laptop, password)
    # Bob's session id, however it was learnt, is not among Alice's sessions.
    laptop.post(SESSIONS, {"session": session_public_id(bobs.session.session_key)})
    assert bobs.get(reverse("dashboard:home")).status_code == 200
    # The raw key is no id either.
    laptop.post(SESSIONS, {"session": bobs.session.session_key})
    assert bobs.get(reverse("dashboard:home")).status_code == 200
    # The session in use ends by signing out, not from this list.
    response = laptop.post(
        SESSIONS, {"session": session_public_id(laptop.session.session_key)}, follow=True
    )
    assert "sign out to end it" in response.content.decode()
    assert laptop.get(reverse("dashboard:home")).status_code == 200
    assert not AuditEvent.objects.filter(event_type=EventType.SESSIONS_ENDED).exists()


def test_idle_and_expired_sessions_are_not_listed(alice, password, settings):
    laptop = browser(alice, password, agent=FIREFOX, address="198.51.100.7")
    phone = browser(alice, password, agent=PHONE, address="203.0.113.9")
    session = phone.session
    session["reunite.last_seen"] -= settings.SESSION_IDLE_SECONDS + 1
    session.save()
    step_up(laptop, password)
    body = laptop.get(SESSIONS).content.decode()
    assert "Chrome / Android" not in body
    assert not re.search(r"End this session", body)
