"""What the portal notes about each signed-in session, so that a member can see where
they are signed in and end the sessions they do not recognise (ASVS 7.5.2).

Sessions live in the database (Django's session table); a session of a user carries the
sign-in time and last request (receivers, SessionLifetimeMiddleware) and, from sign-in,
the client address and a short device summary. There is no second table to keep in step
with the session table: the list is read from the sessions themselves, as
`services.user_sessions_end` already does when a second factor changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.crypto import salted_hmac

SESSION_AUTH_AT = "reunite.auth_at"
SESSION_LAST_SEEN = "reunite.last_seen"
SESSION_IP = "reunite.ip"
SESSION_DEVICE = "reunite.device"

# Order matters: Edge and Opera announce Chrome too, Chrome announces Safari.
_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_summary(user_agent: str) -> str:
    """A summary such as "Firefox / Windows": enough for a member to recognise their own devices, without
    keeping the full user-agent string (minimisation)."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), "")
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), "")
    if browser and system:
        return f"{browser} / {system}"
    # Anything else: a short, printable prefix of what the client said it was.
    return browser or system or re.sub(r"[^\w ./()-]", "", user_agent)[:40]


def session_public_id(session_key: str) -> str:
    """The id a session goes by on the page: a keyed digest of its key, so that the key
    itself (a bearer credential) never reaches a page, a form or a log."""
    return salted_hmac("reunite.accounts.session", session_key).hexdigest()[:32]


def sessions_of(user_pk) -> Iterator[tuple[Session, dict]]:
    """The unexpired sessions of one user with their decoded data. Reads every unexpired
    session: they last 12 hours at most, so the table stays small."""
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = session.get_decoded()
        if data.get("_auth_user_id") == str(user_pk):
            yield session, data
