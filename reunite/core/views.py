"""The error page of last resort: a backend outage is a 503, anything else a 500."""

from __future__ import annotations

import sys

import redis.exceptions
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader

from reunite.core.errors import ReuniteError, Unavailable

# What a database or cache that is down, restarting, full, out of connections or past its
# statement or lock timeout raises. The transaction it interrupted has rolled back whole.
OUTAGES = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
RETRY_AFTER_SECONDS = 5


def is_outage(exc: BaseException | None) -> bool:
    """True when `exc` (or what caused it) is a backend being unavailable, not a bug."""
    while exc is not None:
        if isinstance(exc, OUTAGES):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def server_error(request):
    """Django's handler500, called while the exception is being handled (it has been
    logged by then). The pages are rendered without a request context: the context
    processors query the database, which may be the thing that is down."""
    outage = is_outage(sys.exc_info()[1])
    if request.path.startswith("/api/"):  # the API answers JSON, even from here
        error = Unavailable if outage else ReuniteError
        code = "unavailable" if outage else "server_error"
        body = {"error": {"code": code, "message": str(error.default_message)}}
        response = JsonResponse(body, status=503 if outage else 500)
    elif outage:
        response = HttpResponse(loader.render_to_string("unavailable.html"), status=503)
    else:
        return HttpResponseServerError(loader.render_to_string("500.html"))
    if outage:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
