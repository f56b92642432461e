"""allauth adapters: closed sign-up, the portal's login throttle, sealed MFA secrets."""

import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator

from reunite.accounts import throttle
from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.core import crypto

MFA_DATA_CONTEXT = "mfa_authenticator.data"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False  # people join by invitation only

    def _attempt(self, request, credentials) -> throttle.Attempt:
        email = credentials.get("email", "")
        cookie = request.COOKIES.get(throttle.DEVICE_COOKIE)
        return throttle.Attempt(
            email=email,
            source=self.get_client_ip(request),
            device=throttle.device_for(cookie, email),
        )

    def pre_authenticate(self, request, **credentials):
        attempt = self._attempt(request, credentials)
        throttle.check(attempt)
        throttle.admit(attempt, now=time.time())

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is not None:
            throttle.succeed(self._attempt(request, credentials))
        return user

    def authentication_failed(self, request, **credentials):
        attempt = self._attempt(request, credentials)
        locked = throttle.fail(attempt)
        account = throttle.account_key(attempt.email)
        source = self.get_client_ip(request)
        record(
            event_type=EventType.LOGIN_FAILED,
            data={"account": account, "stage": "password", "known_device": bool(attempt.device)},
            source_ip=source,
        )
        if locked:
            record(
                event_type=EventType.LOCKOUT,
                data={"account": account, "known_device": bool(attempt.device)},
                source_ip=source,
            )

    def reauthenticate(self, user, password):
        """Re-entering the password before a sensitive action is an authentication too:
        on success it is audited and the session gets a new id, as at sign-in (ASVS
        7.2.4, 16.3.1). A wrong password goes through `authenticate` above: throttled and
        audited as a failed sign-in."""
        ok = super().reauthenticate(user, password)
        request = self.request
        if ok and request is not None:
            request.session.cycle_key()
            record(
                event_type=EventType.REAUTHENTICATED,
                actor=user,
                source_ip=self.get_client_ip(request),
            )
        return ok


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are sealed with the data key ring."""

    def encrypt(self, text: str) -> str:
        return crypto.seal(text, context=MFA_DATA_CONTEXT)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.unseal(encrypted_text, context=MFA_DATA_CONTEXT)

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Every account needs a second factor: the last one cannot be removed."""
        factors = Authenticator.objects.filter(user_id=authenticator.user_id).exclude(
            type=Authenticator.Type.RECOVERY_CODES
        )
        return factors.exclude(pk=authenticator.pk).exists()
