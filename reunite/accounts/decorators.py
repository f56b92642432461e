"""View decorators: signed in, acting for an organisation, allowed by role."""

from functools import wraps

from allauth.account.decorators import reauthentication_required
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from reunite.accounts.access import require
from reunite.accounts.roles import Capability
from reunite.core.http import domain_errors_as_http


def member_view(capability: Capability | None = None):
    """Signed in, with an active membership (`request.membership`), and, when given,
    a role with `capability`. Domain errors become 404/403."""

    def decorator(view):
        @login_required
        @wraps(view)
        @domain_errors_as_http
        def wrapper(request, *args, **kwargs):
            if request.membership is None:
                return render(request, "accounts/no_membership.html", status=403)
            if capability is not None:
                require(request.membership, capability)
            return view(request, *args, **kwargs)

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
