"""allauth's signals, turned into audit events and session bookkeeping.

allauth owns the login, password and MFA flows; these receivers are the seams where the
portal records what happened. They record, and after a second-factor change they end the
account's other sessions (accounts.services.user_sessions_end); no other logic lives here.
"""

from allauth.account import signals as account_signals
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver
from django.utils import timezone

from reunite.accounts import recovery_codes, throttle, user_sessions
from reunite.accounts.selectors import default_membership
from reunite.accounts.services import user_sessions_end
from reunite.audit.events import EventType
from reunite.audit.services import record

# Where SessionLifetimeMiddleware reads them (kept under these names here too).
SESSION_AUTH_AT = user_sessions.SESSION_AUTH_AT
SESSION_LAST_SEEN = user_sessions.SESSION_LAST_SEEN


def _ip(request):
    return request.META.get("REMOTE_ADDR") if request is not None else None


def _org(user):
    membership = default_membership(user=user)
    return membership.organization if membership else None


@receiver(auth_signals.user_logged_in)
def on_login(sender, request, user, **kwargs):
    now = timezone.now().timestamp()
    request.session[SESSION_AUTH_AT] = now
    request.session[SESSION_LAST_SEEN] = now
    # For the member's own session list (ASVS 7.5.2): where and on what they signed in.
    request.session[user_sessions.SESSION_IP] = _ip(request) or ""
    request.session[user_sessions.SESSION_DEVICE] = user_sessions.device_summary(
        request.META.get("HTTP_USER_AGENT", "")
    )
    # The middleware sets it on the response: this browser is now a known device.
    request.reunite_device_cookie = throttle.issue_device_cookie(user.email)
    if not is_mfa_enabled(user):
        # The password was typed a moment ago: enrolling the mandatory second factor
        # should not ask for it again.
        record_authentication(request, user, method="password", reauthenticated=True)
    else:
        recovery_codes.warn_if_missing(request, user)
    record(event_type=EventType.LOGIN, actor=user, organization=_org(user), source_ip=_ip(request))


@receiver(auth_signals.user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record(event_type=EventType.LOGOUT, actor=user, source_ip=_ip(request))


@receiver(account_signals.password_changed)
def on_password_changed(sender, request, user, **kwargs):
    record(event_type=EventType.PASSWORD_CHANGED, actor=user, source_ip=_ip(request))


@receiver(account_signals.password_reset)
def on_password_reset(sender, request, user, **kwargs):
    record(event_type=EventType.PASSWORD_RESET, actor=user, source_ip=_ip(request))


def _end_other_sessions(request, user):
    keep = request.session.session_key if request is not None else None
    user_sessions_end(user=user, keep_session_key=keep)


@receiver(mfa_signals.authenticator_added)
def on_mfa_added(sender, request, user, authenticator, **kwargs):
    record(
        event_type=EventType.MFA_ENROLLED,
        actor=user,
        data={"type": authenticator.type},
        source_ip=_ip(request),
    )
    _end_other_sessions(request, user)


@receiver(mfa_signals.authenticator_removed)
def on_mfa_removed(sender, request, user, authenticator, **kwargs):
    record(
        event_type=EventType.MFA_REMOVED,
        actor=user,
        data={"type": authenticator.type},
        source_ip=_ip(request),
    )
    _end_other_sessions(request, user)


@receiver(mfa_signals.authenticator_reset)
def on_mfa_reset(sender, request, user, authenticator, **kwargs):
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        record(event_type=EventType.RECOVERY_CODES_GENERATED, actor=user, source_ip=_ip(request))
    _end_other_sessions(request, user)


@receiver(mfa_signals.authenticator_used)
def on_mfa_used(sender, request, user, authenticator, reauthenticated=False, **kwargs):
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        recovery_codes.code_used(
            request=request, user=user, authenticator=authenticator, reauthenticated=reauthenticated
        )


@receiver(mfa_signals.authentication_failed)
def on_mfa_failed(sender, request, user, authenticator, **kwargs):
    record(
        event_type=EventType.LOGIN_FAILED,
        actor=user,
        data={"stage": "second_factor", "type": authenticator.type},
        source_ip=_ip(request),
    )
