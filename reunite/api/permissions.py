"""Scopes: what a token may do, on top of (never beyond) what its member's role allows."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission

from reunite.api.models import ApiToken, Scope


def required_scope(method: str, view) -> str:
    """read for GET, write for changes, unless the view names another (`scope`)."""
    if getattr(view, "scope", None):
        return view.scope
    return Scope.READ if method.upper() in SAFE_METHODS else Scope.WRITE


class TokenScope(BasePermission):
    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return False  # DRF answers 401 with the WWW-Authenticate challenge
        scope = required_scope(request.method, view)
        if scope not in token.scopes:
            raise exceptions.PermissionDenied(
                _("This token lacks the “%(scope)s” scope.") % {"scope": scope},
                code="insufficient_scope",
            )
        return True
