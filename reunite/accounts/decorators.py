"""View decorators: signed in, acting for an organisation, allowed by role."""

from functools import wraps

from allauth.account.decorators import reauthentication_required
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from reunite.accounts.access import require
from reunite.accounts.roles import Capability
from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.core.errors import Forbidden, NotFound
from reunite.core.http import domain_errors_as_http


def _record_denial(request, *, status: int, kwargs: dict) -> None:
    """A refused request is an audit event (ASVS 16.3.2): who, which route, which record,
    404 or 403. Probing other organisations' ids leaves a trail."""
    match = request.resolver_match
    record_id = kwargs.get("public_id")
    record(
        event_type=EventType.ACCESS_DENIED,
        actor=request.user,
        organization=request.membership.organization if request.membership else None,
        data={
            "status": status,
            "route": match.view_name if match else "",
            "record": str(record_id) if record_id else None,
            "method": request.method,
        },
        source_ip=request.META.get("REMOTE_ADDR"),
    )


def member_view(capability: Capability | None = None):
    """Signed in, with an active membership (`request.membership`), and, when given,
    a role with `capability`. Domain errors become 404/403, and every refusal is
    audited."""

    def decorator(view):
        @login_required
        @wraps(view)
        @domain_errors_as_http
        def wrapper(request, *args, **kwargs):
            if request.membership is None:
                _record_denial(request, status=403, kwargs=kwargs)
                return render(request, "accounts/no_membership.html", status=403)
            try:
                if capability is not None:
                    require(request.membership, capability)
                return view(request, *args, **kwargs)
            except (NotFound, Http404):
                _record_denial(request, status=404, kwargs=kwargs)
                raise
            except (Forbidden, PermissionDenied):
                _record_denial(request, status=403, kwargs=kwargs)
                raise

        return wrapper

    return decorator


@reauthentication_required
def _recently_authenticated(request):
    return None


def require_step_up(request) -> None:
    """Before a sensitive action: ask for the password again unless it was given in the
    last few minutes. allauth catches the exception, asks, then replays the request.
    Call it after the access gate, so that a stranger's id still gets a plain 404."""
    _recently_authenticated(request)
