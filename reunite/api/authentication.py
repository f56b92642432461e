"""`Authorization: Bearer <token>`: the request acts as the token's membership."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from reunite.api import services
from reunite.api.throttling import AuthFailures


class BearerTokenAuthentication(BaseAuthentication):
    """A personal API token. `request.user` is its user and `request.auth` the token,
    whose `membership` is the actor. Failures are counted per address: past the limit
    the address gets a 429 before any token is looked up."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts:
            return None
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            # The API is exempt from the HTTPS redirect (SECURE_REDIRECT_EXEMPT): a client
            # that sent its token over plain HTTP gets an error it cannot miss, instead of a
            # redirect that would hide the leak (ASVS 4.1.2). The token should be revoked.
            raise exceptions.PermissionDenied(
                _("The API answers over HTTPS only. Revoke this token: it was sent unencrypted."),
                code="https_required",
            )
        failures = AuthFailures(request)
        failures.check()
        if len(parts) != 2 or parts[0].lower() != self.keyword:
            failures.add()
            raise exceptions.AuthenticationFailed(
                _("Send the token as: Authorization: Bearer <token>."), code="bad_header"
            )
        try:
            plaintext = parts[1].decode("ascii")
        except UnicodeDecodeError:
            plaintext = ""
        token = services.token_authenticate(
            plaintext=plaintext, now=timezone.now(), source_ip=request.META.get("REMOTE_ADDR")
        )
        if token is None:
            failures.add()
            raise exceptions.AuthenticationFailed(
                _("The token is invalid, expired or revoked."), code="invalid_token"
            )
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describes the token to drf-spectacular's schema."""

    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A personal API token (rnt_...), created on the portal's API tokens page. "
                "It acts as the member who created it, in that organisation, limited to its "
                "scopes: read (GET), write (changes), match (reviewing candidates)."
            ),
        }
