"""Rate limits: per token, per anonymous address, and per address for failed tokens.

Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], read at each request (so that
settings overrides apply), and are kept in the shared cache, like the login throttles.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class _SettingsRate(SimpleRateThrottle):
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class TokenThrottle(_SettingsRate):
    """Calls per token."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        if token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}


class AnonymousThrottle(_SettingsRate):
    """Calls without a token (the schema), per address."""

    scope = "anonymous"

    def get_cache_key(self, request, view):
        if getattr(request, "auth", None) is not None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AuthFailures:
    """Failed token presentations per address, in fixed windows. Past the limit every
    token from that address is refused with a 429 before the database is asked."""

    scope = "auth_failures"

    def __init__(self, request):
        self.num, self.duration = SimpleRateThrottle.parse_rate(
            None, api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        )
        window = int(time.time() // self.duration)
        # The address as the rest of the portal sees it (REST_FRAMEWORK["NUM_PROXIES"] is 0:
        # a client-sent X-Forwarded-For must not pick its own bucket).
        ident = request.META.get("REMOTE_ADDR") or "unknown"
        self.key = f"api-auth-failures:{ident}:{window}"
        self.wait = self.duration - int(time.time() % self.duration)

    def check(self) -> None:
        if (cache.get(self.key) or 0) >= self.num:
            raise exceptions.Throttled(wait=self.wait)

    def add(self) -> None:
        if cache.add(self.key, 1, timeout=self.duration):
            return
        try:
            cache.incr(self.key)
        except ValueError:  # expired between add and incr
            cache.add(self.key, 1, timeout=self.duration)
