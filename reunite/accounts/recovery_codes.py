"""Recovery codes kept as hashes only, shown once (ASVS 6.5.1 to 6.5.4).

allauth derives its recovery codes from a seed it stores (sealed, here) and can show
them again at any time. Here each code is 24 random Crockford base-32 symbols (120 bits,
above ASVS's 112 for a plain hash), and only a salted SHA-256 of each is stored. The
codes exist in clear only in the request that makes them and, sealed under the data key,
in that member's session for `RECOVERY_CODES_SHOW_SECONDS`, so they can be read, copied
and downloaded once after they are made; after that, nobody, not even the member, can
see them again: a lost set is replaced, not shown.

`HashedRecoveryCodes` takes the place of allauth's `RecoveryCodes` (see `install()`), so
allauth's sign-in, re-authentication, enrolment and renewal flows use it unchanged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import smtplib
import time

from allauth.core import context as allauth_context
from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal import auth as allauth_auth
from allauth.mfa.recovery_codes.internal import flows as allauth_flows
from django.conf import settings
from django.contrib import messages
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.core import crypto

logger = logging.getLogger(__name__)

SCHEME = "sha256-salted-v1"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
SYMBOLS = 24  # 24 x 5 bits = 120 bits
GROUP = 4
MASK = "****"  # what allauth's pages get instead of a code
SESSION_KEY = "reunite.recovery_codes"
SESSION_CONTEXT = "session.recovery_codes"
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(SYMBOLS))
    return "-".join(symbols[i : i + GROUP] for i in range(0, SYMBOLS, GROUP))


def normalize(code: str) -> str:
    """What was typed, as the symbols that were shown: case, spaces, dashes and the
    letters people mistake for digits (O, I, L) do not matter."""
    return re.sub(r"[\s\-]", "", code).upper().translate(_CONFUSABLE)


def digest(code: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{normalize(code)}".encode("ascii", "replace")).hexdigest()


class HashedRecoveryCodes(allauth_auth.RecoveryCodes):
    """allauth's recovery-code authenticator, holding salted hashes instead of a seed."""

    @classmethod
    def of(cls, user) -> HashedRecoveryCodes | None:
        """The member's set, if they have one."""
        found = Authenticator.objects.filter(
            user_id=user.pk, type=Authenticator.Type.RECOVERY_CODES
        ).first()
        return cls(found) if found else None

    @classmethod
    def activate(cls, user) -> HashedRecoveryCodes:
        existing = cls.of(user)
        if existing:
            return existing
        codes = [new_code() for _ in range(app_settings.RECOVERY_CODE_COUNT)]
        salt = secrets.token_hex(16)
        instance = Authenticator(
            user=user,
            type=Authenticator.Type.RECOVERY_CODES,
            data={"scheme": SCHEME, "salt": salt, "hashes": [digest(c, salt) for c in codes]},
        )
        instance.save()
        instance.new_codes = codes  # in memory only
        remember(allauth_context.request, codes)
        return cls(instance)

    def _hashes(self) -> list[str | None]:
        """The stored hashes; a used code's place holds None."""
        if self.instance.data.get("scheme") != SCHEME:
            return []  # a set from before hashing: never accepted (see migration 0009)
        return self.instance.data["hashes"]

    def generate_codes(self) -> list[str]:
        return [MASK] * len(self._hashes())

    def get_unused_codes(self) -> list[str]:
        return [MASK for h in self._hashes() if h is not None]

    @transaction.atomic
    def validate_code(self, code: str) -> bool:
        if self.instance.pk is not None:
            self.instance = Authenticator.objects.select_for_update().get(pk=self.instance.pk)
        hashes = self._hashes()
        if not hashes or not normalize(code):
            return False
        typed = digest(code, self.instance.data["salt"])
        found = None
        for i, stored in enumerate(hashes):  # compare with every one: no early exit
            if stored is not None and hmac.compare_digest(stored, typed):
                found = i
        if found is None:
            return False
        hashes[found] = None
        self.instance.data["hashes"] = hashes
        self.instance.save(update_fields=["data"])
        return True


def install() -> None:
    """Make allauth build `HashedRecoveryCodes` wherever it builds `RecoveryCodes`:
    `Authenticator.wrap()` looks the class up in allauth's module at each call, and the
    flows module imported the name once."""
    allauth_auth.RecoveryCodes = HashedRecoveryCodes
    allauth_flows.RecoveryCodes = HashedRecoveryCodes


# --- the one showing ---------------------------------------------------------------------


def remember(request, codes: list[str]) -> None:
    """Keep a set just made, sealed, in the session of the member who made it, for the
    one showing. (allauth's middleware sets its request context on every request; a set
    made outside a request, by a command or a test, is shown to nobody.)"""
    if request is None or not hasattr(request, "session"):
        return
    sealed = crypto.seal(json.dumps(codes), context=SESSION_CONTEXT)
    request.session[SESSION_KEY] = {"codes": sealed, "at": time.time()}


def shown(request) -> list[str] | None:
    """The codes just made, while they may still be shown; None after that."""
    held = request.session.get(SESSION_KEY)
    if not held:
        return None
    if time.time() - held["at"] > settings.RECOVERY_CODES_SHOW_SECONDS:
        forget(request)
        return None
    return json.loads(crypto.unseal(held["codes"], context=SESSION_CONTEXT))


def forget(request) -> None:
    request.session.pop(SESSION_KEY, None)


def warn_if_missing(request, user) -> None:
    """At sign-in, a member with a second factor but no usable recovery codes (none made,
    all used, or a set from before hashing, which no longer counts) is told to make some."""
    codes = HashedRecoveryCodes.of(user)
    if codes is None or not codes.get_unused_codes():
        messages.warning(
            request,
            _(
                "You have no usable recovery codes. Make a set under Second factors, "
                "in case you lose your authenticator app."
            ),
            fail_silently=True,  # a sign-in outside the pages (tests, the API) has no messages
        )


# --- a code used ---------------------------------------------------------------------------


def code_used(*, request, user, authenticator: Authenticator, reauthenticated: bool) -> None:
    """A recovery code opened the account: audited, and the member is told by email at
    once, with how many codes are left, since a code in someone else's hands looks
    exactly like this."""
    fresh = Authenticator.objects.get(pk=authenticator.pk)  # the caller's copy predates the use
    left = len(fresh.wrap().get_unused_codes())
    source_ip = request.META.get("REMOTE_ADDR") if request is not None else None
    record(
        event_type=EventType.RECOVERY_CODE_USED,
        actor=user,
        data={"left": left, "reauthenticated": reauthenticated},
        source_ip=source_ip,
    )
    context = {"left": left, "address": source_ip or "?", "at": timezone.now()}
    try:
        send_mail(
            subject=_("A recovery code was used on your Reunite account"),
            message=render_to_string("accounts/email/recovery_code_used.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )
    except (OSError, smtplib.SMTPException):
        # The member locked out of their app still gets in; the audit event stands.
        logger.warning("recovery-code notice not sent: mail server unavailable")
