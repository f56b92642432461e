"""Every API error is JSON: {"error": {"code", "message"[, "fields"]}}. Never HTML, never
a traceback. Domain errors (reunite.core.errors) are mapped here, the interface layer."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from reunite.core.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    ReuniteError,
    Throttled,
    Unavailable,
)
from reunite.core.views import RETRY_AFTER_SECONDS, is_outage

logger = logging.getLogger("reunite.api")

STATUS = {
    NotFound: status.HTTP_404_NOT_FOUND,
    Forbidden: status.HTTP_403_FORBIDDEN,
    Invalid: status.HTTP_400_BAD_REQUEST,
    Conflict: status.HTTP_409_CONFLICT,
    Throttled: status.HTTP_429_TOO_MANY_REQUESTS,
    Unavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    body = {"code": code, "message": str(message)}
    if fields:
        body["fields"] = fields
    return {"error": body}


def _flatten(detail, prefix="") -> dict[str, list[str]]:
    """DRF's nested validation detail as {"field" or "field.sub": [messages]}."""
    if isinstance(detail, dict):
        out = {}
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
        return out
    if isinstance(detail, list) and any(isinstance(item, (dict, list)) for item in detail):
        out = {}
        for index, item in enumerate(detail):
            out.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return out
    items = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(item) for item in items]}


def _domain(exc: ReuniteError, fields: set[str]) -> Response:
    code = next(
        (status_code for kind, status_code in STATUS.items() if isinstance(exc, kind)),
        status.HTTP_400_BAD_REQUEST,
    )
    headers = {}
    if isinstance(exc, Throttled):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, Invalid) and exc.code not in {"invalid", ""}:
        # Services name the field an Invalid is about in its code ("birth_date").
        named = exc.code if exc.code in fields else "non_field_errors"
        body = error_body("invalid", exc.message, {named: [exc.message]})
    else:
        body = error_body(exc.code, exc.message)
    return Response(body, status=code, headers=headers)


def outage_response(exc: BaseException) -> JsonResponse:
    """503 with Retry-After for a backend outage; the log names the driver's error
    (DiskFull, QueryCanceled...), never a value."""
    cause = exc.__cause__ or exc.__context__
    logger.warning(
        "API answered 503: %s (%s)", type(exc).__name__, type(cause).__name__ if cause else "-"
    )
    response = JsonResponse(
        error_body(Unavailable.code, Unavailable.default_message),
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def exception_handler(exc, context):
    set_rollback()
    view = context.get("view")
    if isinstance(exc, ReuniteError):
        return _domain(exc, set(getattr(view, "error_fields", ())))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None) is not None:
            headers["Retry-After"] = str(max(1, int(exc.wait)))
        if isinstance(exc, exceptions.ValidationError):
            body = error_body("invalid", _("The input is not valid."), _flatten(exc.detail))
        else:
            code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
            body = error_body(code, str(exc.detail))
        return Response(body, status=exc.status_code, headers=headers)
    if is_outage(exc):  # the database or cache is down: the change rolled back whole
        return outage_response(exc)
    # Anything else is a bug: log it here, answer without a trace of it.
    logger.exception("Unexpected error in the API (%s)", type(exc).__name__)
    return Response(
        error_body("server_error", _("Something went wrong on our side. It has been logged.")),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )
