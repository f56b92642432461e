"""Middleware that keeps sessions short, second factors mandatory and sign-in throttled."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _

from reunite.accounts import throttle
from reunite.accounts.receivers import SESSION_AUTH_AT, SESSION_LAST_SEEN
from reunite.accounts.selectors import active_membership
from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.core.errors import Throttled, Unavailable

SESSION_MEMBERSHIP = "reunite.membership"

# Pages a signed-in user without a second factor may still reach: enrolment itself,
# signing out, and the language switch.
MFA_ENROLMENT_URLS = frozenset(
    {
        "mfa_index",
        "mfa_activate_totp",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
        "mfa_add_webauthn",
        "account_logout",
        "account_reauthenticate",
        "set_language",
    }
)


def session_expiry(*, now: float, auth_at: float | None, last_seen: float | None) -> str | None:
    """Why a session must end now ("idle" or "lifetime"), or None."""
    if auth_at is None or last_seen is None:
        return "lifetime"
    if now - last_seen > settings.SESSION_IDLE_SECONDS:
        return "idle"
    if now - auth_at > settings.SESSION_MAX_SECONDS:
        return "lifetime"
    return None


class SessionLifetimeMiddleware:
    """Ends a session after 15 idle minutes or 12 hours in all (both configurable)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            reason = session_expiry(
                now=now,
                auth_at=request.session.get(SESSION_AUTH_AT),
                last_seen=request.session.get(SESSION_LAST_SEEN),
            )
            if reason:
                user = request.user
                logout(request)
                record(
                    event_type=EventType.SESSION_EXPIRED,
                    actor=user,
                    data={"reason": reason},
                    source_ip=request.META.get("REMOTE_ADDR"),
                )
                messages.info(request, _("Your session ended. Please sign in again."))
                return redirect(settings.LOGIN_URL)
            request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


def _url_name(request) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None


class RequireMFAMiddleware:
    """allauth offers MFA; the portal insists on it. A signed-in user without a second
    factor reaches nothing but enrolment."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.needs_mfa = request.user.is_authenticated and not is_mfa_enabled(request.user)
        if request.needs_mfa and _url_name(request) not in MFA_ENROLMENT_URLS:
            return redirect("mfa_activate_totp")
        return self.get_response(request)


class ActiveMembershipMiddleware:
    """Sets `request.membership`: the organisation and role the user is acting in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        if request.user.is_authenticated and not request.needs_mfa:
            request.membership = active_membership(
                user=request.user, chosen=request.session.get(SESSION_MEMBERSHIP)
            )
        return self.get_response(request)


class LoginThrottleMiddleware:
    """Answers a throttled sign-in with a clear 429 page (503 when the throttle's cache is
    down: fail closed), and marks a browser that signed in as a known device."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        cookie = getattr(request, "reunite_device_cookie", None)
        if cookie:
            response.set_cookie(
                throttle.DEVICE_COOKIE,
                cookie,
                max_age=throttle.DEVICE_MAX_AGE,
                secure=settings.SECURE_COOKIES,
                httponly=True,
                samesite="Strict",
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        """A password posted to the sign-in page from a locked account, source or device
        is answered 429 here, before the sign-in view builds its form: during a
        credential-stuffing wave almost every attempt is one (found by `make load`: the
        full view made each refusal cost as much as a page). The same check runs again
        inside the sign-in (AccountAdapter.pre_authenticate)."""
        if request.method != "POST" or request.resolver_match.url_name != "account_login":
            return None
        email = request.POST.get("login", "")
        if not email:
            return None
        attempt = throttle.Attempt(
            email=email,
            source=get_adapter(request).get_client_ip(request),
            device=throttle.device_for(request.COOKIES.get(throttle.DEVICE_COOKIE), email),
        )
        try:
            throttle.check(attempt)
        except (Throttled, Unavailable) as exc:
            return self.process_exception(request, exc)
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, Throttled):
            response = render(request, "429.html", {"message": exception.message}, status=429)
            response["Retry-After"] = str(exception.retry_after)
            return response
        if isinstance(exception, Unavailable):
            return render(request, "503.html", {"message": exception.message}, status=503)
        return None


class RefusedRequestAuditMiddleware:
    """A signed-in member's request refused for its input (400) or because the record had
    moved on (409) is an audit event (ASVS 16.3.3): the route, the method and the status,
    never the input. Repeated refusals show as a run of them under one member. The API
    records every call with its status itself (api.call), so it is left out here."""

    REFUSED = frozenset({400, 409})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code in self.REFUSED
            and request.user.is_authenticated
            and not request.path.startswith("/api/")
        ):
            membership = getattr(request, "membership", None)
            match = request.resolver_match
            record(
                event_type=EventType.REQUEST_REFUSED,
                actor=request.user,
                organization=membership.organization if membership else None,
                data={
                    "status": response.status_code,
                    "route": match.view_name if match else "",
                    "method": request.method,
                },
                source_ip=request.META.get("REMOTE_ADDR"),
            )
        return response
