"""View decorators: signed in, acting for an organisation, allowed by role."""

from functools import wraps

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
