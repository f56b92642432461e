"""Turning domain errors into HTTP, at the interface layer only."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404

from reunite.core.errors import Forbidden, NotFound


def domain_errors_as_http(view):
    """NotFound becomes a 404 and Forbidden a 403; other domain errors are the view's to
    show as a form or page message."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc

    return wrapper
